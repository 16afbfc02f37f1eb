package config

import (
	"testing"
	"time"
)

func TestWritePacing(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	w, err := loadWritePacing(env(nil))
	if err != nil || w != (WritePacing{}) {
		t.Errorf("defaults: %+v %v", w, err)
	}
	w, err = loadWritePacing(env(map[string]string{EnvWritesPerMinute: "off", EnvWritesPerHour: "300", EnvWriteMinute: "2s"}))
	if err != nil || w != (WritePacing{PerMinute: -1, PerHour: 300, Minute: 2 * time.Second}) {
		t.Errorf("set: %+v %v", w, err)
	}
	for _, bad := range []map[string]string{{EnvWritesPerMinute: "0"}, {EnvWritesPerHour: "many"}, {EnvWriteMinute: "-1s"}} {
		if _, err := loadWritePacing(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
