package main

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/djsec/djsec/checks"
)

// repositoryTop is the nearest directory at or above dir that holds .git,
// or dir itself when there is none (an exported tree is its own top).
func repositoryTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// applyGitignore drops the files git ignores from t: a working copy's local
// .env, a developer's local_settings.py or a build directory is not part of
// the repository, and reporting a gitignored .env as committed (DJS105)
// would be a false alarm. The .gitignore files of directories between the
// repository's top and root count too. It reports whether those outer
// files already ignore a .env at root, in which case the audit of a
// subdirectory must not claim that nothing ignores it (DJS106).
func applyGitignore(root string, t *tree) (outerIgnoresEnv bool) {
	top := repositoryTop(root)
	prefix, err := filepath.Rel(top, root)
	if err != nil {
		return false
	}
	prefix = filepath.ToSlash(prefix)
	at := func(rel string) string {
		if prefix == "." {
			return rel
		}
		return prefix + "/" + rel
	}
	rules := map[string][]byte{}
	outer := false
	if prefix != "." {
		dir := top
		for _, seg := range strings.Split(prefix, "/") {
			if data, ok := readOuterFile(filepath.Join(dir, ".gitignore")); ok {
				rel, _ := filepath.Rel(top, filepath.Join(dir, ".gitignore"))
				rules[filepath.ToSlash(rel)] = data
				outer = true
			}
			dir = filepath.Join(dir, seg)
		}
	}
	for rel, data := range t.files {
		if path.Base(rel) == ".gitignore" {
			rules[at(rel)] = data
		}
	}
	if len(rules) == 0 {
		return false
	}
	ignored := checks.GitignoreMatcher(rules)
	for rel := range t.files {
		if path.Base(rel) == ".gitignore" {
			continue
		}
		if ignored(at(rel)) {
			delete(t.files, rel)
		}
	}
	return outer && ignored(at(".env"))
}

// maxOuterFile bounds a .gitignore read above PATH, outside the walk that
// checks every file it reads.
const maxOuterFile = 1 << 20

// readOuterFile reads a regular file of at most maxOuterFile bytes: a
// .gitignore above PATH that is a link to /dev/zero or a named pipe would
// otherwise exhaust memory or hang the audit.
func readOuterFile(name string) ([]byte, bool) {
	info, err := os.Stat(name)
	if err != nil || !info.Mode().IsRegular() || info.Size() > maxOuterFile {
		return nil, false
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOuterFile+1))
	if err != nil || len(data) > maxOuterFile {
		return nil, false
	}
	return data, true
}
