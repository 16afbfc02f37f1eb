package checks

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
)

// The real-world corpus: Django settings shipped by Debian packages, fetched
// by scripts/corpus.sh into the directory DJSEC_CORPUS names. Nobody here
// wrote them, so they find what hand-written tests miss.
//
//	bash scripts/corpus.sh /tmp/djsec-corpus
//	DJSEC_CORPUS=/tmp/djsec-corpus go test ./checks -run TestCorpus
//	DJSEC_CORPUS=/tmp/djsec-corpus go test ./checks -run TestCorpus -update-corpus
var corpusUpdate = flag.Bool("update-corpus", false, "rewrite checks/testdata/corpus-golden from the corpus in DJSEC_CORPUS")

const corpusGoldenDir = "testdata/corpus-golden"

// corpusGoldens are the settings modules whose findings were checked by hand
// against the source; each golden file's header says what was checked.
var corpusGoldens = []struct{ pkg, path, golden string }{
	{"python3-django", "usr/lib/python3/dist-packages/django/conf/project_template/project_name/settings.py", "django-project-template.txt"},
	{"python3-django", "usr/lib/python3/dist-packages/django/conf/global_settings.py", "django-global-settings.txt"},
	{"graphite-web", "usr/lib/python3/dist-packages/graphite/settings.py", "graphite-settings.txt"},
	{"mailman3-web", "usr/share/mailman3-web/settings.py", "mailman3-web-settings.txt"},
	{"dicoweb", "etc/dicoweb/settings.py", "dicoweb-settings.txt"},
	{"python3-django-hyperkitty", "usr/share/doc/python3-django-hyperkitty/examples/settings.py", "hyperkitty-example-settings.txt"},
	{"freedombox", "usr/lib/python3/dist-packages/plinth/settings.py", "freedombox-settings.txt"},
	{"lava-server", "usr/lib/python3/dist-packages/lava_server/settings/prod.py", "lava-server-prod.txt"},
}

// corpusTimeout bounds one package's analysis; a hang is a failure.
const corpusTimeout = 2 * time.Minute

func TestCorpus(t *testing.T) {
	t.Parallel()
	root := os.Getenv("DJSEC_CORPUS")
	if root == "" {
		t.Skip("DJSEC_CORPUS is not set: run `bash scripts/corpus.sh DIR` and `DJSEC_CORPUS=DIR go test ./checks -run TestCorpus` to audit the real-world corpus")
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("DJSEC_CORPUS=%s: %v (run scripts/corpus.sh %s first)", root, err, root)
	}
	var pkgs []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasSuffix(e.Name(), ".tmp") {
			pkgs = append(pkgs, e.Name())
		}
	}
	if len(pkgs) == 0 {
		t.Fatalf("DJSEC_CORPUS=%s holds no package: run scripts/corpus.sh %s", root, root)
	}
	sort.Strings(pkgs)

	corpora := map[string]*corpusPackage{}
	seen := map[string]bool{} // symlinked files appear under two names
	var all []string          // absolute paths of every Python file, for the validity check
	for _, pkg := range pkgs {
		cp, err := corpusLoad(filepath.Join(root, pkg))
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		corpora[pkg] = cp
		for rel := range cp.files {
			if abs := cp.abs[rel]; strings.HasSuffix(rel, ".py") && !seen[abs] {
				seen[abs] = true
				all = append(all, abs)
			}
		}
	}
	valid, pyErr := corpusValidPython(all)
	if pyErr != nil {
		t.Logf("cannot check which files are valid Python 3 (%v): parse failures are not asserted", pyErr)
	}

	var settingsTotal int
	for _, pkg := range pkgs {
		cp := corpora[pkg]
		for rel, data := range cp.files {
			if IsSettingsCandidate(rel, data) {
				settingsTotal++
			}
		}
	}
	t.Logf("corpus: %d packages, %d Python files, %d settings modules", len(pkgs), len(all), settingsTotal)

	t.Run("grammar", func(t *testing.T) {
		t.Parallel()
		if valid == nil {
			t.Skip("no Python interpreter to tell valid files from invalid ones")
		}
		var invalid []string
		for _, pkg := range pkgs {
			cp := corpora[pkg]
			for rel, data := range cp.files {
				abs := cp.abs[rel]
				if !strings.HasSuffix(rel, ".py") {
					continue
				}
				if msg, ok := valid[abs]; ok && msg != "" {
					invalid = append(invalid, pkg+"/"+rel+": "+msg)
					continue
				}
				f, err := pysrc.Parse(data)
				if err != nil {
					t.Errorf("%s/%s: valid Python 3 but not parsed: %v", pkg, rel, err)
					continue
				}
				if f.HasErrors() {
					line, col := f.FirstError()
					t.Errorf("%s/%s:%d:%d: valid Python 3 (python3 parses it) but tree-sitter reports a syntax error", pkg, rel, line, col)
				}
				f.Close()
			}
		}
		sort.Strings(invalid)
		if len(invalid) > 0 {
			t.Logf("%d files are not valid Python 3 (Python 2 code, templates) and are excluded:\n\t%s", len(invalid), strings.Join(invalid, "\n\t"))
		}
	})

	results := map[string]*Result{}
	t.Run("packages", func(t *testing.T) {
		for _, pkg := range pkgs {
			cp := corpora[pkg]
			res := corpusAnalyze(t, pkg, cp)
			if res == nil {
				continue
			}
			results[pkg] = res
			settingsCount := 0
			for rel, data := range cp.files {
				if IsSettingsCandidate(rel, data) {
					settingsCount++
				}
			}
			t.Logf("%s: %d files, %d settings modules, %d findings, %d file errors", pkg, len(cp.files), settingsCount, len(res.Findings), len(res.Errors))
			for _, e := range res.Errors {
				t.Logf("%s: file error %s: %s", pkg, e.Path, e.Message)
			}
			for _, f := range res.Findings {
				if f.Rule != ruleParseError.ID {
					continue
				}
				abs := cp.abs[f.Path]
				msg, known := valid[abs]
				switch {
				case valid == nil:
					t.Logf("%s: %s:%d: DJS001 (validity unknown): %s", pkg, f.Path, f.Line, f.Message)
				case known && msg != "":
					t.Logf("%s: %s:%d: DJS001 on a file python3 rejects too (%s): expected", pkg, f.Path, f.Line, msg)
				default:
					t.Errorf("%s: %s:%d: DJS001 on valid Python 3: %s", pkg, f.Path, f.Line, f.Message)
				}
			}
		}
	})

	t.Run("golden", func(t *testing.T) {
		for _, g := range corpusGoldens {
			res, ok := results[g.pkg]
			if !ok {
				t.Errorf("%s: package missing from the corpus (scripts/corpus.sh fetches it); golden %s not checked", g.pkg, g.golden)
				continue
			}
			if _, ok := corpora[g.pkg].files[g.path]; !ok {
				t.Errorf("%s: %s not in the package; golden %s not checked", g.pkg, g.path, g.golden)
				continue
			}
			corpusCheckGolden(t, g.golden, g.pkg, g.path, res)
		}
	})
}

// corpusPackage is one unpacked Debian package: the files the analyzer would
// read, by slash path relative to the package root, and where each lives.
type corpusPackage struct {
	files map[string][]byte
	abs   map[string]string
}

// corpusLoad reads a package tree. Debian installs Python code under
// usr/lib/python3/dist-packages, a directory the analyzer normally skips,
// so Relevant judges each path with that segment removed. Django's
// project template ships as settings.py-tpl; it is read as settings.py.
// Symbolic links are followed only inside the package root (an absolute
// target such as /etc/dicoweb/settings.py means root/etc/dicoweb/...), never
// into the host's file system.
func corpusLoad(root string) (*corpusPackage, error) {
	cp := &corpusPackage{files: map[string][]byte{}, abs: map[string]string{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		// Django's templates end in -tpl; dpkg ships conffiles as X_dpkg_dist
		// until the maintainer script installs them.
		rel = strings.TrimSuffix(strings.TrimSuffix(rel, "-tpl"), "_dpkg_dist")
		if !Relevant(corpusStripInstallDirs(rel)) {
			return nil
		}
		real := p
		if d.Type()&fs.ModeSymlink != 0 {
			var ok bool
			if real, ok = corpusResolveLink(root, p); !ok {
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(real)
		if err != nil {
			return fmt.Errorf("reading %s: %w", p, err)
		}
		cp.files[rel] = data
		cp.abs[rel] = real
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cp, nil
}

func corpusStripInstallDirs(rel string) string {
	parts := strings.Split(rel, "/")
	out := parts[:0]
	for _, s := range parts {
		if s == "dist-packages" || s == "site-packages" {
			continue
		}
		out = append(out, s)
	}
	return strings.Join(out, "/")
}

// corpusResolveLink follows a symlink chain with every target taken inside
// root; it gives up on loops and on targets that are missing or not files.
func corpusResolveLink(root, p string) (string, bool) {
	for i := 0; i < 8; i++ {
		fi, err := os.Lstat(p)
		if err != nil {
			return "", false
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, fi.Mode().IsRegular()
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", false
		}
		if filepath.IsAbs(target) {
			p = filepath.Join(root, target)
		} else {
			p = filepath.Join(filepath.Dir(p), target)
		}
		if rel, err := filepath.Rel(root, p); err != nil || strings.HasPrefix(rel, "..") {
			return "", false
		}
	}
	return "", false
}

// corpusAnalyze audits one package, turning a panic or a hang into a
// failure that names the package.
func corpusAnalyze(t *testing.T, pkg string, cp *corpusPackage) *Result {
	t.Helper()
	type outcome struct {
		res   *Result
		panic any
		stack []byte
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panic: r, stack: debug.Stack()}
			}
		}()
		in := Input{Files: cp.files, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Audit: true}
		done <- outcome{res: Analyze(context.Background(), in)}
	}()
	select {
	case o := <-done:
		if o.panic != nil {
			t.Errorf("%s: Analyze panicked: %v\n%s", pkg, o.panic, o.stack)
			return nil
		}
		return o.res
	case <-time.After(corpusTimeout):
		t.Errorf("%s: Analyze did not finish within %v", pkg, corpusTimeout)
		return nil
	}
}

// corpusValidPython asks one python3 process which files parse as Python 3,
// returning abs path → "" (valid) or the SyntaxError.
func corpusValidPython(files []string) (map[string]string, error) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		if py, err = exec.LookPath("python3"); err != nil {
			return nil, fmt.Errorf("no python3: %w", err)
		}
	}
	const script = `
import ast, sys, warnings
warnings.simplefilter("ignore")
for line in sys.stdin:
    p = line.rstrip("\n")
    try:
        with open(p, "rb") as f:
            ast.parse(f.read(), p)
        print(p + "\t")
    except (SyntaxError, ValueError) as e:
        msg = "%s at line %s" % (getattr(e, "msg", str(e)), getattr(e, "lineno", "?"))
        print(p + "\t" + msg.replace("\t", " ").replace("\n", " "))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %s", py, err, stderr.String())
	}
	valid := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		p, msg, _ := strings.Cut(sc.Text(), "\t")
		valid[p] = msg
	}
	if len(valid) != len(files) {
		return nil, fmt.Errorf("%s answered for %d of %d files", py, len(valid), len(files))
	}
	return valid, nil
}

// corpusGoldenLines renders the findings on one file, one per line, without
// the message (messages are reworded; what was checked is rule, place,
// severity, Django ID and the setting).
func corpusGoldenLines(res *Result, file string) []string {
	var out []string
	for _, f := range res.Findings {
		if f.Path != file {
			continue
		}
		dj := f.DjangoCheck
		if dj == "" {
			dj = "-"
		}
		line := fmt.Sprintf("%d:%d %s %s %s django=%s key=%s", f.Line, f.Column, f.Severity, f.Rule, f.Slug, dj, f.Key)
		if f.Suppressed {
			line += " suppressed"
		}
		out = append(out, line)
	}
	return out
}

// corpusCheckGolden compares one file's findings with its golden list. The
// golden's leading # lines record what was checked by hand and survive
// -update-corpus.
func corpusCheckGolden(t *testing.T, golden, pkg, file string, res *Result) {
	t.Helper()
	gp := filepath.Join(corpusGoldenDir, golden)
	got := corpusGoldenLines(res, file)
	old, err := os.ReadFile(gp)
	if err != nil && !os.IsNotExist(err) {
		t.Fatalf("reading %s: %v", gp, err)
	}
	var header, want []string
	for _, l := range strings.Split(string(old), "\n") {
		switch {
		case strings.HasPrefix(l, "#"):
			header = append(header, l)
		case strings.TrimSpace(l) != "":
			want = append(want, l)
		}
	}
	if *corpusUpdate {
		if len(header) == 0 {
			header = []string{
				"# " + pkg + ": " + file,
				"# Findings djsec reports on this file (line:col severity rule slug django=ID key=setting).",
				"# NOT YET CHECKED BY HAND: read each line against the source and record what you checked here.",
			}
		}
		body := strings.Join(header, "\n") + "\n" + strings.Join(got, "\n")
		if len(got) > 0 {
			body += "\n"
		}
		if err := os.MkdirAll(corpusGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(gp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s missing: run with -update-corpus and check each finding by hand", gp)
		return
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s (%s: %s) changed; re-check by hand and run with -update-corpus.\n%s", gp, pkg, file, corpusDiff(want, got))
	}
}

// corpusDiff lists the lines only in want (-) and only in got (+).
func corpusDiff(want, got []string) string {
	in := func(list []string) map[string]int {
		m := map[string]int{}
		for _, l := range list {
			m[l]++
		}
		return m
	}
	w, g := in(want), in(got)
	var b strings.Builder
	for _, l := range want {
		if g[l] > 0 {
			g[l]--
			continue
		}
		b.WriteString("- " + l + "\n")
	}
	for _, l := range got {
		if w[l] > 0 {
			w[l]--
			continue
		}
		b.WriteString("+ " + l + "\n")
	}
	return b.String()
}
