package settings

import (
	"strings"
	"testing"
)

// membership is what ContainsStr decides, as a word for test tables.
func membership(v *Value, s string) string {
	found, known := v.ContainsStr(s)
	switch {
	case found:
		return "present"
	case known:
		return "absent"
	}
	return "unknown"
}

func TestListAtLeast(t *testing.T) {
	t.Parallel()
	const base = "import os\nM = ['sec', 'sess']\n"
	tests := []struct {
		name, src string
		want      map[string]string // element → present / absent / unknown
	}{
		{"append inside env if", base + "if os.environ.get('X'):\n    M.append('extra')\n",
			map[string]string{"sec": "present", "extra": "unknown", "other": "absent"}},
		{"unconditional append after conditional one", base + "if 'X' in os.environ:\n    M.append('extra')\nM.append('last')\n",
			map[string]string{"sec": "present", "last": "present", "extra": "unknown", "other": "absent"}},
		{"insert at 0 inside if", base + "if os.environ.get('B', 'false').lower() == 'true':\n    M.insert(0, 'basic')\n",
			map[string]string{"sess": "present", "basic": "unknown"}},
		{"plus-eq inside if", base + "if os.getenv('X'):\n    M += ['extra']\nM += ['tail']\n",
			map[string]string{"sec": "present", "tail": "present", "extra": "unknown"}},
		{"extend inside if", base + "if os.getenv('X'):\n    M.extend(['a', 'b'])\n",
			map[string]string{"sess": "present", "a": "unknown"}},
		{"rebuilt with plus inside if", base + "if os.getenv('X'):\n    M = M + ['a']\nM = M + ['z']\n",
			map[string]string{"sec": "present", "z": "present", "a": "unknown"}},
		{"remove in one branch", base + "if os.getenv('X'):\n    M.remove('sec')\n",
			map[string]string{"sec": "unknown", "sess": "present"}},
		{"replaced in one branch", base + "if os.getenv('X'):\n    M = ['other']\n",
			map[string]string{"sec": "unknown", "other": "unknown"}},
		{"many conditional appends", base + strings.Repeat("if os.getenv('X'):\n    M.append('x')\nif os.getenv('Y'):\n    M.append('y')\n", 4),
			map[string]string{"sec": "present", "sess": "present", "x": "unknown"}},
		{"loop appends", base + "for x in get():\n    M.append(x)\n",
			map[string]string{"sec": "present", "anything": "unknown"}},
		{"loop plus-eq", base + "for x in get():\n    M += [x]\n",
			map[string]string{"sess": "present"}},
		{"loop removes", base + "for x in get():\n    M.remove(x)\n",
			map[string]string{"sec": "unknown"}},
		{"loop deletes", base + "for i in get():\n    del M[i]\n",
			map[string]string{"sec": "unknown"}},
		{"splat of unknown", "M = ['sec', *get_more(), 'sess']\n",
			map[string]string{"sec": "present", "sess": "present", "x": "unknown"}},
		{"insert at computed index", base + "M.insert(M.index('sec') + 1, 'after')\n",
			map[string]string{"sec": "present", "after": "present", "x": "unknown"}},
		{"unknown call result plus list", "M = get() + ['sec']\n",
			map[string]string{"sec": "present", "x": "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			v := m.Value("M")
			for el, want := range tt.want {
				if got := membership(v, el); got != want {
					t.Errorf("%q in M: %s, want %s (M = %s, least %v, %d alts)", el, got, want, v, v.Least, len(v.Alts))
				}
			}
		})
	}
}

func TestHelperKeepsLists(t *testing.T) {
	t.Parallel()
	const settings = "A = ['auth', 'sessions']\nM = ['security']\n"
	tests := []struct {
		name   string
		helper string // s/helpers.py
		call   string // appended to the settings, after the lists
		want   map[string]string
	}{
		{"static method returns grown copies", `
class Toolbar:
    @staticmethod
    def setup(apps, middleware, position=None):
        if not enabled():
            return apps, middleware
        apps = apps + ["debug_toolbar"]
        if position is None:
            middleware = middleware + ["toolbar.Middleware"]
        else:
            copy = middleware[::]
            copy.insert(position, "toolbar.Middleware")
            middleware = copy
        return apps, middleware
`, "from .helpers import Toolbar\nA, M = Toolbar.setup(A, M)\n",
			map[string]string{"A:sessions": "present", "M:security": "present", "A:debug_toolbar": "unknown"}},
		{"module function, keyword arguments", `
def add_logging(installed_apps, middleware):
    installed_apps = [*installed_apps, "structlog"]
    return (installed_apps, list(middleware))
`, "from .helpers import add_logging\nA, M = add_logging(middleware=M, installed_apps=A)\n",
			map[string]string{"A:auth": "present", "M:security": "present"}},
		{"classmethod", `
class Setup:
    @classmethod
    def apps(cls, apps):
        apps.append("x")
        return apps
`, "from .helpers import Setup\nA = Setup.apps(A)\n",
			map[string]string{"A:auth": "present", "A:x": "unknown"}},
		{"filters its argument", `
def strip(apps, middleware):
    apps = [a for a in apps if a != "sessions"]
    return apps, middleware
`, "from .helpers import strip\nA, M = strip(A, M)\n",
			// The helper is followed: its comprehension drops the item.
			map[string]string{"A:sessions": "absent", "A:auth": "present", "M:security": "present"}},
		{"removes from its argument", `
def strip(apps):
    apps.remove("sessions")
    return apps
`, "from .helpers import strip\nA = strip(A)\n",
			map[string]string{"A:auth": "present", "A:sessions": "absent"}},
		{"hands its argument on", `
def strip(apps):
    other(apps)
    return apps
`, "from .helpers import strip\nA = strip(A)\n",
			map[string]string{"A:auth": "unknown"}},
		{"may fall off the end", `
def maybe(apps):
    if enabled():
        return apps + ["x"]
`, "from .helpers import maybe\nA = maybe(A)\n",
			map[string]string{"A:auth": "unknown"}},
		{"returns something else", `
def other(apps, middleware):
    return middleware, apps
`, "from .helpers import other\nA, M = other(A, M)\n",
			// Followed: the lists come back swapped.
			map[string]string{"A:auth": "absent", "A:security": "present", "M:security": "absent"}},
		{"library function", "", "from somelib import setup\nA, M = setup(A, M)\n",
			map[string]string{"A:auth": "unknown", "M:security": "unknown"}},
		{"decorated function", `
@instrumented
def grow(apps):
    return apps + ["x"]
`, "from .helpers import grow\nA = grow(A)\n",
			map[string]string{"A:auth": "unknown"}},
		{"function of the same file growing a global", "", `
def enable_remote_user():
    global M
    if flag():
        M.append("remote")
enable_remote_user()
`, map[string]string{"M:security": "present", "M:remote": "unknown"}},
		{"function of the same file rebinding a global", "", `
def reset():
    global M
    M = []
reset()
`, map[string]string{"M:security": "unknown"}},
		{"function of the same file touching a module", "", `
def configure():
    os.environ.setdefault("X", "y")
    log(os)
configure()
M.append(os.environ.get("ADD", "added"))
`, map[string]string{"M:security": "present", "M:added": "present"}},
		{"function of the same file shrinking a list", "", `
def trim():
    M.remove("security")
trim()
`, map[string]string{"M:security": "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := mapFS{"s/settings.py": "import os\n" + settings + tt.call, "s/__init__.py": ""}
			if tt.helper != "" {
				fs["s/helpers.py"] = tt.helper
			}
			m := Evaluate(fs, "s/settings.py")
			for key, want := range tt.want {
				name, el, _ := strings.Cut(key, ":")
				v := m.Value(name)
				if got := membership(v, el); got != want {
					t.Errorf("%q in %s: %s, want %s (%s = %s, least %v)", el, name, got, want, name, v, v.Least)
				}
			}
		})
	}
}

func TestOptionalOverrideByExists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, test string
		files      map[string]string
		wantX      string
		skipped    bool
	}{
		{"path exists, module not in the repository", `(BASE_DIR / "s/local_settings.py").exists()`, nil, "1", true},
		{"os.path.exists", `os.path.exists(os.path.join(BASE_DIR, "local_settings.py"))`, nil, "1", true},
		{"os.path.isfile", `os.path.isfile("s/local_settings.py")`, nil, "1", true},
		{"imported exists", `exists("s/local_settings.py")`, nil, "1", true},
		{"Path is_file", `Path(BASE_DIR, "s", "local_settings.py").is_file()`, nil, "1", true},
		{"committed local module is still a developer's", `os.path.exists("s/local_settings.py")`,
			map[string]string{"s/local_settings.py": "X = 2\n"}, "1", true},
		{"committed override module is followed", `os.path.exists("s/overrides.py")`,
			map[string]string{"s/overrides.py": "X = 2\n"}, "<unknown>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mod := "local_settings"
			if strings.Contains(tt.test, "overrides") {
				mod = "overrides"
			}
			src := "import os\nfrom os.path import exists\nfrom pathlib import Path\nBASE_DIR = Path(__file__).parent.parent\nX = 1\n" +
				"if " + tt.test + ":\n    from ." + mod + " import *\n"
			fs := mapFS{"s/settings.py": src, "s/__init__.py": ""}
			for p, c := range tt.files {
				fs[p] = c
			}
			m := Evaluate(fs, "s/settings.py")
			if m.Opaque {
				t.Fatalf("model is opaque (diags %v)", m.Diags)
			}
			if got := m.Value("X").String(); got != tt.wantX {
				t.Errorf("X = %s, want %s", got, tt.wantX)
			}
			if got := len(m.Skipped) > 0; got != tt.skipped {
				t.Errorf("skipped %v, want skipped %v", m.Skipped, tt.skipped)
			}
			if len(m.Diags) > 0 {
				t.Errorf("diags %v", m.Diags)
			}
		})
	}
	// A file test that guards plain settings stays an undecided condition.
	m := evalSrc(t, "import os\nX = 1\nif os.path.exists('/run/secrets/key'):\n    X = 2\n")
	if got := m.Value("X").String(); got != "<unknown>" {
		t.Errorf("X = %s, want <unknown>", got)
	}
}

func TestConditionOnDebug(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"fail-open DEBUG takes the DEBUG branch",
			"import os\nDEBUG = os.getenv('DJANGO_DEBUG') != 'FALSE'\nK = 'dev' if DEBUG else os.getenv('K')\n", `"dev"`},
		{"if DEBUG statement",
			"import os\nDEBUG = os.getenv('DJANGO_DEBUG') != 'FALSE'\nif DEBUG:\n    K = 'dev'\nelse:\n    K = os.environ['K']\n", `"dev"`},
		{"not DEBUG",
			"import os\nDEBUG = os.getenv('DJANGO_DEBUG') != 'FALSE'\nK = os.getenv('K') if not DEBUG else 'dev'\n", `"dev"`},
		{"DEBUG off without the variable",
			"import os\nDEBUG = os.getenv('DJANGO_DEBUG') == 'True'\nK = 'dev' if DEBUG else 'prod'\n", `"prod"`},
		{"another variable read without default stays undecided",
			"import os\nIS_PROD = os.getenv('PROD')\nK = 'prod' if IS_PROD else 'dev'\n", "<unknown>"},
		{"DEBUG with a direct read stays undecided",
			"import os\nDEBUG = os.getenv('DJANGO_DEBUG') != 'FALSE'\nK = 'dev' if DEBUG and os.getenv('LOCAL') else 'prod'\n", "<unknown>"},
		{"DEBUG required stays undecided",
			"import os\nDEBUG = os.environ['DJANGO_DEBUG'] == '1'\nK = 'dev' if DEBUG else 'prod'\n", "<unknown>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := evalSrc(t, tt.src).Value("K").String(); got != tt.want {
				t.Errorf("K = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFileFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      string // SECRET_KEY
		fromFile  bool
	}{
		{"json secrets with OSError fallback", `
import json
try:
    with (DATA_DIR / "conf" / "secrets.json").open() as handle:
        SECRETS = json.load(handle)
except OSError:
    SECRETS = {"secret_key": "a"}
SECRET_KEY = str(SECRETS["secret_key"])
`, `"a"`, true},
		{"get with FileNotFoundError", `
import json
try:
    SECRETS = json.load(open("/etc/app/secrets.json"))
except FileNotFoundError:
    SECRETS = {"key": "dev-key"}
SECRET_KEY = SECRETS.get("key")
`, `"dev-key"`, true},
		{"read_text, tuple of exceptions", `
from pathlib import Path
try:
    SECRET_KEY = Path("/run/secrets/key").read_text().strip()
except (IOError, ValueError):
    SECRET_KEY = "fallback"
`, `"fallback"`, true},
		{"bare except, statements before the read run", `
X = 0
try:
    X = 1
    with open("key.txt") as f:
        SECRET_KEY = f.read()
except:
    SECRET_KEY = "fallback"
`, `"fallback"`, true},
		{"handler reads the environment", `
import os
try:
    with open("key.txt") as f:
        SECRET_KEY = f.read()
except OSError:
    SECRET_KEY = os.environ["SECRET_KEY"]
`, "<unknown>", false},
		{"handler that does not catch a missing file", `
try:
    with open("key.txt") as f:
        SECRET_KEY = f.read()
except ValueError:
    SECRET_KEY = "fallback"
`, "<unknown>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			v := m.Value("SECRET_KEY")
			if got := v.String(); got != tt.want {
				t.Fatalf("SECRET_KEY = %s, want %s", got, tt.want)
			}
			got := v.Env != nil && v.Env.Reader == "file" && v.Env.HasDefault
			if got != tt.fromFile {
				t.Errorf("file fallback = %v, want %v (%+v)", got, tt.fromFile, v.Env)
			}
		})
	}
	m := evalSrc(t, "X = 0\ntry:\n    X = 1\n    with open('k') as f:\n        K = f.read()\nexcept OSError:\n    K = 'a'\n")
	if got := m.Value("X").String(); got != "1" {
		t.Errorf("X = %s, want 1: statements before the read run", got)
	}
}

func TestSyntaxErrorKeepsTheRest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		unset     []string // names that must stay unset
		unknown   []string // names the broken text may have set
		opaque    bool
	}{
		{"stray statement at the end", "DEBUG = False\nCSRF_COOKIE_SECURE = True\nX = [1, 2\n",
			[]string{"SESSION_COOKIE_SECURE"}, []string{"X"}, false},
		{"unclosed bracket swallowing lines", "DEBUG = False\nX = [1, 2\nSESSION_COOKIE_SECURE = True\nY = 3\n",
			[]string{"CSRF_COOKIE_SECURE"}, []string{"X", "SESSION_COOKIE_SECURE"}, false},
		{"broken star-import", "DEBUG = False\nfrom .prod import * +\n", nil, nil, true},
		{"broken globals write", "DEBUG = False\nglobals()['A'] = (\n", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			if len(m.Diags) == 0 || m.Diags[0].Kind != "syntax" {
				t.Fatalf("no syntax diag: %v", m.Diags)
			}
			if m.Opaque != tt.opaque {
				t.Fatalf("opaque = %v, want %v", m.Opaque, tt.opaque)
			}
			for _, n := range tt.unset {
				if _, ok := m.Lookup(n); ok {
					t.Errorf("%s is set", n)
				}
			}
			for _, n := range tt.unknown {
				if s, ok := m.Lookup(n); !ok || s.Value.Known() {
					t.Errorf("%s = %v (set %v), want unknown", n, m.Value(n), ok)
				}
			}
			if got := m.Value("DEBUG").String(); got != "False" {
				t.Errorf("DEBUG = %s, want False", got)
			}
		})
	}
}

func TestRequiredOnlyUnconditionally(t *testing.T) {
	t.Parallel()
	required := func(v *Value) bool {
		r := false
		var walk func(v *Value, d int)
		walk = func(v *Value, d int) {
			if v == nil || d > 8 {
				return
			}
			if v.Env != nil && v.Env.Required {
				r = true
			}
			for _, l := range [][]*Value{v.Items, v.Alts} {
				for _, it := range l {
					walk(it, d+1)
				}
			}
		}
		walk(v, 0)
		return r
	}
	tests := []struct {
		name, src string
		want      bool
	}{
		{"top level", "import os\nK = os.environ['K']\n", true},
		{"guarded by membership", "import os\nif 'K' in os.environ:\n    K = os.environ['K']\nelse:\n    K = None\n", false},
		{"guarded by get", "import os\nif os.environ.get('K'):\n    K = os.environ['K']\n", false},
		{"in a branch on an unknown strategy", "import os\nS = pick(os.getenv('S', 'local'))\nif S == 'smtp':\n    K = os.environ['K']\n", false},
		{"in the else branch", "import os\nif os.getenv('X'):\n    K = 1\nelse:\n    K = {'a': os.environ['K']}\n", false},
		{"in a ternary", "import os\nK = os.environ['K'] if os.getenv('X') else None\n", false},
		{"in a decided branch", "DEBUG = False\nimport os\nif not DEBUG:\n    K = os.environ['K']\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := required(evalSrc(t, tt.src).Value("K")); got != tt.want {
				t.Errorf("required = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMissingVariableFallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, want string
		defaultOf       string // the variable the value stands in for
	}{
		{"KeyError", "import os\ntry:\n    SECRET_KEY = os.environ['SECRET_KEY']\nexcept KeyError:\n    SECRET_KEY = 'dev'\n", `"dev"`, "SECRET_KEY"},
		{"decouple", "from decouple import config, UndefinedValueError\ntry:\n    SECRET_KEY = config('KEY')\nexcept UndefinedValueError:\n    SECRET_KEY = 'dev'\n", `"dev"`, "KEY"},
		{"django-environ", "import environ\nenv = environ.Env()\ntry:\n    SECRET_KEY = env('KEY')\nexcept Exception:\n    SECRET_KEY = 'dev'\n", `"dev"`, "KEY"},
		{"handler for something else", "import os\ntry:\n    SECRET_KEY = os.environ['SECRET_KEY']\nexcept ValueError:\n    SECRET_KEY = 'dev'\n", "<unknown>", ""},
		{"handler raises", "import os\ntry:\n    SECRET_KEY = os.environ['SECRET_KEY']\nexcept KeyError:\n    raise SystemExit('set SECRET_KEY')\n", "<unset>", ""},
		{"read with a default does not raise", "import os\ntry:\n    SECRET_KEY = os.environ.get('K', 'a')\nexcept KeyError:\n    SECRET_KEY = 'b'\n", `"a"`, "K"},
		{"else runs only without a failure", "import os\ntry:\n    SECRET_KEY = os.environ['K']\nexcept KeyError:\n    SECRET_KEY = 'dev'\nelse:\n    SECRET_KEY = SECRET_KEY.strip()\n", `"dev"`, "K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := evalSrc(t, tt.src).Value("SECRET_KEY")
			if got := v.String(); got != tt.want {
				t.Fatalf("SECRET_KEY = %s, want %s", got, tt.want)
			}
			if tt.defaultOf == "" {
				return
			}
			if v.Env == nil || v.Env.Var != tt.defaultOf || !v.Env.HasDefault || v.Env.Required {
				t.Errorf("env = %+v, want the default of %s", v.Env, tt.defaultOf)
			}
		})
	}
}
