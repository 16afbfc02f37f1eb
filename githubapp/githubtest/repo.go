package githubtest

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
	suites     map[string]int64   // head SHA → the app's check suite
	omitPatch  map[string]bool    // paths whose patch GitHub would leave out
	nextNumber int
	// Git Data API objects not yet in a commit (gitdata.go).
	blobs map[string][]byte
	trees map[string]map[string][]byte
	// treeModes are the non-100644 modes of the trees made with POST git/trees.
	treeModes map[string]map[string]string
	// subtrees are the directories whose SHAs tree answers listed (trees.go).
	subtrees map[string]subtree
	// archived and issuesDisabled make GitHub refuse writes and issues
	// (refusals.go).
	archived, issuesDisabled bool
}

// commit is one commit. Each has a single parent (none for the first), so
// a merge base is where the two parent chains meet.
type commit struct {
	sha, parent, message, author string
	files                        map[string][]byte
	// modes holds the files whose mode is not 100644 (100755, 120000).
	modes map[string]string
	date  time.Time
}

// mode is a file's tree mode in c.
func (c *commit) mode(path string) string {
	if m := c.modes[path]; m != "" {
		return m
	}
	return "100644"
}

// Pull is a pull request. Its head follows HeadRef: a commit to that
// branch moves HeadSHA (keeping the old one in Before, a synchronize
// event's "before") and BaseSHA to the base branch's tip, as a push to a
// pull request's branch does on GitHub.
type Pull struct {
	Number           int
	Title, Body      string
	State            string // open, closed
	Draft            bool
	User             string
	HeadRef, HeadSHA string
	BaseRef, BaseSHA string
	Before           string
	// HeadRepo is "owner/name" of a fork, "" for a branch of this
	// repository. A fork's commits live in this repository's store, on
	// the branch HeadRef: GitHub makes them readable here too (through
	// refs/pull/N/head), so the API reads them from the base repository
	// as the fake does. Pick a HeadRef no branch of the base uses.
	HeadRepo string
	// Files, when a test sets it, is the file list served as given. Left
	// nil, the list is computed on every request as GitHub lists it: the
	// diff from the merge base of the base branch and the head to the
	// head (see diffTrees), so it follows later pushes.
	Files                []PullFile
	CreatedAt, UpdatedAt time.Time
	explicitFiles        bool
}

// PullFile is one entry of GET .../pulls/{n}/files and of a comparison's
// files. Patch "" means GitHub sent none (binary, too large, OmitPatch, a
// pure rename or an empty file).
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
	// AppID is the app that made it; 0 is the fake's app (AppID()).
	AppID int64
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
		panic("githubtest: AddRepo wants owner/name, got " + fullName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &Repo{
		s: s, ID: s.id(), Owner: owner, Name: name, DefaultBranch: "main",
		branches: map[string]string{}, commits: map[string]*commit{},
		pulls: map[int]*Pull{}, issues: map[int]*Issue{}, comments: map[int64]*Comment{},
		checkRuns: map[int64]*CheckRun{}, labels: map[string]*Label{}, perms: map[string]string{},
		reviews: map[int][]*Review{}, reactions: map[int64][]string{},
		suites: map[string]int64{}, omitPatch: map[string]bool{},
	}
	r.commitLocked("main", "Initial commit", "octocat", nil, nil)
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
	return r.commitLocked(branch, "Update files", "octocat", set, del)
}

// OmitPatch makes the pull request files and compare answers leave out the
// patch of these paths, as GitHub does for a diff over its size limit
// (which the fake also applies by itself: MaxPatchLines, MaxPatchBytes).
func (r *Repo) OmitPatch(paths ...string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	for _, p := range paths {
		r.omitPatch[p] = true
	}
}

func (r *Repo) commitLocked(branch, message, author string, set map[string][]byte, del map[string]bool) string {
	parent := r.branches[branch]
	if parent == "" {
		parent = r.branches[r.DefaultBranch]
	}
	tree, modes := map[string][]byte{}, map[string]string{}
	if p := r.commits[parent]; p != nil {
		for k, v := range p.files {
			tree[k] = v
		}
		for k, v := range p.modes {
			modes[k] = v
		}
	}
	for path := range del {
		delete(tree, path)
		delete(modes, path)
	}
	for path, content := range set {
		tree[path] = content
		if modes[path] == linkMode {
			// Content written to a path makes a regular file of it.
			delete(modes, path)
		}
	}
	h := sha1.New()
	fmt.Fprintf(h, "parent %s\nmessage %s\n%d\n", parent, message, len(r.commits))
	for _, p := range sortedKeys(tree) {
		fmt.Fprintf(h, "%s %s\n", p, blobSHA(tree[p]))
	}
	sha := hex.EncodeToString(h.Sum(nil))
	r.commits[sha] = &commit{sha: sha, parent: parent, message: message, author: author, files: tree, modes: modes, date: r.s.now()}
	r.branches[branch] = sha
	for _, p := range r.pulls {
		if p.State == "open" && p.HeadRef == branch {
			p.Before, p.HeadSHA = p.HeadSHA, sha
			if base := r.branches[p.BaseRef]; base != "" {
				p.BaseSHA = base
			}
			p.UpdatedAt = r.s.now()
		}
	}
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

// SetMode sets a file's mode (100755 for an executable) in the head
// commit of branch, as if it had been committed so.
func (r *Repo) SetMode(branch, path, mode string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := r.resolve(branch)
	if c == nil {
		panic("githubtest: SetMode on a branch with no commit: " + branch)
	}
	if c.modes == nil {
		c.modes = map[string]string{}
	}
	c.modes[path] = mode
}

// Mode returns a file's mode at a branch or commit ("" when it is absent).
func (r *Repo) Mode(ref, path string) string {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := r.resolve(ref)
	if c == nil {
		return ""
	}
	if _, ok := c.files[path]; !ok {
		return ""
	}
	return c.mode(path)
}

// Tree returns every file at a branch or commit, and the commit's parent
// (nil when ref names nothing).
func (r *Repo) Tree(ref string) (files map[string]string, parent string) {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	c := r.resolve(ref)
	if c == nil {
		return nil, ""
	}
	files = map[string]string{}
	for p, b := range c.files {
		files[p] = string(b)
	}
	return files, c.parent
}

// resolve finds the commit a branch name, "refs/heads/x", SHA or
// abbreviated SHA (seven or more hex digits naming one commit) names.
func (r *Repo) resolve(ref string) *commit {
	if ref == "" {
		ref = r.DefaultBranch
	}
	ref = strings.TrimPrefix(ref, "refs/heads/")
	if sha, ok := r.branches[ref]; ok {
		return r.commits[sha]
	}
	if c, ok := r.commits[ref]; ok {
		return c
	}
	if len(ref) < 7 || strings.Trim(strings.ToLower(ref), "0123456789abcdef") != "" {
		return nil
	}
	var found *commit
	for sha, c := range r.commits {
		if strings.HasPrefix(sha, strings.ToLower(ref)) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// ancestry returns c and its ancestors, nearest first.
func (r *Repo) ancestry(c *commit) []*commit {
	var out []*commit
	for c != nil {
		out = append(out, c)
		c = r.commits[c.parent]
	}
	return out
}

// mergeBase returns the nearest common ancestor of base and head and how
// many commits head and base have beyond it (ahead, behind); nil when the
// histories never meet.
func (r *Repo) mergeBase(base, head *commit) (mb *commit, ahead, behind int) {
	onHead := map[string]int{}
	for i, c := range r.ancestry(head) {
		onHead[c.sha] = i
	}
	for i, c := range r.ancestry(base) {
		if n, ok := onHead[c.sha]; ok {
			return c, n, i
		}
	}
	return nil, 0, 0
}

// pullFiles is what GET .../pulls/{n}/files lists (all of it, before
// GitHub's 3,000-file cap) and the number of commits the pull has.
func (r *Repo) pullFiles(p *Pull) ([]PullFile, int) {
	head, base := r.commits[p.HeadSHA], r.resolve(p.BaseRef)
	if base == nil {
		base = r.commits[p.BaseSHA]
	}
	mb, ahead, _ := r.mergeBase(base, head)
	if p.explicitFiles {
		return p.Files, ahead
	}
	if mb == nil {
		return nil, ahead
	}
	return diffTrees(mb.files, head.files, r.omitPatch), ahead
}

// AddPull opens a pull request from head into base (branches of this
// repository, which must exist; a fork's too, see Pull.HeadRepo) and
// returns a copy of it with Files filled in. Leave Files nil for GitHub's
// file list (see Pull.Files).
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
		panic(fmt.Sprintf("githubtest: AddPull: no branch %q or %q", p.HeadRef, p.BaseRef))
	}
	p.HeadSHA, p.BaseSHA = head.sha, base.sha
	p.explicitFiles = p.Files != nil
	if p.CreatedAt.IsZero() {
		p.CreatedAt = r.s.now()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	r.nextNumber++
	p.Number = r.nextNumber
	pp := p
	r.pulls[p.Number] = &pp
	return r.pullCopy(&pp)
}

// pullCopy is a copy of p for a test, its Files as the API lists them.
func (r *Repo) pullCopy(p *Pull) *Pull {
	c := *p
	c.Files, _ = r.pullFiles(p)
	c.Files = append([]PullFile(nil), c.Files...)
	return &c
}

// Pull returns a copy of pull request number (Files as the API lists
// them now), or nil.
func (r *Repo) Pull(number int) *Pull {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	p, ok := r.pulls[number]
	if !ok {
		return nil
	}
	return r.pullCopy(p)
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
		out = append(out, *r.pullCopy(p))
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

// AddIssue files an issue as i.User (someone else than djsec: a person, or
// another App's bot) and returns its number.
func (r *Repo) AddIssue(i Issue) int {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	r.nextNumber++
	i.Number = r.nextNumber
	if i.State == "" {
		i.State = "open"
	}
	ii := i
	r.issues[i.Number] = &ii
	return i.Number
}
