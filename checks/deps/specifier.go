package deps

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadSpecifier is returned for a string that is not a PEP 440 version
// specifier set.
var ErrBadSpecifier = errors.New("not a PEP 440 version specifier")

// Clause is one comparison of a specifier set (">=4.2", "==4.2.*").
type Clause struct {
	// Op is one of ~= == != <= >= < > ===.
	Op string
	// Version is the operand; for === it is parsed when it can be (the
	// operator itself compares strings).
	Version Version
	// Raw is the operand as written, trimmed.
	Raw string
	// Wildcard marks a prefix match (==4.2.*, !=4.*).
	Wildcard bool
}

// SpecifierSet is a comma-separated list of clauses, all of which must hold.
// An empty set allows every version.
type SpecifierSet []Clause

var specOps = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// ParseSpecifier parses a PEP 440 specifier set such as ">=4.2,<5.0".
func ParseSpecifier(s string) (SpecifierSet, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out SpecifierSet
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		c, err := parseClause(part)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseClause(part string) (Clause, error) {
	var c Clause
	for _, op := range specOps {
		if strings.HasPrefix(part, op) {
			c.Op = op
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("clause %q has no comparison operator: %w", part, ErrBadSpecifier)
	}
	c.Raw = strings.TrimSpace(part[len(c.Op):])
	if c.Raw == "" {
		return c, fmt.Errorf("clause %q has no version: %w", part, ErrBadSpecifier)
	}
	if c.Op == "===" {
		// Arbitrary equality compares strings; keep a parsed form when there is one.
		c.Version, _ = ParseVersion(c.Raw)
		return c, nil
	}
	operand := c.Raw
	if strings.HasSuffix(operand, ".*") {
		if c.Op != "==" && c.Op != "!=" {
			return c, fmt.Errorf("clause %q: a wildcard needs == or !=: %w", part, ErrBadSpecifier)
		}
		c.Wildcard = true
		operand = strings.TrimSuffix(operand, ".*")
	}
	v, err := ParseVersion(operand)
	if err != nil {
		return c, fmt.Errorf("clause %q: %w", part, err)
	}
	switch {
	case c.Wildcard && (v.PreKind != "" || v.HasPost || v.HasDev || len(v.Local) > 0):
		return c, fmt.Errorf("clause %q: only a release segment may precede .*: %w", part, ErrBadSpecifier)
	case c.Op == "~=" && len(v.Release) < 2:
		return c, fmt.Errorf("clause %q: ~= needs at least two release components: %w", part, ErrBadSpecifier)
	case len(v.Local) > 0 && c.Op != "==" && c.Op != "!=":
		return c, fmt.Errorf("clause %q: a local label is only allowed with == and !=: %w", part, ErrBadSpecifier)
	}
	c.Version = v
	return c, nil
}

// String renders the set as PEP 440 text.
func (s SpecifierSet) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.Op + c.Raw
	}
	return strings.Join(parts, ",")
}

// Pin returns the exactly pinned version: the operand of an "==" without
// wildcard, or of "===".
func (s SpecifierSet) Pin() (string, bool) {
	for _, c := range s {
		if (c.Op == "==" && !c.Wildcard) || c.Op == "===" {
			return c.Raw, true
		}
	}
	return "", false
}

// UpperBound returns the tightest upper limit of the set: v itself is
// allowed when inclusive. ok is false when nothing limits the set from
// above (">=4.2", "!=4.1").
func (s SpecifierSet) UpperBound() (v Version, inclusive, ok bool) {
	better := func(c Version, incl bool) {
		if !ok {
			v, inclusive, ok = c, incl, true
			return
		}
		switch Compare(c, v) {
		case -1:
			v, inclusive = c, incl
		case 0:
			inclusive = inclusive && incl
		}
	}
	for _, c := range s {
		switch c.Op {
		case "<":
			better(c.Version, false)
		case "<=":
			better(c.Version, true)
		case "==":
			if c.Wildcard {
				better(prefixCeiling(c.Version.Release), false)
			} else {
				better(c.Version, true)
			}
		case "===":
			if len(c.Version.Release) > 0 {
				better(c.Version, true)
			}
		case "~=":
			better(prefixCeiling(c.Version.Release[:len(c.Version.Release)-1]), false)
		}
	}
	return v, inclusive, ok
}

// LowerBound returns the tightest lower limit of the set, like UpperBound.
func (s SpecifierSet) LowerBound() (v Version, inclusive, ok bool) {
	better := func(c Version, incl bool) {
		if !ok {
			v, inclusive, ok = c, incl, true
			return
		}
		switch Compare(c, v) {
		case 1:
			v, inclusive = c, incl
		case 0:
			inclusive = inclusive && incl
		}
	}
	for _, c := range s {
		switch c.Op {
		case ">":
			better(c.Version, false)
		case ">=", "~=":
			better(c.Version, true)
		case "==":
			if c.Wildcard {
				better(Version{Epoch: c.Version.Epoch, Release: c.Version.Release, HasDev: true}, true)
			} else {
				better(c.Version, true)
			}
		case "===":
			if len(c.Version.Release) > 0 {
				better(c.Version, true)
			}
		}
	}
	return v, inclusive, ok
}

// prefixCeiling is the smallest version above every version that starts
// with prefix: 4.2 → 4.3.dev0.
func prefixCeiling(prefix []int) Version {
	r := append([]int(nil), prefix...)
	r[len(r)-1]++
	return Version{Release: r, HasDev: true}
}

// Contains reports whether every clause allows v, with PEP 440's
// comparison semantics (zero padding, prefix matching, the exclusive-
// ordering rules for pre, post and local releases). It does not apply the
// set-level rule that excludes pre-releases nobody asked for; callers that
// resolve installs must add it.
func (s SpecifierSet) Contains(v Version) bool {
	for _, c := range s {
		if !c.contains(v) {
			return false
		}
	}
	return true
}

func (c Clause) contains(v Version) bool {
	switch c.Op {
	case "===":
		return strings.EqualFold(strings.TrimSpace(c.Raw), v.String())
	case "==":
		if c.Wildcard {
			return prefixMatch(v, c.Version)
		}
		return equalIgnoringLocal(v, c.Version)
	case "!=":
		if c.Wildcard {
			return !prefixMatch(v, c.Version)
		}
		return !equalIgnoringLocal(v, c.Version)
	case "~=":
		prefix := c.Version
		prefix.Release = prefix.Release[:len(prefix.Release)-1]
		return Compare(v, c.Version) >= 0 && prefixMatch(v, prefix)
	case "<=":
		return Compare(v.Public(), c.Version) <= 0
	case ">=":
		return Compare(v.Public(), c.Version) >= 0
	case "<":
		if Compare(v, c.Version) >= 0 {
			return false
		}
		// <V excludes pre-releases of V itself unless V is one.
		return c.Version.IsPrerelease() || !v.IsPrerelease() || Compare(v.Base(), c.Version.Base()) != 0
	case ">":
		if Compare(v.Public(), c.Version) <= 0 {
			return false
		}
		// >V excludes post releases of V unless V is one, and V's local versions.
		if !c.Version.HasPost && v.HasPost && Compare(v.Base(), c.Version.Base()) == 0 {
			return false
		}
		return Compare(v.Public(), c.Version.Public()) != 0
	}
	return false
}

// equalIgnoringLocal is "==" matching: the candidate's local label is
// ignored when the operand has none.
func equalIgnoringLocal(v, operand Version) bool {
	if len(operand.Local) == 0 {
		v = v.Public()
	}
	return Compare(v, operand) == 0
}

// prefixMatch is "==X.*": same epoch and a release that starts with X's
// release (zero padded).
func prefixMatch(v, prefix Version) bool {
	if v.Epoch != prefix.Epoch {
		return false
	}
	for i, n := range prefix.Release {
		if v.Part(i) != n {
			return false
		}
	}
	return true
}
