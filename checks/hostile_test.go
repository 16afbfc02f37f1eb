package checks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/race"
)

// Settings modules crafted to blow up the evaluator. Each must be analyzed
// within hostileTimeout and allocate at most its bound: the evaluator's
// limits (checks/settings/eval.go: depth, steps, items, string length,
// import chain) turn the rest into Unknown instead of work.
//
// The small inputs are committed under testdata/hostile/ (one README line
// each); the big ones are generated here, each a few lines of code, since
// committing megabytes of "((((" says nothing more.
const hostileTimeout = 60 * time.Second

type hostileCase struct {
	name  string
	files func(t *testing.T) map[string]string
	// maxAlloc bounds the bytes allocated by the whole analysis (Go heap;
	// tree-sitter's C memory is bounded by the 1 MiB file limit). The
	// bounds are about four times what was measured, so a regression of
	// the kind these inputs provoke (exponential or quadratic) fails and
	// noise does not.
	maxAlloc uint64
	// wantRule is a rule the analysis must still report, wantError a
	// file error it must give: a bounded analysis that gave up on
	// everything would pass the bounds but not these.
	wantRule, wantError string
}

const mib = 1 << 20

func hostileFile(name string) func(t *testing.T) map[string]string {
	return func(t *testing.T) map[string]string {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", name))
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"mysite/settings.py": string(b)}
	}
}

func settingsOf(src string) func(t *testing.T) map[string]string {
	return func(*testing.T) map[string]string { return map[string]string{"mysite/settings.py": src} }
}

// starChain is n modules, each star-importing the next, the last defining
// names assignments; the settings module imports the first.
func starChain(n, names int) map[string]string {
	files := map[string]string{}
	for i := range n {
		files[fmt.Sprintf("mysite/conf/m%d.py", i)] = fmt.Sprintf("from .m%d import *\nDEBUG_%d = True\n", i+1, i)
	}
	var b strings.Builder
	for i := range names {
		fmt.Fprintf(&b, "N%x=1\n", i) // 9 bytes a line: 100k stay under 1 MiB
	}
	b.WriteString("DEBUG = True\n")
	files[fmt.Sprintf("mysite/conf/m%d.py", n)] = b.String()
	files["mysite/conf/__init__.py"] = ""
	files["mysite/settings.py"] = "from .conf.m0 import *\nSECRET_KEY = 'x'\n"
	return files
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{name: "x times 10**9", files: hostileFile("repeat_1e9.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "A = A + A, 100 times (string)", files: hostileFile("doubling_str.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "A = A + A, 100 times (list)", files: hostileFile("doubling_list.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "A = [A, A], 100 times (shared nesting)", files: hostileFile("doubling_nest.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "A = {'a': A, 'b': A}, 100 times", files: hostileFile("doubling_dict.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "f-string doubling", files: hostileFile("doubling_fstring.py.txt"), maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "recursive star imports", files: func(t *testing.T) map[string]string {
			return map[string]string{
				"mysite/settings/__init__.py":   "from .base import *\n",
				"mysite/settings/base.py":       "from .production import *\nfrom .base import *\nDEBUG = True\nINSTALLED_APPS = []\n",
				"mysite/settings/production.py": "from .base import *\nfrom . import *\nfrom .production import *\nDEBUG = False\n",
				"manage.py":                     "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings.production')\n",
			}
		}, maxAlloc: 64 * mib, wantRule: "DJS201", wantError: "circular import"},
		{name: "mutual star-import (hid every setting)", files: func(t *testing.T) map[string]string {
			// One added line made each module "imported by another", so
			// no settings module was analyzed and nothing was reported.
			return map[string]string{
				"mysite/settings/__init__.py":   "",
				"mysite/settings/base.py":       "DEBUG = True\nINSTALLED_APPS = []\nfrom .production import *\n",
				"mysite/settings/production.py": "from .base import *\n",
			}
		}, maxAlloc: 64 * mib, wantRule: "DJS201", wantError: "circular import"},
		{name: "local settings importing their importer", files: func(t *testing.T) map[string]string {
			return map[string]string{
				"mysite/settings.py":       "DEBUG = True\nINSTALLED_APPS = []\ntry:\n    from .local_settings import *\nexcept ImportError:\n    pass\n",
				"mysite/local_settings.py": "from .settings import *\nDEBUG = True\n",
			}
		}, maxAlloc: 64 * mib, wantRule: "DJS201"},
		{name: "huge literal list (200k elements)", files: settingsOf("ALLOWED_HOSTS = [" + strings.Repeat("'a',", 200000) + "]\nDEBUG = True\n"), maxAlloc: 1024 * mib, wantRule: "DJS201"},
		{name: "huge literal dict", files: settingsOf("CACHES = {" + strings.Repeat("'k': 1, ", 100000) + "}\n"), maxAlloc: 1024 * mib, wantRule: "DJS203"},
		{name: "10k nested parentheses", files: settingsOf("DEBUG = " + strings.Repeat("(", 10000) + "True" + strings.Repeat(")", 10000) + "\n"), maxAlloc: 64 * mib, wantError: "nested too deeply"},
		{name: "10k nested lists", files: settingsOf("ALLOWED_HOSTS = " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n"), maxAlloc: 64 * mib, wantError: "nested too deeply"},
		{name: "10k nested dicts", files: settingsOf("CACHES = " + strings.Repeat("{'a': ", 10000) + "1" + strings.Repeat("}", 10000) + "\n"), maxAlloc: 128 * mib, wantError: "nested too deeply"},
		{name: "10k nested calls", files: settingsOf("SECRET_KEY = " + strings.Repeat("str(", 10000) + "'x'" + strings.Repeat(")", 10000) + "\n"), maxAlloc: 64 * mib, wantError: "nested too deeply"},
		{name: "100k-term concatenation", files: settingsOf("SECRET_KEY = " + strings.Repeat("'ab' + ", 100000) + "'c'\n"), maxAlloc: 512 * mib, wantError: "nested too deeply"},
		{name: "100k unary minus", files: settingsOf("SESSION_COOKIE_AGE = " + strings.Repeat("-", 100000) + "1\n"), maxAlloc: 256 * mib, wantError: "nested too deeply"},
		{name: "star-import chain of 1,000 modules", files: func(*testing.T) map[string]string { return starChain(1000, 10) }, maxAlloc: 64 * mib, wantRule: "DJS101", wantError: "star-import chain longer than 32"},
		{name: "star-import chain over 100k names", files: func(*testing.T) map[string]string { return starChain(20, 100000) }, maxAlloc: 1024 * mib, wantRule: "DJS201"},
		{name: "just over 1 MiB", files: settingsOf("DEBUG = True\n# " + strings.Repeat("x", 1<<20) + "\n"), maxAlloc: 64 * mib, wantError: "larger than 1 MiB"},
	}
}

// Not parallel: the allocation figures are the process's, so the cases run
// alone (parallel tests wait until the sequential ones are done).
func TestHostileSettingsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile settings take a few seconds")
	}
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			files := tc.files(t)
			in := checks.Input{Files: map[string][]byte{}, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
			for p, s := range files {
				in.Files[p] = []byte(s)
			}
			if _, ok := files["manage.py"]; !ok {
				// Every case is a project's settings: manage.py names them.
				in.Files["manage.py"] = []byte("os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n")
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			done := make(chan *checks.Result, 1)
			go func() { done <- checks.Analyze(context.Background(), in) }()
			var res *checks.Result
			select {
			case res = <-done:
			case <-time.After(hostileTimeout):
				t.Fatalf("analysis still running after %v", hostileTimeout)
			}
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("%v, %.1f MiB allocated, %d findings, %d file errors", took.Round(time.Millisecond), float64(alloc)/mib, len(res.Findings), len(res.Errors))
			bound := tc.maxAlloc
			if race.Enabled {
				bound *= 2 // the race runtime allocates more
			}
			if alloc > bound {
				t.Errorf("allocated %.1f MiB, bound %.0f MiB", float64(alloc)/mib, float64(bound)/mib)
			}
			if tc.wantRule != "" && !slices.ContainsFunc(res.Findings, func(f checks.Finding) bool { return f.Rule == tc.wantRule }) {
				t.Errorf("%s not reported: the analysis gave up on more than the hostile part", tc.wantRule)
			}
			if tc.wantError != "" && !slices.ContainsFunc(res.Errors, func(e checks.FileError) bool { return strings.Contains(e.Message, tc.wantError) }) {
				t.Errorf("no file error %q; errors: %+v", tc.wantError, res.Errors)
			}
		})
	}
}

// The pull request view compares base and head (Weakened): each hostile
// input, as the head of a pull request from a hardened base and as the
// base of one that hardens it, within the same time.
func TestHostileSettingsWeakenedBounded(t *testing.T) {
	t.Parallel()
	hardened := map[string][]byte{"mysite/settings.py": []byte("DEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\nALLOWED_HOSTS = ['example.com']\n")}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hostile := map[string][]byte{}
			for p, s := range tc.files(t) {
				hostile[p] = []byte(s)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				checks.Weakened(context.Background(), checks.Input{Files: hardened, Now: now}, checks.Input{Files: hostile, Now: now})
				checks.Weakened(context.Background(), checks.Input{Files: hostile, Now: now}, checks.Input{Files: hardened, Now: now})
			}()
			select {
			case <-done:
			case <-time.After(hostileTimeout):
				t.Fatalf("still comparing after %v", hostileTimeout)
			}
		})
	}
}
