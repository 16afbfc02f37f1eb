package settings

import "testing"

// TestHelperCalls follows functions a project defines around environment
// reads: the value is what the body returns when the variable is missing,
// and it remembers the read (variable, default) as the built-in readers do.
func TestHelperCalls(t *testing.T) {
	t.Parallel()
	const envbool = `import os
def envbool(s, default):
    v = os.getenv(s, default=default)
    if v not in ("", "True", "False"):
        raise ValueError(s)
    return v == "True"
`
	const fileSecret = `import os
from pathlib import Path
def read_secret(name: str, default: str | None = None) -> str | None:
    """Reads NAME_FILE when set, else NAME."""
    if path := os.getenv(name + "_FILE"):
        return Path(path).read_text().strip()
    return os.getenv(name, default)
`
	const listHelper = `import os
def get_list(key, separator=",", default=None, *, strip=True):
    value = os.environ.get(key)
    if value:
        items = value.split(separator)
        if strip:
            items = [i.strip() for i in items]
        return items
    elif default is not None:
        return default
    else:
        return []
`
	const membership = `import os
def env_int(key, default=None):
    if key not in os.environ:
        return default
    return int(os.environ[key])
`
	const strToBool = `import os
def to_bool(value):
    value = value.strip().lower()
    if value in ("1", "true", "yes", "y", "on"):
        return True
    elif value in ("0", "false", "no", "n", "off", ""):
        return False
    raise ValueError(value)
def env_flag(key, default="no"):
    return to_bool(os.getenv(key, default))
`
	tests := []struct {
		name, src, setting, want, envVar string
		hasDefault                       bool
	}{
		{"bool helper string default", envbool + `DEBUG = envbool("DEBUG", "True")`, "DEBUG", "True", "DEBUG", true},
		{"bool helper off", envbool + `DEBUG = envbool("DEBUG", "False")`, "DEBUG", "False", "DEBUG", true},
		{"bool helper keyword default", envbool + `DEBUG = envbool("DEBUG", default="True")`, "DEBUG", "True", "DEBUG", true},
		{"secret helper with _FILE", fileSecret + `SECRET_KEY = read_secret("SECRET_KEY", "---")`, "SECRET_KEY", `"---"`, "SECRET_KEY", true},
		{"secret helper no default", fileSecret + `SECRET_KEY = read_secret("SECRET_KEY")`, "SECRET_KEY", "None", "SECRET_KEY", false},
		{"list helper keyword default", listHelper + `ALLOWED_HOSTS = get_list("HOSTS", default=["*"])`, "ALLOWED_HOSTS", `["*"]`, "HOSTS", true},
		{"list helper no default", listHelper + `ALLOWED_HOSTS = get_list("HOSTS")`, "ALLOWED_HOSTS", `[]`, "HOSTS", true},
		{"membership default", membership + `N = env_int("N", 30)`, "N", "30", "N", true},
		{"nested helpers", strToBool + `DEBUG = env_flag("APP_DEBUG", "yes")`, "DEBUG", "True", "APP_DEBUG", true},
		{"nested helpers default param", strToBool + `DEBUG = env_flag("APP_DEBUG")`, "DEBUG", "False", "APP_DEBUG", true},
		{"pure helper over a read", strToBool + `DEBUG = to_bool(os.getenv("APP_DEBUG", "on"))`, "DEBUG", "True", "APP_DEBUG", true},
		{"bool default returned", `import os
def get_env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.lower() in ("1", "true")
DEBUG = get_env_bool("DJANGO_DEBUG", True)`, "DEBUG", "True", "DJANGO_DEBUG", true},
		{"split on commas", `import os
def env_list(name, default=""):
    return [p.strip() for p in os.getenv(name, default).split(",") if p.strip()]
ALLOWED_HOSTS = env_list("HOSTS", "*, example.com")`, "ALLOWED_HOSTS", `["*", "example.com"]`, "HOSTS", true},
		{"ternary over the read", `import os
def flag(name, default="0"):
    return True if os.environ.get(name, default) in ("1", "true") else False
DEBUG = flag("DEBUG", "1")`, "DEBUG", "True", "DEBUG", true},
		{"KeyError handler default", `import os
from django.core.exceptions import ImproperlyConfigured
def get_env_variable(var_name, default=None):
    try:
        return os.environ[var_name]
    except KeyError:
        if default is not None:
            return default
        raise ImproperlyConfigured("Set the %s environment variable" % var_name)
SECRET_KEY = get_env_variable("DJANGO_SECRET_KEY", "dev-only")`, "SECRET_KEY", `"dev-only"`, "DJANGO_SECRET_KEY", true},
		{"decouple inside a helper", `from decouple import config, UndefinedValueError
def setting(name, fallback):
    try:
        return config(name)
    except UndefinedValueError:
        return fallback
DEBUG = setting("DEBUG", True)`, "DEBUG", "True", "DEBUG", true},
		{"prefix built name", `import os
PREFIX = "MYAPP_"
def setting(name, default=None):
    return os.environ.get(PREFIX + name, default)
SECRET_KEY = setting("SECRET_KEY", "abc")`, "SECRET_KEY", `"abc"`, "MYAPP_SECRET_KEY", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			v := m.Value(tt.setting)
			if got := v.String(); got != tt.want {
				t.Fatalf("%s = %s, want %s (diags %v)", tt.setting, got, tt.want, m.Diags)
			}
			if v.Env == nil || v.Env.Var != tt.envVar || v.Env.HasDefault != tt.hasDefault {
				t.Fatalf("%s env = %+v, want variable %s, default %v", tt.setting, v.Env, tt.envVar, tt.hasDefault)
			}
			if v.Pos.Path != "s/settings.py" || v.Pos.Line == 0 {
				t.Fatalf("%s position %+v is not the call", tt.setting, v.Pos)
			}
		})
	}
}

// TestHelperCallsUnknown: what a helper call cannot be followed to stays
// unknown, never a guess.
func TestHelperCallsUnknown(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, setting string }{
		{"loop in body", `import os
def envbool(name, default):
    for p in ("", "DJANGO_"):
        if os.getenv(p + name):
            return os.getenv(p + name) == "1"
    return default
DEBUG = envbool("DEBUG", True)`, "DEBUG"},
		{"selector read decides", `import os
def debug_default(name):
    if os.getenv("ENVIRONMENT") == "production":
        return False
    return os.getenv(name, "1") == "1"
DEBUG = debug_default("DEBUG")`, "DEBUG"},
		{"writes a global", `import os
HOSTS = []
def add_host(name):
    HOSTS.append(os.getenv(name, "*"))
    return True
DEBUG = add_host("HOST")`, "DEBUG"},
		{"global statement", `import os
def configure():
    global DEBUG
    DEBUG = True
    return 1
X = configure()`, "X"},
		{"missing argument", `import os
def envbool(name, default):
    return os.getenv(name, default) == "1"
DEBUG = envbool("DEBUG")`, "DEBUG"},
		{"recursion", `import os
def f(name):
    return f(name)
DEBUG = f("DEBUG")`, "DEBUG"},
		{"unknown decorator", `import os
def wrap(fn):
    return lambda *a: False
@wrap
def envbool(name, default):
    return os.getenv(name, default) == "1"
DEBUG = envbool("DEBUG", "1")`, "DEBUG"},
		{"every path raises", `import os
def required(name):
    if not os.getenv(name):
        raise RuntimeError(name)
    return os.getenv(name)
SECRET_KEY = required("SECRET_KEY")`, "SECRET_KEY"},
		{"handler for another exception", `import os
def env_int(name, default):
    try:
        return int(os.environ[name])
    except ValueError:
        return default
TIMEOUT = env_int("TIMEOUT", 30)`, "TIMEOUT"},
		{"splat call", `import os
def envbool(name, default):
    return os.getenv(name, default) == "1"
ARGS = ("DEBUG", "1")
DEBUG = envbool(*ARGS)`, "DEBUG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			if v := m.Value(tt.setting); v.Known() {
				t.Fatalf("%s = %s, want unknown", tt.setting, v)
			}
		})
	}
}

// TestHelperRequired: a helper that raises when the variable is missing
// makes it required, as os.environ["X"] does.
func TestHelperRequired(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, `import os
def required(name):
    value = os.environ.get(name)
    if value is None:
        raise RuntimeError(name + " is not set")
    return value
SECRET_KEY = required("DJANGO_SECRET_KEY")`)
	v := m.Value("SECRET_KEY")
	if v.Known() || v.Env == nil || !v.Env.Required || v.Env.Var != "DJANGO_SECRET_KEY" {
		t.Fatalf("SECRET_KEY = %s %+v, want a required read of DJANGO_SECRET_KEY", v, v.Env)
	}
}

// TestHelperRequiredRead: a required read the helper does not catch makes
// the variable required, as at module level.
func TestHelperRequiredRead(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, `import os
def env(name):
    return os.environ[name].strip()
SECRET_KEY = env("APP_SECRET_KEY")`)
	v := m.Value("SECRET_KEY")
	if v.Known() || v.Env == nil || !v.Env.Required || v.Env.Var != "APP_SECRET_KEY" {
		t.Fatalf("SECRET_KEY = %s %+v, want a required read of APP_SECRET_KEY", v, v.Env)
	}
}

// TestHelperImported follows a helper imported from a module of the
// settings package.
func TestHelperImported(t *testing.T) {
	t.Parallel()
	fs := mapFS{
		"app/settings/__init__.py": "from app.settings.readers import env_bool, env_list\nDEBUG = env_bool('APP_DEBUG', 'yes')\nALLOWED_HOSTS = env_list('APP_HOSTS', default='*')\n",
		"app/settings/readers.py": `import os
def env_bool(key, default="no"):
    return os.getenv(key, default).lower() in ("yes", "true", "1")
def env_list(key, default=""):
    raw = os.getenv(key) or default
    return [x for x in raw.split(",") if x]
`,
	}
	m := Evaluate(fs, "app/settings/__init__.py")
	if v := m.Value("DEBUG"); v.String() != "True" || v.Env == nil || v.Env.Var != "APP_DEBUG" {
		t.Fatalf("DEBUG = %s %+v", v, v.Env)
	}
	if v := m.Value("ALLOWED_HOSTS"); v.String() != `["*"]` || v.Env == nil || v.Env.Var != "APP_HOSTS" {
		t.Fatalf("ALLOWED_HOSTS = %s %+v", v, v.Env)
	}
}

// TestHelperThroughModule follows module.function() for a project module
// imported whole, absolutely or relatively.
func TestHelperThroughModule(t *testing.T) {
	t.Parallel()
	readers := `import os
def flag(key, default="no"):
    return os.getenv(key, default).lower() in ("yes", "true", "1")
`
	for name, entry := range map[string]string{
		"import":          "import app.envtools\nDEBUG = app.envtools.flag('APP_DEBUG', 'yes')\n",
		"import as":       "import app.envtools as et\nDEBUG = et.flag('APP_DEBUG', 'yes')\n",
		"from . import":   "from . import envtools\nDEBUG = envtools.flag('APP_DEBUG', 'yes')\n",
		"from pkg import": "from app import envtools\nDEBUG = envtools.flag('APP_DEBUG', 'yes')\n",
	} {
		m := Evaluate(mapFS{"app/settings.py": entry, "app/envtools.py": readers, "app/__init__.py": ""}, "app/settings.py")
		if v := m.Value("DEBUG"); v.String() != "True" || v.Env == nil || v.Env.Var != "APP_DEBUG" {
			t.Errorf("%s: DEBUG = %s %+v", name, v, v.Env)
		}
	}
	m := Evaluate(mapFS{"app/settings.py": "import os\nX = os.path.join('a', 'b')\n"}, "app/settings.py")
	if v := m.Value("X"); v.Known() {
		t.Errorf("os.path.join = %s, want unknown", v)
	}
}

func TestComprehension(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, setting, want string }{
		{"strip and filter", "import os\nH = [h.strip() for h in os.getenv('H', 'a, ,b').split(',') if h.strip()]", "H", `["a", "b"]`},
		{"set", "S = {x for x in ['a', 'a']}", "S", `{"a", "a"}`},
		{"tuple target", "D = [k for k, v in [('a', 1), ('b', 2)] if v > 1]", "D", `["b"]`},
		{"unknown iterable", "D = [k for k in get()]", "D", "<unknown>"},
		{"nested for", "D = [a for b in [[1]] for a in b]", "D", "<unknown>"},
		{"loop variable does not leak", "x = 1\nD = [x for x in [2, 3]]\nY = x", "Y", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := evalSrc(t, tt.src)
			if got := m.Value(tt.setting).String(); got != tt.want {
				t.Fatalf("%s = %s, want %s", tt.setting, got, tt.want)
			}
		})
	}
}

func TestComprehensionTargets(t *testing.T) {
	t.Parallel()
	m := evalSrc(t, "D = {'k': 1}\nL = [0 for D['k'] in [2, 3]]")
	if v := m.Value("L"); v.Known() {
		t.Fatalf("L = %s, want unknown", v)
	}
	if v := m.Value("D"); v.String() != `{"k": 1}` {
		t.Fatalf("D = %s, changed by a comprehension target", v)
	}
}
