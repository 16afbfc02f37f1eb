package commandrun

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/internal/md"
)

// setting is one row of the /djsec config answer.
type setting struct {
	key   string // as written in .github/djsec.yml (thresholds.x for a threshold)
	value func(c *checks.Config) string
}

var settings = []setting{
	{"production_settings", func(c *checks.Config) string {
		if c.ProductionSettings == "" {
			return "found by content"
		}
		return codeSpan(c.ProductionSettings)
	}},
	{"ignore_paths", func(c *checks.Config) string { return list(c.IgnorePaths) }},
	{"disabled_rules", func(c *checks.Config) string { return list(slices.Sorted(maps.Keys(c.Disabled))) }},
	{"severity", func(c *checks.Config) string {
		var out []string
		for _, id := range slices.Sorted(maps.Keys(c.Severity)) {
			out = append(out, id+": "+c.Severity[id].String())
		}
		return list(out)
	}},
	{"fail_on", func(c *checks.Config) string {
		if c.FailNever {
			return codeSpan("never")
		}
		return codeSpan(c.FailOn.String())
	}},
	{"fail_on_existing", func(c *checks.Config) string { return codeSpan(strconv.FormatBool(c.FailOnExisting)) }},
	{"fix_prs", func(c *checks.Config) string { return codeSpan(c.FixPRs) }},
	{"drafts", func(c *checks.Config) string { return codeSpan(strconv.FormatBool(c.Drafts)) }},
	{"audit", func(c *checks.Config) string { return codeSpan(c.AuditDay) }},
	{"thresholds.jwt_access_lifetime_minutes", func(c *checks.Config) string { return num(c.Thresholds.JWTAccessMinutes) }},
	{"thresholds.jwt_access_lifetime_high_minutes", func(c *checks.Config) string { return num(c.Thresholds.JWTAccessHighMinutes) }},
	{"thresholds.jwt_refresh_lifetime_days", func(c *checks.Config) string { return num(c.Thresholds.JWTRefreshDays) }},
	{"thresholds.password_min_length", func(c *checks.Config) string { return num(c.Thresholds.PasswordMinLength) }},
	{"thresholds.hsts_min_seconds", func(c *checks.Config) string { return num(c.Thresholds.HSTSMinSeconds) }},
	{"thresholds.upload_max_mb", func(c *checks.Config) string { return num(c.Thresholds.UploadMaxMB) }},
	{"allowed_email_domains", func(c *checks.Config) string { return list(c.AllowedEmailDomains) }},
	{"checklist", func(c *checks.Config) string {
		if c.Checklist == "" {
			return "djsec's own"
		}
		return codeSpan(c.Checklist)
	}},
	{"commands.allowed_users", func(c *checks.Config) string {
		if !c.Commands.Limited {
			return "anyone with write access"
		}
		return list(c.Commands.AllowedUsers)
	}},
	{"commands.allowed_teams", func(c *checks.Config) string {
		if !c.Commands.Limited {
			return "anyone with write access"
		}
		return list(c.Commands.AllowedTeams)
	}},
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = codeSpan(v)
	}
	return strings.Join(out, ", ")
}

func num(n int) string { return codeSpan(strconv.Itoa(n)) }

// writtenKeys are the keys the file sets, those of a mapping (thresholds,
// commands) as thresholds.x. A
// file that does not parse sets none (ParseConfig then keeps every
// default too).
func writtenKeys(data []byte) map[string]bool {
	keys := map[string]bool{}
	var doc map[string]yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return keys
	}
	for k, v := range doc {
		keys[k] = true
		if k != "thresholds" && k != "commands" {
			continue
		}
		var sub map[string]yaml.Node
		if v.Decode(&sub) == nil {
			for sk := range sub {
				keys[k+"."+sk] = true
			}
		}
	}
	return keys
}

// configMarkdown is the /djsec config answer for the file at ref (found
// false: there is none).
func configMarkdown(data []byte, found bool, ref string) string {
	where := codeSpan(checks.ConfigPath + "@" + ref)
	cfg, errs := checks.DefaultConfig(), []checks.ConfigError(nil)
	written := map[string]bool{}
	var b strings.Builder
	if found {
		cfg, errs = checks.ParseConfig(checks.ConfigPath, data)
		written = writtenKeys(data)
		b.WriteString("The effective configuration, from " + where + " and djsec's defaults:\n\n")
	} else {
		b.WriteString("There is no " + where + ": every setting has djsec's default.\n\n")
	}
	b.WriteString("| Setting | Value | From |\n| --- | --- | --- |\n")
	for _, s := range settings {
		from := "default"
		if written[s.key] {
			from = "from " + codeSpan(checks.ConfigPath)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", codeSpan(s.key), tableCell(s.value(cfg)), from)
	}
	if len(errs) > 0 {
		b.WriteString("\nProblems in the file (a setting with a problem keeps its default):\n\n")
		for _, e := range errs {
			line := ""
			if e.Line > 0 {
				line = fmt.Sprintf(" line %d:", e.Line)
			}
			b.WriteString("- " + codeSpan(e.Path) + line + " " + e.Message + "\n")
		}
	}
	return b.String()
}

// codeSpan puts s in a Markdown code span whose fence is longer than any
// run of backticks in it, so user text can neither format nor mention.
func codeSpan(s string) string { return md.Code(s) }
