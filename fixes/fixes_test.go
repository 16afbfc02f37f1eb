package fixes

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/djsec/djsec/checks"
)

func TestFixLeavesInputAlone(t *testing.T) {
	t.Parallel()
	files := readTree(t, filepath.Join("testdata", "startproject", "in"))
	orig := maps.Clone(files)
	copies := map[string]string{}
	for p, b := range files {
		copies[p] = string(b)
	}
	res, err := Fix(context.Background(), checks.Input{Files: files, Now: now}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) == 0 {
		t.Fatal("startproject: nothing fixed")
	}
	if !maps.EqualFunc(files, orig, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Error("Fix changed the input map")
	}
	for p, b := range files {
		if string(b) != copies[p] {
			t.Errorf("Fix changed the bytes of %s in place", p)
		}
	}
}

func TestFixRules(t *testing.T) {
	t.Parallel()
	files := readTree(t, filepath.Join("testdata", "startproject", "in"))
	for _, tc := range []struct {
		name      string
		rules     []string
		fixed     []string // rules whose findings are fixed
		unfixed   []string
		unchanged bool
	}{
		// DJS103 is part of the DJS101 finding (one root cause).
		{"nil is the critical ones", nil, []string{"DJS101", "DJS201", "DJS605", "DJS801"}, nil, false},
		{"empty is nil", []string{}, []string{"DJS101", "DJS201", "DJS605", "DJS801"}, nil, false},
		{"one rule, lower case", []string{"djs201"}, []string{"DJS201"}, nil, false},
		{"a rule without a fixer", []string{"DJS203"}, nil, []string{"DJS203"}, true},
		{"a rule with no finding", []string{"DJS301"}, nil, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := Fix(context.Background(), checks.Input{Files: files, Now: now}, tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			var fixed, unfixed []string
			for _, f := range res.Fixed {
				fixed = append(fixed, f.Rule)
			}
			for _, u := range res.Unfixed {
				unfixed = append(unfixed, u.Finding.Rule)
			}
			slices.Sort(fixed)
			if !slices.Equal(fixed, tc.fixed) || !slices.Equal(unfixed, tc.unfixed) {
				t.Errorf("fixed %v, unfixed %v; want %v, %v", fixed, unfixed, tc.fixed, tc.unfixed)
			}
			if tc.unchanged != (len(res.Files) == 0) {
				t.Errorf("changed files %v", slices.Collect(maps.Keys(res.Files)))
			}
		})
	}
}

func TestFixCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	files := readTree(t, filepath.Join("testdata", "startproject", "in"))
	if _, err := Fix(ctx, checks.Input{Files: files, Now: now}, nil); err == nil {
		t.Error("a cancelled context gave no error")
	}
}

func TestRules(t *testing.T) {
	t.Parallel()
	rs := Rules()
	for _, r := range []string{"DJS101", "DJS201", "DJS301", "DJS403", "DJS605", "DJS801", "DJS106"} {
		if !slices.Contains(rs, r) {
			t.Errorf("Rules() lacks %s", r)
		}
	}
}
