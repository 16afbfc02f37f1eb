package githubtest

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
)

// knownEvents are webhook events an app can subscribe to in its manifest
// (installation events reach every app without subscribing, so they are
// not among them; "schedule" is not a GitHub event at all).
var knownEvents = map[string]bool{
	"check_run": true, "check_suite": true, "commit_comment": true, "create": true, "delete": true,
	"deployment": true, "deployment_status": true, "fork": true, "gollum": true, "issue_comment": true,
	"issues": true, "label": true, "member": true, "milestone": true, "public": true, "pull_request": true,
	"pull_request_review": true, "pull_request_review_comment": true, "pull_request_review_thread": true,
	"push": true, "release": true, "repository": true, "status": true, "watch": true, "workflow_run": true,
	"workflow_dispatch": true, "workflow_job": true, "merge_group": true, "security_advisory": true,
}

// eventPermissions: an app receives an event only with one of these
// permissions, and GitHub refuses a manifest subscribing to an event its
// permissions do not cover ("To subscribe to this event, a GitHub App must
// have at least read-level access for the … permission"). Events missing
// here are not checked.
var eventPermissions = map[string][]string{
	"check_run": {"checks"}, "check_suite": {"checks"},
	"issues": {"issues"}, "issue_comment": {"issues", "pull_requests"},
	"pull_request": {"pull_requests"}, "push": {"contents"},
	"merge_group": {"merge_queues"},
}

// Manifests returns every manifest posted to the web fake, decoded.
func (s *Server) Manifests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.manifests...)
}

// webHandler stands for github.com's "Create GitHub App from manifest"
// page: it takes the form a registration page posts, checks the manifest
// as GitHub does, and — where a person would click "Create GitHub App" —
// redirects straight back to the manifest's redirect_url with a one-time
// code and the state it was given.
func (s *Server) webHandler() http.Handler {
	mux := http.NewServeMux()
	create := func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		raw := r.PostForm.Get("manifest")
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			webError(w, "The manifest is not valid JSON: "+err.Error())
			return
		}
		if problems := checkManifest(m); len(problems) > 0 {
			webError(w, strings.Join(problems, "; "))
			return
		}
		redirect, err := url.Parse(manifestString(m, "redirect_url"))
		if err != nil || redirect.Scheme == "" {
			webError(w, "redirect_url is not an absolute URL")
			return
		}
		s.mu.Lock()
		s.manifests = append(s.manifests, m)
		app := s.newApp(slugify(manifestString(m, "name")), testKey(1))
		delete(s.apps, app.ID) // it exists once the code is converted
		app.Name = manifestString(m, "name")
		app.URL = manifestString(m, "url")
		app.Description = manifestString(m, "description")
		app.RedirectURL = redirect.String()
		app.Public, _ = m["public"].(bool)
		if org := r.PathValue("org"); org != "" {
			app.Owner = org
		} else {
			app.Owner = "octocat"
		}
		if hook, ok := m["hook_attributes"].(map[string]any); ok {
			app.HookURL, _ = hook["url"].(string)
		}
		app.Events = nil
		if evs, ok := m["default_events"].([]any); ok {
			for _, e := range evs {
				app.Events = append(app.Events, fmt.Sprint(e))
			}
		}
		app.Permissions = map[string]string{}
		if perms, ok := m["default_permissions"].(map[string]any); ok {
			for k, v := range perms {
				app.Permissions[k] = fmt.Sprint(v)
			}
		}
		code := randomString(20)
		s.manifestCodes[code] = app
		s.mu.Unlock()
		q := redirect.Query()
		q.Set("code", code)
		if st := r.URL.Query().Get("state"); st != "" {
			q.Set("state", st)
		}
		redirect.RawQuery = q.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
	}
	mux.HandleFunc("POST /settings/apps/new", create)
	mux.HandleFunc("POST /organizations/{org}/settings/apps/new", create)
	return mux
}

func webError(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusUnprocessableEntity)
	fmt.Fprintf(w, "<!doctype html><title>Invalid GitHub App manifest</title><p id=error>%s</p>", html.EscapeString(msg))
}

func manifestString(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

// checkManifest applies GitHub's documented rules for app manifests.
func checkManifest(m map[string]any) []string {
	var problems []string
	if manifestString(m, "url") == "" {
		problems = append(problems, "url is required")
	}
	hook, _ := m["hook_attributes"].(map[string]any)
	if hook == nil || hook["url"] == nil || fmt.Sprint(hook["url"]) == "" {
		if active, ok := hook["active"].(bool); !ok || active {
			problems = append(problems, "hook_attributes.url is required")
		}
	}
	if n := manifestString(m, "name"); len(n) > 34 {
		problems = append(problems, "name is too long (maximum is 34 characters)")
	}
	if evs, ok := m["default_events"].([]any); ok {
		for _, e := range evs {
			if !knownEvents[fmt.Sprint(e)] {
				problems = append(problems, fmt.Sprintf("Default events unsupported: %v", e))
			}
		}
	} else if m["default_events"] != nil {
		problems = append(problems, "default_events must be a list")
	}
	perms, _ := m["default_permissions"].(map[string]any)
	for k, v := range perms {
		if v != "read" && v != "write" && v != "admin" {
			problems = append(problems, fmt.Sprintf("default_permissions.%s must be read or write", k))
		}
	}
	evs, _ := m["default_events"].([]any)
	for _, e := range evs {
		need := eventPermissions[fmt.Sprint(e)]
		covered := len(need) == 0
		for _, p := range need {
			covered = covered || perms[p] != nil
		}
		if !covered {
			problems = append(problems, fmt.Sprintf("Default events unsupported by the permissions: %v needs %s", e, strings.Join(need, " or ")))
		}
	}
	return problems
}

func slugify(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}

// convertManifest is POST /app-manifests/{code}/conversions: a code works
// once; the app it creates becomes the fake's app.
func (s *Server) convertManifest(c *call) (int, any) {
	code := c.r.PathValue("code")
	app, ok := s.manifestCodes[code]
	if !ok {
		return http.StatusNotFound, notFound()
	}
	delete(s.manifestCodes, code)
	s.apps[app.ID] = app
	s.app = app
	m := s.appJSON(app)
	m["client_secret"] = app.ClientSecret
	m["webhook_secret"] = app.WebhookSecret
	m["pem"] = app.PEM
	return http.StatusCreated, m
}
