package config_test

import (
	"strings"
	"testing"
	"time"
)

func TestJobTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  time.Duration
		err   bool
	}{
		{"", 2 * time.Minute, false},
		{"15s", 15 * time.Second, false},
		{"0s", 0, true},
		{"-1m", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		c, err := load(map[string]string{"DJSEC_JOB_TIMEOUT": tt.value})
		if tt.err {
			if err == nil || !strings.Contains(err.Error(), "DJSEC_JOB_TIMEOUT") {
				t.Errorf("%q: error %v, want one naming DJSEC_JOB_TIMEOUT", tt.value, err)
			}
			continue
		}
		if err != nil || c.JobTimeout != tt.want {
			t.Errorf("%q: %v, %v; want %v", tt.value, c.JobTimeout, err, tt.want)
		}
	}
}
