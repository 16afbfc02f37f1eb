package githubfake

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Repo is a repository the app is installed on. Tests build its history
// with Commit and AddPull and read what the app wrote with the accessors.
type Repo struct {
	s             *Server
	ID            int64
	Owner, Name   string
	Private       bool
	DefaultBranch string

	branches   map[string]string  // name → commit SHA
	commits    map[string]*commit // by SHA
	pulls      map[int]*Pull
	issues     map[int]*Issue
	comments   map[int64]*Comment
	checkRuns  map[int64]*CheckRun
	labels     map[string]*Label // by lower-case name
	perms      map[string]string // login → admin, maintain, write, triage, read, none
	reviews    map[int][]*Review
	reactions  map[int64][]string // comment ID → contents
	nextNumber int
}

type commit struct {
	sha, parent, message string
	files                map[string][]byte
	date                 time.Time
}

// Pull is a pull request.
type Pull struct {
	Number           int
	Title, Body      string
	State            string // open, closed
	Draft            bool
	User             string
	HeadRef, HeadSHA string
	BaseRef, BaseSHA string
	// HeadRepo is "owner/name" of a fork, "" for a branch of this
	// repository.
	HeadRepo string
	Files    []PullFile
}

// PullFile is one entry of GET .../pulls/{n}/files.
type PullFile struct {
	Filename, Status, Patch, PreviousFilename string
	Additions, Deletions                      int
}

// Issue is an issue (pull requests are separate, as Pulls).
type Issue struct {
	Number      int
	Title, Body string
	State       string
	User        string
	Labels      []string
}

// Comment is an issue or pull request comment.
type Comment struct {
	ID          int64
	IssueNumber int
	Body, User  string
}

// CheckRun is a check run with everything the app sent to it.
type CheckRun struct {
	ID                             int64
	Name, HeadSHA, ExternalID      string
	Status, Conclusion, DetailsURL string
	Title, Summary, Text           string
	Annotations                    []map[string]any
	Actions                        []map[string]any
	StartedAt, CompletedAt         string
	// Requests counts the POST and PATCHes that built it.
	Requests int
}

// Label is a repository label.
type Label struct {
	ID                       int64
	Name, Color, Description string
}

// Review is a pull request review.
type Review struct {
	ID       int64
	CommitID string
	Body     string
	Event    string
	Comments []map[string]any
}

// AddRepo creates "owner/name" with an empty default branch "main" and
// grants inst access to it (inst may be nil).
func (s *Server) AddRepo(inst *Installation, fullName string) *Repo {
	owner, name, ok := strings.Cut(fullName, "/")
	if !ok {
		panic("githubfake: AddRepo wants owner/name, got " + fullName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &Repo{
		s: s, ID: s.id(), Owner: owner, Name: name, DefaultBranch: "main",
		branches: map[string]string{}, commits: map[string]*commit{},
		pulls: map[int]*Pull{}, issues: map[int]*Issue{}, comments: map[int64]*Comment{},
		checkRuns: map[int64]*CheckRun{}, labels: map[string]*Label{}, perms: map[string]string{},
		reviews: map[int][]*Review{}, reactions: map[int64][]string{},
	}
	r.commitLocked("main", "Initial commit", nil, nil)
	s.repos[r.key()] = r
	if inst != nil {
		inst.repos[r.key()] = true
	}
	return r
}

// RemoveRepo deletes the repository (its calls then answer 404).
func (s *Server) RemoveRepo(fullName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.repos, strings.ToLower(fullName))
}

func (r *Repo) key() string { return strings.ToLower(r.Owner + "/" + r.Name) }

// FullName is "owner/name".
func (r *Repo) FullName() string { return r.Owner + "/" + r.Name }

// Commit adds a commit to branch (created from the default branch if new)
// that sets files (path → content; "" with a path deletes it) and returns
// its SHA.
func (r *Repo) Commit(branch string, files map[string]string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	set, del := map[string][]byte{}, map[string]bool{}
	for p, content := range files {
		if content == "" {
			del[p] = true
		} else {
			set[p] = []byte(content)
		}
	}
	return r.commitLocked(branch, "Update files", set, del)
}

func (r *Repo) commitLocked(branch, message string, set map[string][]byte, del map[string]bool) string {
	parent := r.branches[branch]
	if parent == "" {
		parent = r.branches[r.DefaultBranch]
	}
	tree := map[string][]byte{}
	if p := r.commits[parent]; p != nil {
		for k, v := range p.files {
			tree[k] = v
		}
	}
	for path := range del {
		delete(tree, path)
	}
	for path, content := range set {
		tree[path] = content
	}
	h := sha1.New()
	fmt.Fprintf(h, "parent %s\nmessage %s\n%d\n", parent, message, len(r.commits))
	for _, p := range sortedKeys(tree) {
		fmt.Fprintf(h, "%s %s\n", p, blobSHA(tree[p]))
	}
	sha := hex.EncodeToString(h.Sum(nil))
	r.commits[sha] = &commit{sha: sha, parent: parent, message: message, files: tree, date: r.s.now()}
	r.branches[branch] = sha
	return sha
}

// Branch returns a branch's head SHA.
func (r *Repo) Branch(name string) (string, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	sha, ok := r.branches[name]
	return sha, ok
}

// File returns a file's content at a branch or commit.
func (r *Repo) File(ref, path string) (string, bool) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := r.resolve(ref)
	if c == nil {
		return "", false
	}
	b, ok := c.files[path]
	return string(b), ok
}

// resolve finds the commit a branch name, "refs/heads/x", or SHA names.
func (r *Repo) resolve(ref string) *commit {
	if ref == "" {
		ref = r.DefaultBranch
	}
	ref = strings.TrimPrefix(ref, "refs/heads/")
	if sha, ok := r.branches[ref]; ok {
		return r.commits[sha]
	}
	return r.commits[ref]
}

// AddPull opens a pull request from head into base (branches of this
// repository, which must exist). Files default to every file that differs,
// each with a patch replacing the old text by the new.
func (r *Repo) AddPull(p Pull) *Pull {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	if p.BaseRef == "" {
		p.BaseRef = r.DefaultBranch
	}
	if p.State == "" {
		p.State = "open"
	}
	if p.User == "" {
		p.User = "octocat"
	}
	if p.Title == "" {
		p.Title = "Update settings"
	}
	head, base := r.resolve(p.HeadRef), r.resolve(p.BaseRef)
	if head == nil || base == nil {
		panic(fmt.Sprintf("githubfake: AddPull: no branch %q or %q", p.HeadRef, p.BaseRef))
	}
	p.HeadSHA, p.BaseSHA = head.sha, base.sha
	if p.Files == nil {
		p.Files = diffFiles(base.files, head.files)
	}
	r.nextNumber++
	p.Number = r.nextNumber
	pp := p
	r.pulls[p.Number] = &pp
	return &pp
}

// SetPermission sets a user's permission on the repository.
func (r *Repo) SetPermission(login, permission string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.perms[login] = permission
}

// CheckRuns returns the check runs, oldest first.
func (r *Repo) CheckRuns() []CheckRun {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	out := []CheckRun{}
	for _, c := range r.checkRuns {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Issues returns the issues, by number.
func (r *Repo) Issues() []Issue {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	out := []Issue{}
	for _, i := range r.issues {
		out = append(out, *i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Number < out[b].Number })
	return out
}

// Pulls returns the pull requests, by number.
func (r *Repo) Pulls() []Pull {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	out := []Pull{}
	for _, p := range r.pulls {
		out = append(out, *p)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Number < out[b].Number })
	return out
}

// Comments returns the comments, oldest first.
func (r *Repo) Comments() []Comment {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	out := []Comment{}
	for _, c := range r.comments {
		out = append(out, *c)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// Reactions returns the reactions added to a comment.
func (r *Repo) Reactions(commentID int64) []string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return append([]string(nil), r.reactions[commentID]...)
}

// Reviews returns a pull request's reviews.
func (r *Repo) Reviews(number int) []Review {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []Review
	for _, rv := range r.reviews[number] {
		out = append(out, *rv)
	}
	return out
}

// Labels returns the repository's labels by name.
func (r *Repo) Labels() []Label {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	var out []Label
	for _, k := range sortedKeys(r.labels) {
		out = append(out, *r.labels[k])
	}
	return out
}

// AddComment adds a comment by user on issue or pull request number (as a
// person would, for slash-command tests) and returns its ID.
func (r *Repo) AddComment(number int, user, body string) int64 {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := &Comment{ID: r.s.id(), IssueNumber: number, Body: body, User: user}
	r.comments[c.ID] = c
	return c.ID
}

func blobSHA(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// diffFiles lists the files that differ between two trees, each with a
// patch of one hunk that replaces the whole old text by the new.
func diffFiles(base, head map[string][]byte) []PullFile {
	paths := map[string]bool{}
	for p := range base {
		paths[p] = true
	}
	for p := range head {
		paths[p] = true
	}
	var out []PullFile
	for _, p := range sortedKeys(paths) {
		old, inBase := base[p]
		cur, inHead := head[p]
		if inBase && inHead && string(old) == string(cur) {
			continue
		}
		f := PullFile{Filename: p, Status: "modified"}
		switch {
		case !inBase:
			f.Status = "added"
		case !inHead:
			f.Status = "removed"
		}
		f.Patch, f.Additions, f.Deletions = wholePatch(string(old), string(cur))
		out = append(out, f)
	}
	return out
}

func wholePatch(old, cur string) (string, int, int) {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	}
	ol, nl := split(old), split(cur)
	start := func(n int) int {
		if n == 0 {
			return 0
		}
		return 1
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@", start(len(ol)), len(ol), start(len(nl)), len(nl))
	for _, l := range ol {
		b.WriteString("\n-" + l)
	}
	for _, l := range nl {
		b.WriteString("\n+" + l)
	}
	return b.String(), len(nl), len(ol)
}
