package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/osv"
)

func init() {
	register(command{name: "advisories", summary: "list a package's known vulnerabilities, or check a project's dependencies against them", run: runAdvisories})
}

const advisoriesUsage = `Usage:
  bot advisories list [--format text|json] PACKAGE
  bot advisories check [flags] [PATH...]

list prints what djsec's bundled advisory data says about a PyPI package:
every advisory, its severity and the versions it affects.

check audits only the dependencies of the project under each PATH
(default .): requirements files, pyproject.toml, Pipfile and their lock
files, against the advisories (DJS1002), Django's support table (DJS1001)
and the pinning rule (DJS1003). Exit status as for bot audit: 1 when a
finding is at or above --fail-on.

The bundled data's date is shown by bot version. The command line is
offline by default, so pre-commit hooks and CI stay hermetic: with
--online, check and audit also ask the OSV API (https://api.osv.dev, or
the mirror OSV_API_URL names; OSV_API_URL set to a URL also turns this
on) about each pinned version, cached for 24 hours within one process.
When it cannot be reached, the bundled data is used and a note on stderr
says so. OSV_API_URL=off keeps everything offline.
`

func runAdvisories(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, advisoriesUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, advisoriesUsage)
		return exitOK
	case "list":
		return runAdvisoriesList(args[1:], stdout, stderr)
	case "check":
		return runAdvisoriesCheck(args[1:], stdout, stderr)
	}
	return fail(stderr, "advisories: unknown subcommand %q (want list or check)", args[0])
}

func runAdvisoriesList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("advisories list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "text", "output `format`: text or json")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), advisoriesUsage+"\nFlags of list:\n")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(pos) != 1 {
		return fail(stderr, "advisories list: want one PACKAGE, got %d arguments (see `bot advisories -h`)", len(pos))
	}
	if *format != "text" && *format != "json" {
		return fail(stderr, "advisories list: unknown --format %q (want text or json)", *format)
	}
	name := deps.NormalizeName(pos[0])
	db := advisories.Bundled()
	recs := db.Records(name)
	var out bytes.Buffer
	if *format == "json" {
		type entry struct {
			*advisories.Record
			Versions []string `json:"affected_versions"`
		}
		doc := struct {
			Package    string              `json:"package"`
			Snapshot   string              `json:"snapshot"`
			Sources    []advisories.Source `json:"sources"`
			Advisories []entry             `json:"advisories"`
		}{Package: name, Snapshot: advisories.SnapshotDate(), Sources: advisories.Sources(), Advisories: []entry{}}
		for _, r := range recs {
			doc.Advisories = append(doc.Advisories, entry{Record: r, Versions: r.AffectedText(name)})
		}
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return fail(stderr, "advisories list: %v", err)
		}
	} else {
		advisoriesListText(&out, name, recs, db)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return fail(stderr, "advisories list: %v", err)
	}
	return exitOK
}

func advisoriesListText(w io.Writer, name string, recs []*advisories.Record, db *advisories.DB) {
	data := fmt.Sprintf("advisory data of %s: %s", advisories.SnapshotDate(), advisories.SourcesLine())
	if len(recs) == 0 {
		fmt.Fprintf(w, "%s: no advisory in the bundled data (%s).\n", name, data)
		fmt.Fprintf(w, "It holds records for %s. No record is no proof of no vulnerability: outside Django, the PyPA snapshot ends on its date; add --online to bot advisories check for live data.\n",
			strings.Join(db.Packages(), ", "))
		return
	}
	s := "ies"
	if len(recs) == 1 {
		s = "y"
	}
	fmt.Fprintf(w, "%s: %d advisor%s, newest first (%s)\n", name, len(recs), s, data)
	for _, r := range recs {
		fmt.Fprintln(w)
		ids := r.Name()
		var others []string
		for _, id := range r.IDs() {
			if id != ids {
				others = append(others, id)
			}
		}
		if len(others) > 0 {
			ids += " (" + strings.Join(others, ", ") + ")"
		}
		sev := r.Severity
		if sev == "" {
			sev = "unrated"
		}
		published := r.Published
		if published == "" {
			published = "date unknown"
		}
		fmt.Fprintf(w, "%s  %s  %s\n", ids, sev, published)
		if r.Summary != "" {
			fmt.Fprintf(w, "  %s\n", r.Summary)
		}
		fmt.Fprintf(w, "  affected: %s\n", strings.Join(r.AffectedText(name), "; "))
		if r.URL != "" {
			fmt.Fprintf(w, "  %s\n", r.URL)
		}
	}
}

// auditNow is the date audits judge support windows against; golden tests
// pin it.
var auditNow = time.Now

// depsRules are the rules `bot advisories check` reports.
var depsRules = map[string]bool{"DJS1001": true, "DJS1002": true, "DJS1003": true}

func runAdvisoriesCheck(args []string, stdout, stderr io.Writer) int {
	var f auditFlags
	fs := flag.NewFlagSet("advisories check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&f.format, "format", "text", "output `format`: text, json, sarif or github (workflow commands)")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 1 when a finding is at or above this `level`: critical, high, medium, low, info or never (default: fail_on from djsec.yml, else high)")
	fs.StringVar(&f.config, "config", "", "read the configuration from `FILE` instead of PATH/.github/djsec.yml")
	fs.BoolVar(&f.online, "online", false, onlineUsage)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), advisoriesUsage+"\nFlags of check:\n")
		fs.PrintDefaults()
	}
	paths, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	return auditPaths("advisories check", f, paths, dependenciesOnly, func() string {
		return fmt.Sprintf("advisory data of %s (%s)\n", advisories.SnapshotDate(), advisories.SourcesLine())
	}, stdout, stderr)
}

// dependenciesOnly keeps the dependency rules' findings and the manifests
// among the files and errors.
func dependenciesOnly(res *checks.Result) {
	var fs []checks.Finding
	for _, f := range res.Findings {
		if depsRules[f.Rule] {
			fs = append(fs, f)
		}
	}
	res.Findings = append([]checks.Finding{}, fs...)
	var files []string
	for _, p := range res.Files {
		if isManifest(p) {
			files = append(files, p)
		}
	}
	res.Files = append([]string{}, files...)
	var errs []checks.FileError
	for _, e := range res.Errors {
		if isManifest(e.Path) {
			errs = append(errs, e)
		}
	}
	res.Errors = append([]checks.FileError{}, errs...)
}

// isManifest reports the files the dependency rules read.
func isManifest(p string) bool {
	base := path.Base(p)
	if deps.IsLockFile(p) || base == "pyproject.toml" || base == "Pipfile" {
		return true
	}
	ext := strings.ToLower(path.Ext(base))
	return ext == ".txt" || ext == ".in" || ext == ".pip"
}

// onlineUsage documents --online, which audit and advisories check share.
const onlineUsage = "also ask the OSV API (OSV_API_URL, default " + osv.DefaultURL + ") about each pinned version; offline by default"

// liveClient returns the OSV API client of a command-line run: nil (the
// bundled data alone) unless --online was given or OSV_API_URL names an
// API, so pre-commit hooks and CI stay hermetic unless asked. Tests
// replace it.
var liveClient = func(online bool) (*osv.Client, error) {
	v := strings.TrimSpace(os.Getenv(osv.EnvURL))
	switch {
	case osv.IsOff(v) && online:
		return nil, fmt.Errorf("--online asks the OSV API, but %s=%s turns it off", osv.EnvURL, v)
	case osv.IsOff(v), v == "" && !online:
		return nil, nil
	}
	return sharedLiveClient()
}

// sharedLiveClient is made once per process, so its 24-hour cache serves
// every PATH.
var sharedLiveClient = sync.OnceValues(func() (*osv.Client, error) {
	return osv.FromEnv(osv.WithLogger(slog.New(slog.DiscardHandler)))
})

// liveAdvisories asks c (nil: nobody) about in's pinned dependencies;
// problems become a note on stderr, and the analysis goes on with the
// bundled data.
func liveAdvisories(c *osv.Client, in checks.Input, stderr io.Writer) []advisories.Record {
	res := c.Lookup(context.Background(), in.Config, in.Files)
	if res.Note != "" {
		fmt.Fprintf(stderr, "bot: note: %s\n", res.Note)
	}
	return res.Records
}
