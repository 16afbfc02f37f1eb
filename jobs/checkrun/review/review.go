// Package review judges one pull request: it analyzes the relevant files at
// head and at the merge base, tells the findings the pull request adds from
// the ones it inherits, and turns them into a check run's conclusion,
// annotations, Markdown summary and buttons. It is pure: bytes in, results
// out. Fetching the files and talking to the Checks API is checkrun's job.
package review

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/jobs/checkrun/review/patch"
)

// ChangedFile is one entry of a pull request's file list.
type ChangedFile struct {
	Path                 string // at head
	PreviousPath         string // renamed: the path at base
	Status               string // added | removed | modified | renamed | copied | changed | unchanged
	Patch                string // GitHub's per-file patch; "" when GitHub sent none (binary, too large)
	Additions, Deletions int
}

// Input is everything one review reads.
type Input struct {
	Repo    string // owner/name
	HeadSHA string
	BaseSHA string // the merge base the contents below are from
	// WebURL is "https://github.com" or a GHES web URL; links are
	// WebURL/owner/name/blob/SHA/path#Ln.
	WebURL    string
	Files     []ChangedFile // every file the pull request changes (as listed)
	Truncated bool          // GitHub listed only the first 3,000 files
	// TooLarge: the changed files went past what djsec reads in one check,
	// so some were left unread (listed in FileErrors).
	TooLarge bool
	// TreeTruncated: GitHub truncated the head's tree (over 100,000
	// entries or 7 MB), so the unchanged entry points that name the
	// production settings were not read.
	TreeTruncated bool
	// Head and Base are the fetched contents of the relevant files, by
	// their path at head and at the merge base (a renamed file is under
	// PreviousPath in Base). A file the pull request does not change may
	// be given on one side only: it is the same on the other.
	Head, Base map[string][]byte
	// FileErrors are changed files the fetch could not hand over (over
	// 1 MiB, binary): reported like the analyzer's own file errors.
	FileErrors   []checks.FileError
	Config       *checks.Config       // from the base branch (nil: defaults)
	ConfigErrors []checks.ConfigError // problems in the base branch's config
	ConfigSource string               // ".github/djsec.yml@main" or "defaults"
	Ignores      []Ignore
	// Advisories are live vulnerability records (the OSV API) about the
	// versions head and base pin, judged by the same rules as the bundled
	// ones; AdvisorySource is where they came from ("": the bundle
	// alone), and AdvisoryNote says why some could not be had.
	Advisories     []advisories.Record
	AdvisorySource string
	AdvisoryNote   string
	Now            time.Time
	RulesVersion   string
	Fixer          bool // a fix-up pull request can be opened (the "fix" button is offered)
}

// Level is a check run annotation's level.
type Level string

const (
	Failure Level = "failure"
	Warning Level = "warning"
	Notice  Level = "notice"
)

// Annotation is one check run annotation. Columns are set only when
// StartLine == EndLine (GitHub rejects them otherwise).
type Annotation struct {
	Path                   string
	StartLine, EndLine     int
	StartColumn, EndColumn int
	Level                  Level
	Title, Message         string
	RawDetails             string
}

// Action is a check run button.
type Action struct{ Label, Description, Identifier string }

// Conclusions of a review.
const (
	ConclusionSuccess = "success"
	ConclusionFailure = "failure"
	ConclusionNeutral = "neutral"
)

// Result is a review's outcome, ready to publish as a check run.
type Result struct {
	Conclusion  string       // success | failure | neutral
	Title       string       // one line, e.g. "2 new findings (1 high, 1 medium)"
	Summary     string       // Markdown, at most MaxSummary bytes
	Annotations []Annotation // at most MaxAnnotations, in path/line order
	Omitted     int          // annotations left out by the cap
	Actions     []Action
	// New findings are absent at the merge base; Existing ones were
	// there already. Neither holds suppressed findings, which are in
	// Suppressed with their reason.
	New, Existing, Suppressed []checks.Finding
	Outside                   []checks.Finding // new findings whose line is outside the diff
	// Fixed are unsuppressed findings of the merge base that head no
	// longer has.
	Fixed    []checks.Finding
	Weakened []checks.Weakening
	// Incomplete says why the analysis saw less than it should have (a
	// file that does not parse, a broken configuration): the reasons for
	// a neutral conclusion.
	Incomplete             []string
	HeadResult, BaseResult *checks.Result
}

// Relevant says whether a changed path is worth fetching: the analyzer
// reads it, or it is djsec's own configuration.
func Relevant(p string) bool {
	return checks.Relevant(p) || isConfigPath(p)
}

func isConfigPath(p string) bool {
	return p == checks.ConfigPath || p == ".github/djsec.yaml"
}

// Review analyzes a pull request. It never does I/O; ctx is honoured by
// the analyzer between rules.
func Review(ctx context.Context, in Input) *Result {
	cfg := in.Config
	if cfg == nil {
		cfg = checks.DefaultConfig()
	}
	head, base, renamed := views(in)
	headIn := checks.Input{Files: head, Config: cfg, ConfigErrors: headConfigErrors(in, head), Now: in.Now, Advisories: in.Advisories}
	baseIn := checks.Input{Files: base, Config: cfg, ConfigErrors: in.ConfigErrors, Now: in.Now, Advisories: in.Advisories}
	// Each side is read and evaluated once; the weakened settings come
	// from the same projects as the findings.
	cmp := checks.Compare(ctx, baseIn, headIn, renamed)
	res := &Result{HeadResult: cmp.Head, BaseResult: cmp.Base, Weakened: cmp.Weakened}
	res.HeadResult.Errors = append(res.HeadResult.Errors, in.FileErrors...)
	res.classify(in, renamed)

	patches := patchSet{ctx: ctx, repo: in.Repo, files: map[string]ChangedFile{}, lines: map[string]patch.Lines{}}
	for _, f := range in.Files {
		if f.Status != "removed" {
			patches.files[f.Path] = f
		}
	}
	var all []Annotation
	for _, f := range res.New {
		a, ok := findingAnnotation(f, patches.of(f.Path))
		if !ok {
			res.Outside = append(res.Outside, f)
			continue
		}
		all = append(all, a)
	}
	// A weakening on a line that already carries a new finding, or one
	// the project suppressed, would only repeat it in a second annotation.
	covered := map[string]bool{}
	for _, fs := range [][]checks.Finding{res.New, res.Suppressed} {
		for _, f := range fs {
			covered[fmt.Sprintf("%s:%d", f.Path, f.Line)] = true
		}
	}
	for _, w := range res.Weakened {
		if covered[fmt.Sprintf("%s:%d", w.Path, w.Line)] {
			continue
		}
		if a, ok := weakeningAnnotation(w, patches.of(w.Path)); ok {
			all = append(all, a)
		}
	}
	res.Annotations, res.Omitted = capAnnotations(all, MaxAnnotations)
	res.Incomplete = incomplete(in, res.HeadResult)
	res.Conclusion, res.Title = conclude(in, cfg, res)
	if err := ctx.Err(); err != nil {
		// Rules were skipped on one side or both, so "new" means
		// nothing: never a verdict from half an analysis.
		res.Incomplete = append(res.Incomplete, "the review was interrupted before every rule ran ("+err.Error()+")")
		res.Conclusion, res.Title = ConclusionNeutral, "Review interrupted; push again or press Recheck"
	}
	res.Actions = actions(in, res)
	res.Summary = summarize(in, cfg, res, patches.unreadable)
	return res
}

// patchSet parses the patches of the files that need one, once each.
type patchSet struct {
	ctx        context.Context
	repo       string
	files      map[string]ChangedFile
	lines      map[string]patch.Lines
	unreadable []string // files whose patch did not parse
}

// of returns the lines of path the pull request's diff shows; nil when
// the file is not in the diff, has no patch, or its patch does not parse.
func (ps *patchSet) of(path string) patch.Lines {
	if l, ok := ps.lines[path]; ok {
		return l
	}
	f, ok := ps.files[path]
	if !ok {
		return nil
	}
	var l patch.Lines
	p, err := patch.Parse(f.Patch)
	if err == nil {
		l = p.Shown()
	} else if f.Patch != "" {
		// Not silently dropped: the file's findings stay in the summary,
		// which says why they are not annotated.
		slog.WarnContext(ps.ctx, "review: patch unreadable; its findings go to the summary only", "repo", ps.repo, "path", f.Path, "err", err)
		ps.unreadable = append(ps.unreadable, f.Path)
	}
	ps.lines[path] = l
	return l
}

// views builds the two file sets the analyzer compares. A file the pull
// request does not change is the same at base and head, so a star-imported
// base.py fetched once serves both sides: were it missing at base, its
// findings would look new. renamed maps base paths to head paths.
func views(in Input) (head, base map[string][]byte, renamed map[string]string) {
	head, base, renamed = map[string][]byte{}, map[string][]byte{}, map[string]string{}
	touched := map[string]bool{}   // paths the pull request changes, on either side
	notAtHead := map[string]bool{} // removed files, and renamed files' old paths
	notAtBase := map[string]bool{} // added and copied files, and renamed files' new paths
	for _, f := range in.Files {
		touched[f.Path] = true
		switch f.Status {
		case "removed":
			notAtHead[f.Path] = true
		case "added", "copied":
			notAtBase[f.Path] = true
		case "renamed":
			if f.PreviousPath != "" && f.PreviousPath != f.Path {
				touched[f.PreviousPath] = true
				notAtHead[f.PreviousPath] = true
				notAtBase[f.Path] = true
				renamed[f.PreviousPath] = f.Path
			}
		}
	}
	for p, data := range in.Head {
		if !notAtHead[p] {
			head[p] = data
		}
	}
	for p, data := range in.Base {
		if !notAtBase[p] {
			base[p] = data
		}
	}
	for p, data := range in.Head {
		if _, ok := base[p]; !ok && !touched[p] {
			base[p] = data
		}
	}
	for p, data := range in.Base {
		if _, ok := head[p]; !ok && !touched[p] {
			head[p] = data
		}
	}
	return head, base, renamed
}

// headConfigErrors are the configuration problems the head analysis
// reports. The configuration in force is the base branch's, but when the
// pull request edits the file its own version is validated, so a mistake
// it introduces is a new finding on the changed line and one it repairs
// is fixed.
func headConfigErrors(in Input, head map[string][]byte) []checks.ConfigError {
	for _, f := range in.Files {
		if !isConfigPath(f.Path) || f.Status == "removed" {
			continue
		}
		data, ok := head[f.Path]
		if !ok {
			continue
		}
		_, errs := checks.ParseConfig(f.Path, data)
		return errs
	}
	return in.ConfigErrors
}

// classify splits head's findings into new, existing and suppressed, and
// finds the base findings head fixed.
func (res *Result) classify(in Input, renamed map[string]string) {
	atBase := map[string]bool{}
	for _, f := range res.BaseResult.Findings {
		for _, fp := range baseFingerprints(f, renamed) {
			atBase[fp] = true
		}
	}
	atHead := map[string]bool{}
	for _, f := range res.HeadResult.Findings {
		// A finding taken into another one at head is still there.
		for _, fp := range f.Fingerprints() {
			atHead[fp] = true
		}
		if !f.Suppressed {
			if ig, ok := ignoredBy(in.Ignores, f, in.Now); ok {
				f.Suppressed, f.SuppressReason = true, ig.reason()
			}
		}
		switch {
		case f.Suppressed:
			res.Suppressed = append(res.Suppressed, f)
		case atBase[f.Fingerprint]:
			res.Existing = append(res.Existing, f)
		default:
			res.New = append(res.New, f)
		}
	}
	for _, f := range res.BaseResult.Findings {
		if f.Suppressed {
			continue
		}
		if _, ok := ignoredBy(in.Ignores, f, in.Now); ok {
			continue
		}
		if !atHead[baseFingerprint(f, renamed)] {
			res.Fixed = append(res.Fixed, f)
		}
	}
}

// baseFingerprints are a base finding's fingerprints (its own and those of
// the findings it took in) under its file's head path.
func baseFingerprints(f checks.Finding, renamed map[string]string) []string {
	out := []string{baseFingerprint(f, renamed)}
	for _, a := range f.Also {
		if to, ok := renamed[f.Path]; ok {
			out = append(out, checks.Fingerprint(a.Rule, to, a.Key))
		} else if a.Fingerprint != "" {
			out = append(out, a.Fingerprint)
		}
	}
	return out
}

// baseFingerprint is a base finding's fingerprint under its file's head
// path, so renaming a file does not make its findings new.
func baseFingerprint(f checks.Finding, renamed map[string]string) string {
	if to, ok := renamed[f.Path]; ok {
		return checks.Fingerprint(f.Rule, to, f.Key)
	}
	return f.Fingerprint
}

// incomplete lists why the analysis saw less than it should have: each
// problem of the configuration in force, each file that did not parse.
func incomplete(in Input, head *checks.Result) []string {
	var out []string
	src := in.ConfigSource
	if src == "" || src == "defaults" {
		src = checks.ConfigPath
	}
	for _, e := range in.ConfigErrors {
		where := ""
		if e.Line > 0 {
			where = fmt.Sprintf(", line %d", e.Line)
		}
		out = append(out, "configuration ("+src+")"+where+": "+e.Message)
	}
	for _, f := range head.Findings {
		if f.Rule == "DJS001" && !f.Suppressed {
			out = append(out, f.Message)
		}
	}
	for _, e := range head.Errors {
		msg := e.Message
		if !strings.Contains(msg, e.Path) {
			msg = e.Path + ": " + msg
		}
		out = append(out, msg)
	}
	return out
}
