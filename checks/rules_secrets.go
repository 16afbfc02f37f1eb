package checks

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/djsec/djsec/checks/envfile"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Secrets (RULES.md §1, checklist §1). Messages never quote a secret's
// value: they end up in pull-request annotations and issue bodies.
var (
	ruleSecretKeyHardcoded = &Rule{
		ID: "DJS101", Slug: "secret-key-hardcoded", Severity: Critical, Where: "S", Section: 1, FixUp: true,
		Title:     "SECRET_KEY is hardcoded",
		FiresWhen: "SECRET_KEY is a string literal",
		Doc: "`SECRET_KEY` signs sessions, password-reset links, CSRF tokens and everything passed through " +
			"`django.core.signing`. A key written in the settings file is known to everyone who can read the " +
			"repository, its forks and its history, and with it they can forge a session cookie or a " +
			"password-reset link for any user. Removing the line later does not help: the key stays in git " +
			"history, so it must also be rotated.\n\n" +
			"An empty literal (`SECRET_KEY = \"\"`) is not reported here (it publishes nothing); DJS103 reports it.",
		Fix: "Read the key from the environment with no default, so a deployment without it fails at " +
			"start-up instead of running with a known key, and generate a new one:\n\n" +
			"```python\nimport os\n\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n```\n\n" +
			"```sh\npython -c 'from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())'\n```\n\n" +
			"Development settings can keep a throwaway key in `settings/dev.py`.",
		Fixable: true,
	}
	ruleSecretKeyEnvFallback = &Rule{
		ID: "DJS102", Slug: "secret-key-env-fallback", Severity: Critical, Where: "S", Section: 1, FixUp: true,
		Title:     "SECRET_KEY falls back to a hardcoded value",
		FiresWhen: "SECRET_KEY comes from the environment with a literal default (or from a file, with a literal fallback when the file is missing)",
		Doc: "`SECRET_KEY = os.environ.get(\"SECRET_KEY\", \"…\")` (or `config(\"SECRET_KEY\", default=\"…\")`, " +
			"`env(\"SECRET_KEY\", default=\"…\")`) looks safe but is not: when the variable is missing — a new " +
			"server, a renamed variable, a worker started without the environment — Django silently runs with " +
			"the default, a key published in the repository. This is the checklist's \"SECRET_KEY has hardcoded " +
			"fallback\". An empty default is not reported: Django refuses to use an empty key.\n\n" +
			"A key read from a secrets file with a literal fallback (`try: SECRETS = json.load(open(…))` / " +
			"`except OSError: SECRETS = {\"secret_key\": \"…\"}`) is the same thing: a deployment that forgets the " +
			"file runs with the fallback.",
		Fix: "Drop the default, so a missing variable stops the app at start-up, and rotate the key:\n\n" +
			"```python\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]        # os\nSECRET_KEY = config(\"DJANGO_SECRET_KEY\")           # python-decouple\nSECRET_KEY = env(\"DJANGO_SECRET_KEY\")              # django-environ\n```",
		Fixable: true,
	}
	ruleSecretKeyWeak = &Rule{
		ID: "DJS103", Slug: "secret-key-weak", Severity: High, Where: "S", Section: 1,
		Title:        "SECRET_KEY is weak",
		FiresWhen:    "the literal or default is shorter than 50, has fewer than 5 distinct characters, or starts with `django-insecure`",
		DjangoChecks: []string{"security.W009"},
		Doc: "Django's deployment check `security.W009` rejects a key shorter than 50 characters, with fewer " +
			"than 5 distinct characters, or starting with `django-insecure-` — the prefix `startproject` gives the " +
			"throwaway key it writes into a new project. djsec judges the value Django gets in production: the " +
			"literal, or the default of an environment read, or Django's empty default when the module does not set " +
			"`SECRET_KEY` at all (Django then fails at the first request that signs anything). A key read from the " +
			"environment with no default (or an empty one) is not judged, since only the deployment knows it. " +
			"`django_check` is `security.W009` exactly when the pinned Django's own rule rejects the value: the " +
			"prefix rule exists since Django 3.2, and djsec also rejects the prefix without its dash.",
		Fix: "Generate a key with Django's own generator and supply it through the environment:\n\n" +
			"```sh\npython -c 'from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())'\n```\n\n" +
			"```python\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n```\n\n" +
			"Keep the old key in `SECRET_KEY_FALLBACKS` (from the environment) for a while so sessions survive the rotation.",
		Fixable: true,
	}
	ruleSecretKeyFallbacksWeak = &Rule{
		ID: "DJS104", Slug: "secret-key-fallbacks-weak", Severity: High, Where: "S", Section: 1,
		Title:        "SECRET_KEY_FALLBACKS holds a published or weak key",
		FiresWhen:    "a SECRET_KEY_FALLBACKS entry is a literal, or weak as in DJS103",
		DjangoChecks: []string{"security.W025"},
		Doc: "Every key in `SECRET_KEY_FALLBACKS` is still accepted when Django verifies a signature, so a " +
			"fallback written in the repository is as good as a published `SECRET_KEY`: anyone can forge sessions " +
			"and password-reset tokens with it. An empty entry is the worst case: an HMAC keyed with the empty " +
			"string is computable by anyone, and `\"\".split(\",\")` gives exactly `[\"\"]`. Django reports weak " +
			"entries as `security.W025`, one warning per entry; djsec reports each literal entry too, with " +
			"`django_check` set only when Django's key rule rejects it. The setting exists since Django 4.1; " +
			"for a project pinned to an older release it does nothing, and the rule is silent.",
		Fix: "Read retired keys from the environment and drop them once sessions signed with them have expired:\n\n" +
			"```python\nSECRET_KEY_FALLBACKS = [k for k in os.environ.get(\"DJANGO_OLD_SECRET_KEYS\", \"\").split(\",\") if k]\n```",
	}
	ruleEnvFileCommitted = &Rule{
		ID: "DJS105", Slug: "env-file-committed", Severity: Critical, Where: "C", Section: 1,
		Title:     ".env file committed",
		FiresWhen: "a `.env`, `.env.production` … (not `*.example`/`*.sample`/`*.template`) that gives a secret-like variable a real value is in the tree or the PR",
		Doc: "A `.env` file is where real credentials live. Once it is committed, every clone, fork and CI " +
			"log has them, and they stay in git history after the file is deleted.\n\n" +
			"It fires when the file gives a secret-like variable (`*_KEY`, `*_SECRET`, `*_PASSWORD`, " +
			"`*_TOKEN`, a URL with a password) a value that is not a placeholder: critical, or low for files " +
			"named for tests or CI (`.env.test`, `.env.ci`), which projects commit on purpose with dummy values. " +
			"A committed env file holding only non-secrets or placeholders (`COMPOSE_PROJECT_NAME`, " +
			"`SECRET_KEY=change-me`) is a tracked template, not a leak, and so is a typed password in a URL " +
			"to this machine or an undotted compose service (`postgres://app:app@db/app` in a dev container's " +
			"env file) unless the password looks generated or the file is named for production. Example files (`.env.example`, `.env.sample`, " +
			"`.env.template`, `.env.dist` …) are documentation and are judged by DJS107 instead.",
		Fix: "Remove the file from the repository (it stays on your disk), ignore it, commit a " +
			"`.env.example` with placeholders instead, and **rotate every secret it held**:\n\n" +
			"```sh\ngit rm --cached .env\necho .env >> .gitignore\n```",
	}
	ruleEnvNotGitignored = &Rule{
		ID: "DJS106", Slug: "env-not-gitignored", Severity: Medium, Where: "C", Section: 1,
		Title:     ".env is not in .gitignore",
		FiresWhen: "`.gitignore` does not ignore `.env`",
		Doc: "Without an ignore rule, the next `git add .` commits the developer's `.env` and its secrets. " +
			"djsec reads every `.gitignore` on the way to each place a `.env` goes (each env file present, " +
			"the directory of each example env file and of each `manage.py`, else the repository root) with git's rules: `.env`, `.env*`, `*.env`, `/.env`, " +
			"`**/.env`, ignored parent directories, and `!` negations that re-include the file.\n\n" +
			"It judges only places where the project reads a `.env` a developer fills with real values: next to " +
			"an example env file, the `.env` python-dotenv, django-environ's `read_env()` or python-decouple " +
			"loads, a compose `env_file` that is not committed, and committed env files that hold secrets. " +
			"Reading variables from the environment is no evidence of a `.env` file, and a loader given another " +
			"file (`load_dotenv(\"app.conf\")`) does not count. When the repository has no `.gitignore` at all, " +
			"only `bot audit` and the weekly audit (which see the whole tree) report it.",
		Fix: "Add the env files to `.gitignore`, keeping the example ones:\n\n" +
			"```gitignore\n.env\n.env.*\n!.env.example\n```",
		Fixable: true,
	}
	ruleEnvExampleRealSecret = &Rule{
		ID: "DJS107", Slug: "env-example-real-secret", Severity: High, Where: "E", Section: 1,
		Title:     "Example env file holds a real-looking secret",
		FiresWhen: "`.env.example` gives a secret-like key (KEY, SECRET, PASSWORD, TOKEN, DSN/URL with credentials) a value that is not a placeholder (empty, `changeme`, `<...>`, `your-...`, `xxx`) and looks generated (length/entropy)",
		Doc: "Example env files are committed on purpose, so anything in them is public. People also copy " +
			"them to `.env` as they are, which puts the example's values into production.\n\n" +
			"djsec reports a value only when it looks machine-generated: at least 16 characters (12 for " +
			"passwords), letters and digits, no spaces, high character entropy, no runs such as `1234` or " +
			"`abcd`, and no words such as `change`, `your`, `example`, `secret`. Placeholders (`change-me`, " +
			"`<your-key>`, `your-api-key`, `xxx`, `${VAR}`, `...`) are fine. For URLs (`DATABASE_URL`, " +
			"`REDIS_URL`, a Sentry `*_DSN`) the password (or a DSN's key) is judged the same way, so " +
			"`postgres://postgres:postgres@localhost/app` passes.\n\n" +
			"A `django-insecure-…` key counts as real: the prefix only says `startproject` generated it for " +
			"development, and an example copied into production would run with a published key.",
		Fix: "Replace the value with a placeholder and rotate the secret if it was ever used:\n\n" +
			"```sh\nDJANGO_SECRET_KEY=change-me\nDATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME\n```",
	}
	ruleEnvExampleMissingVar = &Rule{
		ID: "DJS108", Slug: "env-example-missing-var", Severity: Low, Where: "E+S", Section: 1,
		Title:     "Required variable missing from .env.example",
		FiresWhen: "settings require a variable (no default) that no `.env.example` documents",
		Doc: "A variable the settings require (`os.environ[\"X\"]`, `config(\"X\")`, `env(\"X\")` with no default) " +
			"stops the app at start-up when it is missing. When the repository keeps an example env file, " +
			"that file is the list a new deployment works from, so a required variable absent from it " +
			"surfaces as a crash on the first deploy. The rule runs only when at least one example env file " +
			"exists; any of them documenting the variable is enough.",
		Fix: "Add the variable, with a placeholder value, to the example file:\n\n" +
			"```sh\nDJANGO_SECRET_KEY=change-me\n```",
		Fixable: true,
	}
	ruleSecretHardcoded = &Rule{
		ID: "DJS109", Slug: "secret-hardcoded", Severity: High, Where: "S", Section: 1,
		Title:     "Secret hardcoded in settings",
		FiresWhen: "another secret-like setting (EMAIL_HOST_PASSWORD, AWS_SECRET_ACCESS_KEY, `*_API_KEY`, `*_TOKEN`, `*_SECRET`, `*SECRET*_KEY`, `*_SIGNING_KEY`, `*_HMAC_KEY`, SIMPLE_JWT SIGNING_KEY, a setting the code passes to jwt.encode) is a non-empty literal or env default",
		Doc: "Passwords, API keys and tokens written into settings are readable by everyone with access to " +
			"the repository, and stay in its history. An environment read with a literal default is the same " +
			"thing: the default is what runs when the variable is missing.\n\n" +
			"djsec looks at upper-case settings named `EMAIL_HOST_PASSWORD`, `AWS_SECRET_ACCESS_KEY` or ending " +
			"in `_API_KEY`, `_APIKEY`, `_TOKEN`, `_SECRET`, `_SECRET_KEY`, `_PASSWORD`, `_PRIVATE_KEY`, " +
			"`_SIGNING_KEY`, `_ENCRYPTION_KEY`; at names ending in `_KEY` with a word that makes them a signing or " +
			"encryption key (`SECRET_COOKIE_KEY`, `SESSION_HMAC_KEY`, `JWT_KEY`, `FERNET_KEY`: SECRET, SIGNING, " +
			"HMAC, JWT, ENCRYPTION, CRYPTO, FERNET, CIPHER, AES, PRIVATE); at any setting the project's code passes " +
			"as the key of `jwt.encode`, `hmac.new` or `Fernet` (`jwt.encode(payload, settings.COOKIE_KEY, …)`); " +
			"and at such keys one level inside dict settings, `SIMPLE_JWT[\"SIGNING_KEY\"]` included. Names with " +
			"`PUBLIC` or `PUBLISHABLE` are public by design, and so are maps keys (`GOOGLE_MAPS_API_KEY`, Mapbox " +
			"public tokens), which the provider restricts by referrer and every visitor's browser receives; key " +
			"names and IDs (`AWS_ACCESS_KEY_ID`, `JWT_KEY_ID`) are not keys. Empty values " +
			"and obvious placeholders (`change-me`, `<token>`, `your-api-key`, `xxx`) are skipped, and so are file " +
			"paths (`/run/secrets/jwt.pem`), which say where a key lives, and dotted Python paths " +
			"(`myapp.auth.get_secret_key`), which name a function, rate limits of the password and token " +
			"actions (`ACCOUNT_RATE_LIMITS[\"reset_password\"] = \"1/m/ip\"`), payment providers' test-mode keys " +
			"and published demo keys (`DEMO_KEY`). " +
			"`SECRET_KEY` (DJS101) and `DATABASES` passwords (DJS901) have their own rules, and a " +
			"`SIGNING_KEY` that is `SECRET_KEY` itself is left to DJS101.",
		Fix: "Read the value from the environment with no default and rotate it:\n\n" +
			"```python\nEMAIL_HOST_PASSWORD = os.environ[\"EMAIL_HOST_PASSWORD\"]\nSIMPLE_JWT = {\"SIGNING_KEY\": os.environ[\"JWT_SIGNING_KEY\"]}\n```",
	}
)

func init() {
	ruleSecretKeyHardcoded.Check = checkSecretKeyHardcoded
	ruleSecretKeyEnvFallback.Check = checkSecretKeyEnvFallback
	ruleSecretKeyWeak.Check = checkSecretKeyWeak
	ruleSecretKeyFallbacksWeak.Check = checkSecretKeyFallbacks
	ruleEnvFileCommitted.Check = checkEnvFileCommitted
	ruleEnvNotGitignored.Check = checkEnvNotGitignored
	ruleEnvExampleRealSecret.Check = checkEnvExampleRealSecret
	ruleEnvExampleMissingVar.Check = checkEnvExampleMissingVar
	ruleSecretHardcoded.Check = checkSecretHardcoded
	register(ruleSecretKeyHardcoded, ruleSecretKeyEnvFallback, ruleSecretKeyWeak, ruleSecretKeyFallbacksWeak,
		ruleEnvFileCommitted, ruleEnvNotGitignored, ruleEnvExampleRealSecret, ruleEnvExampleMissingVar,
		ruleSecretHardcoded)
}

func checkSecretKeyHardcoded(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if s, ok := m.Lookup("SECRET_KEY"); ok && holdsInEveryCase(s.Value, isLiteralSecret) {
			r.AtSetting(ruleSecretKeyHardcoded, m, "SECRET_KEY",
				"SECRET_KEY is hardcoded, so anyone who can read the repository can forge sessions and password-reset links: "+
					"read it from the environment with no default (SECRET_KEY = "+envStyleOf(p, m).required("DJANGO_SECRET_KEY")+") and rotate the key")
		}
	}
}

func checkSecretKeyEnvFallback(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if s, ok := m.Lookup("SECRET_KEY"); ok && holdsInEveryCase(s.Value, isEnvDefaultSecret) {
			if e := secretsFirstEnv(s.Value); e != nil && e.Reader == "file" {
				r.AtSetting(ruleSecretKeyEnvFallback, m, "SECRET_KEY",
					"SECRET_KEY falls back to a hardcoded key when the file it is read from is missing (the except branch supplies it), so a deployment without the file runs with a published key: "+
						"let a missing file stop the app at start-up (no fallback key, or read the key from the environment with no default), and rotate the key")
				continue
			}
			r.AtSetting(ruleSecretKeyEnvFallback, m, "SECRET_KEY", fmt.Sprintf(
				"SECRET_KEY falls back to a hardcoded key when %s is unset, so a deployment missing the variable runs with a published key: "+
					"drop the default so the app stops at start-up instead (%s), and rotate the key",
				secretsEnvVar(s.Value), requiredReadHint(s.Value)))
		}
	}
}

// checkSecretKeyWeak judges the key Django gets in production. An unset key
// is Django's default "", which W009 reports (and which stops Django at the
// first signing); an opaque module may set it where djsec cannot see.
func checkSecretKeyWeak(p *Project, r *Reporter) {
	series := p.Series()
	for _, m := range p.Settings {
		v, set := p.Get(m, "SECRET_KEY")
		if v == nil {
			continue
		}
		why, django, weak := secretKeyWeakness(v, series)
		if !weak {
			continue
		}
		var opts []Opt
		if !django {
			opts = append(opts, WithDjango(""))
		}
		msg := fmt.Sprintf("SECRET_KEY %s %s: generate a new key with django.core.management.utils.get_random_secret_key() and supply it through the environment",
			secretOrigin(v), why)
		if !set {
			msg = "SECRET_KEY is not set, so Django refuses to sign anything (sessions, CSRF, password resets) and fails at the first request that needs it: " +
				"read it from the environment, SECRET_KEY = " + envStyleOf(p, m).required("DJANGO_SECRET_KEY") + ", with a key from django.core.management.utils.get_random_secret_key()"
		}
		r.AtSetting(ruleSecretKeyWeak, m, "SECRET_KEY", msg, opts...)
	}
}

// secretKeyWeakness judges the key Django gets in production. Keys only the
// deployment knows (required reads, empty or None defaults, which Django
// refuses) are not judged.
func secretKeyWeakness(v *settings.Value, series [2]int) (why string, django, ok bool) {
	judge := func(c *settings.Value) (string, bool, bool) {
		switch {
		case c.Env != nil:
			if !isEnvDefaultSecret(c) {
				return "", false, false
			}
			why, django := keyWeakness(c.Str, series)
			return why, django, why != ""
		case c.Kind == settings.None:
			return "is None", true, true
		case c.Kind == settings.Str:
			why, django := keyWeakness(c.Str, series)
			return why, django, why != ""
		}
		return "", false, false
	}
	if v.Known() {
		return judge(v)
	}
	if len(v.Alts) == 0 {
		return "", false, false
	}
	django = true
	for _, a := range v.Alts {
		if !a.Known() {
			return "", false, false
		}
		w, d, ok := judge(a)
		if !ok {
			return "", false, false
		}
		if why == "" {
			why = w
		}
		django = django && d
	}
	return why, django, true
}

// keyWeakness applies Django's W009/W025 key rule (DJANGO_FACTS.md §1.4):
// at least 50 characters (Python len, so code points), at least 5 distinct,
// no "django-insecure-" prefix (a rule of Django 3.2 and later). django
// reports whether the Django series would reject the key itself; djsec also
// rejects the prefix without its dash, and in every series.
func keyWeakness(key string, series [2]int) (why string, django bool) {
	n := utf8.RuneCountInString(key)
	distinct := map[rune]bool{}
	for _, c := range key {
		distinct[c] = true
	}
	prefixRule := series[0] > 3 || series[0] == 3 && series[1] >= 2
	django = n < 50 || len(distinct) < 5 || prefixRule && strings.HasPrefix(key, "django-insecure-")
	switch {
	case n == 0:
		why = "is empty"
	case strings.HasPrefix(key, "django-insecure-"):
		why = "starts with django-insecure-, the prefix of the throwaway development keys startproject generates"
	case n < 50:
		why = fmt.Sprintf("is only %d characters long (Django requires at least 50)", n)
	case len(distinct) < 5:
		why = fmt.Sprintf("uses only %d distinct characters (Django requires at least 5)", len(distinct))
	case strings.HasPrefix(key, "django-insecure"):
		why = "starts with django-insecure, the marker of throwaway development keys"
	}
	return why, django
}

// checkSecretKeyFallbacks reports each published or weak entry, keyed by
// index as Django's W025 names them. Django before 4.1 ignores the setting,
// so nothing is judged there.
func checkSecretKeyFallbacks(p *Project, r *Reporter) {
	series := p.Series()
	if series[0] < 4 || series[0] == 4 && series[1] < 1 {
		return
	}
	for _, m := range p.Settings {
		s, ok := m.Lookup("SECRET_KEY_FALLBACKS")
		if !ok || !s.Value.IsSequence() {
			continue
		}
		list := s.Value
		for i, it := range list.Items {
			if !it.Known() {
				continue
			}
			env := it.Env
			if env == nil {
				// os.environ.get("OLD_KEYS", "").split(",") marks the list.
				env = list.Env
			}
			key := fmt.Sprintf("SECRET_KEY_FALLBACKS[%d]", i)
			subject := key + " is a literal"
			if env != nil {
				subject = key + " is the default used when " + secretsEnvVarOf(env) + " is unset"
			}
			var why string
			django := false
			switch {
			case it.Kind == settings.None && env == nil:
				why, django = " and is None", true
			case it.Kind == settings.Str && it.Str == "":
				why, django = " and is empty, so anyone can compute signatures Django accepts (an HMAC keyed with the empty string)", true
			case it.Kind == settings.Str:
				why, django = keyWeakness(it.Str, series)
				if why == "" {
					why = ", so anyone who can read the repository can sign with it"
				} else {
					why = " and " + why
				}
			default:
				continue
			}
			var opts []Opt
			if !django {
				opts = append(opts, WithDjango(""))
			}
			pos := s.Pos
			if it.Pos.Path != "" && it.Pos.Line > 0 {
				pos = it.Pos
			}
			r.Emit(ruleSecretKeyFallbacksWeak, m, pos, key, subject+why+
				"; Django accepts signatures made with every fallback key: read retired keys from the environment and drop them once old sessions expire",
				opts...)
		}
	}
}

// isLiteralSecret is a non-empty string written in the settings.
func isLiteralSecret(v *settings.Value) bool {
	return v.Kind == settings.Str && v.Env == nil && v.Str != ""
}

// isEnvDefaultSecret is a non-empty string default of an environment read.
func isEnvDefaultSecret(v *settings.Value) bool {
	return v.Kind == settings.Str && v.Env != nil && v.Env.HasDefault && v.Str != ""
}

// holdsInEveryCase reports whether pred holds for v in every case the
// evaluator could see: v itself when known, or each alternative of a
// condition it could not decide. Unknown values never satisfy it.
func holdsInEveryCase(v *settings.Value, pred func(*settings.Value) bool) bool {
	if v == nil {
		return false
	}
	if v.Known() {
		return pred(v)
	}
	if len(v.Alts) == 0 {
		return false
	}
	for _, a := range v.Alts {
		if !holdsInEveryCase(a, pred) {
			return false
		}
	}
	return true
}

// secretOrigin says where a judged value comes from, for messages.
func secretOrigin(v *settings.Value) string {
	if v.Env == nil && v.Known() {
		return "(a literal in the settings)"
	}
	if v.Env != nil {
		return "(the default used when " + secretsEnvVar(v) + " is unset)"
	}
	return "(in every branch djsec could follow)"
}

func secretsEnvVar(v *settings.Value) string {
	if v == nil {
		return "the environment variable"
	}
	if v.Env == nil {
		for _, a := range v.Alts {
			if a != nil && a.Env != nil {
				return secretsEnvVarOf(a.Env)
			}
		}
	}
	return secretsEnvVarOf(v.Env)
}

// secretsEnvVarOf names a read's variable for messages: "the environment
// variable DJANGO_DEBUG".
func secretsEnvVarOf(e *settings.EnvRead) string {
	if e != nil && e.Reader == "file" {
		return "the file it is read from"
	}
	if e == nil || e.Var == "" {
		return "the environment variable"
	}
	if e.Reader == "getattr" {
		return e.Var + " in the deployment's configuration module"
	}
	return "the environment variable " + e.Var
}

// requiredReadHint is the no-default spelling of the reader in use.
func requiredReadHint(v *settings.Value) string {
	name := "DJANGO_SECRET_KEY"
	reader := ""
	if e := secretsFirstEnv(v); e != nil {
		if e.Var != "" {
			name = e.Var
		}
		reader = e.Reader
	}
	switch reader {
	case "decouple":
		return fmt.Sprintf("config(%q)", name)
	case "environ":
		return fmt.Sprintf("env(%q)", name)
	}
	return fmt.Sprintf("os.environ[%q]", name)
}

func secretsFirstEnv(v *settings.Value) *settings.EnvRead {
	if v == nil {
		return nil
	}
	if v.Env != nil {
		return v.Env
	}
	for _, a := range v.Alts {
		if e := secretsFirstEnv(a); e != nil {
			return e
		}
	}
	return nil
}

// ---- DJS105: committed env files ----

var envTestNameRE = lazyre.New(`(^|[._-])(test|tests|testing|ci)([._-]|$)`)

func checkEnvFileCommitted(p *Project, r *Reporter) {
	for _, fp := range p.Paths() {
		if !isEnvFile(fp) || IsEnvExample(fp) {
			continue
		}
		entries := envfile.Parse(p.Files[fp])
		var secrets []string
		for _, e := range entries {
			if envEntryHoldsSecret(fp, e) {
				secrets = append(secrets, e.Key)
			}
		}
		if len(secrets) == 0 {
			// Only non-secrets and placeholders (COMPOSE_PROJECT_NAME, a
			// deliberately tracked template): nothing is leaked.
			continue
		}
		sev := Critical
		shown := secrets
		if len(shown) > 3 {
			shown = append(shown[:3:3], "…")
		}
		what := fmt.Sprintf("gives %s values, so they are published with the code and must be rotated", strings.Join(shown, ", "))
		if envTestNameRE().MatchString(strings.ToLower(path.Base(fp))) {
			sev = min(sev, Low)
		}
		r.Emit(ruleEnvFileCommitted, nil, posAt(fp, 1), "env-file", fmt.Sprintf(
			"%s is committed and %s: remove it from the repository (git rm --cached %s), add it to .gitignore and commit a .env.example with placeholders instead",
			fp, what, fp), WithSeverity(sev))
	}
}

// envEntryHoldsSecret is a committed env entry worth rotating: a secret-like
// name with a non-placeholder value, or a URL carrying a password.
func envEntryHoldsSecret(fp string, e envfile.Entry) bool {
	if pw, ok := urlPassword(e.Value); ok {
		if secretPlaceholder(pw) {
			return false
		}
		// A typed password for a server on this machine or a compose
		// service (postgres://app:app@db/app in a dev container's env file)
		// opens nothing reachable from outside. A generated one, or any one
		// in a file named for production, may be the deployment's real
		// credential.
		return !urlHostLocal(e.Value) || looksGenerated(pw, 12) ||
			roleProdNameRE().MatchString(strings.ToLower(path.Base(fp)))
	}
	return secretLikeName(e.Key) && !secretPlaceholder(e.Value)
}

// ---- DJS106: .gitignore ----

func checkEnvNotGitignored(p *Project, r *Reporter) {
	candidates := envFileCandidates(p)
	if len(candidates) == 0 {
		return
	}
	ig := newGitignores(p.Files)
	type miss struct {
		files []string
		line  int
	}
	byIgnoreFile := map[string]*miss{}
	for _, c := range slices.Sorted(maps.Keys(candidates)) {
		applies := ig.filesFor(c)
		if len(applies) == 0 {
			if !p.Audit {
				continue
			}
			// No .gitignore anywhere above the file: report where the
			// fix will create one.
			applies = []string{".gitignore"}
		} else if ignored, _ := ig.ignored(c); ignored {
			continue
		}
		at := applies[len(applies)-1]
		mi := byIgnoreFile[at]
		if mi == nil {
			mi = &miss{line: 1}
			byIgnoreFile[at] = mi
		}
		mi.files = append(mi.files, c)
		if _, rule := ig.ignored(c); rule != nil && rule.negate && rule.file == at {
			mi.line = rule.line
		}
	}
	for _, at := range slices.Sorted(maps.Keys(byIgnoreFile)) {
		mi := byIgnoreFile[at]
		var msg string
		if _, exists := p.Files[at]; !exists {
			msg = fmt.Sprintf("the repository has no .gitignore, so the next `git add .` commits %s and its secrets: add a .gitignore with the lines .env, .env.* and !.env.example",
				strings.Join(mi.files, ", "))
		} else {
			msg = fmt.Sprintf("%s does not ignore %s, so the next `git add .` commits its secrets: add the lines .env, .env.* and !.env.example",
				at, strings.Join(mi.files, ", "))
		}
		pos := posAt(at, mi.line)
		if _, exists := p.Files[at]; !exists {
			// A finding must point at a file that exists (code scanning
			// and annotations cannot show a missing one): the env file
			// or settings module that makes .env matter.
			pos = posAt(gitignoreAnchor(p), 1)
		}
		r.Emit(ruleEnvNotGitignored, nil, pos, ".env", msg)
	}
}

// gitignoreAnchor is the existing file a missing-.gitignore finding sits
// on: the first env file, else the first settings module, else .gitignore.
func gitignoreAnchor(p *Project) string {
	for _, fp := range p.Paths() {
		if isEnvFile(fp) {
			return fp
		}
	}
	if len(p.Settings) > 0 {
		return p.Settings[0].Path
	}
	return ".gitignore"
}

// envFileCandidates lists where the project reads a .env file that a
// developer will create with real values: next to an example env file (the
// documented copy), the .env a dotenv loader or python-decouple reads
// (beside each manage.py, else the repository root), a compose file's
// env_file that is not committed, and a committed env file that holds
// secrets. Reading variables from the environment is no evidence of a
// .env file (the deployment may set them), and a committed env file that
// holds only non-secrets is a tracked template, not a place for secrets.
func envFileCandidates(p *Project) map[string]bool {
	out := map[string]bool{}
	readsDotenv := false
	for _, fp := range p.Paths() {
		switch {
		case isEnvFile(fp) && IsEnvExample(fp):
			out[secretsJoinPath(path.Dir(fp), ".env")] = true
		case isEnvFile(fp):
			if slices.ContainsFunc(p.EnvFiles[fp], func(e envfile.Entry) bool { return envEntryHoldsSecret(fp, e) }) {
				out[fp] = true
			}
		case strings.HasSuffix(fp, ".py"):
			readsDotenv = readsDotenv || pyReadsDotenv(p.Files[fp])
		case relevantCompose(strings.ToLower(path.Base(fp))):
			for _, ef := range composeEnvFiles(p.Files[fp]) {
				// Only the dotenv convention (.env, .env.local): a name like
				// stack.env is what an orchestrator (Portainer) writes for a
				// compose file people download, not a file kept in a clone.
				target := path.Clean(path.Join(path.Dir(fp), ef))
				base := path.Base(target)
				if _, committed := p.Files[target]; !committed && (base == ".env" || strings.HasPrefix(base, ".env.")) && !IsEnvExample(target) {
					out[target] = true
				}
			}
		}
	}
	if readsDotenv {
		found := false
		for _, fp := range p.Paths() {
			if path.Base(fp) == "manage.py" {
				out[secretsJoinPath(path.Dir(fp), ".env")] = true
				found = true
			}
		}
		if !found {
			out[".env"] = true
		}
	}
	return out
}

var (
	// A dotenv loader call and its arguments.
	dotenvCallRE = lazyre.New(`\b(?:load_dotenv|read_dotenv|read_env|dotenv_values)\s*\(([^)]*)\)`)
	// A string literal naming a .env file ("…/.env", ".env.local").
	dotenvLiteralRE = lazyre.New(`["'][^"'\n]*\.env(?:\.[A-Za-z]+)?["']`)
	decoupleRE      = lazyre.New(`(?m)^\s*(?:from\s+decouple\s+import|import\s+decouple)\b`)
)

// pyReadsDotenv reports Python code that loads a .env file: python-decouple
// (which reads .env by itself), or a loader called with no file, with a
// .env literal, or with a variable in a file that names a .env file.
// Loaders given another file (".environment", "paperless.conf") do not count.
func pyReadsDotenv(src []byte) bool {
	if !bytes.Contains(src, []byte("dotenv")) && !bytes.Contains(src, []byte("read_env")) && !bytes.Contains(src, []byte("decouple")) {
		return false
	}
	if decoupleRE().Match(src) {
		return true
	}
	for _, m := range dotenvCallRE().FindAllSubmatch(src, -1) {
		args := strings.TrimSpace(string(m[1]))
		switch {
		case args == "", args == "find_dotenv(", strings.HasPrefix(args, "find_dotenv()"):
			return true
		case dotenvLiteralRE().MatchString(args):
			return true
		case !strings.ContainsAny(args, "\"'") && dotenvLiteralRE().Match(src):
			return true
		}
	}
	return false
}

// composeEnvFiles reads the env_file entries of a compose file: a single
// value or a list, paths relative to the compose file.
func composeEnvFiles(data []byte) []string {
	var out []string
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t := strings.TrimSpace(line)
		if !strings.HasPrefix(t, "env_file:") {
			continue
		}
		if v := strings.Trim(strings.TrimSpace(strings.TrimPrefix(t, "env_file:")), `"'`); v != "" {
			out = append(out, v)
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		for i+1 < len(lines) {
			next := lines[i+1]
			nt := strings.TrimSpace(next)
			if nt == "" || len(next)-len(strings.TrimLeft(next, " ")) <= indent && !strings.HasPrefix(nt, "-") {
				break
			}
			i++
			if strings.HasPrefix(nt, "- ") {
				v := strings.Trim(strings.TrimSpace(strings.TrimPrefix(nt, "- ")), `"'`)
				v = strings.TrimPrefix(v, "path: ")
				if v != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// secretsVisit calls fn on v and everything inside it: items, keys and the
// alternatives of an undecided condition.
func secretsVisit(v *settings.Value, fn func(*settings.Value)) {
	// Values are shared: A = [A, A] a hundred times is a 2^100-node tree
	// over 101 values, so each value is visited once.
	seen := map[*settings.Value]bool{}
	var walk func(v *settings.Value, depth int)
	walk = func(v *settings.Value, depth int) {
		if v == nil || depth > 64 || seen[v] {
			return
		}
		seen[v] = true
		fn(v)
		for _, it := range v.Items {
			walk(it, depth+1)
		}
		for _, k := range v.Keys {
			walk(k, depth+1)
		}
		for _, a := range v.Alts {
			walk(a, depth+1)
		}
	}
	walk(v, 0)
}

func secretsJoinPath(dir, name string) string {
	if dir == "." || dir == "" {
		return name
	}
	return dir + "/" + name
}

// ---- DJS107: example env files ----

func checkEnvExampleRealSecret(p *Project, r *Reporter) {
	for _, fp := range slices.Sorted(maps.Keys(p.EnvFiles)) {
		if !IsEnvExample(fp) {
			continue
		}
		for _, e := range p.EnvFiles[fp] {
			what := ""
			if pw, ok := urlPassword(e.Value); ok {
				if !secretPlaceholder(pw) && looksGenerated(pw, 12) {
					what = "a URL whose password looks real"
				}
			} else if user, ok := dsnKey(e.Key, e.Value); ok {
				if !secretPlaceholder(user) && looksGenerated(user, 16) {
					what = "a DSN whose key looks real"
				}
			} else if secretLikeName(e.Key) && !secretPlaceholder(e.Value) && looksGenerated(e.Value, minGeneratedLen(e.Key)) {
				what = fmt.Sprintf("a value that looks generated (%d characters, high entropy)", utf8.RuneCountInString(e.Value))
			}
			if what == "" {
				continue
			}
			r.Emit(ruleEnvExampleRealSecret, nil, posAt(fp, e.Line), e.Key, fmt.Sprintf(
				"%s gives %s %s; example files are published and often copied to production as they are: "+
					"replace it with a placeholder (%s=change-me) and rotate the secret if it was ever used",
				fp, e.Key, what, e.Key))
		}
	}
}

// minGeneratedLen is the shortest value DJS107 judges for a key: passwords
// are shorter than API keys.
func minGeneratedLen(key string) int {
	k := strings.ToUpper(key)
	if strings.Contains(k, "PASS") || strings.Contains(k, "PWD") {
		return 12
	}
	return 16
}

// urlPassword returns the password of a URL with credentials
// ("postgres://user:pw@host/db").
func urlPassword(s string) (string, bool) {
	if !strings.Contains(s, "://") {
		return "", false
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil {
		return "", false
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return "", false
	}
	return pw, true
}

// urlHostLocal reports a URL whose host is this machine or an undotted
// service name on a container network.
func urlHostLocal(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return false
	}
	h := u.Hostname()
	return dbLocalHost(h) || (h != "" && !strings.Contains(h, ".") && !strings.Contains(h, ":"))
}

// dsnKey returns the key a DSN carries as its user name
// (https://<key>@o1.ingest.sentry.io/1).
func dsnKey(name, value string) (string, bool) {
	if !strings.HasSuffix(strings.ToUpper(name), "DSN") || !strings.Contains(value, "://") {
		return "", false
	}
	u, err := url.Parse(strings.TrimSpace(value))
	if err != nil || u.User == nil || u.User.Username() == "" {
		return "", false
	}
	return u.User.Username(), true
}

// secretLikeName reports a variable or setting name that holds a secret:
// its last word is KEY, SECRET, PASSWORD, TOKEN … and nothing marks it as
// public (a publishable key, a reCAPTCHA site key).
func secretLikeName(name string) bool {
	words := strings.FieldsFunc(strings.ToUpper(name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		switch w {
		case "PUBLIC", "PUBLISHABLE", "SITE", "PUB":
			return false
		}
	}
	switch words[len(words)-1] {
	case "KEY", "SECRET", "PASSWORD", "PASSWD", "PASS", "PWD", "TOKEN", "APIKEY", "SECRETKEY", "CREDENTIALS", "PASSPHRASE":
		return true
	}
	return false
}

var (
	placeholderExact = map[string]bool{
		"changeme": true, "change-me": true, "change_me": true, "changethis": true, "change-this": true,
		"secret": true, "password": true, "passwd": true, "pass": true, "token": true, "key": true,
		"apikey": true, "api_key": true, "api-key": true, "todo": true, "tbd": true, "none": true,
		"null": true, "nil": true, "dummy": true, "example": true, "test": true, "testing": true,
		"placeholder": true, "sample": true, "default": true, "foo": true, "bar": true, "foobar": true,
		"redacted": true, "postgres": true, "root": true, "admin": true, "guest": true, "user": true,
		"mysql": true, "django": true,
	}
	placeholderWords = []string{"change", "replace", "placeholder", "example", "dummy", "your", "xxx",
		"insert", "fill", "fixme", "todo", "redacted", "sample", "fake", "demo", "notasecret", "not-a-secret", "not_a_secret"}
	templateRE = lazyre.New(`^(<.*>|\{\{.*\}\}|\$\{.*\}|\$[A-Za-z_][A-Za-z0-9_]*|%\(.*\)s|\[.*\])$`)
)

// secretPlaceholder reports an empty value or one that only shows where a
// secret goes: change-me, <your-key>, your-api-key, xxx, ${VAR}, "...".
func secretPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || templateRE().MatchString(s) {
		return true
	}
	l := strings.ToLower(s)
	if placeholderExact[l] {
		return true
	}
	for _, w := range placeholderWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	// "xxxxxxxx", "********", "...." and similar.
	first, _ := utf8.DecodeRuneInString(l)
	if strings.Trim(l, string(first)) == "" {
		return true
	}
	return strings.Trim(l, ".*#-_ ") == ""
}

var (
	sequentialRuns = []string{"0123", "1234", "2345", "3456", "4567", "5678", "6789", "9876", "abcd", "bcde",
		"cdef", "qwer", "asdf", "zxcv", "aaaa", "0000", "1111"}
	humanWords = []string{"secret", "password", "passwd", "change", "example", "your", "key", "token",
		"dummy", "sample", "test", "local", "admin", "here", "insecure", "default", "django", "dev"}
	generatedPrefixes = []string{"django-insecure-", "sk_live_", "sk_test_", "rk_live_", "rk_test_",
		"ghp_", "gho_", "ghs_", "github_pat_", "glpat-", "xoxb-", "xoxp-", "xapp-", "SG."}
)

// looksGenerated reports a value that looks machine-made rather than typed
// by a person: at least minLen characters once a vendor prefix is removed,
// letters and digits, no spaces, Shannon entropy of at least 3 bits per
// character, and no keyboard runs or words.
func looksGenerated(s string, minLen int) bool {
	for _, pre := range generatedPrefixes {
		if strings.HasPrefix(s, pre) {
			s = s[len(pre):]
			break
		}
	}
	if utf8.RuneCountInString(s) < minLen {
		return false
	}
	hasLetter, hasDigit := false, false
	for _, c := range s {
		switch {
		case unicode.IsSpace(c):
			return false
		case unicode.IsLetter(c):
			hasLetter = true
		case unicode.IsDigit(c):
			hasDigit = true
		}
	}
	if !hasLetter || !hasDigit {
		return false
	}
	l := strings.ToLower(s)
	for _, w := range sequentialRuns {
		if strings.Contains(l, w) {
			return false
		}
	}
	for _, w := range humanWords {
		if strings.Contains(l, w) {
			return false
		}
	}
	return shannonBits(s) >= 3.0
}

// shannonBits is the entropy of s's characters, in bits per character.
func shannonBits(s string) float64 {
	counts := map[rune]int{}
	n := 0
	for _, c := range s {
		counts[c]++
		n++
	}
	var h float64
	for _, k := range counts {
		p := float64(k) / float64(n)
		h -= p * math.Log2(p)
	}
	return h
}

// ---- DJS108: variables the example env files do not document ----

func checkEnvExampleMissingVar(p *Project, r *Reporter) {
	documented := map[string]bool{}
	examples := 0
	for fp, entries := range p.EnvFiles {
		if !IsEnvExample(fp) {
			continue
		}
		examples++
		for _, e := range entries {
			documented[e.Key] = true
		}
	}
	if examples == 0 {
		return
	}
	for _, m := range p.Settings {
		type read struct {
			pos settings.Pos
		}
		first := map[string]read{}
		for _, name := range slices.Sorted(maps.Keys(m.Settings)) {
			s := m.Settings[name]
			secretsVisit(s.Value, func(v *settings.Value) {
				e := v.Env
				if e == nil || !e.Required || e.Var == "" || documented[e.Var] {
					return
				}
				if prev, seen := first[e.Var]; seen && !secretsPosBefore(s.Pos, prev.pos) {
					return
				}
				first[e.Var] = read{pos: s.Pos}
			})
		}
		for _, name := range slices.Sorted(maps.Keys(first)) {
			r.Emit(ruleEnvExampleMissingVar, m, first[name].pos, name, fmt.Sprintf(
				"the settings require %s (the app fails to start without it) but no example env file documents it: add %s=change-me (or a real default for non-secrets) to .env.example",
				name, name))
		}
	}
}

func secretsPosBefore(a, b settings.Pos) bool {
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Line < b.Line
}

// ---- DJS109: other hardcoded secrets ----

// secretSettingSuffixes are the name endings DJS109 treats as secrets.
var secretSettingSuffixes = []string{"_API_KEY", "_APIKEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_PASSWORD",
	"_PRIVATE_KEY", "_SIGNING_KEY", "_ENCRYPTION_KEY"}

// secretKeyQualifiers are the words that make a name ending in KEY a
// signing or encryption secret (SECRET_COOKIE_KEY, SESSION_HMAC_KEY,
// JWT_KEY, FERNET_KEY) rather than a key name, an ID or a browser key.
var secretKeyQualifiers = map[string]bool{"SECRET": true, "SIGNING": true, "SIGN": true, "HMAC": true,
	"JWT": true, "ENCRYPTION": true, "ENCRYPT": true, "CRYPTO": true, "CRYPT": true, "FERNET": true,
	"CIPHER": true, "AES": true, "PRIVATE": true}

// secretSettingName reports a setting (or a key inside a dict setting)
// that holds a secret by its name.
func secretSettingName(name string) bool {
	n := strings.ToUpper(name)
	if n == "SECRET_KEY" || n == "SECRET_KEY_FALLBACKS" {
		return false
	}
	if strings.Contains(n, "PUBLIC") || strings.Contains(n, "PUBLISHABLE") {
		return false
	}
	switch n {
	case "EMAIL_HOST_PASSWORD", "AWS_SECRET_ACCESS_KEY", "SIGNING_KEY", "API_KEY", "APIKEY", "TOKEN", "PASSWORD":
		return true
	}
	for _, suf := range secretSettingSuffixes {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	words := strings.Split(n, "_")
	if len(words) > 1 && words[len(words)-1] == "KEY" {
		for _, w := range words[:len(words)-1] {
			if secretKeyQualifiers[w] {
				return true
			}
		}
	}
	return false
}

// secretBrowserKey reports a key made to be shipped to every visitor's
// browser: a maps API key (Google Maps, Mapbox public tokens), which the
// provider restricts by referrer instead of keeping it secret. A Mapbox
// secret token (sk.…) is still a secret.
func secretBrowserKey(name, value string) bool {
	if strings.HasPrefix(value, "sk.") {
		return false
	}
	for _, w := range strings.Split(strings.ToUpper(name), "_") {
		switch w {
		case "MAP", "MAPS", "GMAP", "GMAPS", "GOOGLEMAPS", "MAPBOX", "BROWSER":
			return true
		}
	}
	return false
}

// secretImportPath reports a dotted Python path (a handler such as
// "myapp.auth.get_user_secret_key"), which names code, not a secret.
// Modules are lower-case; only the last name may be a class. A JWT's
// base64 parts have capitals inside, so a token is not taken for a path.
var secretImportPath = lazyre.New(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+\.[A-Za-z_][a-z0-9_]*(?:[A-Z][a-z0-9_]*)*$`)

// signingKeyUse finds settings passed as the key of jwt.encode, hmac.new or
// Fernet in the project's code (jwt.encode(payload, SECRET_COOKIE_KEY, …),
// hmac.new(settings.WEBHOOK_KEY, …)): whatever their name, they are
// secrets. jwt.decode is left out: with RS256 it takes a public key.
var signingKeyUse = lazyre.New(`\b(?:jwt\.encode\(\s*[^,()]+,\s*(?:key\s*=\s*)?|hmac\.new\(\s*(?:key\s*=\s*)?|Fernet\(\s*(?:key\s*=\s*)?)(?:settings\.)?([A-Z][A-Z0-9_]*[A-Z0-9])\b`)

// signingKeyNames lists the settings names the project's code signs with.
func signingKeyNames(p *Project) map[string]bool {
	names := map[string]bool{}
	for _, fp := range p.Paths() {
		if !strings.HasSuffix(fp, ".py") {
			continue
		}
		src := p.Files[fp]
		if !bytes.Contains(src, []byte("jwt.encode(")) && !bytes.Contains(src, []byte("hmac.new(")) && !bytes.Contains(src, []byte("Fernet(")) {
			continue
		}
		for _, m := range signingKeyUse().FindAllSubmatch(src, -1) {
			names[string(m[1])] = true
		}
	}
	return names
}

func secretsUpperName(s string) bool {
	return s != "" && strings.ToUpper(s) == s && strings.IndexFunc(s, unicode.IsLetter) >= 0
}

func checkSecretHardcoded(p *Project, r *Reporter) {
	signing := signingKeyNames(p)
	for _, m := range p.Settings {
		secretKey := ""
		if v := m.Value("SECRET_KEY"); v != nil && v.Kind == settings.Str {
			secretKey = v.Str
		}
		for _, name := range slices.Sorted(maps.Keys(m.Settings)) {
			if !secretsUpperName(name) || name == "DATABASES" {
				continue
			}
			s := m.Settings[name]
			if secretSettingName(name) || signing[name] && name != "SECRET_KEY" {
				reportHardcodedSecret(r, m, s.Pos, name, s.Value, secretKey)
				continue
			}
			if s.Value == nil || s.Value.Kind != settings.Dict {
				continue
			}
			for i, k := range s.Value.Keys {
				if k == nil || k.Kind != settings.Str || !secretSettingName(k.Str) {
					continue
				}
				v := s.Value.Items[i]
				pos := s.Pos
				if v != nil && v.Pos.Path != "" && v.Pos.Line > 0 {
					pos = v.Pos
				}
				reportHardcodedSecret(r, m, pos, name+"."+k.Str, v, secretKey)
			}
		}
	}
}

// secretTestMode reports a payment provider's test-mode credential
// (Stripe's sk_test_, rk_test_, whsec_test_): it moves no money, and
// projects publish one on purpose as the development fallback.
func secretTestMode(s string) bool {
	for _, pre := range []string{"sk_test_", "rk_test_", "pk_test_", "whsec_test_"} {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	return false
}

// secretRateSpec matches a rate limit, the value of settings whose names
// end in PASSWORD or TOKEN because they limit those actions
// (ACCOUNT_RATE_LIMITS["reset_password"] = "1/m/ip", "5/h", "20/5m/key").
var secretRateSpec = lazyre.New(`^\d+/\d*[smhd][a-z]*(/[a-z_]+)*$`)

// secretFilePath reports a value that names where a key lives
// (JWT_PRIVATE_KEY = "/run/secrets/jwt.pem") rather than the key itself.
func secretFilePath(s string) bool {
	if strings.ContainsAny(s, " \n") {
		return false
	}
	for _, pre := range []string{"/", "./", "../", "~/"} {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	switch strings.ToLower(path.Ext(s)) {
	case ".pem", ".key", ".json", ".p12", ".pfx", ".crt", ".txt":
		return true
	}
	return false
}

func reportHardcodedSecret(r *Reporter, m *settings.Model, pos settings.Pos, key string, v *settings.Value, secretKey string) {
	if v == nil || !v.Known() || v.Kind != settings.Str || secretPlaceholder(v.Str) || secretFilePath(v.Str) ||
		secretImportPath().MatchString(v.Str) || secretBrowserKey(key, v.Str) || secretTestMode(v.Str) ||
		secretRateSpec().MatchString(v.Str) {
		return
	}
	if v.Str == secretKey {
		// SIMPLE_JWT's SIGNING_KEY = SECRET_KEY: DJS101/DJS102 own it.
		return
	}
	var origin string
	switch {
	case v.Env == nil:
		origin = "is hardcoded in the settings"
	case v.Env.HasDefault:
		origin = "falls back to a hardcoded value when " + secretsEnvVarOf(v.Env) + " is unset"
	default:
		return
	}
	envName := key
	if i := strings.LastIndexByte(envName, '.'); i >= 0 {
		envName = envName[i+1:]
	}
	r.Emit(ruleSecretHardcoded, m, pos, key, fmt.Sprintf(
		"%s %s, so anyone who can read the repository can use it: read it from the environment with no default (%s) and rotate it",
		key, origin, envStyleOf(r.p, m).required(strings.ToUpper(envName))))
}
