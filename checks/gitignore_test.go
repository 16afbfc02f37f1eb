package checks

import "testing"

func TestGitignoreSemantics(t *testing.T) {
	t.Parallel()
	cases := []struct {
		ignores map[string]string
		path    string
		want    bool
	}{
		{map[string]string{".gitignore": ".env"}, ".env", true},
		{map[string]string{".gitignore": ".env"}, "a/b/.env", true},
		{map[string]string{".gitignore": "/.env"}, "a/.env", false},
		{map[string]string{".gitignore": "a/.env"}, "a/.env", true},
		{map[string]string{".gitignore": "a/.env"}, "x/a/.env", false},
		{map[string]string{".gitignore": "**/a/.env"}, "x/a/.env", true},
		{map[string]string{".gitignore": "a/**"}, "a/b/.env", true},
		{map[string]string{".gitignore": "a/**/.env"}, "a/.env", true},
		{map[string]string{".gitignore": "a/**/.env"}, "a/b/c/.env", true},
		{map[string]string{".gitignore": ".env*"}, ".env.production", true},
		{map[string]string{".gitignore": ".env?"}, ".env", false},
		{map[string]string{".gitignore": ".[e]nv"}, ".env", true},
		{map[string]string{".gitignore": ".[!e]nv"}, ".env", false},
		{map[string]string{".gitignore": "*"}, "a/.env", true},
		{map[string]string{".gitignore": "*\n!.env"}, ".env", false},
		{map[string]string{".gitignore": "a/\n!a/.env"}, "a/.env", true},
		{map[string]string{".gitignore": "a/*\n!a/.env"}, "a/.env", false},
		{map[string]string{".gitignore": ".env   "}, ".env", true},
		{map[string]string{".gitignore": "\\!.env"}, "!.env", true},
		{map[string]string{".gitignore": ".ENV"}, ".env", false},
		{map[string]string{".gitignore": ".env", "sub/.gitignore": "!.env"}, "sub/.env", false},
		{map[string]string{"sub/.gitignore": ".env"}, ".env", false},
		{map[string]string{"sub/.gitignore": "/.env"}, "sub/.env", true},
		{map[string]string{".gitignore": "[abc"}, "[abc", true},
	}
	for _, tc := range cases {
		files := map[string][]byte{}
		for p, s := range tc.ignores {
			files[p] = []byte(s)
		}
		if got := IgnoredByGitignore(files, tc.path); got != tc.want {
			t.Errorf("%q with %q: ignored = %v, want %v", tc.path, tc.ignores, got, tc.want)
		}
	}
}
