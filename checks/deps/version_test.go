package deps

import (
	"errors"
	"testing"
)

// depsOrderedVersions is strictly increasing under PEP 440; the list is
// the ordering test of pypa/packaging (tests/test_version.py), which
// implements the specification.
var depsOrderedVersions = []string{
	"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
	"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0b2-346",
	"1.0c1.dev456", "1.0c1", "1.0rc2", "1.0c3", "1.0",
	"1.0.post456.dev34", "1.0.post456", "1.1.dev1",
	"1.2+123abc", "1.2+123abc456", "1.2+abc", "1.2+abc123", "1.2+abc123def",
	"1.2+1234.abc", "1.2+123456",
	"1.2.r32+123456", "1.2.rev33+123456",
	"1!1.0.dev456", "1!1.0a1", "1!1.0", "1!1.0.post456", "1!1.2+123456",
}

func TestCompareOrdering(t *testing.T) {
	t.Parallel()
	for i, a := range depsOrderedVersions {
		va := MustParseVersion(a)
		for j, b := range depsOrderedVersions {
			vb := MustParseVersion(b)
			want := cmpInt(i, j)
			if got := Compare(va, vb); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestCompareEquivalentSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b string }{
		{"1.0", "1.0.0"},
		{"1.0", "1.0.0.0"},
		{"v1.0", "1.0"},
		{"1.0.POST1", "1.0.post1"},
		{"1.0-1", "1.0.post1"},
		{"1.0_post_1", "1.0.post1"},
		{"1.0rev1", "1.0.post1"},
		{"1.0alpha1", "1.0a1"},
		{"1.0-beta.2", "1.0b2"},
		{"1.0c1", "1.0rc1"},
		{"1.0pre1", "1.0rc1"},
		{"1.0preview1", "1.0rc1"},
		{"1.0a", "1.0a0"},
		{"1.0.dev", "1.0.dev0"},
		{"1.0+Ubuntu-1", "1.0+ubuntu.1"},
		{"0!4.2", "4.2"},
		{" 4.2.11 ", "4.2.11"},
	}
	for _, tc := range tests {
		a, err := ParseVersion(tc.a)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tc.a, err)
		}
		if Compare(a, MustParseVersion(tc.b)) != 0 {
			t.Errorf("%q != %q", tc.a, tc.b)
		}
	}
}

func TestVersionString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"4.2.11", "4.2.11"},
		{"V1.0RC1", "1.0rc1"},
		{"1.0-1", "1.0.post1"},
		{"1!2.0.dev", "1!2.0.dev0"},
		{"1.0a1.post2.dev3+Ubuntu_1", "1.0a1.post2.dev3+ubuntu.1"},
		{"2028.0", "2028.0"},
	}
	for _, tc := range tests {
		if got := MustParseVersion(tc.in).String(); got != tc.want {
			t.Errorf("ParseVersion(%q).String() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestVersionParts(t *testing.T) {
	t.Parallel()
	v := MustParseVersion("5.2rc1")
	if v.Series() != [2]int{5, 2} || v.Part(2) != 0 || !v.IsPrerelease() {
		t.Errorf("5.2rc1: series %v, micro %d, prerelease %v", v.Series(), v.Part(2), v.IsPrerelease())
	}
	if MustParseVersion("4").Series() != [2]int{4, 0} {
		t.Error("4: want series 4.0")
	}
	if MustParseVersion("4.2.post1").IsPrerelease() {
		t.Error("4.2.post1 is not a pre-release")
	}
}

func TestParseVersionErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "1.0.", ".1", "french toast", "1.0+", "1.0++1", "1.0 1", "1.0.x", "4.2.*", "1!", "99999999999999999999999"} {
		if _, err := ParseVersion(s); !errors.Is(err, ErrBadVersion) {
			t.Errorf("ParseVersion(%q) error = %v, want ErrBadVersion", s, err)
		}
	}
}

// TestParseReleaseOnlyAgreesWithRegex: the fast path for plain "4.2.10"
// gives exactly what PEP 440's expression gives, and declines the rest.
func TestParseReleaseOnlyAgreesWithRegex(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0", "4.2.10", "10.0", "007.1", "1.2.3.4.5", "999999999.1", "1234567890.1", "4.2.", ".4", "4..2", "", "4.2a1", " 4.2", "v4.2", "1!2.0", "4.2+x"} {
		fast, ok := parseReleaseOnly(s)
		slow, err := parseVersionRE(s)
		if ok && (err != nil || Compare(fast, slow) != 0 || fast.String() != slow.String()) {
			t.Errorf("%q: fast %v, regexp %v (%v)", s, fast, slow, err)
		}
		full, fullErr := ParseVersion(s)
		if (fullErr == nil) != (err == nil) || err == nil && full.String() != slow.String() {
			t.Errorf("%q: ParseVersion %v (%v), regexp %v (%v)", s, full, fullErr, slow, err)
		}
	}
}
