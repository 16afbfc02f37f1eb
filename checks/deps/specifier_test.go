package deps

import (
	"errors"
	"testing"
)

func TestSpecifierContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec, version string
		want          bool
	}{
		{"", "4.2", true},
		{"==4.2", "4.2.0", true},
		{"==4.2", "4.2.1", false},
		{"==4.2", "4.2+local", true},
		{"==4.2+local", "4.2", false},
		{"==4.2.*", "4.2.11", true},
		{"==4.2.*", "4.2rc1", true},
		{"==4.2.*", "4.3", false},
		{"==4.*", "4.2.1", true},
		{"!=4.1.*", "4.1.3", false},
		{"!=4.1.*", "4.2", true},
		{"!=4.2.1", "4.2.1", false},
		{"~=4.2", "4.9", true},
		{"~=4.2", "5.0", false},
		{"~=4.2", "4.1", false},
		{"~=4.2.1", "4.2.5", true},
		{"~=4.2.1", "4.3.0", false},
		{">=4.2,<5.0", "4.2.11", true},
		{">=4.2,<5.0", "5.0", false},
		{">=4.2,<5.0", "4.1.9", false},
		{"<5.0", "5.0a1", false},     // <V excludes V's pre-releases
		{"<5.0a2", "5.0a1", true},    // unless V is one
		{"<5.0", "4.9rc1", true},     // other pre-releases are ordered normally
		{">4.2", "4.2.post1", false}, // >V excludes V's post releases
		{">4.2.post1", "4.2.post2", true},
		{">4.2", "4.2+local", false},
		{">4.2", "4.2.1", true},
		{"<=4.2", "4.2+local", true},
		{"===4.2.1", "4.2.1", true},
		{"===4.2.1", "4.2.1.0", false},
	}
	for _, tc := range tests {
		set, err := ParseSpecifier(tc.spec)
		if err != nil {
			t.Fatalf("ParseSpecifier(%q): %v", tc.spec, err)
		}
		if got := set.Contains(MustParseVersion(tc.version)); got != tc.want {
			t.Errorf("%q contains %s = %v, want %v", tc.spec, tc.version, got, tc.want)
		}
	}
}

func TestSpecifierBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec  string
		pin   string
		upper string // "" = unbounded; "=" suffix means inclusive
		lower string
	}{
		{spec: ""},
		{spec: ">=4.2", lower: "4.2="},
		{spec: "==4.2.11", pin: "4.2.11", upper: "4.2.11=", lower: "4.2.11="},
		{spec: "===4.2.11", pin: "4.2.11", upper: "4.2.11=", lower: "4.2.11="},
		{spec: "==4.2.*", upper: "4.3.dev0", lower: "4.2.dev0="},
		{spec: ">=4.2,<5", upper: "5", lower: "4.2="},
		{spec: ">=4.2,<=4.2.5,<5", upper: "4.2.5=", lower: "4.2="},
		{spec: "<4.3,<=4.3", upper: "4.3"},
		{spec: "~=4.2", upper: "5.dev0", lower: "4.2="},
		{spec: "~=4.2.3", upper: "4.3.dev0", lower: "4.2.3="},
		{spec: ">4.1,>=4.1", lower: "4.1"},
		{spec: "!=4.1"},
	}
	for _, tc := range tests {
		set, err := ParseSpecifier(tc.spec)
		if err != nil {
			t.Fatalf("ParseSpecifier(%q): %v", tc.spec, err)
		}
		pin, _ := set.Pin()
		bound := func(v Version, incl, ok bool) string {
			if !ok {
				return ""
			}
			if incl {
				return v.String() + "="
			}
			return v.String()
		}
		upper, lower := bound(set.UpperBound()), bound(set.LowerBound())
		if pin != tc.pin || upper != tc.upper || lower != tc.lower {
			t.Errorf("%q: pin %q upper %q lower %q; want %q %q %q", tc.spec, pin, upper, lower, tc.pin, tc.upper, tc.lower)
		}
	}
}

func TestParseSpecifierErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"4.2", ">=", "=>4.2", ">=4.2.*", "~=4", "==4.2a1.*", "<4.2+local", ">=4.2,", ">=x"} {
		if _, err := ParseSpecifier(s); !errors.Is(err, ErrBadSpecifier) && !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseSpecifier(%q) error = %v, want a specifier error", s, err)
		}
	}
}
