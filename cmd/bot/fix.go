package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/fixes"
	"github.com/djsec/djsec/internal/gitdiff"
)

func init() {
	register(command{name: "fix", summary: "fix the critical findings in the working tree, as djsec's fix-up pull requests do", run: runFix})
}

const fixUsage = `Usage: bot fix [flags] [PATH...]

Fixes the Django project under each PATH (default .) with the fixers and
the proof djsec's fix-up pull requests use: every edit is checked by
analyzing the project again and is kept only when its finding is gone, the
file still parses and nothing new appears. Without --rule it fixes the
critical findings (the ones a fix-up pull request fixes); --rule names
others (IDs or slugs, repeated or comma-separated). Files are rewritten in
place, keeping their mode and line ends; --diff prints a unified diff
instead (apply it with git apply) and writes nothing. What could not be
fixed is listed with the reason, for a person to do.

Exit status, as for bot audit: 0 when no finding at or above --fail-on is
left after the fixes, 1 when one is, 2 on bad usage or when a file cannot
be read or written.

Flags:
`

type ruleList []string

func (r *ruleList) String() string { return strings.Join(*r, ",") }

func (r *ruleList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		rule, ok := checks.LookupRule(s)
		if !ok {
			if sug, ok := checks.SuggestRule(s); ok {
				return fmt.Errorf("unknown rule %q; did you mean %s (%s)?", s, sug.Slug, sug.ID)
			}
			return fmt.Errorf("unknown rule %q; `bot rules` lists them", s)
		}
		*r = append(*r, rule.ID)
	}
	return nil
}

func runFix(args []string, stdout, stderr io.Writer) int {
	var rules ruleList
	var diff bool
	var failOn, config string
	fs := flag.NewFlagSet("fix", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&rules, "rule", "fix only this `rule` (ID or slug; repeat or separate with commas)")
	fs.BoolVar(&diff, "diff", false, "print a unified diff of the fixes on standard output and write nothing (the summary goes to standard error)")
	fs.StringVar(&failOn, "fail-on", "", "exit 1 when a finding at or above this `level` is left: critical, high, medium, low, info or never (default: fail_on from djsec.yml, else high)")
	fs.StringVar(&config, "config", "", "read the configuration from `FILE` instead of PATH/.github/djsec.yml")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), fixUsage)
		fs.PrintDefaults()
	}
	paths, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	var threshold *threshold
	if failOn != "" {
		t, err := parseThreshold(failOn)
		if err != nil {
			return fail(stderr, "fix: --fail-on: %v", err)
		}
		threshold = &t
	}
	var override *loadedConfig
	if config != "" {
		data, err := os.ReadFile(config)
		if err != nil {
			return fail(stderr, "fix: --config: cannot read %s: %v", config, unwrapPath(err))
		}
		override = &loadedConfig{file: config, data: data}
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	report := stdout
	if diff {
		report = stderr
	}
	status := exitOK
	for _, root := range paths {
		prefix := ""
		if len(paths) > 1 {
			prefix = filepath.ToSlash(filepath.Clean(root))
		}
		code := fixPath(root, prefix, rules, diff, threshold, override, stdout, report, stderr)
		status = max(status, code)
	}
	return status
}

// fixPath fixes one PATH and returns its exit status.
func fixPath(root, prefix string, rules []string, diff bool, failOn *threshold, override *loadedConfig, stdout, report, stderr io.Writer) int {
	t, err := collect(root)
	if err != nil {
		return fail(stderr, "fix: %v", err)
	}
	if t.single {
		// Fixes also write the project's .env.example, .gitignore and
		// requirements, which a lone file does not locate.
		return fail(stderr, "fix: %s is a file; give the project's directory (bot audit takes a file)", root)
	}
	cfg, _, _ := treeConfig(t, root, override)
	in := checks.Input{Files: t.files, Config: cfg, Now: auditNow(), Audit: true}
	res, err := fixes.Fix(context.Background(), in, rules)
	if err != nil {
		return fail(stderr, "fix: %s: %v", root, err)
	}
	shown := func(p string) string {
		if prefix == "" {
			return p
		}
		return path.Join(prefix, p)
	}
	if diff {
		for _, p := range slices.Sorted(maps.Keys(res.Files)) {
			old, existed := t.files[p]
			if _, err := io.WriteString(stdout, fileDiff(shown(p), old, res.Files[p], existed)); err != nil {
				return fail(stderr, "fix: writing the diff: %v", err)
			}
		}
	} else {
		for _, p := range slices.Sorted(maps.Keys(res.Files)) {
			if err := writeFixed(filepath.Join(root, filepath.FromSlash(p)), res.Files[p]); err != nil {
				return fail(stderr, "fix: %v", err)
			}
		}
	}
	writeFixReport(report, res, shown, diff)

	after := in
	after.Files = maps.Clone(t.files)
	for p, b := range res.Files {
		after.Files[p] = b
	}
	left := checks.Analyze(context.Background(), after)
	th := threshold{level: cfg.FailOn, never: cfg.FailNever}
	if failOn != nil {
		th = *failOn
	}
	if th.exceeded(left) {
		return exitFindings
	}
	return exitOK
}

// writeFixReport says what changed and what needs a person.
func writeFixReport(w io.Writer, res *fixes.Result, shown func(string) string, diff bool) {
	for _, c := range res.Changes {
		fmt.Fprintf(w, "%s: %s %s\n", shown(c.Path), c.Rule, c.Description)
	}
	for _, v := range res.EnvVars {
		if v.Example == "" {
			fmt.Fprintf(w, "set %s where the app runs (a secret: never in the repository): %s\n", v.Name, v.Description)
		} else {
			fmt.Fprintf(w, "set %s where the app runs, e.g. %s: %s\n", v.Name, v.Example, v.Description)
		}
	}
	for _, u := range res.Unfixed {
		fmt.Fprintf(w, "needs a person: %s:%d: %s %s: %s\n", shown(u.Finding.Path), u.Finding.Line, u.Finding.Rule, u.Finding.Slug, u.Reason)
	}
	verb := "fixed"
	if diff {
		verb = "would be fixed"
	}
	files := len(res.Files)
	fmt.Fprintf(w, "%d %s %s in %d %s; %d %s a person\n",
		len(res.Fixed), plural(len(res.Fixed), "finding"), verb, files, plural(files, "file"),
		len(res.Unfixed), map[bool]string{true: "needs", false: "need"}[len(res.Unfixed) == 1])
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// fileDiff is `git diff`'s text for one file: headers, then the hunks.
func fileDiff(p string, old, cur []byte, existed bool) string {
	patch, _, _ := gitdiff.Patch(old, cur)
	if patch == "" {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "diff --git a/%s b/%s\n", p, p)
	if existed {
		fmt.Fprintf(&b, "--- a/%s\n", p)
	} else {
		b.WriteString("new file mode 100644\n--- /dev/null\n")
	}
	fmt.Fprintf(&b, "+++ b/%s\n%s\n", p, patch)
	return b.String()
}

// writeFixed replaces a file's content: its mode stays (an executable
// script stays executable), a symlink stays a symlink (its target is
// written), and a new file is 0644.
func writeFixed(name string, data []byte) error {
	if real, err := filepath.EvalSymlinks(name); err == nil {
		name = real
	}
	mode := fs.FileMode(0o644)
	if info, err := os.Stat(name); err == nil {
		mode = info.Mode().Perm()
	} else if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(name), err)
	}
	// Write beside it and rename, so an interrupted run never leaves a
	// half-written settings file.
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".djsec-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, unwrapPath(err))
	}
	_, werr := io.Copy(tmp, bytes.NewReader(data))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), mode)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), name)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", name, unwrapPath(werr))
	}
	return nil
}
