package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A connection error never shows a password, whether it sits in the
// userinfo or in the query.
func TestOpenErrorHidesPassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, u := range []string{
		"postgres://u:hunter2@127.0.0.1:1/app?connect_timeout=1",
		"postgres://u@127.0.0.1:1/app?password=hunter2&connect_timeout=1",
	} {
		db, err := Open(ctx, u)
		if err == nil {
			db.Close()
			t.Fatalf("%s: connected to a closed port", u)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
