package registration

import (
	"html/template"
	"sync"

	"github.com/gin-gonic/gin"
)

type pageData struct {
	Name, Action, Manifest, Org, WebURL, HookURL, Public string
	Error                                                string
	Registered                                           *AppCredentials
	JustRegistered                                       bool
	// Locked: not registered, and this browser has not shown the setup
	// token. Running: registered, seen by someone else.
	Locked, Running bool
}

// Parsed on first use: bot commands other than serve never need it.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>djsec · set up</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
h1 { font-size: 1.6rem; }
code { background: #f6f8fa; padding: .1em .3em; border-radius: 4px; }
button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #1f883d; background: #1f883d; color: #fff; cursor: pointer; }
input[type=text] { font: inherit; padding: .4rem; border: 1px solid #d0d7de; border-radius: 6px; }
.box { border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.error { border-color: #cf222e; color: #cf222e; }
</style>
</head>
<body>
{{if .Error}}
<h1>djsec</h1>
<p class="box error" id="error">{{.Error}}</p>
<p><a href="/">Back to the set-up page</a></p>
{{else if .Locked}}
<h1>djsec</h1>
<p class="box" id="locked">This server is waiting to be registered as a GitHub App. Only its operator
can do that: open the link with the one-time setup token that the server printed in its log when it
started (the line "registration page"), or set <code>APP_ID</code> and <code>PRIVATE_KEY</code>.</p>
{{else if .Running}}
<h1>djsec</h1>
<p id="running">This djsec server is running.</p>
{{else if .Registered}}
<h1>{{if .JustRegistered}}djsec is registered{{else}}djsec is already registered{{end}}</h1>
<p id="registered">GitHub App <strong>{{.Registered.Slug}}</strong> (ID {{.Registered.ID}}) is set up{{if .JustRegistered}} and this server is using it now — no restart needed{{end}}.</p>
<p><a id="install" href="{{.Registered.HTMLURL}}/installations/new">Install it on your repositories</a>: djsec then checks every pull request.</p>
{{else}}
<h1>Set up {{.Name}}</h1>
<p>This server has no GitHub App yet. One click registers it on GitHub with
the settings in <code>app.yml</code>: webhooks to <code>{{.HookURL}}</code>,
the events djsec answers and the least permissions it needs. GitHub asks you
to confirm, then sends you back here.</p>
<form class="box" id="register" action="{{.Action}}" method="post">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<p>{{if .Org}}Register the app for the organisation <strong>{{.Org}}</strong>.{{else}}Register the app on your personal account.{{end}}</p>
<button type="submit">Register GitHub App</button>
</form>
<form class="box" id="organisation" action="/" method="get">
<label>For an organisation instead: <input type="text" name="org" value="{{.Org}}" placeholder="organisation" pattern="[A-Za-z0-9-]{1,39}"></label>
<button type="submit">Use this organisation</button>
</form>
<p>GitHub: <code>{{.WebURL}}</code>. Served at <code>{{.Public}}</code>; if GitHub cannot reach that address, set the public URL before registering.</p>
{{end}}
</body>
</html>
`))
})

func render(c *gin.Context, status int, d pageData) {
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' "+formTarget(d.Action))
	c.Status(status)
	_ = pageTemplate().Execute(c.Writer, d)
}

// formTarget is the origin the registration form may post to.
func formTarget(action string) string {
	if action == "" {
		return ""
	}
	for i := len("https://"); i < len(action); i++ {
		if action[i] == '/' {
			return action[:i]
		}
	}
	return action
}
