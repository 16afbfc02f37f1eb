package settings

import (
	"sort"
	"testing"
	"time"
)

type mapFS map[string]string

func (m mapFS) ReadFile(p string) ([]byte, bool) { s, ok := m[p]; return []byte(s), ok }
func (m mapFS) Paths() []string {
	var out []string
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func evalSrc(t *testing.T, src string) *Model {
	t.Helper()
	return Evaluate(mapFS{"s/settings.py": src}, "s/settings.py")
}

func TestEvaluateValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, setting, want string
		env                      bool
	}{
		{"literal bool", "DEBUG = True", "DEBUG", "True", false},
		{"environ get default compare", "import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'", "DEBUG", "True", true},
		{"environ get lower in", "import os\nDEBUG = os.environ.get('DEBUG', 'false').lower() in ('true', '1')", "DEBUG", "False", true},
		{"getenv raw default", "import os\nDEBUG = os.getenv('DEBUG', False)", "DEBUG", "False", true},
		{"getenv none", "import os\nSECRET_KEY = os.getenv('SECRET_KEY')", "SECRET_KEY", "None", true},
		{"environ subscript required", "import os\nSECRET_KEY = os.environ['SECRET_KEY']", "SECRET_KEY", "<unknown>", true},
		{"setdefault then read", "import os\nos.environ.setdefault('X', 'abc')\nK = os.environ['X']", "K", `"abc"`, true},
		{"decouple bool cast", "from decouple import config\nDEBUG = config('DEBUG', default='True', cast=bool)", "DEBUG", "True", true},
		{"decouple csv", "from decouple import config, Csv\nH = config('H', default='a.com, b.com', cast=Csv())", "H", `["a.com", "b.com"]`, true},
		{"decouple required", "from decouple import config\nK = config('K')", "K", "<unknown>", true},
		{"environ scheme", "import environ\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')", "DEBUG", "True", true},
		{"environ bool default", "import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=False)", "DEBUG", "False", true},
		{"environ list", "from environ import Env\nenv = Env()\nH = env.list('H', default=['*'])", "H", `["*"]`, true},
		{"bool int", "import os\nD = bool(int(os.environ.get('D', '1')))", "D", "True", true},
		{"strtobool", "import os\nfrom distutils.util import strtobool\nD = bool(strtobool(os.getenv('D', 'False')))", "D", "False", true},
		{"arith", "H = 60 * 60 * 24 * 365", "H", "31536000", false},
		{"timedelta", "from datetime import timedelta\nT = timedelta(hours=2)", "T", "timedelta(seconds=7200)", false},
		{"datetime.timedelta", "import datetime\nT = datetime.timedelta(days=1, minutes=30)", "T", "timedelta(seconds=88200)", false},
		{"append", "M = ['a']\nM.append('b')\nM.insert(0, 'z')", "M", `["z", "a", "b"]`, false},
		{"plus eq", "M = ['a']\nM += ['b']", "M", `["a", "b"]`, false},
		{"remove", "M = ['a', 'b']\nM.remove('a')", "M", `["b"]`, false},
		{"splat", "A = ['a']\nB = [*A, 'b']", "B", `["a", "b"]`, false},
		{"dict update", "D = {'a': 1}\nD['b'] = 2\nD.update({'a': 3})", "D", `{"a": 3, "b": 2}`, false},
		{"nested dict set", "L = {'loggers': {}}\nL['loggers']['django'] = {'level': 'INFO'}", "L", `{"loggers": {"django": {"level": "INFO"}}}`, false},
		{"if known", "DEBUG = False\nif DEBUG:\n    X = 1\nelse:\n    X = 2", "X", "2", false},
		{"if env unknown", "import os\nif os.environ.get('ENV') == 'prod':\n    DEBUG = False\nelse:\n    DEBUG = True", "DEBUG", "<unknown>", false},
		{"if same both", "import os\nif os.environ.get('ENV'):\n    A = 1\nelse:\n    A = 1", "A", "1", false},
		{"unknown call", "DEBUG = get_debug()", "DEBUG", "<unknown>", false},
		{"fstring", "A = 'x'\nB = f'{A}y'", "B", `"xy"`, false},
		{"or default", "import os\nK = os.environ.get('K') or 'fallback'", "K", `"fallback"`, true},
		{"ternary", "X = 1 if True else 2", "X", "1", false},
		{"try local", "X = 1\ntry:\n    from .local import *\nexcept ImportError:\n    X = 2", "X", "2", false},
		{"decouple db_url cast", "from decouple import config\nfrom dj_database_url import parse as db_url\nD = config('DATABASE_URL', default='mysql://u:p@h/db', cast=db_url)", "D", `{"ENGINE": "django.db.backends.mysql", "NAME": "db", "USER": "u", "PASSWORD": "p", "HOST": "h", "PORT": "", "OPTIONS": {}}`, true},
		{"dj_database_url", "import dj_database_url\nDATABASES = {'default': dj_database_url.config(default='postgres://u:p@h:5432/db')}", "DATABASES", `{"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "db", "USER": "u", "PASSWORD": "p", "HOST": "h", "PORT": "5432", "OPTIONS": {}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			v := m.Value(tt.setting)
			if got := v.String(); got != tt.want {
				t.Fatalf("%s = %s, want %s (diags %v)", tt.setting, got, tt.want, m.Diags)
			}
			if tt.env != v.FromEnv() {
				t.Fatalf("FromEnv = %v, want %v (%+v)", v.FromEnv(), tt.env, v.Env)
			}
		})
	}
}

func TestEvaluateEnvRead(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "import os\nDEBUG = os.getenv('DJANGO_DEBUG', 'True')\nSECRET_KEY = os.environ['SECRET_KEY']")
	d := m.Value("DEBUG")
	if d.Env == nil || d.Env.Var != "DJANGO_DEBUG" || !d.Env.Raw() || !d.Env.HasDefault {
		t.Fatalf("DEBUG env = %+v", d.Env)
	}
	k := m.Value("SECRET_KEY")
	if k.Env == nil || !k.Env.Required || k.Known() {
		t.Fatalf("SECRET_KEY = %+v env %+v", k, k.Env)
	}
	if s, _ := m.Lookup("DEBUG"); s.Pos.Line != 2 {
		t.Fatalf("DEBUG line = %d", s.Pos.Line)
	}
	if !m.Imported("os") {
		t.Fatal("os not recorded as imported")
	}
}

func TestStarImportChain(t *testing.T) {
	t.Parallel()
	fs := mapFS{
		"proj/settings/__init__.py": "",
		"proj/settings/base.py":     "DEBUG = True\nMIDDLEWARE = ['a']\n_private = 1\n",
		"proj/settings/prod.py":     "from .base import *\nDEBUG = False\nMIDDLEWARE += ['b']\n",
		"proj/settings/abs.py":      "from proj.settings.base import *\n",
		"proj/settings/cyc1.py":     "from .cyc2 import *\nA = 1\n",
		"proj/settings/cyc2.py":     "from .cyc1 import *\n",
	}
	m := Evaluate(fs, "proj/settings/prod.py")
	if got := m.Value("DEBUG").String(); got != "False" {
		t.Fatalf("DEBUG = %s", got)
	}
	if got := m.Value("MIDDLEWARE").String(); got != `["a", "b"]` {
		t.Fatalf("MIDDLEWARE = %s", got)
	}
	if _, ok := m.Lookup("_private"); ok {
		t.Fatal("underscore names must not be star-imported")
	}
	if len(m.Files) != 2 || m.Files[1] != "proj/settings/base.py" {
		t.Fatalf("files = %v", m.Files)
	}
	if s, _ := m.Lookup("MIDDLEWARE"); s.Pos.Path != "proj/settings/base.py" {
		t.Fatalf("MIDDLEWARE pos = %+v", s.Pos)
	}
	a := Evaluate(fs, "proj/settings/abs.py")
	if got := a.Value("DEBUG").String(); got != "True" {
		t.Fatalf("absolute import DEBUG = %s", got)
	}
	c := Evaluate(fs, "proj/settings/cyc1.py")
	found := false
	for _, d := range c.Diags {
		if d.Kind == "cycle" {
			found = true
		}
	}
	if !found {
		t.Fatalf("cycle not detected: %v", c.Diags)
	}
}

func TestSyntaxErrorKeepsParsedStatements(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "DEBUG = True\nX = (\nALLOWED_HOSTS = ['*']\n")
	if m.Value("DEBUG").String() != "True" {
		t.Fatalf("DEBUG lost: %v", m.Value("DEBUG"))
	}
	if len(m.Diags) == 0 || m.Diags[0].Kind != "syntax" {
		t.Fatalf("want a syntax diag, got %v", m.Diags)
	}
	// The broken statement mentions ALLOWED_HOSTS: it may have set it.
	if s, ok := m.Lookup("ALLOWED_HOSTS"); !ok || s.Value.Known() {
		t.Fatalf("ALLOWED_HOSTS = %v, want unknown", m.Value("ALLOWED_HOSTS"))
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "from datetime import timedelta\nSIMPLE_JWT = {'ACCESS_TOKEN_LIFETIME': timedelta(days=1)}")
	v := m.Value("SIMPLE_JWT").Get("ACCESS_TOKEN_LIFETIME")
	if v.Kind != Duration || v.Dur != 24*time.Hour {
		t.Fatalf("got %v", v)
	}
}

func TestDeepNestingIsBounded(t *testing.T) {
	t.Parallel()
	src := "X = " + repeat("[", 5000) + repeat("]", 5000)
	m := evalSrc(t, src)
	if len(m.Diags) == 0 || m.Diags[0].Kind != "limit" {
		t.Fatalf("deep nesting should hit the limit, diags %v", m.Diags)
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}

func TestUnresolvedStarImportMakesEarlierSettingsOverridable(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "DEBUG = True\nMIDDLEWARE = ['a']\nfrom deployment_config import *\nX_FRAME_OPTIONS = 'DENY'\n")
	if m.Value("DEBUG").Known() || len(m.Value("DEBUG").Alts) != 2 || m.Value("DEBUG").Alts[1].Known() {
		t.Fatalf("DEBUG should be unknown with its old value as candidate: %+v", m.Value("DEBUG"))
	}
	if got := m.Value("X_FRAME_OPTIONS").String(); got != `"DENY"` {
		t.Fatalf("a setting after the import keeps its value, got %s", got)
	}
	if !m.Opaque || len(m.Skipped) != 1 {
		t.Fatalf("opaque %v skipped %v", m.Opaque, m.Skipped)
	}
}

func TestTryLocalImportIsSkippedAndRecorded(t *testing.T) {
	t.Parallel()
	fs := mapFS{
		"proj/settings.py":       "DEBUG = False\ntry:\n    from .local_settings import *\nexcept ImportError:\n    pass\n",
		"proj/local_settings.py": "DEBUG = True\n",
	}
	m := Evaluate(fs, "proj/settings.py")
	if got := m.Value("DEBUG").String(); got != "False" {
		t.Fatalf("DEBUG = %s, the local override must not be production's", got)
	}
	if len(m.Skipped) != 1 || m.Skipped[0] != "proj/local_settings.py" {
		t.Fatalf("skipped = %v", m.Skipped)
	}
}

func TestEnvCasts(t *testing.T) {
	t.Parallel()
	tests := []struct{ src, cast string }{
		{"import environ\nenv = environ.Env()\nX = env('X', default=False)", "bool"},
		{"import environ\nenv = environ.Env()\nX = env('X', default=3)", "int"},
		{"import os\nX = bool(os.getenv('X', False))", ""},
		{"import os\nX = bool(int(os.getenv('X', '0')))", "bool"},
		{"import os\nX = os.getenv('X', 'False') == 'True'", "compare"},
	}
	for _, tt := range tests {
		v := evalSrc(t, tt.src).Value("X")
		if v.Env == nil || v.Env.Cast != tt.cast {
			t.Errorf("%q: env %+v, want cast %q", tt.src, v.Env, tt.cast)
		}
	}
}

func TestTryAbsoluteLocalImportIsSkipped(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "DEBUG = True\ntry:\n    from settings_local import *\nexcept ImportError:\n    pass\n")
	if got := m.Value("DEBUG").String(); got != "True" {
		t.Fatalf("DEBUG = %s: a missing local override must not make production settings unknown", got)
	}
	if m.Opaque {
		t.Fatal("a skipped local override is not opaque")
	}
}

func TestWritesToGlobalsMakeTheModelOpaque(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"import yaml\nfor k, v in yaml.safe_load(open('/etc/x.yaml')).items():\n    globals()[k] = v\n",
		"globals().update(load())\n",
		"globals()['DEBUG'] = True\n",
		"import sys\nsetattr(sys.modules[__name__], 'DEBUG', True)\n",
		"vars().update({'A': 1})\n",
	} {
		if m := evalSrc(t, src); !m.Opaque {
			t.Errorf("%q: want an opaque model", src)
		}
	}
}

func TestAbsoluteImportNeedsASourceRoot(t *testing.T) {
	t.Parallel()
	fs := mapFS{
		"horizon/__init__.py":              "",
		"horizon/base.py":                  "from horizon import conf\n",
		"horizon/templatetags/__init__.py": "",
		"horizon/templatetags/horizon.py":  "from horizon.base import Horizon\n",
		"horizon/utils/__init__.py":        "",
		"horizon/utils/settings.py":        "from horizon import defaults\nSECRET_KEY = 'x'\n",
	}
	m := Evaluate(fs, "horizon/utils/settings.py")
	for _, d := range m.Diags {
		t.Errorf("unexpected diagnostic: %v", d)
	}
	if got := m.Value("SECRET_KEY").String(); got != `"x"` {
		t.Fatalf("SECRET_KEY = %s", got)
	}
}
