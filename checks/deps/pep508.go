package deps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// ErrBadRequirement is returned for a line that is not a PEP 508
// requirement.
var ErrBadRequirement = errors.New("not a PEP 508 requirement")

var pep508NameRE = lazyre.New(`^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`)

// ParseRequirement parses one PEP 508 requirement: name, [extras], then a
// version specifier (optionally in parentheses) or "@ url", then an
// environment marker after ";". Path, Line and Col are left for the caller.
func ParseRequirement(s string) (Requirement, error) {
	r, _, err := parsePEP508(s)
	return r, err
}

// parsePEP508 is ParseRequirement that also returns the byte offset of the
// name in s, so manifest readers can place the requirement exactly.
func parsePEP508(s string) (Requirement, int, error) {
	var r Requirement
	i := skipSpace(s, 0)
	name := pep508NameRE().FindString(s[i:])
	if name == "" {
		return r, 0, fmt.Errorf("%q: no package name: %w", strings.TrimSpace(s), ErrBadRequirement)
	}
	nameOff := i
	r.Name = NormalizeName(name)
	i = skipSpace(s, i+len(name))
	if i < len(s) && s[i] == '[' {
		end := strings.IndexByte(s[i:], ']')
		if end < 0 {
			return r, 0, fmt.Errorf("%q: unclosed extras: %w", strings.TrimSpace(s), ErrBadRequirement)
		}
		for _, e := range strings.Split(s[i+1:i+end], ",") {
			if e = strings.TrimSpace(e); e != "" {
				if !pep508NameRE().MatchString(e) || len(pep508NameRE().FindString(e)) != len(e) {
					return r, 0, fmt.Errorf("%q: bad extra %q: %w", strings.TrimSpace(s), e, ErrBadRequirement)
				}
				r.Extras = append(r.Extras, NormalizeName(e))
			}
		}
		i = skipSpace(s, i+end+1)
	}
	rest := s[i:]
	if strings.HasPrefix(rest, "@") {
		// PEP 508: the URL runs to whitespace; a marker must follow a space.
		rest = strings.TrimSpace(rest[1:])
		url, after, _ := strings.Cut(rest, " ")
		if j := strings.IndexAny(url, "\t"); j >= 0 {
			url, after = url[:j], url[j:]+" "+after
		}
		if url == "" {
			return r, 0, fmt.Errorf("%q: empty URL after @: %w", strings.TrimSpace(s), ErrBadRequirement)
		}
		r.URL = url
		after = strings.TrimSpace(after)
		if after != "" {
			if !strings.HasPrefix(after, ";") {
				return r, 0, fmt.Errorf("%q: unexpected %q after the URL: %w", strings.TrimSpace(s), after, ErrBadRequirement)
			}
			r.Marker = strings.TrimSpace(after[1:])
		}
		return r, nameOff, nil
	}
	spec, marker, hasMarker := strings.Cut(rest, ";")
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return r, 0, fmt.Errorf("%q: unclosed parenthesis: %w", strings.TrimSpace(s), ErrBadRequirement)
		}
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	set, err := ParseSpecifier(spec)
	if err != nil {
		return r, 0, fmt.Errorf("%q: %w", strings.TrimSpace(s), err)
	}
	r.Specifier = spec
	r.Version, _ = set.Pin()
	if hasMarker {
		r.Marker = strings.TrimSpace(marker)
	}
	return r, nameOff, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
