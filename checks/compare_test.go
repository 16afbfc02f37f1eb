package checks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestCompareAgreesWithSeparateReads runs every weakening case both ways:
// Compare, which shares one project per side between the rules and the
// weakening comparison, must give what Analyze and Weakened give on
// projects of their own (no rule leaves a project changed in a way the
// comparison would see).
func TestCompareAgreesWithSeparateReads(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "weaken", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := parseWeakenCase(t, data)
			base, head := Input{Files: c.base, Now: now}, Input{Files: c.head, Now: now}
			got := Compare(ctx, base, head, nil)
			if want := Weakened(ctx, base, head); !reflect.DeepEqual(got.Weakened, want) {
				t.Errorf("Compare weakened:\n%s\nWeakened:\n%s", renderWeakenings(got.Weakened), renderWeakenings(want))
			}
			if want := Analyze(ctx, head); !reflect.DeepEqual(got.Head, want) {
				t.Errorf("Compare head = %+v\nAnalyze = %+v", got.Head, want)
			}
			if want := Analyze(ctx, base); !reflect.DeepEqual(got.Base, want) {
				t.Errorf("Compare base = %+v\nAnalyze = %+v", got.Base, want)
			}
		})
	}
}

// TestCompareRenamed: a settings module the pull request moved is compared
// with its new self, and where base set the stronger value is given at its
// head path.
func TestCompareRenamed(t *testing.T) {
	t.Parallel()
	const prod = "DEBUG = False\nSECRET_KEY = __import__('os').environ['K']\nALLOWED_HOSTS = ['example.com']\nMIDDLEWARE = ['django.middleware.security.SecurityMiddleware']\nSECURE_HSTS_SECONDS = %s\n"
	base := Input{Files: map[string][]byte{"mysite/settings.py": fmt.Appendf(nil, prod, "31536000")}}
	head := Input{Files: map[string][]byte{"config/settings.py": fmt.Appendf(nil, prod, "60")}}
	ctx := context.Background()
	if got := Compare(ctx, base, head, nil).Weakened; len(got) != 0 {
		t.Fatalf("without the rename, modules at different paths were compared: %+v", got)
	}
	got := Compare(ctx, base, head, map[string]string{"mysite/settings.py": "config/settings.py"}).Weakened
	if len(got) != 1 || got[0].Setting != "SECURE_HSTS_SECONDS" || got[0].Path != "config/settings.py" || got[0].Line != 5 || got[0].BasePath != "config/settings.py" || got[0].BaseLine != 5 {
		t.Fatalf("weakened = %+v, want SECURE_HSTS_SECONDS at config/settings.py:5 (base config/settings.py:5)", got)
	}
}
