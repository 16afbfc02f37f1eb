package commandrun_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp/githubtest"
	"github.com/djsec/djsec/server/servertest"
	"github.com/djsec/djsec/store/storetest"
)

// hardened is examples/hardened's settings module: djsec finds nothing in it.
func hardened(t testing.TB) string {
	t.Helper()
	return servertest.ExampleFile(t, "hardened/mysite/settings.py")
}

func debugOn(t testing.TB) string {
	t.Helper()
	s := hardened(t)
	if !strings.Contains(s, "DEBUG = False") {
		t.Fatal("no DEBUG = False in the hardened settings")
	}
	return strings.Replace(s, "DEBUG = False", "DEBUG = True", 1)
}

// base commits the hardened settings on main and opens a pull request
// that changes nothing the analyzer minds.
func (e *env) base() *githubtest.Pull {
	e.t.Helper()
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(e.t), ".gitignore": ".env\n"})
	return e.pr("docs", map[string]string{"README.md": "hello\n"})
}

func reactions(e *env, id int64) string { return strings.Join(e.repo.Reactions(id), ",") }

// help and explain are open to anyone: 👀 first, one reply with both
// answers, 🚀.
func TestHelpAndExplainForAnyone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.gh.ResetRequests()
	id := e.post(comment{number: p.Number, pr: true, user: "reader", body: "Thanks!\n/djsec help\n/DJSEC explain debug-enabled\n"})

	calls := e.gh.CallsExcept(githubtest.TokenRoute)
	if len(calls) == 0 || !strings.Contains(calls[0].Route, "reactions") || !strings.Contains(string(calls[0].Body), "eyes") {
		t.Errorf("first call is not the 👀 reaction:\n%s", e.gh.BudgetReport())
	}
	if strings.Contains(e.gh.BudgetReport(), "permission") {
		t.Errorf("help and explain asked for a permission:\n%s", e.gh.BudgetReport())
	}
	r := e.onlyReply()
	for _, want := range []string{"| Command | What it does | Who may run it |", "DJS201", "How to fix."} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("reply lacks %q:\n%s", want, r.Body)
		}
	}
	if got := reactions(e, id); got != "eyes,rocket" {
		t.Errorf("reactions %q, want eyes,rocket", got)
	}
}

// A person with read access runs ignore: refused with the reason, nothing
// stored, the refusal in the audit log, 😕.
func TestIgnoreRefusedForReaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.repo.SetPermission("triager", "triage")
	id := e.post(comment{number: p.Number, pr: true, user: "triager", body: "/djsec ignore DJS201 -- trust me"})
	r := e.onlyReply()
	if !strings.Contains(r.Body, "Not run") || !strings.Contains(r.Body, "`triage`") || !strings.Contains(r.Body, "Nothing was changed") {
		t.Errorf("refusal reply:\n%s", r.Body)
	}
	if got := reactions(e, id); got != "eyes,confused" {
		t.Errorf("reactions %q, want eyes,confused", got)
	}
	igs, err := e.db.Ignores(context.Background(), e.repo.ID, 0)
	if err != nil || len(igs) != 0 {
		t.Errorf("ignores after a refusal: %+v, %v", igs, err)
	}
	log, err := e.db.CommandLog(context.Background(), e.repo.ID)
	if err != nil || len(log) != 1 || log[0].OK || log[0].Login != "triager" || !strings.Contains(log[0].Result, "refused") {
		t.Errorf("audit log %+v, %v; want one refusal", log, err)
	}

	// The refusal shows in the ignore trail.
	e.post(comment{number: p.Number, pr: true, user: "triager", body: "/djsec ignores"})
	if rs := e.replies(); len(rs) != 2 || !strings.Contains(rs[1].Body, "has no ignores") ||
		!strings.Contains(rs[1].Body, "| `triager` | #1 | `/djsec ignore DJS201 -- trust me` | not done: refused: permission triage |") {
		t.Errorf("replies: %+v", rs)
	}
}

// Bots are never answered: a Bot account is dropped by the handler, a
// [bot] login that claims to be a User by the job.
func TestBotsIgnored(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	if _, queued := e.send(&comment{number: p.Number, pr: true, user: "dependabot[bot]", userBot: true, body: "/djsec help"}); queued {
		t.Error("a bot's comment was queued")
	}
	e.post(comment{number: p.Number, pr: true, user: "mysite[bot]", body: "/djsec help"})
	if r := e.replies(); len(r) != 0 {
		t.Errorf("replied to a bot: %+v", r)
	}
	for _, c := range e.repo.Comments() {
		if got := reactions(e, c.ID); got != "" {
			t.Errorf("reacted %q to a bot's comment", got)
		}
	}
}

// ignore by a writer, then a pull request that turns DEBUG on: the check
// run shows the finding as suppressed, not failed. ignores lists the
// ignore; unignore removes it; all mutations are in the audit log.
func TestIgnoreSuppressesInCheckRun(t *testing.T) {
	t.Parallel()
	storetest.Dialects(t, func(t *testing.T, url string) {
		e := newEnv(t, envOptions{url: url})
		p := e.base()
		e.repo.SetPermission("maintainer", "maintain")
		id := e.post(comment{number: p.Number, pr: true, user: "maintainer",
			body: "/djsec ignore debug-enabled \"mysite/**\" -- staging `only` | VPN\n/djsec ignores"})
		if got := reactions(e, id); got != "eyes,rocket" {
			t.Fatalf("reactions %q, want eyes,rocket; reply:\n%s", got, e.onlyReply().Body)
		}
		r := e.onlyReply().Body
		if !strings.Contains(r, "Ignoring `DJS201` (debug-enabled) in `mysite/**` repository-wide") {
			t.Errorf("ignore reply:\n%s", r)
		}
		if !strings.Contains(r, "| `DJS201` | `mysite/**` | repository | `` staging `only` \\| VPN `` | `maintainer` |") {
			t.Errorf("ignores table:\n%s", r)
		}

		bad := e.pr("debug", map[string]string{"mysite/settings.py": debugOn(t)})
		ev, _ := e.deliver("pull_request", e.gh.PullRequestEvent(t, e.repo, bad.Number, "opened"))
		e.wait(ev)
		var run githubtest.CheckRun
		for _, cr := range e.repo.CheckRuns() {
			if cr.HeadSHA == bad.HeadSHA {
				run = cr
			}
		}
		if run.Conclusion != "success" || !strings.Contains(run.Summary, "maintainer") || !strings.Contains(strings.ToLower(run.Summary), "suppressed") {
			t.Errorf("check run %s, summary:\n%s", run.Conclusion, run.Summary)
		}

		e.post(comment{number: p.Number, pr: true, user: "maintainer", body: "/djsec unignore DJS201 mysite/**"})
		if igs, _ := e.db.Ignores(context.Background(), e.repo.ID, 0); len(igs) != 0 {
			t.Errorf("ignores after unignore: %+v", igs)
		}
		log, _ := e.db.CommandLog(context.Background(), e.repo.ID)
		if len(log) != 2 || !log[0].OK || !log[1].OK || !strings.HasPrefix(log[1].Command, "/djsec unignore DJS201") {
			t.Errorf("audit log %+v; want ignore and unignore", log)
		}
	})
}

// recheck runs the check again on the pull request's head.
func TestRecheck(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{"mysite/settings.py": hardened(t)})
	p := e.pr("debug", map[string]string{"mysite/settings.py": debugOn(t)})
	e.repo.SetPermission("writer", "write")
	id := e.post(comment{number: p.Number, pr: true, user: "writer", body: "/djsec recheck"})
	var runs int
	for _, cr := range e.repo.CheckRuns() {
		if cr.HeadSHA == p.HeadSHA && cr.Status == "completed" {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("%d completed check runs on the head, want 1", runs)
	}
	if r := e.onlyReply().Body; !strings.Contains(r, "Checked `"+p.HeadSHA[:7]+"` again") {
		t.Errorf("reply:\n%s", r)
	}
	if got := reactions(e, id); got != "eyes,rocket" {
		t.Errorf("reactions %q", got)
	}
}

// recheck and ignore --pr need a pull request: on an issue they say so.
func TestPullRequestCommandsOnAnIssue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.base()
	n := e.issue("djsec audit")
	e.repo.SetPermission("writer", "write")
	e.post(comment{number: n, user: "writer", body: "/djsec recheck\n/djsec ignore DJS201 --pr -- x"})
	r := e.onlyReply().Body
	if strings.Count(r, "this comment is on an issue") != 2 {
		t.Errorf("reply:\n%s", r)
	}
	if igs, _ := e.db.Ignores(context.Background(), e.repo.ID, 0); len(igs) != 0 {
		t.Errorf("ignores: %+v", igs)
	}
}

// config shows each setting with where it comes from: the base branch's
// file or the default.
func TestConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.repo.Commit("main", map[string]string{".github/djsec.yml": "fail_on: medium\nthresholds:\n  upload_max_mb: 10\n"})
	p := e.base()
	e.post(comment{number: p.Number, pr: true, user: "reader", body: "/djsec config"})
	r := e.onlyReply().Body
	for _, want := range []string{
		"| `fail_on` | `medium` | from `.github/djsec.yml` |",
		"| `thresholds.upload_max_mb` | `10` | from `.github/djsec.yml` |",
		"| `drafts` | `true` | default |",
		"| `thresholds.hsts_min_seconds` | `31536000` | default |",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("config reply lacks %q:\n%s", want, r)
		}
	}

	n := e.issue("question")
	e.post(comment{number: n, user: "reader", body: "/djsec config"})
	if rs := e.replies(); len(rs) != 2 || !strings.Contains(rs[1].Body, "`.github/djsec.yml@main`") {
		t.Errorf("config on an issue: %+v", rs)
	}
}

// fix and audit are not in this build: an honest answer, 😕, and the
// attempt in the audit log.
func TestFixAndAuditNotAvailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.repo.SetPermission("admin", "admin")
	id := e.post(comment{number: p.Number, pr: true, user: "admin", body: "/djsec fix\n/djsec audit"})
	r := e.onlyReply().Body
	if strings.Count(r, "does not offer") != 2 || strings.Contains(r, "✅") {
		t.Errorf("reply:\n%s", r)
	}
	if got := reactions(e, id); got != "eyes,confused" {
		t.Errorf("reactions %q", got)
	}
	log, _ := e.db.CommandLog(context.Background(), e.repo.ID)
	if len(log) != 2 || log[0].OK || log[1].OK {
		t.Errorf("audit log %+v", log)
	}
}

// An unknown command gets the help text with the closest command.
func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	id := e.post(comment{number: p.Number, pr: true, user: "reader", body: "/djsec ignroe DJS201"})
	r := e.onlyReply().Body
	if !strings.Contains(r, "Did you mean `ignore`?") || !strings.Contains(r, "All djsec commands") {
		t.Errorf("reply:\n%s", r)
	}
	if got := reactions(e, id); got != "eyes,confused" {
		t.Errorf("reactions %q", got)
	}
}

// 10 commands a minute per person and repository: the 11th is answered
// once with the limit, after that djsec is silent; a minute later it
// answers again.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	var mu = make(chan struct{}, 1)
	mu <- struct{}{}
	clock := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { <-mu; defer func() { mu <- struct{}{} }(); return clock }
	advance := func(d time.Duration) { <-mu; clock = clock.Add(d); mu <- struct{}{} }
	e := newEnv(t, envOptions{now: now})
	p := e.base()
	e.post(comment{number: p.Number, pr: true, user: "chatty", body: strings.Repeat("/djsec help\n", 9)})
	second := e.post(comment{number: p.Number, pr: true, user: "chatty", body: "/djsec explain DJS201\n/djsec help"})
	rs := e.replies()
	if len(rs) != 2 || !strings.Contains(rs[1].Body, "DJS201") || !strings.Contains(rs[1].Body, "at most 10 commands per person") {
		t.Fatalf("replies: %+v", rs)
	}
	if got := reactions(e, second); got != "eyes,confused" {
		t.Errorf("reactions %q", got)
	}
	third := e.post(comment{number: p.Number, pr: true, user: "chatty", body: "/djsec help"})
	if rs := e.replies(); len(rs) != 2 || reactions(e, third) != "" {
		t.Errorf("not silent after the notice: %d replies, reactions %q", len(rs), reactions(e, third))
	}
	// Someone else is not limited.
	e.post(comment{number: p.Number, pr: true, user: "other", body: "/djsec help"})
	advance(61 * time.Second)
	e.post(comment{number: p.Number, pr: true, user: "chatty", body: "/djsec help"})
	if rs := e.replies(); len(rs) != 4 {
		t.Errorf("%d replies after the minute, want 4", len(rs))
	}
}

// An edit that changes the commands updates djsec's reply; one that
// changes only the prose runs nothing.
func TestEditedCommentUpdatesReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	first := "/djsec explain DJS201"
	id := e.post(comment{number: p.Number, pr: true, user: "reader", body: first})
	before := e.onlyReply()

	second := "/djsec explain DJS204"
	e.post(comment{number: p.Number, pr: true, id: id, user: "reader", body: second, previous: &first})
	after := e.onlyReply()
	if after.ID != before.ID || !strings.Contains(after.Body, "DJS204") || strings.Contains(after.Body, "**DJS201**") {
		t.Errorf("reply %d → %d:\n%s", before.ID, after.ID, after.Body)
	}

	e.gh.ResetRequests()
	third := "Typo fixed.\n" + second
	e.post(comment{number: p.Number, pr: true, id: id, user: "reader", body: third, previous: &second})
	if n := e.gh.Budget(); n != 0 {
		t.Errorf("an edit of prose made %d calls:\n%s", n, e.gh.BudgetReport())
	}

	// The commands removed: the reply says nothing runs any more.
	e.post(comment{number: p.Number, pr: true, id: id, user: "reader", body: "never mind", previous: &third})
	if r := e.onlyReply(); r.ID != before.ID || !strings.Contains(r.Body, "no longer holds") {
		t.Errorf("reply after the commands were removed:\n%s", r.Body)
	}
}

// A comment without commands costs no call at all.
func TestPlainCommentIsFree(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.gh.ResetRequests()
	e.post(comment{number: p.Number, pr: true, user: "reader", body: "LGTM\n> /djsec fix\n```\n/djsec audit\n```\n"})
	if n := e.gh.Budget(); n != 0 {
		t.Errorf("%d calls:\n%s", n, e.gh.BudgetReport())
	}
}

// A captured, signed delivery replayed under a new delivery ID runs
// nothing: the same version of the same comment was answered.
func TestReplayedDeliveryRunsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	e.repo.SetPermission("alice", "write")
	c := comment{number: p.Number, pr: true, user: "alice", body: "/djsec ignore DJS201 -- reviewed"}
	body := e.payload(&c)
	first, _ := e.deliver("issue_comment", body)
	e.wait(first)
	replay, queued := e.deliver("issue_comment", body)
	if !queued {
		t.Fatal("the replay was not queued (a new delivery ID must be)")
	}
	e.wait(replay)
	if n := len(e.replies()); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
	log, err := e.db.CommandLog(context.Background(), e.repo.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 {
		t.Errorf("the command ran %d times, want once: %+v", len(log), log)
	}
}

// A comment created and edited at once (both events queued before either
// job ran) gets one reply, answering the edit.
func TestQuickEditOneReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	p := e.base()
	first := "/djsec explain DJS201"
	c := comment{number: p.Number, pr: true, user: "reader", body: first}
	created, _ := e.send(&c)
	edit := comment{number: p.Number, pr: true, id: c.id, user: "reader", body: "/djsec explain DJS204", previous: &first}
	edited, _ := e.send(&edit)
	e.wait(created)
	e.wait(edited)
	rs := e.replies()
	if len(rs) != 1 {
		t.Fatalf("%d replies, want 1", len(rs))
	}
	if !strings.Contains(rs[0].Body, "DJS204") {
		t.Errorf("the reply does not answer the edit:\n%s", rs[0].Body)
	}
}
