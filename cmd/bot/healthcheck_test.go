package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer ok.Close()
	var stderr bytes.Buffer
	if code := run([]string{"healthcheck", "--url", ok.URL + "/healthz"}, &bytes.Buffer{}, &stderr); code != exitOK {
		t.Errorf("healthy server: exit %d, %s", code, stderr.String())
	}
	if code := run([]string{"healthcheck", "--url", ok.URL + "/nope"}, &bytes.Buffer{}, &stderr); code != exitFindings {
		t.Errorf("404: exit %d", code)
	}
	ok.Close()
	if code := run([]string{"healthcheck", "--url", ok.URL + "/healthz"}, &bytes.Buffer{}, &stderr); code != exitFindings {
		t.Errorf("no server: exit %d", code)
	}
}
