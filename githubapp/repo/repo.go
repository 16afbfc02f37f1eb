// Package repo is the one door from a job to a repository on GitHub, as
// policy-bot's pull.Context and Atlantis's vcs client are theirs: files at
// a commit or a branch, the repository's .github/djsec.yml, trees (walked
// when GitHub truncates them, symbolic links followed inside the
// repository), a pull request's changed files, and who may run djsec's
// commands and press its buttons. Jobs ask a Repo; no other package builds
// a request for a repository's files, configuration, trees or
// permissions.
//
// A Repo is made for one job (New): the answers it remembers (a
// configuration read, a person's permission) are that job's, except what
// a shared People cache keeps across jobs for a while.
//
// Failures come in three classes: ErrNotFound (GitHub answered 404), an
// *UnreadableError (a file djsec will not read: too large, binary, a
// forged name; never a job failure) and an *Error (a call that failed:
// Permanent says whether any retry can help, and errors.Is(err,
// jobctx.ErrPermanent) agrees).
package repo

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/google/go-github/v88/github"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/internal/jobctx"
)

// Repo is one repository seen through one installation client, for one
// job. It is safe for concurrent use.
type Repo struct {
	gh          *github.Client
	owner, name string
	people      *People
	blobs       BlobCache
	parallel    int

	mu sync.Mutex
	// configs are the configurations read, by ref.
	configs map[string]configRead
	// policyRef is the default branch, once asked (access.go).
	policyRef string
	// perms are this job's permission answers, by lower-case login.
	perms map[string]permEntry
	// linkReads counts the link blobs read, up to maxLinkReads (links.go).
	linkReads, maxLinkReads int
	// calls counts the requests made, for a job's log line.
	calls atomic.Int64
}

// Option configures a Repo.
type Option func(*Repo)

// WithPeople shares answers about people (permissions, team memberships)
// across jobs for the cache's TTL; without it a permission is remembered
// for the Repo's life (one job) only.
func WithPeople(p *People) Option { return func(r *Repo) { r.people = p } }

// WithBlobCache keeps file bodies read by Files under their blob SHA (the
// store), so that an unchanged file costs no request the next time.
func WithBlobCache(c BlobCache) Option { return func(r *Repo) { r.blobs = c } }

// WithParallel sets how many files Files reads at once (default
// DefaultParallel).
func WithParallel(n int) Option {
	return func(r *Repo) {
		if n > 0 {
			r.parallel = n
		}
	}
}

// DefaultParallel is how many files Files reads at once.
const DefaultParallel = 4

// New is the door to fullName ("owner/name") through gh, an installation
// client. A name that is not owner/name is a permanent error: the webhook
// that named it will never name another.
func New(gh *github.Client, fullName string, opts ...Option) (*Repo, error) {
	owner, name, err := SplitFullName(fullName)
	if err != nil {
		return nil, err
	}
	r := &Repo{gh: gh, owner: owner, name: name, parallel: DefaultParallel, configs: map[string]configRead{}, perms: map[string]permEntry{}}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// SplitFullName splits "owner/name". Anything else (no slash, an empty
// part, a second slash) is an error wrapping ErrBadFullName and
// jobctx.ErrPermanent.
func SplitFullName(full string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(full, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("repository %q: %w: %w", full, ErrBadFullName, jobctx.ErrPermanent)
	}
	return owner, name, nil
}

// Owner is the repository's owner.
func (r *Repo) Owner() string { return r.owner }

// Name is the repository's name, without its owner.
func (r *Repo) Name() string { return r.name }

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.owner + "/" + r.name }

// Client is the installation client, for the calls that are not about the
// repository's contents (check runs, issues, pull requests, git writes).
func (r *Repo) Client() *github.Client { return r.gh }

// Calls is how many requests the Repo made.
func (r *Repo) Calls() int64 { return r.calls.Load() }

// Get reads the repository itself (its ID, its default branch). A 404 is
// ErrNotFound; ctx decides whether the ETag cache serves it.
func (r *Repo) Get(ctx context.Context) (*github.Repository, error) {
	r.calls.Add(1)
	repo, _, err := r.gh.Repositories.Get(ctx, r.owner, r.name)
	if err != nil {
		return nil, Wrap("get repository", err)
	}
	return repo, nil
}

// Compare is GET compare/BASE...HEAD, one page of one commit: the changed
// files with their patches (up to GitHub's 300) and the merge base.
// Commits never change, so the ETag cache is not used.
func (r *Repo) Compare(ctx context.Context, base, head string) (*github.CommitsComparison, error) {
	r.calls.Add(1)
	cmp, _, err := r.gh.Repositories.CompareCommits(noCache(ctx), r.owner, r.name, base, head, &github.ListOptions{PerPage: 1})
	if err != nil {
		return nil, Wrap("compare "+Short(base)+"..."+Short(head), err)
	}
	return cmp, nil
}

// Dir lists directory dir at ref (the contents API: each entry's type,
// size and, for a symbolic link, its target). A 404 is ErrNotFound.
func (r *Repo) Dir(ctx context.Context, ref, dir string) ([]*github.RepositoryContent, error) {
	if isCommit(ref) {
		ctx = noCache(ctx)
	}
	r.calls.Add(1)
	_, entries, _, err := r.gh.Repositories.GetContents(ctx, r.owner, r.name, dir, &github.RepositoryContentGetOptions{Ref: ref})
	if err != nil {
		return nil, Wrap("list "+dir, err)
	}
	return entries, nil
}

// maxPullFiles: "Responses include a maximum of 3000 files" (list pull
// request files).
const maxPullFiles = 3000

// PullFiles pages through pull request number's changed files, 100 a
// page, up to GitHub's 3,000, patches included. A 404 (the pull request
// is gone) is ErrNotFound.
func (r *Repo) PullFiles(ctx context.Context, number int) ([]*github.CommitFile, error) {
	var all []*github.CommitFile
	opts := &github.ListOptions{PerPage: 100}
	for {
		r.calls.Add(1)
		page, resp, err := r.gh.PullRequests.ListFiles(noCache(ctx), r.owner, r.name, number, opts)
		if err != nil {
			return nil, Wrap(fmt.Sprintf("files of pull request %d", number), err)
		}
		all = append(all, page...)
		if resp.NextPage == 0 || len(all) >= maxPullFiles || len(page) == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return all[:min(len(all), maxPullFiles)], nil
}

// Short is a commit's abbreviation in messages (7 characters); a branch
// name is left whole.
func Short(ref string) string {
	if isCommit(ref) {
		return ref[:7]
	}
	return ref
}

// isCommit reports a full commit SHA (SHA-1 or SHA-256): its contents
// never change, so a stored copy in the ETag cache would only serve a
// rerun, at the price of a row per file.
func isCommit(ref string) bool {
	if len(ref) != 40 && len(ref) != 64 {
		return false
	}
	for _, c := range ref {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func noCache(ctx context.Context) context.Context { return githubapp.WithoutETagCache(ctx) }

// escapePath escapes each segment of a repository path for a URL.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
