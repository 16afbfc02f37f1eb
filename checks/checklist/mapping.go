package checklist

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/djsec/djsec/checks"
)

// entry maps one item of CHECKLIST.md to its rules. The table below is the
// project's copy of RULES.md's "Checklist → rules": section and label are
// that table's first two columns, one row part per entry (rows that
// abbreviate several items, "A / B" or "A; B", become several entries), and
// spec is the matching part of its third column, verbatim. The sync test
// parses ../shared/RULES.md and compares (section, label, spec) exactly, so
// editing either side alone fails it.
type entry struct {
	// id is the item's stable ID. Assigned once, never renumbered: an item
	// inserted into the checklist later gets a new ID, so people's ticks on
	// the audit issue stay on the items they ticked.
	id string
	// section is the checklist's section number, or "Notes".
	section string
	// text is the item as CHECKLIST.md writes it, without its Markdown
	// emphasis and parenthetical; items are matched after normalize.
	text  string
	label string
	spec  string
	// manualToo marks items whose rules RULES.md lists without "+ manual"
	// although its list of items no file can prove names them; it says why.
	manualToo string
	// orgEmail is the item's parenthetical that names one organisation's
	// email rule, as CHECKLIST.md writes it: it becomes Item.OrgEmail.
	orgEmail string
}

var mapping = []entry{
	{id: "s1.1", section: "1", text: "Move SECRET_KEY to environment variable only", label: "Move SECRET_KEY to environment variable only", spec: "DJS101, DJS102"},
	{id: "s1.2", section: "1", text: "Remove hardcoded SECRET_KEY from settings.py", label: "Remove hardcoded SECRET_KEY from settings.py", spec: "DJS101, DJS109"},
	{id: "s1.3", section: "1", text: "Create separate .env files for development/production", label: "Create separate .env files for development/production", spec: "DJS108 + manual"},
	{id: "s1.4", section: "1", text: "Add .env to .gitignore", label: "Add .env to .gitignore", spec: "DJS105, DJS106"},
	{id: "s1.5", section: "1", text: "Rotate SECRET_KEY", label: "Rotate SECRET_KEY", spec: "manual (DJS103/DJS104 say when it is due)"},

	{id: "s2.1", section: "2", text: "Disable DEBUG in production", label: "Disable DEBUG in production", spec: "DJS201, DJS204"},
	{id: "s2.2", section: "2", text: "Configure proper ALLOWED_HOSTS for production", label: "Configure proper ALLOWED_HOSTS for production", spec: "DJS202, DJS203"},
	{id: "s2.3", section: "2", text: "Disable CORS_ALLOW_ALL_ORIGINS in production", label: "Disable CORS_ALLOW_ALL_ORIGINS in production", spec: "DJS301, DJS302"},
	{id: "s2.4", section: "2", text: "Add proper CORS_ALLOWED_ORIGINS for production", label: "Add proper CORS_ALLOWED_ORIGINS for production", spec: "DJS303"},

	{id: "s3.1", section: "3", text: "Enable SECURE_SSL_REDIRECT in production", label: "SECURE_SSL_REDIRECT", spec: "DJS402"},
	{id: "s3.2", section: "3", text: "Enable SECURE_HSTS_SECONDS in production", label: "HSTS seconds", spec: "DJS403"},
	{id: "s3.3", section: "3", text: "Enable SECURE_HSTS_INCLUDE_SUBDOMAINS in production", label: "subdomains", spec: "DJS404"},
	{id: "s3.4", section: "3", text: "Enable SECURE_HSTS_PRELOAD in production", label: "preload", spec: "DJS405"},
	{id: "s3.5", section: "3", text: "Enable SESSION_COOKIE_SECURE in production", label: "SESSION_COOKIE_SECURE", spec: "DJS406"},
	{id: "s3.6", section: "3", text: "Enable CSRF_COOKIE_SECURE in production", label: "CSRF_COOKIE_SECURE", spec: "DJS408"},

	{id: "s4.1", section: "4", text: "Reduce ACCESS_TOKEN_LIFETIME", label: "Reduce ACCESS_TOKEN_LIFETIME", spec: "DJS501"},
	{id: "s4.2", section: "4", text: "Enable ROTATE_REFRESH_TOKENS", label: "ROTATE_REFRESH_TOKENS", spec: "DJS502"},
	{id: "s4.3", section: "4", text: "Configure proper JWT_AUTH_COOKIE settings", label: "JWT_AUTH_COOKIE", spec: "DJS505"},
	{id: "s4.4", section: "4", text: "Add JWT token blacklisting", label: "blacklisting", spec: "DJS503"},
	{id: "s4.5", section: "4", text: "Implement token refresh endpoint", label: "refresh endpoint", spec: "DJS506"},

	{id: "s5.1", section: "5", text: "Add minimum password length validation", label: "Minimum length", spec: "DJS601, DJS602"},
	{id: "s5.2", section: "5", text: "Add password complexity requirements", label: "complexity", spec: "DJS603"},
	{id: "s5.3", section: "5", text: "Implement password reset functionality", label: "password reset", spec: "DJS607"},
	{id: "s5.4", section: "5", text: "Add rate limiting for login attempts", label: "Rate limiting for login", spec: "DJS605"},
	{id: "s5.5", section: "5", text: "Add account lockout after failed attempts", label: "account lockout", spec: "DJS606"},

	{id: "s6.1", section: "6", text: "Review all permission_classes in views", label: "Review all permission_classes in views", spec: "DJS701, DJS703 + manual"},
	{id: "s6.2", section: "6", text: "Add proper role-based access control", label: "Role-based access control", spec: "manual"},
	{id: "s6.3", section: "6", text: "Implement API rate limiting", label: "API rate limiting", spec: "DJS702"},
	{id: "s6.4", section: "6", text: "Add request logging for admin actions", label: "logging of admin actions", spec: "DJS804"},

	{id: "s7.1", section: "7", text: "Add proper email validation", label: "Email validation (Sharif emails only)", spec: "manual (a repository may configure its allowed domains)",
		orgEmail: "(Sharif emails only)"},
	{id: "s7.2", section: "7", text: "Add input sanitization for all fields", label: "Input sanitisation", spec: "manual"},
	{id: "s7.3", section: "7", text: "Implement proper serializer validation", label: "serializer validation", spec: "manual"},
	{id: "s7.4", section: "7", text: "Add file upload validation", label: "File upload validation", spec: "DJS705 + manual"},
	{id: "s7.5", section: "7", text: "Prevent SQL injection", label: "Prevent SQL injection", spec: "DJS704"},

	{id: "s8.1", section: "8", text: "Configure specific CORS origins for production", label: "Specific CORS origins", spec: "DJS301, DJS303"},
	{id: "s8.2", section: "8", text: "Enable CSRF protection for all forms", label: "CSRF protection for all forms", spec: "DJS305, DJS307"},
	{id: "s8.3", section: "8", text: "Add CSRF tokens to API endpoints", label: "CSRF tokens on API endpoints", spec: "DJS505 + manual"},
	{id: "s8.4", section: "8", text: "Configure proper CORS headers", label: "CORS headers", spec: "DJS304"},

	{id: "s9.1", section: "9", text: "Install django-ratelimit", label: "Install django-ratelimit", spec: "DJS605"},
	{id: "s9.2", section: "9", text: "Add rate limiting to login endpoints", label: "login", spec: "DJS605, DJS606"},
	{id: "s9.3", section: "9", text: "Add rate limiting to API endpoints", label: "API", spec: "DJS702"},
	{id: "s9.4", section: "9", text: "Add rate limiting to email verification", label: "email verification", spec: "manual"},

	{id: "s10.1", section: "10", text: "Add security event logging", label: "Security events", spec: "DJS801"},
	{id: "s10.2", section: "10", text: "Log failed login attempts", label: "failed logins", spec: "DJS802"},
	{id: "s10.3", section: "10", text: "Log admin actions", label: "admin actions", spec: "DJS804"},
	{id: "s10.4", section: "10", text: "Log API access patterns", label: "API access patterns", spec: "manual"},
	{id: "s10.5", section: "10", text: "Set up error monitoring", label: "error monitoring", spec: "DJS803, DJS205"},

	{id: "s11.1", section: "11", text: "Disable detailed error messages in production", label: "No detailed errors in production", spec: "DJS201, DJS204"},
	{id: "s11.2", section: "11", text: "Add proper exception handling", label: "Exception handling", spec: "manual"},
	{id: "s11.3", section: "11", text: "Implement custom error pages", label: "custom error pages", spec: "manual"},
	{id: "s11.4", section: "11", text: "Add request/response logging", label: "request/response logging", spec: "manual"},

	{id: "s12.1", section: "12", text: "Use environment variables for database credentials", label: "DB credentials from env", spec: "DJS901"},
	{id: "s12.2", section: "12", text: "Enable database connection encryption", label: "connection encryption", spec: "DJS902"},
	{id: "s12.3", section: "12", text: "Configure proper database permissions", label: "permissions", spec: "DJS903 + manual"},
	{id: "s12.4", section: "12", text: "Add database backup strategy", label: "backups", spec: "manual"},

	{id: "s13.1", section: "13", text: "Encrypt sensitive user data", label: "Encryption, anonymisation, retention, GDPR", spec: "manual"},
	{id: "s13.2", section: "13", text: "Implement data anonymization", label: "Encryption, anonymisation, retention, GDPR", spec: "manual"},
	{id: "s13.3", section: "13", text: "Add data retention policies", label: "Encryption, anonymisation, retention, GDPR", spec: "manual"},
	{id: "s13.4", section: "13", text: "Implement GDPR compliance", label: "Encryption, anonymisation, retention, GDPR", spec: "manual"},

	{id: "s14.1", section: "14", text: "Configure proper firewall rules", label: "Firewall", spec: "manual"},
	{id: "s14.2", section: "14", text: "Enable HTTPS only", label: "HTTPS only", spec: "DJS402, DJS403"},
	{id: "s14.3", section: "14", text: "Configure security headers", label: "security headers", spec: "DJS409–DJS414"},
	{id: "s14.4", section: "14", text: "Set up proper SSL certificates", label: "certificates", spec: "manual"},
	{id: "s14.5", section: "14", text: "Configure reverse proxy (nginx)", label: "reverse proxy", spec: "manual"},

	{id: "s15.1", section: "15", text: "Use production-grade WSGI server", label: "Production-grade WSGI server", spec: "DJS1005, DJS1006"},
	{id: "s15.2", section: "15", text: "Configure proper file permissions", label: "File permissions", spec: "manual"},
	{id: "s15.3", section: "15", text: "Set up monitoring and alerting", label: "monitoring and alerting", spec: "DJS803 + manual"},
	{id: "s15.4", section: "15", text: "Implement backup and recovery", label: "backup and recovery", spec: "manual"},

	{id: "notes.audits", section: "Notes", text: "Regular security audits recommended", label: "Regular security audits (dependencies)", spec: "DJS1001, DJS1002, DJS1003",
		manualToo: "the rules audit dependencies only, and RULES.md's list of items no file can prove names regular audits"},
}

// pendingRules are rules RULES.md names that the catalogue does not hold
// yet. The mapping keeps them, as RULES.md writes it; until a rule is
// registered no item lists it, since an item cannot pass on a rule that
// never runs. Once registered, LookupRule finds it and items list it.
var pendingRules = map[string]string{}

// parseSpec reads a rules cell of RULES.md's mapping table: rule IDs or
// slugs separated by commas, ranges such as "DJS409–DJS414", "manual" (alone
// or after "+"), and a trailing parenthetical that is a note for people.
func parseSpec(spec string) (rules []string, manual bool, note string, err error) {
	s := strings.TrimSpace(spec)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i >= 0 {
			note = strings.TrimSpace(s[i+1 : len(s)-1])
			s = strings.TrimSpace(s[:i])
		}
	}
	for _, part := range strings.Split(s, "+") {
		part = strings.TrimSpace(part)
		if strings.EqualFold(part, "manual") {
			manual = true
			continue
		}
		for _, tok := range strings.Split(part, ",") {
			ids, ok, err := resolveToken(tok)
			if err != nil {
				return nil, false, "", fmt.Errorf("rules %q: %w", spec, err)
			}
			if !ok {
				return nil, false, "", fmt.Errorf("rules %q: %q names no rule", spec, strings.TrimSpace(tok))
			}
			rules = appendNew(rules, ids...)
		}
	}
	if len(rules) == 0 && !manual {
		return nil, false, "", fmt.Errorf("rules %q: neither rules nor manual", spec)
	}
	return rules, manual, note, nil
}

// resolveToken turns a rule ID, slug or ID range into canonical IDs. ok is
// false for a token that does not look like a rule reference at all; err is
// set for one that looks like an ID (DJS…) but names no rule, a typo worth
// reporting rather than silently treating the item as manual. A pending
// rule resolves to no IDs.
func resolveToken(tok string) (ids []string, ok bool, err error) {
	t := strings.Trim(strings.TrimSpace(tok), "`")
	if t == "" {
		return nil, false, nil
	}
	if lo, hi, isRange := strings.Cut(strings.ReplaceAll(t, "–", "-"), "-"); isRange && ruleNum(lo) > 0 && ruleNum(hi) > 0 {
		a, b := ruleNum(lo), ruleNum(hi)
		if a > b {
			return nil, false, fmt.Errorf("range %s runs backwards", t)
		}
		for n := a; n <= b; n++ {
			id := "DJS" + strconv.Itoa(n)
			if _, found := checks.LookupRule(id); found {
				ids = append(ids, id)
			} else if _, pending := pendingRules[id]; !pending {
				return nil, false, fmt.Errorf("range %s: no rule %s", t, id)
			}
		}
		return ids, true, nil
	}
	if r, found := checks.LookupRule(t); found {
		return []string{r.ID}, true, nil
	}
	if _, pending := pendingRules[strings.ToUpper(t)]; pending {
		return nil, true, nil
	}
	if ruleNum(t) > 0 {
		return nil, false, fmt.Errorf("no rule %s", t)
	}
	return nil, false, nil
}

// ruleNum is the number of an ID-shaped token ("DJS201" → 201), 0 otherwise.
func ruleNum(s string) int {
	s = strings.TrimSpace(s)
	if len(s) < 4 || !strings.EqualFold(s[:3], "DJS") {
		return 0
	}
	n, err := strconv.Atoi(s[3:])
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

func appendNew(list []string, ids ...string) []string {
	for _, id := range ids {
		found := false
		for _, have := range list {
			if have == id {
				found = true
				break
			}
		}
		if !found {
			list = append(list, id)
		}
	}
	return list
}
