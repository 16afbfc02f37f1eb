package deps

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/djsec/djsec/internal/lazyre"
)

// ErrBadVersion is returned for a string that is not a PEP 440 version.
var ErrBadVersion = errors.New("not a PEP 440 version")

// Version is a parsed PEP 440 version: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local].
// The zero value is not a valid version; build one with ParseVersion.
type Version struct {
	Epoch   int
	Release []int
	// PreKind is "a", "b" or "rc" (normalised from alpha, beta, c, pre,
	// preview); empty for no pre-release.
	PreKind string
	Pre     int
	HasPost bool
	Post    int
	HasDev  bool
	Dev     int
	// Local holds the lower-cased segments after "+", split on . - _.
	Local []string
}

// versionRE is the pattern of PEP 440's appendix ("Parsing version
// strings with regular expressions"), which accepts every spelling the
// normalisation rules allow (v prefix, alpha/beta/c/pre/preview/rev/r,
// -N post releases, - _ . separators).
var versionRE = lazyre.New(`(?i)^\s*v?` +
	`(?:(?P<epoch>[0-9]+)!)?` +
	`(?P<release>[0-9]+(?:\.[0-9]+)*)` +
	`(?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?` +
	`(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?` +
	`(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?` +
	`(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

var versionGroups = func() map[string]int {
	m := map[string]int{}
	for i, n := range versionRE().SubexpNames() {
		if n != "" {
			m[n] = i
		}
	}
	return m
}()

// ParseVersion parses a PEP 440 version in any of its accepted spellings.
func ParseVersion(s string) (Version, error) {
	if v, ok := parseReleaseOnly(s); ok {
		return v, nil
	}
	return parseVersionRE(s)
}

// parseVersionRE is ParseVersion by PEP 440's regular expression.
func parseVersionRE(s string) (Version, error) {
	m := versionRE().FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q: %w", s, ErrBadVersion)
	}
	g := func(name string) string { return m[versionGroups[name]] }
	num := func(t string) (int, error) {
		if t == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(t)
		if err != nil {
			return 0, fmt.Errorf("%q: number %s out of range: %w", s, t, ErrBadVersion)
		}
		return n, nil
	}
	var v Version
	var err error
	if v.Epoch, err = num(g("epoch")); err != nil {
		return Version{}, err
	}
	for _, part := range strings.Split(g("release"), ".") {
		n, err := num(part)
		if err != nil {
			return Version{}, err
		}
		v.Release = append(v.Release, n)
	}
	if g("pre") != "" {
		switch strings.ToLower(g("pre_l")) {
		case "a", "alpha":
			v.PreKind = "a"
		case "b", "beta":
			v.PreKind = "b"
		default: // c, rc, pre, preview
			v.PreKind = "rc"
		}
		if v.Pre, err = num(g("pre_n")); err != nil {
			return Version{}, err
		}
	}
	if g("post") != "" {
		v.HasPost = true
		n := g("post_n1")
		if n == "" {
			n = g("post_n2")
		}
		if v.Post, err = num(n); err != nil {
			return Version{}, err
		}
	}
	if g("dev") != "" {
		v.HasDev = true
		if v.Dev, err = num(g("dev_n")); err != nil {
			return Version{}, err
		}
	}
	if l := g("local"); l != "" {
		v.Local = strings.FieldsFunc(strings.ToLower(l), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	}
	return v, nil
}

// parseReleaseOnly reads the common plain form "4.2.10" without the
// regular expression, which dominated the cost of loading the advisory
// data's thousands of versions. Anything else (and numbers too long to
// be safe) is left to the full parser, which gives the same result.
func parseReleaseOnly(s string) (Version, bool) {
	if s == "" || len(s) > 64 {
		return Version{}, false
	}
	var v Version
	n, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits == 9 {
				return Version{}, false
			}
			n = n*10 + int(c-'0')
			digits++
		case c == '.' && digits > 0:
			v.Release = append(v.Release, n)
			n, digits = 0, 0
		default:
			return Version{}, false
		}
	}
	if digits == 0 {
		return Version{}, false
	}
	v.Release = append(v.Release, n)
	return v, true
}

// MustParseVersion is ParseVersion for constants known to be valid.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String is the normalised form ("1.0rc1.post2.dev3+ubuntu.1").
func (v Version) String() string {
	var b strings.Builder
	if v.Epoch != 0 {
		fmt.Fprintf(&b, "%d!", v.Epoch)
	}
	for i, n := range v.Release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	if v.PreKind != "" {
		fmt.Fprintf(&b, "%s%d", v.PreKind, v.Pre)
	}
	if v.HasPost {
		fmt.Fprintf(&b, ".post%d", v.Post)
	}
	if v.HasDev {
		fmt.Fprintf(&b, ".dev%d", v.Dev)
	}
	if len(v.Local) > 0 {
		b.WriteByte('+')
		b.WriteString(strings.Join(v.Local, "."))
	}
	return b.String()
}

// Part returns release component i (0 = major), 0 when absent: PEP 440
// pads release segments with zeros.
func (v Version) Part(i int) int {
	if i < len(v.Release) {
		return v.Release[i]
	}
	return 0
}

// Series is (major, minor), how Django names its release series.
func (v Version) Series() [2]int { return [2]int{v.Part(0), v.Part(1)} }

// IsPrerelease reports an alpha, beta, release candidate or dev release.
func (v Version) IsPrerelease() bool { return v.PreKind != "" || v.HasDev }

// Public drops the local label.
func (v Version) Public() Version {
	v.Local = nil
	return v
}

// Base is the epoch and release segment only ("1.2.3" of "1.2.3rc1.post1").
func (v Version) Base() Version {
	return Version{Epoch: v.Epoch, Release: v.Release}
}

// Compare orders versions as PEP 440 does: -1 when a < b, 0 when equal,
// +1 when a > b. Release segments are compared with zero padding (1.0 ==
// 1.0.0); X.devN < X.aN < X.bN < X.rcN < X < X.postN; a dev release of a
// pre or post release sorts just before it; a local label sorts after the
// same public version, its segments compared numerically when both are
// numbers, a number above a word, words case-insensitively.
func Compare(a, b Version) int {
	if c := cmpInt(a.Epoch, b.Epoch); c != 0 {
		return c
	}
	n := max(len(a.Release), len(b.Release))
	for i := range n {
		if c := cmpInt(a.Part(i), b.Part(i)); c != 0 {
			return c
		}
	}
	if c := cmpInt(preRank(a), preRank(b)); c != 0 {
		return c
	}
	if a.PreKind != "" && b.PreKind != "" {
		if c := cmpInt(a.Pre, b.Pre); c != 0 {
			return c
		}
	}
	// No post release sorts before any post release.
	if c := cmpOptional(a.HasPost, a.Post, b.HasPost, b.Post, -1); c != 0 {
		return c
	}
	// No dev release sorts after any dev release.
	if c := cmpOptional(a.HasDev, a.Dev, b.HasDev, b.Dev, +1); c != 0 {
		return c
	}
	return cmpLocal(a.Local, b.Local)
}

// preRank places the pre-release phase: a bare dev release (1.0.dev1)
// comes before every pre-release of its version, a final or post release
// after them all.
func preRank(v Version) int {
	switch {
	case v.PreKind == "" && !v.HasPost && v.HasDev:
		return 0
	case v.PreKind == "a":
		return 1
	case v.PreKind == "b":
		return 2
	case v.PreKind == "rc":
		return 3
	}
	return 4
}

// cmpOptional compares an optional number; absent sorts at side (-1 before
// every present value, +1 after).
func cmpOptional(aHas bool, a int, bHas bool, b int, absent int) int {
	switch {
	case aHas && bHas:
		return cmpInt(a, b)
	case aHas:
		return -absent
	case bHas:
		return absent
	}
	return 0
}

func cmpLocal(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		an, aErr := strconv.Atoi(a[i])
		bn, bErr := strconv.Atoi(b[i])
		switch {
		case aErr == nil && bErr == nil:
			if c := cmpInt(an, bn); c != 0 {
				return c
			}
		case aErr == nil:
			return 1
		case bErr == nil:
			return -1
		default:
			if c := strings.Compare(a[i], b[i]); c != 0 {
				return c
			}
		}
	}
	return cmpInt(len(a), len(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
