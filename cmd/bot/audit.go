package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/formats"
	"github.com/djsec/djsec/osv"
)

func init() {
	register(command{name: "audit", summary: "check a Django project's settings, .env files and manifests", run: runAudit})
}

const auditUsage = `Usage: bot audit [flags] [PATH...]

Audits the Django project under each PATH (default .): its settings
modules, .env files, dependency manifests, Dockerfile, Procfile and views,
skipping .git, virtualenvs, node_modules and migrations. The configuration
is PATH/.github/djsec.yml unless --config names another file.

Paths in the output are relative to PATH (prefixed with PATH when several
are given); a PATH that is a file is named as given. A symlink to a file
the audit reads anyway is not analyzed twice. Exit status: 0 when no finding is at or above --fail-on, 1 when
one is, 2 on bad usage or when a PATH cannot be read.

Flags:
`

// auditFlags are the options of one `bot audit` run.
type auditFlags struct {
	format     string
	failOn     string // "" = the config's fail_on, else high
	output     string
	config     string
	pathPrefix string
	online     bool // also ask the OSV API (liveClient)
	// sarifSuppressed keeps suppressed findings in SARIF (formats.Options).
	sarifSuppressed bool
}

func runAudit(args []string, stdout, stderr io.Writer) int {
	var f auditFlags
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json, sarif or github (workflow commands)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is at or above this `level`: critical, high, medium, low, info or never (default: fail_on from djsec.yml, else high)")
	fs.StringVar(&f.output, "output", "", "write the report to `FILE` instead of standard output")
	fs.StringVar(&f.config, "config", "", "read the configuration from `FILE` instead of PATH/.github/djsec.yml")
	fs.BoolVar(&f.online, "online", false, onlineUsage)
	fs.StringVar(&f.pathPrefix, "path-prefix", "", "prepend `DIR/` to every path in the output, e.g. to make paths relative to the repository root when PATH is a subdirectory (code scanning)")
	fs.BoolVar(&f.sarifSuppressed, "sarif-suppressed", false, "keep suppressed findings in SARIF, marked as suppressed (GitHub's upload ignores the mark and opens alerts for them)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), auditUsage)
		fs.PrintDefaults()
	}
	paths, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	return auditPaths("audit", f, paths, nil, nil, stdout, stderr)
}

// auditPaths is the body `bot audit` and `bot advisories check` share: it
// checks the flags, analyzes every PATH, keeps what keep leaves of each
// result (nil: everything), writes the report (text reports end with
// trailer's line when there is one) and returns the exit status. name
// starts every error message.
func auditPaths(name string, f auditFlags, paths []string, keep func(*checks.Result), trailer func() string, stdout, stderr io.Writer) int {
	if !contains(formats.AuditFormats, f.format) {
		return fail(stderr, "%s: unknown --format %q (want text, json, sarif or github)", name, f.format)
	}
	var failOn *threshold
	if f.failOn != "" {
		t, err := parseThreshold(f.failOn)
		if err != nil {
			return fail(stderr, "%s: --fail-on: %v", name, err)
		}
		failOn = &t
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	live, err := liveClient(f.online)
	if err != nil {
		return fail(stderr, "%s: %v", name, err)
	}

	var override *loadedConfig
	if f.config != "" {
		data, err := os.ReadFile(f.config)
		if err != nil {
			return fail(stderr, "%s: --config: cannot read %s: %v", name, f.config, unwrapPath(err))
		}
		override = &loadedConfig{file: f.config, data: data}
	}

	merged := &checks.Result{Findings: []checks.Finding{}, Files: []string{}, Errors: []checks.FileError{}, Modules: []checks.ModuleInfo{}}
	failed := false
	for _, root := range paths {
		res, cfg, external, single, err := auditPath(root, override, live, stderr)
		if err != nil {
			return fail(stderr, "%s: %v", name, err)
		}
		if keep != nil {
			keep(res)
		}
		t := threshold{level: cfg.FailOn, never: cfg.FailNever}
		if failOn != nil {
			t = *failOn
		}
		if t.exceeded(res) {
			failed = true
		}
		prefix := f.pathPrefix
		switch {
		case single:
			// A file PATH is named as given: its directory, then the
			// name it was analyzed under.
			prefix = path.Join(prefix, filepath.ToSlash(filepath.Dir(filepath.Clean(root))))
		case len(paths) > 1:
			prefix = path.Join(prefix, filepath.ToSlash(filepath.Clean(root)))
		}
		prefixPaths(res, prefix, external)
		merged.Findings = append(merged.Findings, res.Findings...)
		merged.Files = append(merged.Files, res.Files...)
		merged.Errors = append(merged.Errors, res.Errors...)
		merged.Modules = append(merged.Modules, res.Modules...)
	}

	var out bytes.Buffer
	if err := formats.WriteAudit(&out, f.format, merged, formats.Options{ToolVersion: toolVersion("devel"), SARIFSuppressed: f.sarifSuppressed}); err != nil {
		return fail(stderr, "%s: %v", name, err)
	}
	if trailer != nil && f.format == "text" {
		out.WriteString(trailer())
	}
	if f.format == "text" {
		out.WriteString(explainHint(merged))
	}
	if f.output != "" {
		if err := os.WriteFile(f.output, out.Bytes(), 0o644); err != nil {
			return fail(stderr, "%s: --output: %v", name, err)
		}
		// The report went to a file; the log still says what it holds.
		fmt.Fprintf(stderr, "bot: wrote %s: %s\n", f.output, formats.Summary(merged))
	} else if _, err := stdout.Write(out.Bytes()); err != nil {
		return fail(stderr, "%s: writing the report: %v", name, err)
	}
	if failed {
		return exitFindings
	}
	return exitOK
}

// explainHint is the text report's last line, once and only when a
// finding was printed: where the rules' documentation is, with the first
// finding's rule as the example.
func explainHint(res *checks.Result) string {
	for _, f := range res.Findings {
		if !f.Suppressed {
			return fmt.Sprintf("Run `bot explain %s` (any rule ID) for why it matters and how to fix it.\n", f.Rule)
		}
	}
	return ""
}

// loadedConfig is a --config file read once and shared by every PATH.
type loadedConfig struct {
	file string
	data []byte
}

// auditPath collects and analyzes one PATH. Only a PATH that cannot be
// read at all is an error; unreadable files inside it are entries of
// Result.Errors. external is the name of a --config file outside PATH,
// which findings name as given (not relative to PATH). live (nil: none)
// is asked about the pinned dependencies; notes about it go to stderr.
// single says root is one file, analyzed under its base name.
func auditPath(root string, override *loadedConfig, live *osv.Client, stderr io.Writer) (res *checks.Result, cfg *checks.Config, external string, single bool, err error) {
	t, err := collect(root)
	if err != nil {
		return nil, nil, "", false, err
	}
	cfg, cfgErrs, external := treeConfig(t, root, override)
	// Files the configuration ignores are not reported as unreadable either.
	var fileErrs []checks.FileError
	for _, e := range t.errors {
		if !cfg.Ignores(e.Path) {
			fileErrs = append(fileErrs, e)
		}
	}
	in := checks.Input{
		Files:        t.files,
		Config:       cfg,
		ConfigErrors: cfgErrs,
		Now:          auditNow(),
		Audit:        true,
	}
	in.Advisories = liveAdvisories(live, in, stderr)
	res = checks.Analyze(context.Background(), in)
	res.Errors = append(res.Errors, fileErrs...)
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Path < res.Errors[j].Path })
	return res, cfg, external, t.single, nil
}

// treeConfig is PATH's configuration: --config's file, else
// PATH/.github/djsec.yml, else the defaults. external names a --config file
// outside PATH.
func treeConfig(t *tree, root string, override *loadedConfig) (cfg *checks.Config, errs []checks.ConfigError, external string) {
	cfg = checks.DefaultConfig()
	switch {
	case override != nil:
		name, inside := configPathFor(root, override.file)
		if !inside {
			external = name
		}
		cfg, errs = checks.ParseConfig(name, override.data)
	case t.files[checks.ConfigPath] != nil:
		cfg, errs = checks.ParseConfig(checks.ConfigPath, t.files[checks.ConfigPath])
	}
	if t.outerIgnoresEnv && t.files[".gitignore"] == nil {
		// Auditing a subdirectory: the repository's own .gitignore,
		// above PATH, already keeps .env out of git.
		cfg.Disabled["DJS106"] = true
	}
	return cfg, errs, external
}

// configPathFor names a --config file in findings: relative to root when it
// lies inside it (so suppression comments in it work), as given otherwise.
func configPathFor(root, file string) (name string, inside bool) {
	absRoot, err1 := filepath.Abs(root)
	absFile, err2 := filepath.Abs(file)
	if err1 == nil && err2 == nil {
		if rel, err := filepath.Rel(absRoot, absFile); err == nil && within(absRoot, absFile) {
			return filepath.ToSlash(rel), true
		}
	}
	return filepath.ToSlash(file), false
}

// prefixPaths puts prefix/ in front of every path of res but external.
func prefixPaths(res *checks.Result, prefix, external string) {
	if prefix = path.Clean(prefix); prefix == "." {
		return
	}
	for i := range res.Findings {
		if external == "" || res.Findings[i].Path != external {
			res.Findings[i].Path = path.Join(prefix, res.Findings[i].Path)
		}
	}
	for i := range res.Files {
		res.Files[i] = path.Join(prefix, res.Files[i])
	}
	for i := range res.Errors {
		res.Errors[i].Path = path.Join(prefix, res.Errors[i].Path)
	}
	for i := range res.Modules {
		res.Modules[i].Path = path.Join(prefix, res.Modules[i].Path)
	}
}

// threshold is a --fail-on level.
type threshold struct {
	level checks.Severity
	never bool
}

func parseThreshold(s string) (threshold, error) {
	if strings.EqualFold(s, "never") {
		return threshold{never: true}, nil
	}
	sev, err := checks.ParseSeverity(s)
	if err != nil {
		return threshold{}, fmt.Errorf("unknown level %q (want critical, high, medium, low, info or never)", s)
	}
	return threshold{level: sev}, nil
}

// exceeded reports an unsuppressed finding at or above the level.
func (t threshold) exceeded(res *checks.Result) bool {
	if t.never {
		return false
	}
	for _, f := range res.Findings {
		if !f.Suppressed && f.Severity >= t.level {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
