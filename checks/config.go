package checks

import "strings"

// Config is a repository's .github/djsec.yml, after validation. The zero
// value is not usable; start from DefaultConfig.
type Config struct {
	// ProductionSettings names the production settings module, as a dotted
	// module ("mysite.settings.prod") or a path ("mysite/settings/prod.py").
	ProductionSettings string
	// IgnorePaths are path globs (MatchGlob's dialect, ** for any number
	// of directories) of files the analyzer skips.
	IgnorePaths []string
	// Disabled rules never report.
	Disabled map[string]bool
	// Severity overrides by rule ID.
	Severity map[string]Severity
	// FailOn is the level at or above which the check fails.
	FailOn Severity
	// FailNever disables failing altogether (fail_on: never).
	FailNever bool
	// FailOnExisting makes findings already on the base branch fail the
	// check run too (fail_on_existing: true); by default only new ones do,
	// so adopting djsec does not block every pull request at once.
	FailOnExisting bool
	FixPRs         string // auto | command | off
	Drafts         bool
	AuditDay       string // monday … sunday, or "off"
	Thresholds     Thresholds
	// AllowedEmailDomains documents the checklist's email-domain rule.
	AllowedEmailDomains []string
	// Checklist is an optional path to the repository's own checklist.
	Checklist string
	// Commands narrows who may run the mutating /djsec commands.
	Commands CommandAccess
}

// CommandAccess is the commands key: on top of the write, maintain or
// admin permission every mutating /djsec command needs, the person must be
// listed or be an active member of a listed team.
type CommandAccess struct {
	// AllowedUsers are GitHub logins, as written (compare without case).
	AllowedUsers []string
	// AllowedTeams are "org/team-slug", or "team-slug" for a team of the
	// repository owner's organization; lower case.
	AllowedTeams []string
	// Limited is set when the file lists anyone under allowed_users or
	// allowed_teams, even entries that were all rejected: a narrowing
	// whose entries are mistyped then admits nobody rather than every
	// writer, so a typo never widens access.
	Limited bool
}

// Allows reports whether login is one of AllowedUsers.
func (a CommandAccess) Allows(login string) bool {
	for _, u := range a.AllowedUsers {
		if strings.EqualFold(u, login) {
			return true
		}
	}
	return false
}

// Thresholds are the configurable limits of RULES.md (in italics there).
type Thresholds struct {
	JWTAccessMinutes     int // medium above this; default 15
	JWTAccessHighMinutes int // high above this; default 60
	JWTRefreshDays       int // default 14
	PasswordMinLength    int // default 12
	HSTSMinSeconds       int // below this an enabled HSTS is medium; default 31536000
	UploadMaxMB          int // default 50
}

// DefaultConfig is what a repository without .github/djsec.yml gets.
func DefaultConfig() *Config {
	return &Config{
		Disabled: map[string]bool{},
		Severity: map[string]Severity{},
		FailOn:   High,
		FixPRs:   "command",
		Drafts:   true,
		AuditDay: "monday",
		Thresholds: Thresholds{
			JWTAccessMinutes:     15,
			JWTAccessHighMinutes: 60,
			JWTRefreshDays:       14,
			PasswordMinLength:    12,
			HSTSMinSeconds:       31536000,
			UploadMaxMB:          50,
		},
	}
}
