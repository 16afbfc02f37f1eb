package checks

import (
	"reflect"
	"strings"
	"testing"
)

// cfgParse parses a djsec.yml body at the usual path.
func cfgParse(t *testing.T, src string) (*Config, []ConfigError) {
	t.Helper()
	return ParseConfig(ConfigPath, []byte(src))
}

// cfgErrText joins errors as "line: message" for failure output.
func cfgErrText(errs []ConfigError) string {
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(itoa(e.Line) + ": " + e.Message + "\n")
	}
	return b.String()
}

func TestParseConfigEmpty(t *testing.T) {
	t.Parallel()
	for _, src := range []string{"", "\n", "# nothing configured yet\n", "---\n", "~\n"} {
		cfg, errs := cfgParse(t, src)
		if len(errs) != 0 {
			t.Errorf("%q: unexpected errors:\n%s", src, cfgErrText(errs))
		}
		if !reflect.DeepEqual(cfg, DefaultConfig()) {
			t.Errorf("%q: config = %+v, want defaults", src, cfg)
		}
	}
}

func TestParseConfigFull(t *testing.T) {
	t.Parallel()
	src := `# djsec configuration
production_settings: mysite.settings.production
ignore_paths:
  - legacy/**
  - "**/fixtures.py"
disabled_rules: [DJS001, settings-parse-error]
severity:
  DJS002: high
  settings-parse-error: low
fail_on: medium
fail_on_existing: true
fix_prs: auto
drafts: false
audit: Friday
thresholds:
  jwt_access_lifetime_minutes: 10
  jwt_access_lifetime_high_minutes: 30
  jwt_refresh_lifetime_days: 7
  password_min_length: 14
  hsts_min_seconds: 63072000
  upload_max_mb: 20
allowed_email_domains: ["@Sharif.edu", student.sharif.edu]
checklist: ./docs/SECURITY-CHECKLIST.md
`
	cfg, errs := cfgParse(t, src)
	if len(errs) != 0 {
		t.Fatalf("unexpected errors:\n%s", cfgErrText(errs))
	}
	want := DefaultConfig()
	want.ProductionSettings = "mysite.settings.production"
	want.IgnorePaths = []string{"legacy/**", "**/fixtures.py"}
	want.Disabled = map[string]bool{"DJS001": true}
	want.Severity = map[string]Severity{"DJS002": High, "DJS001": Low}
	want.FailOn = Medium
	want.FailOnExisting = true
	want.FixPRs = "auto"
	want.Drafts = false
	want.AuditDay = "friday"
	want.Thresholds = Thresholds{JWTAccessMinutes: 10, JWTAccessHighMinutes: 30, JWTRefreshDays: 7, PasswordMinLength: 14, HSTSMinSeconds: 63072000, UploadMaxMB: 20}
	want.AllowedEmailDomains = []string{"sharif.edu", "student.sharif.edu"}
	want.Checklist = "docs/SECURITY-CHECKLIST.md"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config =\n%+v\nwant\n%+v", cfg, want)
	}
}

func TestParseConfigValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		src   string
		check func(*Config) bool
	}{
		{"fail_on never", "fail_on: never\n", func(c *Config) bool { return c.FailNever }},
		{"fail_on upper case", "fail_on: CRITICAL\n", func(c *Config) bool { return c.FailOn == Critical && !c.FailNever }},
		{"fix_prs off unquoted", "fix_prs: off\n", func(c *Config) bool { return c.FixPRs == "off" }},
		{"fix_prs false", "fix_prs: false\n", func(c *Config) bool { return c.FixPRs == "off" }},
		{"audit off", "audit: off\n", func(c *Config) bool { return c.AuditDay == "off" }},
		{"audit false", "audit: false\n", func(c *Config) bool { return c.AuditDay == "off" }},
		{"drafts yes", "drafts: yes\n", func(c *Config) bool { return c.Drafts }},
		{"fail_on_existing default", "fail_on: low\n", func(c *Config) bool { return !c.FailOnExisting }},
		{"fail_on_existing true", "fail_on_existing: true\n", func(c *Config) bool { return c.FailOnExisting }},
		{"fail_on_existing yes", "fail_on_existing: yes\n", func(c *Config) bool { return c.FailOnExisting }},
		{"fail_on_existing false", "fail_on_existing: false\n", func(c *Config) bool { return !c.FailOnExisting }},
		{"single ignore path", "ignore_paths: vendor/**\n", func(c *Config) bool { return reflect.DeepEqual(c.IgnorePaths, []string{"vendor/**"}) }},
		{"single disabled rule", "disabled_rules: config-invalid\n", func(c *Config) bool { return c.Disabled["DJS002"] }},
		{"rule id lower case", "disabled_rules: [djs001]\n", func(c *Config) bool { return c.Disabled["DJS001"] }},
		{"empty lists", "ignore_paths:\ndisabled_rules: []\nseverity:\nthresholds:\n", func(c *Config) bool {
			return len(c.IgnorePaths) == 0 && len(c.Disabled) == 0 && len(c.Severity) == 0 && c.Thresholds == DefaultConfig().Thresholds
		}},
		{"anchors", "x-level: &lvl medium\n", nil}, // unknown key, checked below
		{"underscore number", "thresholds: {hsts_min_seconds: 31_536_000}\n", func(c *Config) bool { return c.Thresholds.HSTSMinSeconds == 31536000 }},
		{"commands default", "fail_on: low\n", func(c *Config) bool { return !c.Commands.Limited && !c.Commands.Allows("alice") }},
		{"commands users and teams", "commands:\n  allowed_users: [alice, \"@Bob-2\"]\n  allowed_teams: [octo-org/Security, release_managers]\n", func(c *Config) bool {
			a := c.Commands
			return a.Limited && reflect.DeepEqual(a.AllowedUsers, []string{"alice", "Bob-2"}) &&
				reflect.DeepEqual(a.AllowedTeams, []string{"octo-org/security", "release_managers"}) && a.Allows("BOB-2") && !a.Allows("carol")
		}},
		{"commands single user", "commands: {allowed_users: alice}\n", func(c *Config) bool {
			return c.Commands.Limited && reflect.DeepEqual(c.Commands.AllowedUsers, []string{"alice"}) && len(c.Commands.AllowedTeams) == 0
		}},
		{"commands empty lists narrow nothing", "commands:\n  allowed_users: []\n  allowed_teams:\n", func(c *Config) bool { return !c.Commands.Limited }},
		{"commands empty", "commands:\n", func(c *Config) bool { return !c.Commands.Limited }},
		{"high raised to medium threshold", "thresholds: {jwt_access_lifetime_minutes: 90}\n", func(c *Config) bool {
			return c.Thresholds.JWTAccessMinutes == 90 && c.Thresholds.JWTAccessHighMinutes == 90
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, errs := cfgParse(t, tc.src)
			if tc.check == nil {
				return
			}
			if len(errs) != 0 {
				t.Fatalf("unexpected errors:\n%s", cfgErrText(errs))
			}
			if !tc.check(cfg) {
				t.Errorf("config %+v does not satisfy the case", cfg)
			}
		})
	}
}

// TestParseConfigErrors checks that each problem is reported on its line
// with a message naming the key, and that the rest of the file applies.
func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		src     string
		line    int
		message string // substring
		check   func(*Config) bool
	}{
		{"unknown key with suggestion", "fail_on: low\nfail-on: high\n", 2, `unknown key fail-on (did you mean fail_on?)`,
			func(c *Config) bool { return c.FailOn == Low }},
		{"unknown key without suggestion", "colour: blue\n", 1, "unknown key colour (known keys: allowed_email_domains, audit,", nil},
		{"bad fail_on", "drafts: false\nfail_on: hihg\n", 2, `fail_on: "hihg" is not a level`,
			func(c *Config) bool { return c.FailOn == High && !c.Drafts }},
		{"fail_on empty", "fail_on:\n", 1, "fail_on has no value", func(c *Config) bool { return c.FailOn == High }},
		{"fail_on list", "fail_on: [high]\n", 1, "fail_on must be a single word, not a list", nil},
		{"bad fix_prs", "fix_prs: sometimes\n", 1, `fix_prs: "sometimes" is not one of auto, command or off`,
			func(c *Config) bool { return c.FixPRs == "command" }},
		{"bad drafts", "drafts: maybe\n", 1, `drafts must be true or false, not "maybe"`, func(c *Config) bool { return c.Drafts }},
		{"bad fail_on_existing", "fail_on: low\nfail_on_existing: sometimes\n", 2, `fail_on_existing must be true or false, not "sometimes"; using the default (false)`,
			func(c *Config) bool { return !c.FailOnExisting && c.FailOn == Low }},
		{"fail_on_existing empty", "fail_on_existing:\n", 1, "fail_on_existing has no value", func(c *Config) bool { return !c.FailOnExisting }},
		{"fail_on_existing typo", "fail_on_exsting: true\n", 1, "unknown key fail_on_exsting (did you mean fail_on_existing?)", func(c *Config) bool { return !c.FailOnExisting }},
		{"bad audit day", "audit: fridey\n", 1, `audit: "fridey" is not a day of the week or off (did you mean friday?)`,
			func(c *Config) bool { return c.AuditDay == "monday" }},
		{"unknown disabled rule", "disabled_rules:\n  - DJS001\n  - debug-enabeld-nope\n", 3, `disabled_rules: unknown rule "debug-enabeld-nope"`,
			func(c *Config) bool { return c.Disabled["DJS001"] }},
		{"unknown rule suggestion", "disabled_rules: [config-invalide]\n", 1, `did you mean DJS002 config-invalid?`, nil},
		{"disabled rule not a string", "disabled_rules: [[DJS001]]\n", 1, "each entry must be a string, not a list", nil},
		{"disabled rules mapping", "disabled_rules: {DJS001: true}\n", 1, "disabled_rules must be a list of strings, not a mapping", nil},
		{"severity unknown rule", "severity:\n  DJS002: low\n  DJS9999: low\n", 3, `severity: unknown rule "DJS9999"`,
			func(c *Config) bool { return c.Severity["DJS002"] == Low && len(c.Severity) == 1 }},
		{"severity bad level", "severity:\n  DJS002: urgent\n", 2, `unknown severity "urgent"`, func(c *Config) bool { return len(c.Severity) == 0 }},
		{"severity not a map", "severity: high\n", 1, "severity must map rules to levels", nil},
		{"threshold not a number", "thresholds:\n  password_min_length: twelve\n", 2, `thresholds.password_min_length must be a whole number, not "twelve"; using the default (12)`,
			func(c *Config) bool { return c.Thresholds.PasswordMinLength == 12 }},
		{"threshold quoted number", "thresholds:\n  password_min_length: \"14\"\n", 2, "must be a whole number", nil},
		{"threshold float", "thresholds:\n  upload_max_mb: 2.5\n", 2, "must be a whole number", nil},
		{"threshold zero", "thresholds:\n  hsts_min_seconds: 0\n", 2, "thresholds.hsts_min_seconds must be at least 1, not 0",
			func(c *Config) bool { return c.Thresholds.HSTSMinSeconds == 31536000 }},
		{"threshold unknown key", "thresholds:\n  password_length: 14\n", 2, "unknown key thresholds.password_length (did you mean password_min_length?)", nil},
		{"threshold order", "thresholds:\n  jwt_access_lifetime_minutes: 30\n  jwt_access_lifetime_high_minutes: 20\n", 3, "is below jwt_access_lifetime_minutes (30)",
			func(c *Config) bool { return c.Thresholds.JWTAccessHighMinutes == 30 }},
		{"thresholds list", "thresholds: [1, 2]\n", 1, "thresholds must be a mapping", nil},
		{"bad domain", "allowed_email_domains: [sharif.edu, not a domain]\n", 1, `"not a domain" is not a domain name`,
			func(c *Config) bool { return reflect.DeepEqual(c.AllowedEmailDomains, []string{"sharif.edu"}) }},
		{"bad glob", "ignore_paths: [\"[\", ok/**]\n", 1, `ignore_paths: "[" is not a valid glob`,
			func(c *Config) bool { return reflect.DeepEqual(c.IgnorePaths, []string{"ok/**"}) }},
		// The bounds and rules of `/djsec ignore` globs hold here too.
		{"absolute glob", "ignore_paths: [/etc/**, ok/**]\n", 1, `ignore_paths: "/etc/**" is not a valid glob: it starts with /`,
			func(c *Config) bool { return reflect.DeepEqual(c.IgnorePaths, []string{"ok/**"}) }},
		{"glob with too many **", "ignore_paths: [\"**/a/**/a/**/a/**/a/**/b.py\"]\n", 1, "more than 32 segments or 4 `**`",
			func(c *Config) bool { return len(c.IgnorePaths) == 0 }},
		{"production settings number", "production_settings: 3\n", 1, "production_settings must be a string, not a number", nil},
		{"production settings glob", "production_settings: \"settings/*.py\"\n", 1, "production_settings must name one module", nil},
		{"duplicate key", "fail_on: low\naudit: friday\nfail_on: critical\n", 3, "fail_on is set twice (first on line 1)",
			func(c *Config) bool { return c.FailOn == Low && c.AuditDay == "friday" }},
		{"commands unknown sub-key", "commands:\n  allowed_user: [alice]\n", 2, "unknown key commands.allowed_user (did you mean allowed_users?)",
			func(c *Config) bool { return !c.Commands.Limited }},
		{"commands not a mapping", "commands: [alice]\n", 1, "commands must be a mapping such as `allowed_users: [alice]`, not a list",
			func(c *Config) bool { return !c.Commands.Limited }},
		{"commands users mapping", "commands:\n  allowed_users: {alice: true}\n", 2, "commands.allowed_users must be a list of strings, not a mapping", nil},
		{"commands user not a string", "commands:\n  allowed_users: [[alice]]\n", 2, "commands.allowed_users: each entry must be a string, not a list", nil},
		{"commands bad login", "commands:\n  allowed_users:\n    - alice\n    - not a login\n", 4, `commands.allowed_users: "not a login" is not a GitHub login`,
			func(c *Config) bool { return reflect.DeepEqual(c.Commands.AllowedUsers, []string{"alice"}) }},
		{"commands only bad entries admit nobody", "commands:\n  allowed_users: [\"-bad-\"]\n", 2, "is not a GitHub login",
			func(c *Config) bool { return c.Commands.Limited && len(c.Commands.AllowedUsers) == 0 }},
		{"commands bad team", "commands:\n  allowed_teams: [octo-org/sec/ops, sec]\n", 2, `commands.allowed_teams: "octo-org/sec/ops" is not a team`,
			func(c *Config) bool { return reflect.DeepEqual(c.Commands.AllowedTeams, []string{"sec"}) }},
		{"commands team number", "commands:\n  allowed_teams: 42\n", 2, "commands.allowed_teams must be a list of strings, not a number", nil},
		{"top level list", "- fail_on: high\n", 1, "must be a mapping of keys", func(c *Config) bool { return reflect.DeepEqual(c, DefaultConfig()) }},
		{"top level scalar", "fail_on high\n", 1, "must be a mapping of keys", nil},
		{"syntax error", "fail_on: high\n  audit: [friday\n", 0, "does not parse as YAML",
			func(c *Config) bool { return reflect.DeepEqual(c, DefaultConfig()) }},
		{"tab indentation", "thresholds:\n\tpassword_min_length: 14\n", 0, "does not parse as YAML", nil},
		// The YAML library counts parser errors from zero: each of these
		// came out a line early.
		{"unclosed list", "fail_on: high\nignore_paths: [a, b\nfix_prs: off\n", 2, // the line of the open bracket
			"did not find expected ',' or ']'", nil},
		{"unclosed mapping", "fail_on: high\ncommands: {allowed_users: [alice]\n", 2, "did not find expected ',' or '}'", nil},
		{"bad indentation", "fail_on: high\nthresholds:\n  password_min_length: 14\n bad: 2\n", 4, "did not find expected key", nil},
		{"unclosed on the only line", "fail_on: [high", 1, "did not find expected ',' or ']'", nil},
		{"scanner error", "fail_on: high\naudit: @friday\n", 2, "cannot start any token", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, errs := cfgParse(t, tc.src)
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%s", len(errs), cfgErrText(errs))
			}
			e := errs[0]
			if e.Path != ConfigPath {
				t.Errorf("path = %q, want %q", e.Path, ConfigPath)
			}
			if tc.line > 0 && e.Line != tc.line {
				t.Errorf("line = %d, want %d (%s)", e.Line, tc.line, e.Message)
			}
			if e.Line < 1 {
				t.Errorf("line = %d, want a line number", e.Line)
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tc.message)
			}
			if tc.check != nil && !tc.check(cfg) {
				t.Errorf("config %+v does not satisfy the case", cfg)
			}
		})
	}
}

func TestParseConfigSeveralErrorsKeepTheRest(t *testing.T) {
	t.Parallel()
	src := "fail_on: hihg\nfix_prs: auto\nunknown: 1\nthresholds:\n  password_min_length: -3\n  upload_max_mb: 10\n"
	cfg, errs := cfgParse(t, src)
	var lines []int
	for _, e := range errs {
		lines = append(lines, e.Line)
	}
	if !reflect.DeepEqual(lines, []int{1, 3, 5}) {
		t.Errorf("error lines = %v, want [1 3 5]:\n%s", lines, cfgErrText(errs))
	}
	if cfg.FixPRs != "auto" || cfg.Thresholds.UploadMaxMB != 10 || cfg.Thresholds.PasswordMinLength != 12 || cfg.FailOn != High {
		t.Errorf("config = %+v: valid keys must apply, bad ones keep defaults", cfg)
	}
}

func TestParseConfigHostile(t *testing.T) {
	t.Parallel()
	// A billion-laughs document must not blow up: aliases are followed,
	// never expanded.
	src := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nignore_paths: *c\n"
	_, errs := cfgParse(t, src)
	if len(errs) == 0 {
		t.Fatal("want errors for unknown keys and a nested list")
	}
	if _, errs := ParseConfig(ConfigPath, []byte("\x00\x01\x02binary")); len(errs) != 1 {
		t.Errorf("binary input: got %d errors, want 1:\n%s", len(errs), cfgErrText(errs))
	}
}

func TestSuggestRule(t *testing.T) {
	t.Parallel()
	if r, ok := SuggestRule("config-invalide"); !ok || r.ID != "DJS002" {
		t.Errorf("SuggestRule(config-invalide) = %v, %v; want DJS002", r, ok)
	}
	if r, ok := SuggestRule("completely-unrelated-words-here"); ok {
		t.Errorf("SuggestRule(unrelated) = %v; want none", r.ID)
	}
}
