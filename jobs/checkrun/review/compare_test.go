package review

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
)

// TestReviewReadsEachSideOnce counts the projects a review builds: head
// and base are each parsed and evaluated once, the findings and the
// weakened settings coming from the same projects, renamed modules
// included. (It once read both sides twice: once for the findings, once
// more for the weakened settings.) Not parallel: the hook is global.
func TestReviewReadsEachSideOnce(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "hardened", "mysite", "settings.py"))
	if err != nil {
		t.Fatal(err)
	}
	const strong, weak = "SECURE_HSTS_SECONDS = 31536000\n", "SECURE_HSTS_SECONDS = 3600\n"
	if !bytes.Contains(src, []byte(strong)) {
		t.Fatalf("the hardened example no longer sets %q", strong)
	}
	base := string(src)
	head := strings.Replace(base, strong, weak, 1)
	wantLine := strings.Count(head[:strings.Index(head, weak)], "\n") + 1
	for _, tc := range []struct {
		name, from, to string
	}{
		{"modified in place", "mysite/settings.py", "mysite/settings.py"},
		{"renamed", "mysite/settings.py", "config/settings.py"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := ChangedFile{Path: tc.to, Status: "modified"}
			if tc.from != tc.to {
				f.PreviousPath, f.Status = tc.from, "renamed"
			}
			in := Input{
				Repo: "o/r", Files: []ChangedFile{f},
				Head: map[string][]byte{tc.to: []byte(head)}, Base: map[string][]byte{tc.from: []byte(base)},
				Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
			}
			var heads, bases atomic.Int32
			stop := checks.OnNewProject(func(in checks.Input) {
				switch {
				case bytes.Contains(in.Files[tc.to], []byte(weak)):
					heads.Add(1)
				case bytes.Contains(in.Files[tc.from], []byte(strong)) || bytes.Contains(in.Files[tc.to], []byte(strong)):
					bases.Add(1)
				}
			})
			res := Review(context.Background(), in)
			stop()
			if heads.Load() != 1 || bases.Load() != 1 {
				t.Errorf("head read %d times, base %d times; want once each", heads.Load(), bases.Load())
			}
			var found bool
			for _, w := range res.Weakened {
				if w.Setting != "SECURE_HSTS_SECONDS" {
					continue
				}
				found = true
				// The base position is given at head's path, the way a
				// reviewer looks for it in this pull request.
				if w.Path != tc.to || w.Line != wantLine || w.BasePath != tc.to || w.BaseLine != wantLine {
					t.Errorf("weakening at %s:%d (base %s:%d), want %s:%d both", w.Path, w.Line, w.BasePath, w.BaseLine, tc.to, wantLine)
				}
			}
			if !found {
				t.Errorf("HSTS lowered is not among the weakened settings: %+v", res.Weakened)
			}
		})
	}
}
