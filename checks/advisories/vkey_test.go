package advisories

import (
	"testing"

	"github.com/djsec/djsec/checks/deps"
)

// TestKeyOrderAgreesWithCompare: the integer keys order every pair of
// versions exactly as deps.Compare does, and versions they cannot hold
// fall back to it.
func TestKeyOrderAgreesWithCompare(t *testing.T) {
	t.Parallel()
	list := []string{
		"0", "0.0.1", "1", "1.0", "1.0.0.0", "1.0.0.0.0", "1.0.0.0.1", "1.0.dev0", "1.0.dev3", "1.0a1.dev1", "1.0a1", "1.0a2",
		"1.0b1", "1.0b1.post1", "1.0rc1", "1.0rc1.post1.dev1", "1.0.post0.dev1", "1.0.post0", "1.0.post1", "1.0.1",
		"1.0+local", "1!0.5", "4.2.10", "4.2.9", "65535.1", "65536.1", "1.0a65536", "2.0.post1.dev2", "2.0.post1",
		"10.0", "5.2", "5.2.0", "5.2rc1", "5.2.18",
	}
	vs := make([]deps.Version, len(list))
	ks := make([]vkey, len(list))
	for i, s := range list {
		vs[i] = deps.MustParseVersion(s)
		ks[i] = keyOf(vs[i])
	}
	for _, s := range []string{"1!0.5", "1.0+local", "65536.1", "1.0.0.0.1", "1.0a65536"} {
		if keyOf(deps.MustParseVersion(s)).ok {
			t.Errorf("%s has a key; it must fall back to deps.Compare", s)
		}
	}
	for i := range vs {
		for j := range vs {
			want := deps.Compare(vs[i], vs[j])
			if got := compareKeyed(&vs[i], ks[i], &vs[j], ks[j]); got != want {
				t.Errorf("compare(%s, %s) = %d, deps.Compare says %d", list[i], list[j], got, want)
			}
		}
	}
}

func TestNormalName(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"django", "Django", "django-rest", "django--rest", "django_rest", "-x", "x-", "a.b", " x", "zope.interface", "py3"} {
		if got, want := normalName(s), deps.NormalizeName(s); got != want {
			t.Errorf("normalName(%q) = %q, want %q", s, got, want)
		}
	}
}
