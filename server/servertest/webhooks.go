package servertest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/handlers"
)

var client = &http.Client{Timeout: 30 * time.Second}

// Post sends one webhook to base/webhook with the X-Hub-Signature-256
// given (handlers.Sign; "" leaves it out, as an empty event or delivery
// ID leaves its header out) and returns the status and the answer's body.
// It fails nothing: a test that expects a refusal reads the status.
func Post(base, event, deliveryID string, body []byte, signature string) (status int, reply string, err error) {
	req, err := NewWebhookRequest(base+"/webhook", event, deliveryID, body, signature)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// NewWebhookRequest is the request GitHub makes to deliver a webhook to
// url, for a caller with a client of its own (a benchmark's, or one to
// another app's path).
func NewWebhookRequest(url, event, deliveryID string, body []byte, signature string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/servertest")
	for k, v := range map[string]string{handlers.EventHeader: event, handlers.DeliveryHeader: deliveryID, handlers.SignatureHeader: signature} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return req, nil
}

// webhooksDir is the repository's testdata/webhooks, found from this
// file's place so that any package's test reads the same payloads.
func webhooksDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "webhooks")
}

// Example is GitHub's example payload NAME (testdata/webhooks/NAME.json,
// such as "pull_request.opened"), as it is.
func Example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(webhooksDir(), name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Payload is Example decoded (numbers kept as json.Number), to change a
// field or two before Marshal.
func Payload(t testing.TB, name string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(Example(t, name)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	return m
}

// Marshal is json.Marshal failing the test.
func Marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// repository is a webhook's "repository" object for repo.
func repository(repo *githubtest.Repo) map[string]any {
	return map[string]any{"id": repo.ID, "full_name": repo.FullName(), "name": repo.Name,
		"owner": map[string]any{"login": repo.Owner}, "default_branch": repo.DefaultBranch, "private": repo.Private}
}

// InstallationCreatedEvent builds an `installation` created webhook from
// GitHub's example payload for inst, listing repos (githubtest has
// builders for pull request and check events only).
func InstallationCreatedEvent(t testing.TB, inst *githubtest.Installation, repos ...*githubtest.Repo) []byte {
	t.Helper()
	p := Payload(t, "installation.created")
	p["action"] = "created"
	in := p["installation"].(map[string]any)
	in["id"] = inst.ID
	if acc, ok := in["account"].(map[string]any); ok {
		acc["login"] = inst.Account
	}
	var list []any
	for _, r := range repos {
		list = append(list, map[string]any{"id": r.ID, "node_id": fmt.Sprintf("R_%d", r.ID), "name": r.Name, "full_name": r.FullName(), "private": r.Private})
	}
	p["repositories"] = list
	p["sender"] = map[string]any{"login": inst.Account + "-admin", "id": 9001, "type": "User"}
	return Marshal(t, p)
}

// Comment describes an issue_comment webhook.
type Comment struct {
	Repo *githubtest.Repo
	// Installation is the installation's ID the event names.
	Installation int64
	// Number is the issue or pull request; PullRequest says which.
	Number      int
	PullRequest bool
	// ID is the comment's ID in the fake (Repo.AddComment's answer).
	ID   int64
	User string
	// Bot makes the author a bot account.
	Bot  bool
	Body string
	// Previous makes the event an edit from that body.
	Previous *string
	// Association is the author's author_association (default MEMBER).
	Association string
	// UpdatedAt is the comment's updated_at (zero: the example's).
	UpdatedAt time.Time
}

// IssueCommentEvent builds an `issue_comment` webhook (created, or edited
// with Previous) from GitHub's example payload. Add the comment to the
// fake first (Repo.AddComment) so that djsec's reactions and replies find
// it.
func IssueCommentEvent(t testing.TB, gh *githubtest.Server, c Comment) []byte {
	t.Helper()
	p := Payload(t, "issue_comment.created")
	p["action"] = "created"
	if c.Previous != nil {
		p["action"] = "edited"
		p["changes"] = map[string]any{"body": map[string]any{"from": *c.Previous}}
	}
	issue := p["issue"].(map[string]any)
	issue["number"] = c.Number
	issue["url"] = fmt.Sprintf("%s/repos/%s/issues/%d", gh.URL, c.Repo.FullName(), c.Number)
	delete(issue, "pull_request")
	if c.PullRequest {
		issue["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/%s/pulls/%d", gh.URL, c.Repo.FullName(), c.Number)}
	}
	typ := "User"
	if c.Bot {
		typ = "Bot"
	}
	association := c.Association
	if association == "" {
		association = "MEMBER"
	}
	cm := p["comment"].(map[string]any)
	cm["id"], cm["body"], cm["author_association"] = c.ID, c.Body, association
	if !c.UpdatedAt.IsZero() {
		cm["updated_at"] = c.UpdatedAt.Format(time.RFC3339)
	}
	cm["user"] = map[string]any{"login": c.User, "id": 7001, "type": typ}
	p["sender"] = map[string]any{"login": c.User, "id": 7001, "type": typ}
	p["repository"] = repository(c.Repo)
	if org, ok := p["organization"].(map[string]any); ok {
		org["login"] = c.Repo.Owner
	}
	p["installation"] = map[string]any{"id": c.Installation}
	return Marshal(t, p)
}

// PushEvent builds the `push` webhook GitHub sends after a push to the
// repository's default branch moved it from before to after.
func PushEvent(t testing.TB, repo *githubtest.Repo, installation int64, before, after string) []byte {
	t.Helper()
	p := Payload(t, "push.branch")
	p["ref"] = "refs/heads/" + repo.DefaultBranch
	p["before"], p["after"], p["deleted"], p["created"] = before, after, false, false
	p["repository"] = repository(repo)
	p["installation"] = map[string]any{"id": installation}
	return Marshal(t, p)
}

// ExampleTree reads every file of the repository's examples/dir (a Django
// project such as "startproject"), by slash path relative to it: the
// content a test commits to a fake repository.
func ExampleTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	root := filepath.Join(filepath.Dir(webhooksDir()), "..", "examples", dir)
	files := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("examples/%s: no files", dir)
	}
	return files
}

// ExampleFile reads one file of the repository's examples/ (path with
// slashes, such as "hardened/mysite/settings.py").
func ExampleFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(webhooksDir()), "..", "examples", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Edit replaces each old with its new in s (pairs: old, new, old, new…),
// failing the test when an old is missing: a fixture's edit that no longer
// applies must not pass silently.
func Edit(t testing.TB, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit: %q not found", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}
