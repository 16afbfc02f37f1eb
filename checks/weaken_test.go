package checks

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks/settings"
)

var updateWeaken = flag.Bool("update-weaken", false, "rewrite the want sections of testdata/weaken/weak_*.txt")

// weakenCase is one testdata/weaken file: files at base and head and the
// weakenings expected, as Weakened renders them.
//
//	comment lines
//	-- both mysite/settings/base.py --      (same at base and head)
//	-- base mysite/settings.py --
//	-- head mysite/settings.py --
//	-- want --
//
// Files named silent_*.txt must give nothing; weak_*.txt must give at
// least one weakening, exactly the want section.
type weakenCase struct {
	base, head map[string][]byte
	want       string
	comment    string
}

func parseWeakenCase(t *testing.T, data []byte) weakenCase {
	t.Helper()
	c := weakenCase{base: map[string][]byte{}, head: map[string][]byte{}}
	var section, name string
	var body strings.Builder
	flush := func() {
		text := body.String()
		body.Reset()
		switch section {
		case "":
			c.comment = text
		case "base":
			c.base[name] = []byte(text)
		case "head":
			c.head[name] = []byte(text)
		case "both":
			c.base[name] = []byte(text)
			c.head[name] = []byte(text)
		case "want":
			c.want = text
		default:
			t.Fatalf("unknown section %q", section)
		}
	}
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(strings.TrimRight(line, "\n"), " --") {
			flush()
			f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(strings.TrimRight(line, "\n"), "-- "), " --"))
			section, name = f[0], ""
			if len(f) > 1 {
				name = f[1]
			}
			continue
		}
		body.WriteString(line)
	}
	flush()
	// The cases give settings modules as a pull request shows them; the
	// project around them has the usual manage.py naming mysite.settings.
	for _, side := range []map[string][]byte{c.base, c.head} {
		_, single := side["mysite/settings.py"]
		if _, ok := side["manage.py"]; single && !ok {
			side["manage.py"] = []byte(testManagePy)
		}
	}
	return c
}

func renderWeakenings(ws []Weakening) string {
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "%s at %s:%d (base %s:%d)\n  before: %s\n  after:  %s\n  %s\n", w.Setting, w.Path, w.Line, w.BasePath, w.BaseLine, w.Before, w.After, w.Message)
	}
	return b.String()
}

func TestWeakened(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "weaken", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		silent := strings.HasPrefix(name, "silent_")
		if !silent && !strings.HasPrefix(name, "weak_") {
			t.Fatalf("%s: name it silent_* or weak_*", file)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := parseWeakenCase(t, data)
			now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
			got := Weakened(context.Background(), Input{Files: c.base, Now: now}, Input{Files: c.head, Now: now})
			rendered := renderWeakenings(got)
			if silent {
				if len(got) != 0 {
					t.Fatalf("want no weakening, got:\n%s", rendered)
				}
				// Silence must come from the comparison, not from a
				// case where no production module is on both sides.
				if !strings.Contains(c.comment, "matched by path") && !productionPair(c.base, c.head) {
					t.Fatalf("no production settings module is on both sides: the case tests nothing")
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("want a weakening, got none")
			}
			for _, w := range got {
				if w.Message == "" || w.Before == "" || w.After == "" || w.Path == "" || w.Setting == "" {
					t.Errorf("incomplete weakening %+v", w)
				}
				if _, ok := c.head[w.Path]; !ok {
					t.Errorf("weakening points at %s, which head does not have", w.Path)
				}
				if w.Line > 0 && w.Line > bytes.Count(c.head[w.Path], []byte("\n"))+1 {
					t.Errorf("weakening points past the end of %s: line %d", w.Path, w.Line)
				}
			}
			if *updateWeaken {
				i := bytes.Index(data, []byte("-- want --\n"))
				if i < 0 {
					data = append(data, "-- want --\n"...)
					i = len(data) - len("-- want --\n")
				}
				data = append(data[:i:i], "-- want --\n"+rendered...)
				if err := os.WriteFile(file, data, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if rendered != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", rendered, c.want)
			}
		})
	}
}

// productionPair reports a production entry module at the same path on
// both sides.
func productionPair(base, head map[string][]byte) bool {
	bp, hp := NewProject(Input{Files: base}), NewProject(Input{Files: head})
	for _, b := range bp.Settings {
		for _, h := range hp.Settings {
			if b.Path == h.Path && b.Role == settings.Production && h.Role == settings.Production {
				return true
			}
		}
	}
	return false
}

// TestWeakenedSymmetric: what weakens from base to head strengthens from
// head to base, and nothing is weaker than itself.
func TestWeakenedSymmetric(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join("testdata", "weaken", "weak_*.txt"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := parseWeakenCase(t, data)
		now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		ctx := context.Background()
		for _, w := range Weakened(ctx, Input{Files: c.head, Now: now}, Input{Files: c.base, Now: now}) {
			// A reversed removal is an addition; only settings that are
			// both weaker and stronger at once would show up here.
			for _, fwd := range Weakened(ctx, Input{Files: c.base, Now: now}, Input{Files: c.head, Now: now}) {
				if fwd.Setting == w.Setting {
					t.Errorf("%s: %s is weaker in both directions", file, w.Setting)
				}
			}
		}
		for _, side := range []map[string][]byte{c.base, c.head} {
			if got := Weakened(ctx, Input{Files: side, Now: now}, Input{Files: side, Now: now}); len(got) != 0 {
				t.Errorf("%s: a side compared with itself gives %s", file, renderWeakenings(got))
			}
		}
	}
}

func TestWeakenedCancelled(t *testing.T) {
	t.Parallel()
	base := map[string][]byte{"mysite/settings.py": []byte("MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_HSTS_SECONDS = 31536000\n")}
	head := map[string][]byte{"mysite/settings.py": []byte("MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_HSTS_SECONDS = 60\n")}
	if got := Weakened(context.Background(), Input{Files: base}, Input{Files: head}); len(got) != 1 {
		t.Fatalf("want one weakening, got %s", renderWeakenings(got))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := Weakened(ctx, Input{Files: base}, Input{Files: head}); len(got) != 0 {
		t.Fatalf("a cancelled context still compared: %s", renderWeakenings(got))
	}
}

func TestHumanSeconds(t *testing.T) {
	t.Parallel()
	for in, want := range map[float64]string{
		31536000: "1 year", 63072000: "2 years", 604800: "1 week", 86400: "1 day", 172800: "2 days",
		3600: "1 hour", 7200: "2 hours", 60: "1 minute", 90: "90 seconds", 1: "1 second", 0: "0 seconds", 1.5: "1.5 seconds",
	} {
		if got := humanSeconds(in); got != want {
			t.Errorf("humanSeconds(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestDRFRatePerSecond(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{
		"100/day": 100.0 / 86400, "100/d": 100.0 / 86400, "5/min": 5.0 / 60, "5/m": 5.0 / 60, "1_000/hour": 1000.0 / 3600, "10/s": 10, " 7 /sec": 7,
	} {
		got, ok := drfRatePerSecond(str(in))
		if !ok || got != want {
			t.Errorf("drfRatePerSecond(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"100", "100/fortnight", "x/day", "100/", "1/2/d", "-5/day"} {
		if got, ok := drfRatePerSecond(str(in)); ok {
			t.Errorf("drfRatePerSecond(%q) = %v, want unknown", in, got)
		}
	}
	if got, ok := drfRatePerSecond(none()); !ok || got <= 1e300 {
		t.Errorf("None is no limit, got %v, %v", got, ok)
	}
}
