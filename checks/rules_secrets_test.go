package checks

import (
	"strings"
	"testing"
)

// secretsGood50 is a 50-character key with many distinct characters: the
// shortest key Django's W009 accepts.
const secretsGood50 = "k3J#9vQz!pL2m$Xw7rT8^yN4b&Hc6fD1s*Ga5eU0(iO-Z_q+Vx"

// secretsStartproject is what `startproject` writes: the insecure prefix and
// 50 random characters.
const secretsStartproject = "django-insecure-w9b!3kz#q2x7p$1m&8v(r4t^y6u0n_c5e*h-l+oa=jfsgdi"

// secretsSplit is a split-settings layout: base.py plus a dev and a
// production module that star-import it.
func secretsSplit(base, dev, prod string) map[string]string {
	return map[string]string{
		"mysite/settings/__init__.py": "",
		"mysite/settings/base.py":     base + "INSTALLED_APPS = []\n",
		"mysite/settings/dev.py":      "from .base import *\n" + dev,
		"mysite/settings/prod.py":     "from .base import *\n" + prod,
	}
}

func TestSecretKeyHardcoded(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "literal", rule: "DJS101", want: 1, sev: Critical, line: 2, key: "SECRET_KEY", django: "none",
			src: "import os\nSECRET_KEY = \"" + secretsGood50 + "\"\n", noMsg: secretsGood50},
		{name: "startproject key", rule: "DJS101", want: 1, sev: Critical,
			src: "SECRET_KEY = '" + secretsStartproject + "'\n"},
		{name: "required env read", rule: "DJS101", want: 0,
			src: "import os\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n"},
		{name: "env read with default is DJS102", rule: "DJS101", want: 0,
			src: "import os\nSECRET_KEY = os.environ.get(\"SECRET_KEY\", \"" + secretsGood50 + "\")\n"},
		{name: "generated at import", rule: "DJS101", want: 0,
			src: "from django.core.management.utils import get_random_secret_key\nSECRET_KEY = get_random_secret_key()\n"},
		{name: "read from a file", rule: "DJS101", want: 0,
			src: "with open('/etc/secret_key.txt') as f:\n    SECRET_KEY = f.read().strip()\n"},
		{name: "empty literal publishes nothing", rule: "DJS101", want: 0, src: "SECRET_KEY = \"\"\n"},
		{name: "unset", rule: "DJS101", want: 0, src: "DEBUG = False\n"},
		{name: "dev module silent", rule: "DJS101", want: 0, path: "mysite/settings/dev.py",
			files: secretsSplit("DEBUG = False\n", "SECRET_KEY = 'dev'\n", "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n")},
		{name: "base key seen from production is critical", rule: "DJS101", want: 1, sev: Critical, path: "mysite/settings/base.py",
			files: secretsSplit("SECRET_KEY = 'abc'\n", "", "")},
		{name: "suppressed", rule: "DJS101", want: 0,
			src: "SECRET_KEY = 'abc'  # djsec: ignore[DJS101] test fixture\n"},
		{name: "every branch a literal", rule: "DJS101", want: 1,
			src: "import os\nif os.environ.get('CI'):\n    SECRET_KEY = 'ci-key'\nelse:\n    SECRET_KEY = 'prod-key'\n"},
		{name: "one branch from the environment", rule: "DJS101", want: 0,
			src: "import os\nif os.environ.get('CI'):\n    SECRET_KEY = 'ci-key'\nelse:\n    SECRET_KEY = os.environ['SECRET_KEY']\n"},
	})
}

func TestSecretKeyEnvFallback(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "os.environ.get default", rule: "DJS102", want: 1, sev: Critical, line: 2, key: "SECRET_KEY",
			msg: "DJANGO_SECRET_KEY", noMsg: secretsGood50,
			src: "import os\nSECRET_KEY = os.environ.get(\"DJANGO_SECRET_KEY\", \"" + secretsGood50 + "\")\n"},
		{name: "os.getenv default", rule: "DJS102", want: 1, msg: "os.environ[\"SECRET_KEY\"]",
			src: "import os\nSECRET_KEY = os.getenv('SECRET_KEY', 'insecure')\n"},
		{name: "decouple default", rule: "DJS102", want: 1, msg: "config(\"SECRET_KEY\")",
			src: "from decouple import config\nSECRET_KEY = config('SECRET_KEY', default='" + secretsStartproject + "')\n"},
		{name: "django-environ default", rule: "DJS102", want: 1, msg: "env(\"SECRET_KEY\")",
			src: "import environ\nenv = environ.Env()\nSECRET_KEY = env('SECRET_KEY', default='fallback')\n"},
		{name: "or fallback", rule: "DJS102", want: 1,
			src: "import os\nSECRET_KEY = os.environ.get('SECRET_KEY') or 'fallback'\n"},
		{name: "empty default fails closed", rule: "DJS102", want: 0,
			src: "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', '')\n"},
		{name: "no default", rule: "DJS102", want: 0, src: "import os\nSECRET_KEY = os.getenv('SECRET_KEY')\n"},
		{name: "required", rule: "DJS102", want: 0, src: "from decouple import config\nSECRET_KEY = config('SECRET_KEY')\n"},
		{name: "literal is DJS101", rule: "DJS102", want: 0, src: "SECRET_KEY = 'abc'\n"},
	})
}

func TestSecretKeyWeak(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "strong literal", rule: "DJS103", want: 0, src: "SECRET_KEY = \"" + secretsGood50 + "\"\n"},
		// A literal weak key is one finding: DJS101 (critical) naming DJS103.
		{name: "49 characters", rule: "DJS103", want: 1, sev: Critical, line: 1, django: "security.W009", msg: "49 characters",
			src: "SECRET_KEY = \"" + secretsGood50[1:] + "\"\n", noMsg: secretsGood50[1:]},
		{name: "four distinct characters", rule: "DJS103", want: 1, django: "security.W009", msg: "4 distinct",
			src: "SECRET_KEY = \"" + strings.Repeat("abcd", 20) + "\"\n"},
		{name: "startproject prefix", rule: "DJS103", want: 1, django: "security.W009", msg: "django-insecure-",
			src: "SECRET_KEY = '" + secretsStartproject + "'\n"},
		{name: "prefix without dash is djsec's own", rule: "DJS103", want: 1, django: "none",
			src: "SECRET_KEY = 'django-insecure" + secretsGood50 + "'\n"},
		{name: "empty literal", rule: "DJS103", want: 1, django: "security.W009", msg: "empty", src: "SECRET_KEY = ''\n"},
		{name: "None literal", rule: "DJS103", want: 1, django: "security.W009", src: "SECRET_KEY = None\n"},
		{name: "weak env default", rule: "DJS103", want: 1, django: "security.W009", msg: "SECRET_KEY is unset",
			src: "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'dev')\n"},
		{name: "strong env default is only DJS102", rule: "DJS103", want: 0,
			src: "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', '" + secretsGood50 + "')\n"},
		{name: "empty env default is not judged", rule: "DJS103", want: 0,
			src: "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', '')\n"},
		{name: "required env read", rule: "DJS103", want: 0, src: "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n"},
		{name: "env read without default", rule: "DJS103", want: 0, src: "import os\nSECRET_KEY = os.getenv('SECRET_KEY')\n"},
		{name: "unknown", rule: "DJS103", want: 0, src: "SECRET_KEY = load_key()\n"},
		{name: "unset is Django's empty default", rule: "DJS103", want: 1, line: 1, django: "security.W009", msg: "not set",
			src: debugApps + "DEBUG = False\n"},
		{name: "unset in an opaque module", rule: "DJS103", want: 0, src: "from company_defaults import *\nDEBUG = False\n"},
		{name: "prefix alone is not W009 before Django 3.2", rule: "DJS103", want: 1, django: "none",
			files: map[string]string{"requirements.txt": "Django==3.1.14\n", "mysite/settings.py": "SECRET_KEY = '" + secretsStartproject + "'\n"}},
		{name: "short key is W009 before Django 3.2", rule: "DJS103", want: 1, django: "security.W009",
			files: map[string]string{"requirements.txt": "Django==3.1.14\n", "mysite/settings.py": "SECRET_KEY = 'short'\n"}},
		{name: "dev module silent", rule: "DJS103", want: 0,
			files: secretsSplit("DEBUG = False\n", "SECRET_KEY = 'dev'\n", "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n")},
		{name: "suppressed by slug", rule: "DJS103", want: 0,
			src: "SECRET_KEY = 'dev'  # djsec: ignore[secret-key-weak] only for tests\n"},
	})
}

func TestSecretKeyFallbacksWeak(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "strong literal entry", rule: "DJS104", want: 1, sev: High, key: "SECRET_KEY_FALLBACKS[0]", django: "none",
			msg: "literal", noMsg: secretsGood50,
			src: "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nSECRET_KEY_FALLBACKS = ['" + secretsGood50 + "']\n"},
		{name: "weak entry", rule: "DJS104", want: 1, key: "SECRET_KEY_FALLBACKS[0]", django: "security.W025",
			src: "SECRET_KEY_FALLBACKS = [\"old\"]\n"},
		{name: "insecure prefix entry", rule: "DJS104", want: 1, django: "security.W025",
			src: "SECRET_KEY_FALLBACKS = ['" + secretsStartproject + "']\n"},
		{name: "second entry", rule: "DJS104", want: 2,
			src: "SECRET_KEY_FALLBACKS = ['" + secretsGood50 + "', 'badkey']\n"},
		{name: "entries from the environment", rule: "DJS104", want: 0,
			src: "import os\nSECRET_KEY_FALLBACKS = [os.environ['OLD_SECRET_KEY']]\n"},
		{name: "list from the environment", rule: "DJS104", want: 0,
			src: "import environ\nenv = environ.Env()\nSECRET_KEY_FALLBACKS = env.list('OLD_KEYS', default=[])\n"},
		{name: "split of an empty default gives an empty key", rule: "DJS104", want: 1, django: "security.W025", msg: "empty",
			src: "import os\nSECRET_KEY_FALLBACKS = os.environ.get('OLD_KEYS', '').split(',')\n"},
		{name: "entry with strong default", rule: "DJS104", want: 1, django: "none", msg: "OLD_KEY is unset",
			src: "import os\nSECRET_KEY_FALLBACKS = [os.environ.get('OLD_KEY', '" + secretsGood50 + "')]\n"},
		{name: "empty list", rule: "DJS104", want: 0, src: "SECRET_KEY_FALLBACKS = []\n"},
		{name: "unset", rule: "DJS104", want: 0, src: "DEBUG = False\n"},
		{name: "unknown entries", rule: "DJS104", want: 0, src: "SECRET_KEY_FALLBACKS = [load_old_key()]\n"},
		{name: "ignored before Django 4.1", rule: "DJS104", want: 0,
			files: map[string]string{"requirements.txt": "Django==4.0.10\n", "mysite/settings.py": "SECRET_KEY_FALLBACKS = ['old']\n"}},
		{name: "judged from Django 4.1", rule: "DJS104", want: 1, django: "security.W025",
			files: map[string]string{"requirements.txt": "Django==4.1.13\n", "mysite/settings.py": "SECRET_KEY_FALLBACKS = ['old']\n"}},
	})
}

func TestEnvFileCommitted(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: ".env with a secret", rule: "DJS105", want: 1, sev: Critical, path: ".env", line: 1, msg: "SECRET_KEY",
			files: map[string]string{".env": "DEBUG=False\nSECRET_KEY=" + secretsGood50 + "\n"}, noMsg: secretsGood50},
		{name: "URL with a password", rule: "DJS105", want: 1, sev: Critical, msg: "DATABASE_URL",
			files: map[string]string{"backend/.env.production": "DATABASE_URL=postgres://app:s3cr3tPw@db/app\n"}},
		{name: "prod.env", rule: "DJS105", want: 1, sev: Critical,
			files: map[string]string{"deploy/prod.env": "STRIPE_API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n"}},
		// Non-secrets and placeholders only: a tracked template, not a leak.
		{name: "no secrets", rule: "DJS105", want: 0,
			files: map[string]string{".env": "DEBUG=1\nALLOWED_HOSTS=localhost\nCOMPOSE_PROJECT_NAME=shop\n"}},
		{name: "placeholders only", rule: "DJS105", want: 0,
			files: map[string]string{".env": "SECRET_KEY=change-me\nAPI_TOKEN=\n"}},
		{name: "test env file", rule: "DJS105", want: 1, sev: Low,
			files: map[string]string{".env.test": "SECRET_KEY=" + secretsGood50 + "\n"}},
		{name: "example", rule: "DJS105", want: 0, files: map[string]string{".env.example": "SECRET_KEY=" + secretsGood50 + "\n"}},
		{name: "sample and template", rule: "DJS105", want: 0,
			files: map[string]string{".env.sample": "A=1\n", "config/.env.template": "B=2\n", "example.env": "C=3\n"}},
		// A dev container's database on a compose service with a typed
		// password: nothing reachable leaks. A generated password on the
		// same host still does.
		{name: "typed password to a compose service", rule: "DJS105", want: 0,
			files: map[string]string{".devcontainer/backend.env": "DATABASE_URL=postgres://shop:shop@db/shop\nCACHE_URL=redis://cache:6379/0\nSECRET_KEY=changeme\n"}},
		{name: "typed password to localhost", rule: "DJS105", want: 0,
			files: map[string]string{".env": "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app\n"}},
		{name: "generated password to a compose service", rule: "DJS105", want: 1, msg: "DATABASE_URL",
			files: map[string]string{".env": "DATABASE_URL=postgres://app:Xq7rLw2pZk9vNc4m@db/app\n"}},
		{name: "typed password to a remote host", rule: "DJS105", want: 1, msg: "DATABASE_URL",
			files: map[string]string{".env": "DATABASE_URL=postgres://app:hunter2@db.example.net/app\n"}},
		{name: "envrc is not an env file", rule: "DJS105", want: 0, files: map[string]string{".envrc": "export A=1\n"}},
		{name: "two files", rule: "DJS105", want: 2,
			files: map[string]string{".env": "MAIL_PASSWORD=Vq83kLm2Zp0x\n", "api/.env.local": "SECRET_KEY=" + secretsGood50 + "\n"}},
	})
}

func TestEnvNotGitignored(t *testing.T) {
	t.Parallel()
	// The settings load a .env file: what a developer fills with real
	// values and must not commit.
	settingsEnv := "import os\nimport dotenv\ndotenv.load_dotenv()\nSECRET_KEY = os.environ['SECRET_KEY']\n"
	settingsEnvReadsOnly := "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n"
	settingsNoEnv := "SECRET_KEY = 'x'\n"
	with := func(gitignore string) map[string]string {
		return map[string]string{"mysite/settings.py": settingsEnv, "manage.py": "", ".gitignore": gitignore}
	}
	runRuleCases(t, []ruleCase{
		{name: "ignored", rule: "DJS106", want: 0, files: with("*.pyc\n.env\n")},
		{name: "not ignored", rule: "DJS106", want: 1, sev: Medium, path: ".gitignore", line: 1, key: ".env",
			files: with("*.pyc\n__pycache__/\n")},
		{name: "dot env star", rule: "DJS106", want: 0, files: with(".env*\n")},
		{name: "star dot env", rule: "DJS106", want: 0, files: with("*.env\n")},
		{name: "anchored", rule: "DJS106", want: 0, files: with("/.env\n")},
		{name: "double star", rule: "DJS106", want: 0, files: with("**/.env\n")},
		{name: "negated", rule: "DJS106", want: 1, line: 2, files: with(".env\n!.env\n")},
		{name: "negation of the example only", rule: "DJS106", want: 0, files: with(".env\n.env.*\n!.env.example\n")},
		{name: "directory-only pattern", rule: "DJS106", want: 1, files: with(".env/\n")},
		{name: "comment", rule: "DJS106", want: 1, files: with("# .env\n")},
		{name: "escaped hash", rule: "DJS106", want: 0, files: map[string]string{
			"mysite/settings.py": settingsEnv, ".gitignore": ".env\n\\#notes\n"}},
		{name: "committed env file not ignored", rule: "DJS106", want: 1, msg: "config/.env",
			files: map[string]string{"mysite/settings.py": settingsNoEnv, ".gitignore": "/.env\n", "config/.env": "MAIL_PASSWORD=Vq83kLm2Zp0x\n"}},
		{name: "committed env file of non-secrets is a tracked template", rule: "DJS106", want: 0,
			files: map[string]string{"mysite/settings.py": settingsNoEnv, ".gitignore": "*.pyc\n", "contrib/app.env": "WORKERS=4\n"}},
		{name: "environment reads alone are no .env", rule: "DJS106", want: 0,
			files: map[string]string{"mysite/settings.py": settingsEnvReadsOnly, "manage.py": "", ".gitignore": "*.pyc\n"}},
		{name: "a loader given another file", rule: "DJS106", want: 0,
			files: map[string]string{"mysite/settings.py": "from dotenv import load_dotenv\nload_dotenv('/etc/shop/shop.conf')\nDEBUG = False\n", "manage.py": "", ".gitignore": "*.pyc\n"}},
		{name: "a loader in manage.py", rule: "DJS106", want: 1,
			files: map[string]string{"mysite/settings.py": settingsEnvReadsOnly, "manage.py": "import dotenv\ndotenv.load_dotenv()\n", ".gitignore": "*.pyc\n"}},
		{name: "django-environ read_env with a .env path", rule: "DJS106", want: 1,
			files: map[string]string{"mysite/settings.py": "import environ\nenv = environ.Env()\nenv.read_env(BASE_DIR / \".env\")\nDEBUG = False\n", "manage.py": "", ".gitignore": "*.pyc\n"}},
		{name: "compose env_file not committed", rule: "DJS106", want: 1, msg: "deploy/.env.web",
			files: map[string]string{"mysite/settings.py": settingsNoEnv, ".gitignore": "*.pyc\n",
				"deploy/compose.yml": "services:\n  web:\n    image: shop\n    env_file:\n      - .env.web\n"}},
		{name: "nested project with its own .gitignore", rule: "DJS106", want: 0, files: map[string]string{
			"backend/mysite/settings.py": settingsEnv, "backend/manage.py": "", "backend/.gitignore": ".env\n",
			".gitignore": "node_modules/\n"}},
		{name: "nested .gitignore re-includes", rule: "DJS106", want: 1, path: "backend/.gitignore", files: map[string]string{
			"backend/mysite/settings.py": settingsEnv, "backend/manage.py": "", "backend/.gitignore": "!.env\n",
			".gitignore": ".env\n"}},
		{name: "ignored parent directory", rule: "DJS106", want: 0, files: map[string]string{
			"mysite/settings.py": settingsNoEnv, "manage.py": "", ".gitignore": "secrets/\n/.env\n", "secrets/.env": "A=1\n"}},
		{name: "no .gitignore in an audit", rule: "DJS106", want: 1, path: "mysite/settings.py", msg: "no .gitignore",
			files: map[string]string{"mysite/settings.py": settingsEnv}},
		{name: "a .gitignore in a pull request", rule: "DJS106", want: 1, pr: true, files: with("*.pyc\n")},
		{name: "no .gitignore in a pull request", rule: "DJS106", want: 0, pr: true,
			files: map[string]string{"mysite/settings.py": settingsEnv}},
		{name: "env files only", rule: "DJS106", want: 1,
			files: map[string]string{".env.example": "A=\n", ".gitignore": "*.pyc\n"}},
		{name: "decouple import", rule: "DJS106", want: 1,
			files: map[string]string{"mysite/settings.py": "from decouple import config\nDEBUG = False\n", ".gitignore": "*.pyc\n"}},
		{name: "no environment at all", rule: "DJS106", want: 0,
			files: map[string]string{"mysite/settings.py": settingsNoEnv, ".gitignore": "*.pyc\n"}},
	})
}

func TestEnvExampleRealSecret(t *testing.T) {
	t.Parallel()
	example := func(content string) map[string]string { return map[string]string{".env.example": content} }
	runRuleCases(t, []ruleCase{
		{name: "startproject key", rule: "DJS107", want: 1, sev: High, path: ".env.example", line: 2, key: "SECRET_KEY",
			files: example("DEBUG=True\nSECRET_KEY=" + secretsStartproject + "\n"), noMsg: secretsStartproject},
		{name: "random key", rule: "DJS107", want: 1, files: example("DJANGO_SECRET_KEY='" + secretsGood50 + "'\n")},
		{name: "stripe live key", rule: "DJS107", want: 1, files: example("STRIPE_API_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n")},
		{name: "generated password", rule: "DJS107", want: 1, files: example("EMAIL_HOST_PASSWORD=Xk9mP2qL5vN8\n")},
		{name: "URL with a generated password", rule: "DJS107", want: 1, key: "DATABASE_URL", msg: "password",
			files: example("DATABASE_URL=postgres://app:Xk9mP2qL5vN8rT4w@db.internal:5432/app\n")},
		{name: "sentry DSN", rule: "DJS107", want: 1, key: "SENTRY_DSN",
			files: example("SENTRY_DSN=https://e3f1c8a97b2d4c6f9a0b5d7e8c1f2a3b@o450123.ingest.sentry.io/5512345\n")},
		{name: "placeholders", rule: "DJS107", want: 0, files: example(
			"SECRET_KEY=change-me\nAPI_KEY=<your-api-key>\nGITHUB_TOKEN=your-github-token-here\nAWS_SECRET_ACCESS_KEY=xxxxxxxxxxxxxxxxxxxxxxxx\n" +
				"STRIPE_SECRET_KEY=\nJWT_SIGNING_KEY=${SIGNING_KEY}\nEMAIL_HOST_PASSWORD=...\nSENDGRID_API_KEY=SG.your-key\n" +
				"SECRET_KEY2=django-insecure-change-me-please-1234\n")},
		{name: "human-made values", rule: "DJS107", want: 0, files: example(
			"SECRET_KEY=my-super-secret-key-for-local-dev\nDB_PASSWORD=postgres\nAPI_TOKEN=abcdef1234567890\nREDIS_PASSWORD=password123\n")},
		{name: "dev database URL", rule: "DJS107", want: 0,
			files: example("DATABASE_URL=postgres://postgres:postgres@localhost:5432/app\nREDIS_URL=redis://localhost:6379/0\n")},
		{name: "non-secret names", rule: "DJS107", want: 0, files: example(
			"DEBUG=True\nAWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE1\nSTRIPE_PUBLISHABLE_KEY=pk_live_4eC39HqLyjWDarjtT1zdp7dc\n" +
				"RECAPTCHA_SITE_KEY=6LcXk9mP2qL5vN8rT4wAAAAB\nCACHE_KEY_PREFIX=9f8e7d6c5b4a3f2e1d0c\nBUILD_SHA=9f8e7d6c5b4a3f2e1d0c9b8a\n")},
		{name: "real env files are DJS105's", rule: "DJS107", want: 0, files: map[string]string{".env": "SECRET_KEY=" + secretsGood50 + "\n"}},
		{name: "sample file", rule: "DJS107", want: 1, path: "deploy/.env.sample",
			files: map[string]string{"deploy/.env.sample": "API_SECRET=9f8e7d6c5b4a3f2e1d0c9b8aQ\n"}},
	})
}

func TestEnvExampleMissingVar(t *testing.T) {
	t.Parallel()
	settings := "import os\nDEBUG = False\nSECRET_KEY = os.environ['DJANGO_SECRET_KEY']\nDATABASES = {'default': {'PASSWORD': os.environ['DB_PASSWORD']}}\nTIME_ZONE = os.environ.get('TZ', 'UTC')\nX = os.getenv('OPTIONAL')\n"
	runRuleCases(t, []ruleCase{
		{name: "both missing", rule: "DJS108", want: 2, sev: Low,
			files: map[string]string{"mysite/settings.py": settings, ".env.example": "DEBUG=False\n"}},
		{name: "one documented", rule: "DJS108", want: 1, key: "DB_PASSWORD", line: 4, path: "mysite/settings.py",
			files: map[string]string{"mysite/settings.py": settings, ".env.example": "DJANGO_SECRET_KEY=change-me\n"}},
		{name: "documented across two example files", rule: "DJS108", want: 0,
			files: map[string]string{"mysite/settings.py": settings, ".env.example": "DJANGO_SECRET_KEY=\n", "deploy/.env.sample": "DB_PASSWORD=\n"}},
		{name: "no example file", rule: "DJS108", want: 0,
			files: map[string]string{"mysite/settings.py": settings, ".env": "DEBUG=1\n"}},
		{name: "a real .env does not document", rule: "DJS108", want: 2,
			files: map[string]string{"mysite/settings.py": settings, ".env": "DJANGO_SECRET_KEY=x\nDB_PASSWORD=y\n", ".env.example": "A=\n"}},
		{name: "decouple and environ", rule: "DJS108", want: 2,
			files: map[string]string{".env.example": "A=\n", "mysite/settings.py": "from decouple import config\nimport environ\nenv = environ.Env()\n" +
				"SECRET_KEY = config('SECRET_KEY')\nEMAIL_HOST_PASSWORD = env('EMAIL_PASSWORD')\nDEBUG = config('DEBUG', default=False, cast=bool)\n"}},
		{name: "same variable twice", rule: "DJS108", want: 1, line: 2,
			files: map[string]string{".env.example": "A=\n", "mysite/settings.py": "import os\nA_KEY = os.environ['K']\nB_KEY = os.environ['K']\n"}},
	})
}

func TestSecretHardcoded(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "email password", rule: "DJS109", want: 1, sev: High, line: 1, key: "EMAIL_HOST_PASSWORD", noMsg: "hunter2",
			src: "EMAIL_HOST_PASSWORD = 'hunter2hunter2'\n"},
		{name: "aws secret", rule: "DJS109", want: 1, key: "AWS_SECRET_ACCESS_KEY",
			src: "AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz'\n"},
		{name: "api key, token and secret suffixes", rule: "DJS109", want: 3,
			src: "MAILGUN_API_KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0'\nSLACK_TOKEN = 'xoxb-1234-abcd'\nGITHUB_WEBHOOK_SECRET = 's3cr3t-hook'\n"},
		{name: "env default", rule: "DJS109", want: 1, msg: "SMTP_PASSWORD is unset",
			src: "import os\nEMAIL_HOST_PASSWORD = os.environ.get('SMTP_PASSWORD', 'hunter2hunter2')\n"},
		{name: "simplejwt signing key", rule: "DJS109", want: 1, key: "SIMPLE_JWT.SIGNING_KEY", line: 3,
			src: "SIMPLE_JWT = {\n    'ALGORITHM': 'HS256',\n    'SIGNING_KEY': 'a-separate-jwt-key-0f9e8d',\n}\n"},
		{name: "signing key is SECRET_KEY", rule: "DJS109", want: 0,
			src: "SECRET_KEY = 'abc'\nSIMPLE_JWT = {'SIGNING_KEY': SECRET_KEY}\n"},
		{name: "signing key from the environment", rule: "DJS109", want: 0,
			src: "import os\nSIMPLE_JWT = {'SIGNING_KEY': os.environ['JWT_KEY']}\n"},
		{name: "empty and placeholders", rule: "DJS109", want: 0,
			src: "EMAIL_HOST_PASSWORD = ''\nSTRIPE_API_KEY = 'your-api-key'\nGITHUB_TOKEN = '<token>'\nSENTRY_SECRET = 'changeme'\nX_TOKEN = 'xxx'\n"},
		{name: "not strings", rule: "DJS109", want: 0, src: "GITHUB_TOKEN = None\nAPI_TOKEN = load()\n"},
		// Rate limits of the password and token actions, and a service's
		// published demo key, are not credentials.
		{name: "rate limits named for passwords", rule: "DJS109", want: 0,
			src: "ACCOUNT_RATE_LIMITS = {\n    'change_password': '1/m/ip',\n    'reset_password': '20/5m/key',\n    'login_failed': '5/h',\n}\n"},
		{name: "demo key default", rule: "DJS109", want: 0,
			src: "import os\nNUTRITION_API_KEY = os.getenv('NUTRITION_API_KEY', 'DEMO_KEY')\n"},
		{name: "a slash in a real token", rule: "DJS109", want: 1,
			src: "RELAY_TOKEN = '12/mK8qPz3vXw'\n"},
		{name: "required env reads", rule: "DJS109", want: 0,
			src: "import os\nEMAIL_HOST_PASSWORD = os.environ['EMAIL_HOST_PASSWORD']\nX_API_KEY = os.getenv('X_API_KEY')\n"},
		{name: "public names", rule: "DJS109", want: 0,
			src: "STRIPE_PUBLISHABLE_KEY = 'pk_live_123456789'\nRECAPTCHA_PUBLIC_KEY = '6Lc_abcdefg'\n"},
		{name: "SECRET_KEY is DJS101's", rule: "DJS109", want: 0, src: "SECRET_KEY = 'abc'\n"},
		{name: "database passwords are DJS901's", rule: "DJS109", want: 0,
			src: "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'PASSWORD': 'hunter2hunter2'}}\n"},
		{name: "key file paths", rule: "DJS109", want: 0,
			src: "JWT_PRIVATE_KEY = '/run/secrets/jwt.pem'\nGOOGLE_PRIVATE_KEY = 'keys/service-account.json'\n"},
		{name: "lower-case module variable", rule: "DJS109", want: 0, src: "_api_token = 'abcdef123456'\n"},
		{name: "dict setting with a secret key", rule: "DJS109", want: 1, key: "ANYMAIL.SENDGRID_API_KEY",
			src: "ANYMAIL = {'SENDGRID_API_KEY': 'SG.abc123def456'}\n"},
		{name: "dev module silent", rule: "DJS109", want: 0,
			files: secretsSplit("DEBUG = False\n", "EMAIL_HOST_PASSWORD = 'devpass1234'\n", "")},
		// A live credential leaks wherever it is committed.
		{name: "live credential in a dev module", rule: "DJS109", want: 1, sev: High, path: "mysite/settings/dev.py",
			files: secretsSplit("DEBUG = False\n", "GITHUB_TOKEN = 'ghp_R7vKq2Lm9ZxT4bWc8NfJ3yHd6Gs1Pa0QeUoX'\n", "")},
		{name: "payment test-mode key", rule: "DJS109", want: 0,
			src: "STRIPE_SECRET_KEY = 'sk_test_51Hc2xYz0aBcDeFgHiJkLmNoP'\n"},
		{name: "signing-key names", rule: "DJS109", want: 5,
			src: "SECRET_COOKIE_KEY = 'CAFE42'\nSESSION_HMAC_KEY = 'k3y-material-81'\nJWT_KEY = 'hs256-shared-77'\n" +
				"FERNET_KEY = 'ZmVybmV0LWtleS0xMjM0NTY3ODkwMTIzNDU2Nzg5MDE='\nAPP_SECRET_SIGNING_KEY = 'q9w8e7r6'\n"},
		{name: "key names, IDs and browser keys are not secrets", rule: "DJS109", want: 0,
			src: "AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLEX'\nJWT_KEY_ID = 'kid-2024-01'\nCACHE_KEY = 'pages'\nSECRET_KEY_NAME = 'DJANGO_SECRET'\n" +
				"GOOGLE_MAPS_API_KEY = 'AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW'\nMAPBOX_ACCESS_TOKEN = 'pk.eyJ1IjoiZXhhbXBsZSJ9.abc'\n" +
				"JWT_PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----'\nSTORAGE_KEY = 'uploads'\n"},
		{name: "mapbox secret token is a secret", rule: "DJS109", want: 1,
			src: "MAPBOX_TOKEN = 'sk.eyJ1IjoiYWNtZSJ9.s3cr3t'\n"},
		{name: "handler path named like a key", rule: "DJS109", want: 0,
			src: "JWT_AUTH = {'JWT_GET_USER_SECRET_KEY': 'accounts.services.user_jwt_secret'}\n"},
		{name: "placeholder signing key", rule: "DJS109", want: 0,
			src: "SECRET_COOKIE_KEY = 'change-me'\nJWT_SIGNING_KEY = '<jwt key>'\n"},
		{name: "signing key from the environment with no default", rule: "DJS109", want: 0,
			src: "import os\nSECRET_COOKIE_KEY = os.environ['COOKIE_KEY']\n"},
		{name: "setting used as the jwt.encode key", rule: "DJS109", want: 1, key: "COOKIE_SIGNER",
			files: map[string]string{
				"mysite/settings.py": "COOKIE_SIGNER = 'TEAMNAME'\nLABEL = 'x'\n",
				"app/views.py":       "import jwt\nfrom django.conf import settings\n\ndef f(p):\n    return jwt.encode(p, settings.COOKIE_SIGNER, algorithm='HS256')\n",
			}},
		{name: "setting imported and used with hmac.new", rule: "DJS109", want: 1, key: "HOOK_VERIFIER",
			files: map[string]string{
				"mysite/settings.py": "HOOK_VERIFIER = 'b7c1d9e3'\n",
				"app/hooks.py":       "import hmac\nfrom mysite.settings import HOOK_VERIFIER\n\ndef ok(body, sig):\n    return hmac.new(HOOK_VERIFIER.encode(), body, 'sha256')\n",
			}},
		{name: "jwt.decode alone may take a public key", rule: "DJS109", want: 0,
			files: map[string]string{
				"mysite/settings.py": "ISSUER_CERT = 'MIIBIjANBgkq'\n",
				"app/views.py":       "import jwt\nfrom django.conf import settings\n\ndef f(t):\n    return jwt.decode(t, settings.ISSUER_CERT, algorithms=['RS256'])\n",
			}},
	})
}

func TestSecretHelpers(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "changeme", "CHANGE_ME", "<secret>", "your-key", "xxxx", "****", "...", "${SECRET}", "$SECRET", "{{ secret }}", "replace-with-real-key", "dummy-value"} {
		if !secretPlaceholder(s) {
			t.Errorf("secretPlaceholder(%q) = false", s)
		}
	}
	for _, s := range []string{"hunter2", secretsGood50, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"} {
		if secretPlaceholder(s) {
			t.Errorf("secretPlaceholder(%q) = true", s)
		}
	}
	for _, s := range []string{secretsGood50, secretsStartproject, "e3f1c8a97b2d4c6f9a0b5d7e8c1f2a3b"} {
		if !looksGenerated(s, 16) {
			t.Errorf("looksGenerated(%q) = false", s)
		}
	}
	for _, s := range []string{"short1", "aaaaaaaaaaaaaaaaaaaa1", "my-secret-key-2024-abc", "abcdefghijklmnopqrstuvwxyz", "1234567890abcdefghij", "has space 9f8e7d6c5b4a3f2e"} {
		if looksGenerated(s, 16) {
			t.Errorf("looksGenerated(%q) = true", s)
		}
	}
	for name, want := range map[string]bool{"SECRET_KEY": true, "API_TOKEN": true, "DB_PASS": true, "STRIPE_PUBLISHABLE_KEY": false,
		"AWS_ACCESS_KEY_ID": false, "TOKEN_LIFETIME": false, "DEBUG": false, "client-secret": true} {
		if got := secretLikeName(name); got != want {
			t.Errorf("secretLikeName(%q) = %v, want %v", name, got, want)
		}
	}
}
