package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/githubtest"
)

// composeSettings is the most common repository shape there is: settings
// that read DB_NAME, DB_USER and DB_PASSWORD from os.environ and no
// .env.example. safe is main's version; the pull request makes it unsafe.
func composeSettings(unsafe bool) string {
	key, debug, cors := `os.environ["DJANGO_SECRET_KEY"]`, "False", "CORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]"
	if unsafe {
		key, debug, cors = `"django-insecure-9f$k2m!x@q7w#e4r5t6y8u0i-p1a3s5d7f9g2h4j6k8l0z"`, "True", "CORS_ALLOW_ALL_ORIGINS = True"
	}
	return fmt.Sprintf(`import os

SECRET_KEY = %s
DEBUG = %s
ALLOWED_HOSTS = ["shop.example.com"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["DB_NAME"],
        "USER": os.environ["DB_USER"],
        "PASSWORD": os.environ["DB_PASSWORD"],
        "HOST": "db",
    }
}

%s
`, key, debug, cors)
}

// The scenario, through the webhook, the queue and the fake of
// GitHub: `/djsec fix` on a pull request that hardcodes a django-insecure
// key, turns DEBUG on and opens CORS, in a repository without
// .env.example, gives one fix-up pull request with one commit that fixes
// SECRET_KEY, DEBUG, CORS, logging and login limiting, adds one
// .env.example documenting every required variable, and re-analyses clean
// of those findings. The reply says the job is queued, then links it.
func TestStoryFixUpComposes(t *testing.T) {
	t.Parallel()
	env := NewEnv(t, SQLite)
	inst := env.GH.AddInstallation(installationID, owner)
	repo := env.GH.AddRepo(inst, repoName)
	repo.SetPermission("maintainer", "maintain")
	wsgi := "import os\n\nfrom django.core.wsgi import get_wsgi_application\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\napplication = get_wsgi_application()\n"
	repo.Commit("main", map[string]string{
		"manage.py":        "import os\nimport sys\n\nos.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"shop.settings\")\nfrom django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
		"shop/__init__.py": "",
		"shop/wsgi.py":     wsgi,
		"shop/settings.py": composeSettings(false),
		"requirements.txt": "Django==5.2.8\ndjango-cors-headers==4.6.0\ngunicorn==23.0.0\n",
		".gitignore":       "__pycache__/\n",
	})
	repo.Commit("feature", map[string]string{"shop/settings.py": composeSettings(true)})
	pr := repo.AddPull(githubtest.Pull{HeadRef: "feature", Title: "Local development", User: "alice"})
	srv := env.Start(t)

	srv.Deliver(t, "pull_request", env.GH.PullRequestEvent(t, repo, pr.Number, "opened"))
	run := completedRun(t, srv, repo, pr.HeadSHA)
	if run.Conclusion != "failure" {
		t.Fatalf("the unsafe pull request's check: %s", run.Conclusion)
	}
	reply := command(t, env, srv, repo, pr.Number, true, "maintainer", "/djsec fix")
	if !strings.Contains(reply.Body, "Queued") {
		t.Errorf("the first reply does not say the fix-up is queued:\n%s", reply.Body)
	}
	reply = settledReply(t, srv, repo, reply)

	var fix githubtest.Pull
	for _, p := range repo.Pulls() {
		if p.Number != pr.Number {
			if fix.Number != 0 {
				t.Fatalf("two fix-up pull requests: #%d and #%d", fix.Number, p.Number)
			}
			fix = p
		}
	}
	if fix.Number == 0 {
		t.Fatalf("no fix-up pull request; the reply says:\n%s\n%s", reply.Body, srv.LogTail(60))
	}
	if !strings.Contains(reply.Body, fmt.Sprintf("#%d", fix.Number)) {
		t.Errorf("the reply does not link #%d:\n%s", fix.Number, reply.Body)
	}
	if strings.Contains(fix.Body, "Needs a person") {
		t.Errorf("the fix-up leaves critical items to a person:\n%s", fix.Body)
	}
	tree, parent := repo.Tree(fix.HeadRef)
	if head, _ := repo.Branch("feature"); parent != head {
		t.Errorf("the fix-up branch is not one commit on the pull request's head (parent %s, head %s)", parent, head)
	}
	settings := tree["shop/settings.py"]
	for _, want := range []string{`SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]`, `DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"`,
		"CORS_ALLOW_ALL_ORIGINS = False", `"django.security"`, `"axes.middleware.AxesMiddleware"`} {
		if !strings.Contains(settings, want) {
			t.Errorf("fixed settings lack %s:\n%s", want, settings)
		}
	}
	example, ok := tree[".env.example"]
	if !ok {
		t.Fatalf("no .env.example in the fix-up; files %v", keys(tree))
	}
	for _, v := range []string{"DJANGO_SECRET_KEY=\n", "DB_NAME=\n", "DB_USER=\n", "DB_PASSWORD=\n", "DJANGO_DEBUG=", "DJANGO_CORS_ALLOWED_ORIGINS="} {
		if !strings.Contains(example, v) {
			t.Errorf(".env.example lacks %s:\n%s", v, example)
		}
	}
	files := map[string][]byte{}
	for p, c := range tree {
		files[p] = []byte(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, f := range checks.Analyze(ctx, checks.Input{Files: files, Now: time.Now()}).Findings {
		switch f.Rule {
		case "DJS101", "DJS103", "DJS201", "DJS301", "DJS605", "DJS801", "DJS108", "DJS106":
			t.Errorf("the fixed tree still has %s at %s:%d: %s", f.Rule, f.Path, f.Line, f.Message)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
