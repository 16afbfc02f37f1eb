package main

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, s := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGitignoredFilesAreNotAudited(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".git/HEAD":                "ref: refs/heads/main\n",
		".gitignore":               ".env\nlocal_settings.py\n",
		".env":                     "SECRET_KEY=Zq8xP2vL9mN4bR7tY1wK6jH3gF5dS0aQ\n",
		".env.example":             "SECRET_KEY=\n",
		"mysite/settings.py":       "DEBUG = False\n",
		"mysite/local_settings.py": "DEBUG = True\n",
	})
	tr, err := collect(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".env", "mysite/local_settings.py"} {
		if _, ok := tr.files[gone]; ok {
			t.Errorf("%s is gitignored and must not be audited", gone)
		}
	}
	for _, kept := range []string{".gitignore", ".env.example", "mysite/settings.py"} {
		if _, ok := tr.files[kept]; !ok {
			t.Errorf("%s must be audited", kept)
		}
	}
}

func TestSubdirectoryUsesTheRepositoryGitignore(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".git/HEAD":                  "ref: refs/heads/main\n",
		".gitignore":                 ".env\n",
		"backend/.env":               "SECRET_KEY=Zq8xP2vL9mN4bR7tY1wK6jH3gF5dS0aQ\n",
		"backend/mysite/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
	})
	tr, err := collect(filepath.Join(root, "backend"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tr.files[".env"]; ok {
		t.Error("backend/.env is ignored by the repository's .gitignore")
	}
	if !tr.outerIgnoresEnv {
		t.Error("the outer .gitignore ignores backend/.env")
	}
}

func TestRequirementsIncludesAreRead(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"requirements.txt": "-r deps/base.pip\ngunicorn==23.0.0\n",
		"deps/base.pip":    "-c pins.cfg\nDjango==5.2.8\n",
		"deps/pins.cfg":    "Django==5.2.8\n",
	})
	tr, err := collect(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"deps/base.pip", "deps/pins.cfg"} {
		if _, ok := tr.files[want]; !ok {
			t.Errorf("%s is included by a requirements file and must be read; files: %v", want, keys(tr.files))
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A .gitignore above PATH that is a link to /dev/zero, a named pipe or a
// huge file is skipped: the audit neither exhausts memory nor hangs.
func TestHostileOuterGitignore(t *testing.T) {
	t.Parallel()
	for name, create := range map[string]func(string) error{
		"link to /dev/zero": func(p string) error { return os.Symlink("/dev/zero", p) },
		"named pipe":        func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"2 MiB":             func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("x\n"), 1<<20), 0o644) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, map[string]string{
				".git/HEAD":                  "ref: refs/heads/main\n",
				"backend/mysite/settings.py": "DEBUG = False\n",
			})
			if err := create(filepath.Join(root, ".gitignore")); err != nil {
				t.Skip(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := collect(filepath.Join(root, "backend"))
				done <- err
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("collect hung on the outer .gitignore")
			}
		})
	}
}
