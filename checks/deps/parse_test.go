package deps

import (
	"bytes"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// depsLoadDir reads a testdata tree into a file set keyed by slash paths
// relative to dir.
func depsLoadDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// depsFmtReq renders a requirement compactly for comparisons.
func depsFmtReq(r Requirement) string {
	var b strings.Builder
	b.WriteString(r.Path + ":" + itoa(r.Line) + ":" + itoa(r.Col) + " " + r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	if r.Specifier != "" {
		b.WriteString(" spec=" + r.Specifier)
	}
	if r.Version != "" {
		b.WriteString(" ver=" + r.Version)
	}
	if r.Constraint != "" {
		b.WriteString(" cons=" + r.Constraint)
	}
	if r.URL != "" {
		b.WriteString(" url=" + r.URL)
	}
	if r.Editable {
		b.WriteString(" editable")
	}
	if r.Marker != "" {
		b.WriteString(" marker=" + r.Marker)
	}
	if r.Dev {
		b.WriteString(" dev")
	}
	return b.String()
}

func itoa(i int) string {
	s := ""
	if i == 0 {
		return "0"
	}
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestParseAllTestdata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir  string
		want []string
		// errs maps a path to the sentinel errors its error must wrap.
		errs map[string][]error
	}{
		{
			dir: "basic",
			want: []string{
				"requirements-tail.txt:1:1 uvicorn[standard] spec=>=0.27",
				"requirements.txt:2:1 django spec===4.2.11 ver=4.2.11",
				"requirements.txt:3:1 djangorestframework spec=>=3.14,<3.16",
				`requirements.txt:4:1 django-cors-headers[extra1,extra-two] spec=~=4.3 marker=python_version >= "3.8"`,
				"requirements.txt:5:1 pillow",
				"requirements.txt:6:1 requests[security] spec=== 2.31.0 ver=2.31.0",
				"requirements.txt:12:4 django-debug-toolbar url=git+https://github.com/jazzband/django-debug-toolbar.git@4.2#egg=django-debug-toolbar editable",
				`requirements.txt:14:1 mypkg url=https://example.com/mypkg-1.0.tar.gz marker=sys_platform == "linux"`,
				"requirements.txt:15:1 some-package url=git+https://github.com/org/repo.git@v1#egg=Some_Package",
				"requirements.txt:16:1 cryptography spec===42.0.5 ver=42.0.5 url=./vendor/cryptography-42.0.5-cp39-abi3-manylinux_2_28_x86_64.whl",
				"requirements.txt:17:1 gunicorn spec====21.2.0 ver=21.2.0",
				"requirements.txt:18:1 whitenoise spec===6.*",
				"requirements.txt:19:1 pyjwt spec===2.8.0 ver=2.8.0",
				"requirements.txt:20:1 psycopg2-binary spec===2.9.9 ver=2.9.9",
				"requirements.txt:22:3 celery spec===5.3.6 ver=5.3.6",
				`requirements.txt:24:1 django-axes spec=>=6.0 marker=python_version>"3.7"`,
			},
			errs: map[string][]error{"requirements.txt": {ErrBadSpecifier}},
		},
		{
			dir: "includes",
			want: []string{
				"requirements/base.txt:1:1 django spec=>=4.2,<5.0 ver=4.2.11 cons===4.2.11",
				"requirements/base.txt:3:1 cryptography cons=<43",
				"requirements/cycle-a.txt:2:1 six spec===1.16.0 ver=1.16.0",
				"requirements/dev.txt:3:1 django-debug-toolbar spec===4.2.0 ver=4.2.0 dev",
				"requirements/extra-dev.pip:1:1 pytest spec===8.0.0 ver=8.0.0 cons===7.0.0 dev",
				"requirements/prod.txt:2:1 gunicorn spec===21.2.0 ver=21.2.0",
			},
			errs: map[string][]error{
				"requirements/dev.txt":     {ErrIncludeOutside, ErrIncludeMissing},
				"requirements/cycle-b.txt": {ErrIncludeCycle},
			},
		},
		{
			dir: "piptools",
			want: []string{
				"requirements-dev.in:2:1 pytest-django dev",
				"requirements.txt:4:1 asgiref spec===3.7.2 ver=3.7.2",
				"requirements.txt:7:1 django spec===5.2.8 ver=5.2.8",
				"requirements.txt:10:1 sqlparse spec===0.4.4 ver=0.4.4",
			},
		},
		{
			dir: "pep621",
			want: []string{
				"pyproject.toml:8:6 django spec=>=5.2,<5.3",
				"pyproject.toml:9:6 django-environ",
				"pyproject.toml:10:6 djangorestframework spec===3.15.2 ver=3.15.2",
				"pyproject.toml:11:6 psycopg[binary] spec=>=3.1 marker=sys_platform != 'win32'",
				"pyproject.toml:15:9 django-debug-toolbar spec=>=4.2 dev",
				"pyproject.toml:17:6 pytest-django spec===4.8.0 ver=4.8.0 dev",
				"pyproject.toml:19:8 django-storages[s3] spec===1.14.2 ver=1.14.2",
				"pyproject.toml:22:10 ruff spec===0.4.0 ver=0.4.0 dev",
				"pyproject.toml:23:16 gunicorn spec=>=21",
			},
		},
		{
			dir: "poetry",
			want: []string{
				"pyproject.toml:7:1 django spec=>=4.2,<5.0",
				"pyproject.toml:8:1 djangorestframework spec===3.15.1 ver=3.15.1",
				"pyproject.toml:9:1 django-cors-headers[x] spec=>=4.3.1,<4.4.0",
				"pyproject.toml:10:1 celery spec=>=5.3,<6",
				"pyproject.toml:11:1 cryptography",
				"pyproject.toml:12:1 pyjwt spec=>=2.8,<3.0",
				"pyproject.toml:12:1 pyjwt spec===2.6.0 ver=2.6.0",
				"pyproject.toml:16:1 mylib url=https://github.com/org/mylib.git",
				"pyproject.toml:17:1 weird spec=^1.0 || ^2.0",
				"pyproject.toml:20:1 pytest spec=>=8.0,<9.0 dev",
				"pyproject.toml:23:1 sphinx spec===7.2.6 ver=7.2.6 dev",
				"pyproject.toml:26:1 gunicorn spec=>=21.2,<22.0",
			},
		},
		{
			dir: "pdm_uv",
			want: []string{
				"pyproject.toml:3:18 django spec===5.2.8 ver=5.2.8",
				"pyproject.toml:6:10 pytest spec=>=8 dev",
				"pyproject.toml:10:4 django-extensions spec===3.2.3 ver=3.2.3 dev",
			},
		},
		{
			dir: "pipfile",
			want: []string{
				"Pipfile:7:1 django",
				"Pipfile:8:2 djangorestframework spec===3.15.2 ver=3.15.2",
				"Pipfile:9:1 django-axes[ipware] spec=>=6.0",
				"Pipfile:10:1 mylib url=https://github.com/org/mylib.git editable",
				"Pipfile:13:1 django-debug-toolbar spec=~=4.2 dev",
			},
		},
		{
			// Which file names mark development-only manifests; README.txt in
			// requirements/ is not a manifest.
			dir: "names",
			want: []string{
				"dev-requirements.txt:1:1 pkg-dev-requirements-txt spec===1.0 ver=1.0 dev",
				"docs/requirements.txt:1:1 pkg-docs-requirements-txt spec===1.0 ver=1.0 dev",
				"requirements-dev.txt:1:1 pkg-requirements-dev-txt spec===1.0 ver=1.0 dev",
				"requirements.txt:1:1 pkg-requirements-txt spec===1.0 ver=1.0",
				"requirements/dev.txt:1:1 pkg-requirements-dev-txt spec===1.0 ver=1.0 dev",
				"requirements/local.txt:1:1 pkg-requirements-local-txt spec===1.0 ver=1.0 dev",
				"requirements/production.txt:1:1 pkg-requirements-production-txt spec===1.0 ver=1.0",
				"requirements/test_unit.txt:1:1 pkg-requirements-test-unit-txt spec===1.0 ver=1.0 dev",
				"requirements_local.txt:1:1 pkg-requirements-local-txt spec===1.0 ver=1.0 dev",
				"testproject/requirements.txt:1:1 pkg-testproject-requirements-txt spec===1.0 ver=1.0",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			reqs, errs := ParseAll(depsLoadDir(t, filepath.Join("testdata", tc.dir)))
			var got []string
			for _, r := range reqs {
				got = append(got, depsFmtReq(r))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("requirements:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if len(errs) != len(tc.errs) {
				t.Errorf("errors for %d files, want %d: %v", len(errs), len(tc.errs), errs)
			}
			for p, sentinels := range tc.errs {
				for _, s := range sentinels {
					if !errors.Is(errs[p], s) {
						t.Errorf("error for %s = %v, want it to wrap %v", p, errs[p], s)
					}
				}
			}
		})
	}
}

// TestParseAllRequirementsLines covers single requirements-file lines: what
// pip reads, and where djsec places it.
func TestParseAllRequirementsLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []string
		wantErr   error
	}{
		{"empty", "", nil, nil},
		{"comments only", "# a\n   # b\n\n", nil, nil},
		{"hash in URL is not a comment", "pkg @ https://x.test/p.zip#sha256=ab\n", []string{"requirements.txt:1:1 pkg url=https://x.test/p.zip#sha256=ab"}, nil},
		{"comment ends continuation", "Django==4.2.1 \\\n# note\nsix\n", []string{"requirements.txt:1:1 django spec===4.2.1 ver=4.2.1", "requirements.txt:3:1 six"}, nil},
		{"continuation inside the name line", "  \\\n  Django>=4.2\n", []string{"requirements.txt:2:3 django spec=>=4.2"}, nil},
		{"CRLF", "Django==5.2.1\r\nsix\r\n", []string{"requirements.txt:1:1 django spec===5.2.1 ver=5.2.1", "requirements.txt:2:1 six"}, nil},
		{"parenthesised spec", "Django (>=4.2, <5)\n", []string{"requirements.txt:1:1 django spec=>=4.2, <5"}, nil},
		{"wildcard is not a pin", "Django==4.2.*\n", []string{"requirements.txt:1:1 django spec===4.2.*"}, nil},
		{"arbitrary equality pins", "Django===4.2.1\n", []string{"requirements.txt:1:1 django spec====4.2.1 ver=4.2.1"}, nil},
		{"name normalised", "Django_Rest.Framework==3.15\n", []string{"requirements.txt:1:1 django-rest-framework spec===3.15 ver=3.15"}, nil},
		{"editable with name @", "-e mypkg @ git+https://x.test/r.git\n", []string{"requirements.txt:1:4 mypkg url=git+https://x.test/r.git editable"}, nil},
		{"editable path ignored", "-e ./src\n--editable=.\n", nil, nil},
		{"glued -r", "-rbase.txt\n", nil, ErrIncludeMissing},
		{"option without value", "-r\n", nil, ErrBadRequirement},
		{"bad version", "Django==4.2.x\n", nil, ErrBadVersion},
		{"index options ignored", "-i https://x.test/simple\n--trusted-host x.test\n--pre\n--no-binary=:all:\n-f ./wheels\n", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reqs, errs := ParseAll(map[string][]byte{"requirements.txt": []byte(tc.src)})
			var got []string
			for _, r := range reqs {
				got = append(got, depsFmtReq(r))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			err := errs["requirements.txt"]
			if tc.wantErr == nil && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

// TestParseAllBadInput: files djsec must refuse are error entries, and the
// other files still count.
func TestParseAllBadInput(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("six==1.16.0\n"), MaxFileSize/12+1)
	tests := []struct {
		name  string
		files map[string][]byte
		bad   string
		want  error
	}{
		{"too large", map[string][]byte{"requirements.txt": big}, "requirements.txt", ErrTooLarge},
		{"invalid UTF-8", map[string][]byte{"requirements.txt": []byte("Django==4.2\n\xff\xfe\n")}, "requirements.txt", ErrNotText},
		{"binary", map[string][]byte{"requirements.txt": []byte("Django\x00==4.2\n")}, "requirements.txt", ErrNotText},
		{"pyproject invalid UTF-8", map[string][]byte{"pyproject.toml": []byte("[project]\nname = \"\xc3\x28\"\n")}, "pyproject.toml", ErrNotText},
		{"pyproject too large", map[string][]byte{"pyproject.toml": bytes.Repeat([]byte("#"), MaxFileSize+1)}, "pyproject.toml", ErrTooLarge},
		{"Pipfile binary", map[string][]byte{"Pipfile": {0, 1, 2}}, "Pipfile", ErrNotText},
		{"included file too large", map[string][]byte{"requirements.txt": []byte("-r base.txt\n"), "base.txt": big}, "base.txt", ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := map[string][]byte{"other/requirements.txt": []byte("gunicorn==22.0.0\n")}
			maps.Copy(files, tc.files)
			reqs, errs := ParseAll(files)
			if !errors.Is(errs[tc.bad], tc.want) {
				t.Errorf("error for %s = %v, want %v", tc.bad, errs[tc.bad], tc.want)
			}
			if len(reqs) != 1 || reqs[0].Name != "gunicorn" {
				t.Errorf("requirements = %v, want only other/requirements.txt's gunicorn", reqs)
			}
		})
	}
}

// TestParseAllTOMLErrors: a manifest that does not parse is an error entry.
func TestParseAllTOMLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, path, src, want string }{
		{"pyproject syntax", "pyproject.toml", "[project\ndependencies = [\n", "does not parse"},
		{"Pipfile syntax", "Pipfile", "[packages]\ndjango = \n", "does not parse"},
		{"PEP 508 error", "pyproject.toml", "[project]\ndependencies = [\"Django>>4\"]\n", "[project] dependencies"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, errs := ParseAll(map[string][]byte{tc.path: []byte(tc.src)})
			if errs[tc.path] == nil || !strings.Contains(errs[tc.path].Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", errs[tc.path], tc.want)
			}
		})
	}
}

func TestPoetryConstraint(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"*", ""},
		{"", ""},
		{"^4.2", ">=4.2,<5.0"},
		{"^4.2.1", ">=4.2.1,<5.0.0"},
		{"^0.2.3", ">=0.2.3,<0.3.0"},
		{"^0.0.3", ">=0.0.3,<0.0.4"},
		{"^0.0", ">=0.0,<0.1"},
		{"^0", ">=0,<1"},
		{"^1", ">=1,<2"},
		{"~1.2.3", ">=1.2.3,<1.3.0"},
		{"~1.2", ">=1.2,<1.3"},
		{"~1", ">=1,<2"},
		{"~=1.2", "~=1.2"},
		{"4.2.1", "==4.2.1"},
		{"=4.2.1", "==4.2.1"},
		{"4.2.*", "==4.2.*"},
		{">= 4.2, < 5", ">=4.2,<5"},
		{">=4.2 <5", ">=4.2,<5"},
		{"!=4.1.0", "!=4.1.0"},
		{"^1.0 || ^2.0", "^1.0 || ^2.0"},
	}
	for _, tc := range tests {
		if got := poetryConstraint(tc.in); got != tc.want {
			t.Errorf("poetryConstraint(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRequirementSpecifiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec, cons string
		want       string
		ok         bool
	}{
		{"", "", "", true},
		{">=4.2", "", ">=4.2", true},
		{">=4.2", "<5", ">=4.2,<5", true},
		{"^1.0 || ^2.0", "", "", false},
		{">=4.2", "nonsense", "", false},
	}
	for _, tc := range tests {
		set, ok := Requirement{Specifier: tc.spec, Constraint: tc.cons}.Specifiers()
		if ok != tc.ok || set.String() != tc.want {
			t.Errorf("Specifiers(%q, %q) = %q, %v; want %q, %v", tc.spec, tc.cons, set, ok, tc.want, tc.ok)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Django":                "django",
		"django_rest.framework": "django-rest-framework",
		"PyJWT":                 "pyjwt",
		"a--_.b":                "a-b",
		" Mod_WSGI ":            "mod-wsgi",
	} {
		if got := NormalizeName(in); got != want {
			t.Errorf("NormalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingIncludes(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"requirements.txt":      []byte("-r requirements/base.txt\n-c constraints.pip\n"),
		"requirements/base.txt": []byte("-r ../common.pip\n-r ../../outside.txt\nDjango\n"),
		"requirements/dev.txt":  []byte("-r base.txt\n-r extra.txt\n"),
	}
	got := MissingIncludes(files)
	want := []string{"common.pip", "constraints.pip", "requirements/extra.txt"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("MissingIncludes = %v, want %v", got, want)
	}
	files["common.pip"] = []byte("-r more.pip\n")
	if got := MissingIncludes(files); strings.Join(got, " ") != "constraints.pip more.pip requirements/extra.txt" {
		t.Errorf("after adding common.pip: %v", got)
	}
}
