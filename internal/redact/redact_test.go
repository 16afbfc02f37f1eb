package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"postgres://u:hunter2@db:5432/app":                           "postgres://u:xxxxx@db:5432/app",
		"postgres://u@db/app?password=hunter2&sslmode=require":       "postgres://u@db/app?password=xxxxx&sslmode=require",
		"postgresql://db/app?sslpassword=hunter2&user=u":             "postgresql://db/app?sslpassword=xxxxx&user=u",
		"sqlite://./djsec.db":                                        "sqlite://./djsec.db",
		"host=db user=u password=hunter2 dbname=app":                 "(a database address that is not a URL; not shown)",
		"postgres://u:p%40ss@db/app?application_name=djsec&token=t1": "postgres://u:xxxxx@db/app?application_name=djsec&token=xxxxx",
	} {
		got := URL(in)
		if got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("URL(%q) shows the password", in)
		}
	}
}
