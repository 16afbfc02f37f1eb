package checks

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/djsec/djsec/internal/lazyre"
)

// ParseConfig reads a repository's .github/djsec.yml. It never fails: every
// unknown key and bad value becomes a ConfigError (reported as a DJS002
// finding) and keeps its default, while the rest of the file still applies.
// A file that does not parse at all yields one ConfigError and the defaults.
func ParseConfig(file string, data []byte) (*Config, []ConfigError) {
	c := &configParser{file: file, cfg: DefaultConfig()}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErrorLine(err)
		// An unclosed bracket is found at the end of the stream, after
		// the last line: point at that line.
		line = min(line, max(1, strings.Count(strings.TrimSuffix(string(data), "\n"), "\n")+1))
		if strings.Contains(msg, "cannot start any token") && strings.Contains(string(data), "\t") {
			msg += "; YAML indents with spaces, not tabs"
		}
		c.errs = append(c.errs, ConfigError{Path: file, Line: line,
			Message: fmt.Sprintf("%s does not parse as YAML (%s); every setting keeps its default until it is fixed", path.Base(file), msg)})
		return c.cfg, c.errs
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return c.cfg, nil // empty or comments only
	}
	root := cfgDeref(doc.Content[0])
	switch {
	case cfgIsNull(root):
		return c.cfg, nil
	case root.Kind != yaml.MappingNode:
		c.errorf(root, "%s must be a mapping of keys such as `fail_on: high`, not a %s; every setting keeps its default", path.Base(file), cfgKind(root))
		return c.cfg, c.errs
	}
	c.mapping(root, "", cfgKeysOf(cfgKeys), func(key string, v *yaml.Node) { cfgKeys[key](c, key, v) })
	c.checkThresholds()
	return c.cfg, c.errs
}

// Ignores reports whether ignore_paths covers a slash-separated path, the
// way Analyze applies it, so callers can skip such files before reading them.
func (c *Config) Ignores(p string) bool {
	return c != nil && ignored(c.IgnorePaths, p)
}

// configParser accumulates the configuration and its problems.
type configParser struct {
	file string
	cfg  *Config
	errs []ConfigError
	// highLine is where jwt_access_lifetime_high_minutes was set, for the
	// cross-field check.
	highLine *yaml.Node
}

type cfgKeyFunc func(c *configParser, key string, v *yaml.Node)

var cfgKeys map[string]cfgKeyFunc

func init() {
	cfgKeys = map[string]cfgKeyFunc{
		"production_settings":   (*configParser).productionSettings,
		"ignore_paths":          (*configParser).ignorePaths,
		"disabled_rules":        (*configParser).disabledRules,
		"severity":              (*configParser).severities,
		"fail_on":               (*configParser).failOn,
		"fail_on_existing":      (*configParser).failOnExisting,
		"fix_prs":               (*configParser).fixPRs,
		"drafts":                (*configParser).drafts,
		"audit":                 (*configParser).audit,
		"thresholds":            (*configParser).thresholds,
		"allowed_email_domains": (*configParser).emailDomains,
		"checklist":             (*configParser).checklist,
		"commands":              (*configParser).commands,
	}
}

// cfgThresholdKeys maps each threshold key to its field and lower bound.
var cfgThresholdKeys = map[string]struct {
	field func(*Thresholds) *int
	min   int
}{
	"jwt_access_lifetime_minutes":      {func(t *Thresholds) *int { return &t.JWTAccessMinutes }, 1},
	"jwt_access_lifetime_high_minutes": {func(t *Thresholds) *int { return &t.JWTAccessHighMinutes }, 1},
	"jwt_refresh_lifetime_days":        {func(t *Thresholds) *int { return &t.JWTRefreshDays }, 1},
	"password_min_length":              {func(t *Thresholds) *int { return &t.PasswordMinLength }, 1},
	"hsts_min_seconds":                 {func(t *Thresholds) *int { return &t.HSTSMinSeconds }, 1},
	"upload_max_mb":                    {func(t *Thresholds) *int { return &t.UploadMaxMB }, 1},
}

var cfgWeekdays = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

func (c *configParser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	c.errs = append(c.errs, ConfigError{Path: c.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// mapping walks a mapping node's keys, reporting unknown and duplicate keys
// (with a suggestion) and handing the known ones to each.
func (c *configParser) mapping(n *yaml.Node, prefix string, names []string, each func(key string, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := cfgDeref(n.Content[i]), cfgDeref(n.Content[i+1])
		key := k.Value
		if k.Kind != yaml.ScalarNode {
			c.errorf(k, "%skeys must be plain words, not a %s; ignored", prefix, cfgKind(k))
			continue
		}
		if first, dup := seen[key]; dup {
			c.errorf(k, "%s%s is set twice (first on line %d); the second value is ignored", prefix, key, first)
			continue
		}
		seen[key] = k.Line
		if !cfgContains(names, key) {
			hint := ""
			if s, ok := closestWord(key, names); ok {
				hint = fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				hint = " (known keys: " + strings.Join(sorted, ", ") + ")"
			}
			c.errorf(k, "unknown key %s%s%s; it is ignored", prefix, key, hint)
			continue
		}
		each(key, v)
	}
}

// str reads a string scalar.
func (c *configParser) str(key string, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		c.errorf(v, "%s must be a string, not a %s; using the default", key, cfgKind(v))
		return "", false
	}
	return v.Value, true
}

// strList reads a list of strings (a single string is a one-item list).
// Bad items are reported and dropped; the others are kept.
func (c *configParser) strList(key string, v *yaml.Node) []string {
	switch {
	case cfgIsNull(v):
		return nil
	case v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str":
		return []string{v.Value}
	case v.Kind != yaml.SequenceNode:
		c.errorf(v, "%s must be a list of strings, not a %s; ignored", key, cfgKind(v))
		return nil
	}
	var out []string
	for _, item := range v.Content {
		item = cfgDeref(item)
		if item.Kind != yaml.ScalarNode || cfgIsNull(item) {
			c.errorf(item, "%s: each entry must be a string, not a %s; entry ignored", key, cfgKind(item))
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

// word reads a scalar as a lower-case word; YAML booleans count as the
// words true/false so `fix_prs: off` and `fix_prs: false` both work.
func (c *configParser) word(key string, v *yaml.Node) (string, bool) {
	if cfgIsNull(v) {
		c.errorf(v, "%s has no value; using the default", key)
		return "", false
	}
	if v.Kind != yaml.ScalarNode {
		c.errorf(v, "%s must be a single word, not a %s; using the default", key, cfgKind(v))
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(v.Value)), true
}

func (c *configParser) productionSettings(key string, v *yaml.Node) {
	s, ok := c.str(key, v)
	if !ok {
		return
	}
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t*?") {
		c.errorf(v, "%s must name one module (mysite.settings.production) or file (mysite/settings/production.py), not %q; djsec picks the production module itself", key, s)
		return
	}
	c.cfg.ProductionSettings = strings.TrimPrefix(s, "./")
}

func (c *configParser) ignorePaths(key string, v *yaml.Node) {
	for _, g := range c.strList(key, v) {
		if strings.TrimSpace(g) == "" {
			c.errorf(v, "%s: an empty pattern matches nothing; entry ignored", key)
			continue
		}
		// The glob dialect and its bounds are those of `/djsec ignore`.
		if _, err := CleanGlob(g); err != nil {
			var ge *GlobError
			switch {
			case errors.As(err, &ge) && ge.Err != nil:
				c.errorf(v, "%s: %q is not a valid glob (%v); entry ignored", key, g, ge.Err)
			case errors.As(err, &ge):
				c.errorf(v, "%s: %q is not a valid glob: it %s; entry ignored", key, g, ge.Problem)
			default:
				c.errorf(v, "%s: %q: %v; entry ignored", key, g, err)
			}
			continue
		}
		c.cfg.IgnorePaths = append(c.cfg.IgnorePaths, g)
	}
}

func (c *configParser) disabledRules(key string, v *yaml.Node) {
	items := v.Content
	if v.Kind == yaml.ScalarNode {
		items = []*yaml.Node{v}
	}
	for _, name := range c.strList(key, v) {
		r, ok := LookupRule(name)
		if !ok {
			c.errorf(cfgLineOf(items, name, v), "%s: %s", key, cfgUnknownRule(name))
			continue
		}
		c.cfg.Disabled[r.ID] = true
	}
}

func (c *configParser) severities(key string, v *yaml.Node) {
	if cfgIsNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		c.errorf(v, "%s must map rules to levels (severity: {DJS403: medium}), not a %s; ignored", key, cfgKind(v))
		return
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := cfgDeref(v.Content[i]), cfgDeref(v.Content[i+1])
		r, ok := LookupRule(k.Value)
		if !ok {
			c.errorf(k, "%s: %s", key, cfgUnknownRule(k.Value))
			continue
		}
		if val.Kind != yaml.ScalarNode {
			c.errorf(val, "%s: the level of %s must be a word, not a %s; it keeps its own severity", key, r.ID, cfgKind(val))
			continue
		}
		s, err := ParseSeverity(val.Value)
		if err != nil {
			c.errorf(val, "%s: %v; %s keeps its own severity (%s)", key, err, r.ID, r.Severity)
			continue
		}
		c.cfg.Severity[r.ID] = s
	}
}

func (c *configParser) failOn(key string, v *yaml.Node) {
	w, ok := c.word(key, v)
	if !ok {
		return
	}
	if w == "never" || w == "false" {
		c.cfg.FailNever = true
		return
	}
	s, err := ParseSeverity(w)
	if err != nil {
		c.errorf(v, "%s: %q is not a level (want critical, high, medium, low, info or never); using the default (%s)", key, v.Value, c.cfg.FailOn)
		return
	}
	c.cfg.FailOn, c.cfg.FailNever = s, false
}

func (c *configParser) fixPRs(key string, v *yaml.Node) {
	w, ok := c.word(key, v)
	if !ok {
		return
	}
	if w == "false" {
		w = "off"
	}
	switch w {
	case "auto", "command", "off":
		c.cfg.FixPRs = w
	default:
		c.errorf(v, "%s: %q is not one of auto, command or off; using the default (%s)", key, v.Value, c.cfg.FixPRs)
	}
}

func (c *configParser) drafts(key string, v *yaml.Node) {
	c.boolean(key, v, &c.cfg.Drafts)
}

func (c *configParser) failOnExisting(key string, v *yaml.Node) {
	c.boolean(key, v, &c.cfg.FailOnExisting)
}

// boolean reads true/false (and YAML 1.1's yes/no/on/off) into dst, which
// keeps its default on a bad value.
func (c *configParser) boolean(key string, v *yaml.Node, dst *bool) {
	w, ok := c.word(key, v)
	if !ok {
		return
	}
	switch w {
	case "true", "yes", "on":
		*dst = true
	case "false", "no", "off":
		*dst = false
	default:
		c.errorf(v, "%s must be true or false, not %q; using the default (%t)", key, v.Value, *dst)
	}
}

func (c *configParser) audit(key string, v *yaml.Node) {
	w, ok := c.word(key, v)
	if !ok {
		return
	}
	if w == "off" || w == "false" || w == "never" {
		c.cfg.AuditDay = "off"
		return
	}
	for _, d := range cfgWeekdays {
		if w == d {
			c.cfg.AuditDay = d
			return
		}
	}
	hint := ""
	if s, ok := closestWord(w, cfgWeekdays); ok {
		hint = fmt.Sprintf(" (did you mean %s?)", s)
	}
	c.errorf(v, "%s: %q is not a day of the week or off%s; the audit stays on %s", key, v.Value, hint, c.cfg.AuditDay)
}

func (c *configParser) thresholds(key string, v *yaml.Node) {
	if cfgIsNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		c.errorf(v, "%s must be a mapping such as `password_min_length: 12`, not a %s; ignored", key, cfgKind(v))
		return
	}
	c.mapping(v, key+".", cfgKeysOf(cfgThresholdKeys), func(name string, val *yaml.Node) {
		t := cfgThresholdKeys[name]
		field := t.field(&c.cfg.Thresholds)
		n, err := strconv.Atoi(strings.ReplaceAll(val.Value, "_", ""))
		if val.Kind != yaml.ScalarNode || val.ShortTag() != "!!int" || err != nil {
			c.errorf(val, "%s.%s must be a whole number, not %s; using the default (%d)", key, name, cfgDescribe(val), *field)
			return
		}
		if n < t.min {
			c.errorf(val, "%s.%s must be at least %d, not %d; using the default (%d)", key, name, t.min, n, *field)
			return
		}
		*field = n
		if name == "jwt_access_lifetime_high_minutes" {
			c.highLine = val
		}
	})
}

// checkThresholds keeps the two JWT access thresholds in order: the high
// one can never be below the medium one.
func (c *configParser) checkThresholds() {
	t := &c.cfg.Thresholds
	if t.JWTAccessHighMinutes >= t.JWTAccessMinutes {
		return
	}
	if c.highLine != nil {
		c.errorf(c.highLine, "thresholds.jwt_access_lifetime_high_minutes (%d) is below jwt_access_lifetime_minutes (%d); using %d for both",
			t.JWTAccessHighMinutes, t.JWTAccessMinutes, t.JWTAccessMinutes)
	}
	t.JWTAccessHighMinutes = t.JWTAccessMinutes
}

var cfgDomainRE = lazyre.New(`^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$`)

func (c *configParser) emailDomains(key string, v *yaml.Node) {
	for _, d := range c.strList(key, v) {
		norm := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if !cfgDomainRE().MatchString(norm) {
			c.errorf(v, "%s: %q is not a domain name such as example.edu; entry ignored", key, d)
			continue
		}
		c.cfg.AllowedEmailDomains = append(c.cfg.AllowedEmailDomains, norm)
	}
}

func (c *configParser) checklist(key string, v *yaml.Node) {
	s, ok := c.str(key, v)
	if !ok {
		return
	}
	if strings.TrimSpace(s) == "" {
		c.errorf(v, "%s must name a file in the repository; ignored", key)
		return
	}
	c.cfg.Checklist = strings.TrimPrefix(strings.TrimSpace(s), "./")
}

// cfgCommandKeys are the sub-keys of commands.
var cfgCommandKeys = []string{"allowed_teams", "allowed_users"}

// GitHub logins: alphanumerics and single inner hyphens, at most 39
// characters; team slugs are lower-case words joined by - or _.
var (
	cfgLoginRE = lazyre.New(`^[A-Za-z0-9](?:[A-Za-z0-9]|-[A-Za-z0-9]){0,38}$`)
	cfgSlugRE  = lazyre.New(`^[a-z0-9][a-z0-9_-]*$`)
)

func (c *configParser) commands(key string, v *yaml.Node) {
	if cfgIsNull(v) {
		return
	}
	if v.Kind != yaml.MappingNode {
		c.errorf(v, "%s must be a mapping such as `allowed_users: [alice]`, not a %s; every writer may run commands", key, cfgKind(v))
		return
	}
	a := &c.cfg.Commands
	c.mapping(v, key+".", cfgCommandKeys, func(name string, val *yaml.Node) {
		full := key + "." + name
		items := val.Content
		if val.Kind == yaml.ScalarNode {
			items = []*yaml.Node{val}
		}
		entries := c.strList(full, val)
		// Anything written but an empty list narrows (see CommandAccess.Limited).
		if !cfgIsNull(val) && !(val.Kind == yaml.SequenceNode && len(val.Content) == 0) {
			a.Limited = true
		}
		for _, e := range entries {
			at := cfgLineOf(items, e, val)
			s := strings.TrimPrefix(strings.TrimSpace(e), "@")
			switch name {
			case "allowed_users":
				if !cfgLoginRE().MatchString(s) {
					c.errorf(at, "%s: %q is not a GitHub login; entry ignored, it admits nobody", full, e)
					continue
				}
				a.AllowedUsers = append(a.AllowedUsers, s)
			case "allowed_teams":
				org, slug, hasOrg := strings.Cut(strings.ToLower(s), "/")
				if !hasOrg {
					org, slug = "", org
				}
				if (hasOrg && !cfgLoginRE().MatchString(org)) || !cfgSlugRE().MatchString(slug) {
					c.errorf(at, "%s: %q is not a team as org/team-slug or team-slug; entry ignored, it admits nobody", full, e)
					continue
				}
				if hasOrg {
					slug = org + "/" + slug
				}
				a.AllowedTeams = append(a.AllowedTeams, slug)
			}
		}
	})
}

// cfgUnknownRule explains a rule name that is in no catalogue entry.
func cfgUnknownRule(name string) string {
	if r, ok := SuggestRule(name); ok {
		return fmt.Sprintf("unknown rule %q (did you mean %s %s?); entry ignored", name, r.ID, r.Slug)
	}
	return fmt.Sprintf("unknown rule %q (`bot rules` lists them); entry ignored", name)
}

// SuggestRule finds the rule whose ID or slug is closest to a mistyped
// name, if one is close enough to be a plausible typo.
func SuggestRule(name string) (*Rule, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	var names []string
	for _, r := range ordered() {
		names = append(names, r.Slug, strings.ToLower(r.ID))
	}
	s, ok := closestWord(n, names)
	if !ok {
		return nil, false
	}
	return LookupRule(s)
}

// closestWord returns the candidate with the smallest edit distance to s, when
// that distance is small relative to the word (a typo, not another word).
func closestWord(s string, candidates []string) (string, bool) {
	best, bestD := "", -1
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	for _, c := range sorted {
		d := wordDistance(s, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := len(s) / 3
	if limit < 2 {
		limit = 2
	}
	return best, bestD >= 0 && bestD <= limit
}

func wordDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] || (a[i-1] == '-' && b[j-1] == '_') || (a[i-1] == '_' && b[j-1] == '-') {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func cfgKeysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func cfgContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cfgDeref follows a YAML alias (`*name`) to the node it names.
func cfgDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func cfgIsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// cfgLineOf finds the list item holding name, for an error on that exact line.
func cfgLineOf(items []*yaml.Node, name string, fallback *yaml.Node) *yaml.Node {
	for _, it := range items {
		if it = cfgDeref(it); it != nil && it.Value == name {
			return it
		}
	}
	return fallback
}

func cfgKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "string"
		case "!!int", "!!float":
			return "number"
		case "!!bool":
			return "boolean"
		case "!!null":
			return "empty value"
		}
		return "scalar"
	}
	return "value"
}

func cfgDescribe(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !cfgIsNull(n) {
		return strconv.Quote(n.Value)
	}
	return "a " + cfgKind(n)
}

var cfgYAMLLineRE = lazyre.New(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlParserProblems are the messages of the YAML library's parser (as
// opposed to its scanner). For them it reports the mark's zero-based line
// (go.yaml.in/yaml/v3 decode.go, parser.fail adds one for scanner errors
// only), so `foo: [bar` on line 2 came out as line 1.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlErrorLine splits "yaml: line 3: did not find expected key" into its
// line (one-based, as editors count) and message.
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	if m := cfgYAMLLineRE().FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		if yamlParserProblems[m[2]] {
			n++
		}
		return n, m[2]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	// Without a line, a parser error was on the first line (its
	// zero-based line 0 is left out), as is anything else.
	return 1, msg
}
