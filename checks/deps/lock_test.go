package deps

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func depsFmtLocked(l Locked) string {
	s := fmt.Sprintf("%s:%d %s==%s", l.Path, l.Line, l.Name, l.Version)
	if l.Dev {
		s += " dev"
	}
	if l.Direct {
		s += " direct"
	}
	return s
}

// depsFmtReqLock is depsFmtReq plus where a locked version comes from.
func depsFmtReqLock(r Requirement) string {
	s := depsFmtReq(r)
	if r.Locked != "" {
		s += fmt.Sprintf(" locked=%s:%d", r.Locked, r.LockedLine)
	}
	return s
}

// TestParseLocks: each lock's exact versions win over its manifest's
// ranges, and every locked package is listed with whether only development
// installs it.
func TestParseLocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir          string
		reqs, locked []string
	}{
		{
			// Poetry 1.8 (lock-version 2.0) records no groups: what the main
			// dependencies reach is production, the rest development.
			dir: "poetry",
			reqs: []string{
				"pyproject.toml:7:1 django spec=>=4.2,<5.0 ver=4.2.10 locked=poetry.lock:14",
				"pyproject.toml:8:1 djangorestframework spec===3.14.0 ver=3.14.0 locked=poetry.lock:32",
				"pyproject.toml:9:1 mylib url=https://github.com/org/mylib.git",
				"pyproject.toml:12:1 pytest spec=>=8.0,<9.0 ver=8.0.0 dev locked=poetry.lock:66",
			},
			locked: []string{
				"poetry.lock:4 asgiref==3.7.2",
				"poetry.lock:14 django==4.2.10 direct",
				"poetry.lock:32 djangorestframework==3.14.0 direct",
				"poetry.lock:44 iniconfig==2.0.0 dev",
				"poetry.lock:66 pytest==8.0.0 dev direct",
				"poetry.lock:77 pytz==2024.1",
				"poetry.lock:85 sqlparse==0.4.4",
			},
		},
		{
			// uv records the project's own dependencies; numpy is forked
			// per Python version, so its requirement keeps its range.
			dir: "uv",
			reqs: []string{
				"pyproject.toml:6:6 django spec=>=5.1 ver=5.1.4 locked=uv.lock:15",
				"pyproject.toml:7:6 numpy",
				"pyproject.toml:11:9 pytest spec=>=8 ver=8.3.4 dev locked=uv.lock:67",
			},
			locked: []string{
				"uv.lock:9 asgiref==3.8.1",
				"uv.lock:15 django==5.1.4 direct",
				"uv.lock:25 iniconfig==2.0.0 dev",
				"uv.lock:51 numpy==1.26.4",
				"uv.lock:59 numpy==2.1.0",
				"uv.lock:67 pytest==8.3.4 dev direct",
				"uv.lock:75 sqlparse==0.5.2",
			},
		},
		{
			dir: "pdm",
			reqs: []string{
				"pyproject.toml:4:18 django spec=>=5.0,<5.1 ver=5.0.1 locked=pdm.lock:19",
				"pyproject.toml:7:10 pytest spec=>=8 ver=8.0.0 dev locked=pdm.lock:32",
			},
			locked: []string{
				"pdm.lock:11 asgiref==3.7.2",
				"pdm.lock:19 django==5.0.1 direct",
				"pdm.lock:32 pytest==8.0.0 dev direct",
				"pdm.lock:40 sqlparse==0.4.4",
			},
		},
		{
			// A package in both sections is production.
			dir: "pipenv",
			reqs: []string{
				"Pipfile:7:1 django ver=4.2.10 locked=Pipfile.lock:26",
				"Pipfile:8:1 requests spec=>=2.28 ver=2.31.0 locked=Pipfile.lock:38",
				"Pipfile:9:1 mylib url=https://github.com/org/mylib.git editable",
				"Pipfile:12:1 pytest ver=8.0.0 dev locked=Pipfile.lock:49",
			},
			locked: []string{
				"Pipfile.lock:19 asgiref==3.7.2",
				"Pipfile.lock:26 django==4.2.10 direct",
				"Pipfile.lock:38 requests==2.31.0 direct",
				"Pipfile.lock:43 urllib3==2.0.6",
				"Pipfile.lock:49 pytest==8.0.0 dev direct",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.dir, func(t *testing.T) {
			t.Parallel()
			m := Parse(depsLoadDir(t, filepath.Join("testdata", "locks", tc.dir)))
			if len(m.Errors) > 0 {
				t.Errorf("errors: %v", m.Errors)
			}
			var reqs, locked []string
			for _, r := range m.Requirements {
				reqs = append(reqs, depsFmtReqLock(r))
			}
			for _, l := range m.Locked {
				locked = append(locked, depsFmtLocked(l))
			}
			if got, want := strings.Join(reqs, "\n  "), strings.Join(tc.reqs, "\n  "); got != want {
				t.Errorf("requirements:\n got:\n  %s\nwant:\n  %s", got, want)
			}
			if got, want := strings.Join(locked, "\n  "), strings.Join(tc.locked, "\n  "); got != want {
				t.Errorf("locked:\n got:\n  %s\nwant:\n  %s", got, want)
			}
		})
	}
}

// TestParseLockGroups: the groups a lock records win over reachability.
func TestParseLockGroups(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, lock, src, want string }{
		{"poetry 2 groups", "poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\ngroups = [\"main\"]\n\n[[package]]\nname = \"b\"\nversion = \"2\"\ngroups = [\"dev\"]\n",
			"poetry.lock:2 a==1|poetry.lock:7 b==2 dev"},
		{"poetry 1 category", "poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\ncategory = \"dev\"\n",
			"poetry.lock:2 a==1 dev"},
		{"no manifest, no groups: production", "poetry.lock", "[[package]]\nname = \"a\"\nversion = \"1\"\n",
			"poetry.lock:2 a==1"},
		{"pdm without groups", "pdm.lock", "[[package]]\nname = \"A_B\"\nversion = \"1.0\"\n",
			"pdm.lock:2 a-b==1.0"},
		{"uv path source", "uv.lock", "version = 1\n[[package]]\nname = \"local\"\nversion = \"0.1\"\nsource = { directory = \"../local\" }\n", ""},
		{"Pipfile.lock without a version", "Pipfile.lock", `{"default": {"a": {"version": "*"}, "b": {"version": "==1.0"}}}`,
			"Pipfile.lock:1 b==1.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Parse(map[string][]byte{tc.lock: []byte(tc.src)})
			var got []string
			for _, l := range m.Locked {
				got = append(got, depsFmtLocked(l))
			}
			if strings.Join(got, "|") != tc.want || len(m.Errors) > 0 {
				t.Errorf("got %q (errors %v), want %q", strings.Join(got, "|"), m.Errors, tc.want)
			}
		})
	}
}

// TestParseLockBadInput: a broken or huge lock file is an error entry
// naming its line where there is one, and everything else still counts.
func TestParseLockBadInput(t *testing.T) {
	t.Parallel()
	huge := bytes.Repeat([]byte("[[package]]\nname = \"p\"\nversion = \"1.0\"\n"), 10<<20/36)
	tests := []struct {
		name, lock string
		src        []byte
		want       string
		sentinel   error
		locked     int
	}{
		{"invalid TOML", "poetry.lock", []byte("[[package]]\nname = \"a\"\nversion = 1.0.0\n"), "line 3: poetry.lock does not parse", nil, 0},
		{"unterminated table", "uv.lock", []byte("version = 1\n[[package\nname = \"a\"\n"), "line 2: uv.lock does not parse", nil, 0},
		{"entry without version", "pdm.lock", []byte("[[package]]\nname = \"a\"\n\n[[package]]\nname = \"b\"\nversion = \"2\"\n"), "line 2: pdm.lock package entry without a name or version", nil, 1},
		{"invalid JSON", "Pipfile.lock", []byte("{\n  \"default\": {\n    \"a\": {\"version\": \"==1\"},\n    oops\n  }\n}\n"), "line 4: Pipfile.lock does not parse", nil, 0},
		{"truncated JSON", "Pipfile.lock", []byte("{\n  \"default\": {\n    \"a\": {\"version\": \"==1\"}"), "Pipfile.lock ends early", nil, 0},
		{"JSON array", "Pipfile.lock", []byte("[]"), "line 1: Pipfile.lock is not a JSON object", nil, 0},
		{"10 MB lock", "poetry.lock", huge, "lock file larger than 4 MiB", ErrLockTooLarge, 0},
		{"binary", "uv.lock", []byte("version = 1\x00"), "binary", ErrNotText, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := Parse(map[string][]byte{
				tc.lock:            tc.src,
				"pyproject.toml":   []byte("[project]\ndependencies = [\"django>=5.1\"]\n"),
				"requirements.txt": []byte("gunicorn==23.0.0\n"),
			})
			err := m.Errors[tc.lock]
			if err == nil || !strings.Contains(err.Error(), tc.want) || tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
			if len(m.Requirements) != 2 || len(m.Locked) != tc.locked {
				t.Errorf("requirements %v, %d locked; want the 2 manifest ones and %d locked", m.Requirements, len(m.Locked), tc.locked)
			}
		})
	}
}

// bigPoetryLock is a poetry.lock just under MaxLockSize: packages with a
// dependency table and the wheel hashes that make real locks large.
func bigPoetryLock() []byte {
	var b bytes.Buffer
	for i := 0; ; i++ {
		var entry bytes.Buffer
		fmt.Fprintf(&entry, "[[package]]\nname = \"pkg-%d\"\nversion = \"1.%d.0\"\ndescription = \"a package\"\noptional = false\npython-versions = \">=3.8\"\nfiles = [\n", i, i%50)
		for w := 0; w < 12; w++ {
			fmt.Fprintf(&entry, "    {file = \"pkg_%d-1.%d.0-cp3%d-manylinux_x86_64.whl\", hash = \"sha256:%064x\"},\n", i, i%50, w, i*100+w)
		}
		fmt.Fprintf(&entry, "]\n\n[package.dependencies]\npkg-%d = \">=1.0\"\n\n", i+1)
		if b.Len()+entry.Len()+200 > MaxLockSize {
			break
		}
		b.Write(entry.Bytes())
	}
	b.WriteString("[metadata]\nlock-version = \"2.0\"\n")
	return b.Bytes()
}

// TestParseLargeLock reads a lock file at the size limit completely.
func TestParseLargeLock(t *testing.T) {
	t.Parallel()
	lock := bigPoetryLock()
	m := Parse(map[string][]byte{"poetry.lock": lock})
	if len(m.Errors) > 0 || len(m.Locked) < 1000 {
		t.Fatalf("%d bytes: %d locked, errors %v", len(lock), len(m.Locked), m.Errors)
	}
	if last := m.Locked[len(m.Locked)-1]; last.Line < 50000 {
		t.Errorf("last package placed on line %d", last.Line)
	}
}

// BenchmarkParseLargeLock: a 4 MiB poetry.lock.
//
//	go test ./checks/deps -run '^$' -bench ParseLargeLock -benchmem
func BenchmarkParseLargeLock(b *testing.B) {
	files := map[string][]byte{"poetry.lock": bigPoetryLock()}
	b.SetBytes(int64(len(files["poetry.lock"])))
	b.ReportAllocs()
	for b.Loop() {
		Parse(files)
	}
}

func TestBlankHashLists(t *testing.T) {
	t.Parallel()
	in := "[[package]]\nname = \"a\"\nfiles = [\n    {file = \"a.whl\", hash = \"sha256:00\"},\n    {file = \"b.whl\", hash = \"sha256:11\"}\n]\nversion = \"1\"\n" +
		"wheels = [\n  \"not a table\",\n]\n"
	want := "[[package]]\nname = \"a\"\nfiles = []\n\n\n\nversion = \"1\"\n" +
		"wheels = [\n  \"not a table\",\n]\n"
	if got := blankHashLists(in); got != want {
		t.Errorf("blankHashLists:\n%s\nwant:\n%s", got, want)
	}
}
