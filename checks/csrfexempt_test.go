package checks

import (
	"strings"
	"testing"
)

// csrfHead is the import block every view module below starts with
// (9 lines, so a view's decorator is on line 10).
const csrfHead = `import os
import subprocess

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

`

// TestCSRFExemptViewFires lists what a state-changing exempt view looks
// like: each case is one view, reported at its decorator (line 10).
func TestCSRFExemptViewFires(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, view, effect string
	}{
		{"session user and save", `@csrf_exempt
@login_required
def edit(request):
    if request.method == "POST":
        request.user.profile.bio = request.POST["bio"]
        request.user.profile.save()
    return HttpResponse()
`, "writes to the database"},
		{"queryset update with keywords", `@csrf_exempt
def publish(request):
    Post.objects.filter(pk__in=request.POST.getlist("id")).update(published=True)
    return HttpResponse()
`, "writes to the database"},
		{"method test other than GET", `@csrf_exempt
def remove(request, pk):
    if request.method != "GET":
        Item.objects.get(pk=pk).delete()
    return HttpResponse()
`, "writes to the database"},
		{"eval of the body", `@csrf_exempt
def calc(request):
    return HttpResponse(eval(request.body))
`, "evaluates code"},
		{"command through a helper of the module", `def run(cmd):
    return subprocess.run(cmd, shell=True)


@csrf_exempt
def ping_host(request):
    if request.method == "POST":
        run("ping -c1 " + request.POST["host"])
    return HttpResponse()
`, "runs a command"},
		{"file written", `@csrf_exempt
def save_note(request):
    with open(os.path.join("/srv/notes", request.POST["name"]), "w") as f:
        f.write(request.POST["text"])
    return HttpResponse()
`, "writes a file"},
		{"session written", `@csrf_exempt
def set_lang(request):
    request.session["lang"] = request.POST["lang"]
    return HttpResponse()
`, "writes the session"},
		{"visitor read before the user is replaced", `@csrf_exempt
def claim(request, token):
    bot = Bot.objects.get(webhook_token=token, owner=request.user)
    request.user = bot.owner
    Entry.objects.create(text=request.body, created_by=request.user)
    return HttpResponse()
`, "writes to the database"},
		{"login", `@csrf_exempt
def sso(request):
    user = authenticate(request, token=request.POST["token"])
    login(request, user)
    return HttpResponse()
`, "changes who is logged in"},
		{"unsafe yaml", `@csrf_exempt
def load(request):
    import yaml
    return HttpResponse(yaml.load(request.FILES["f"]))
`, "runs code"},
		{"mail", `@csrf_exempt
def invite(request):
    if request.method == "POST":
        EmailMessage("Hi", "Join us", to=[request.POST["to"]]).send()
    return HttpResponse()
`, "sends mail"},
		{"a key header that is only an alternative to the session", `@csrf_exempt
def rename(request):
    owner = request.user if "Authorization" not in request.headers else None
    if request.method == "POST":
        Board.objects.filter(owner=owner).update(name=request.POST["name"])
    return HttpResponse()
`, "writes to the database"},
		{"an id in the URL is no secret", `@csrf_exempt
def close(request, user_id):
    if request.method == "POST":
        User.objects.filter(pk=user_id).update(is_active=False)
    return HttpResponse()
`, "writes to the database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := csrfHead + c.view
			line := 10 + strings.Count(c.view[:strings.Index(c.view, "@csrf_exempt")], "\n")
			res := analyzeFiles(t, map[string]string{"shop/views.py": src})
			got := findingsOf(res, "DJS307")
			if len(got) != 1 {
				t.Fatalf("%d findings, want 1: %s", len(got), ruleIDs(res))
			}
			if got[0].Line != line || got[0].Severity != Medium || !strings.Contains(got[0].Message, c.effect) {
				t.Errorf("line %d %s %q, want line %d medium with %q", got[0].Line, got[0].Severity, got[0].Message, line, c.effect)
			}
		})
	}
}

// TestCSRFExemptViewSilent lists exempt views with nothing to forge.
func TestCSRFExemptViewSilent(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, view string }{
		{"no unsafe method and no body", `@csrf_exempt
def dashboard(request):
    Visit.objects.create(user=request.user)
    return HttpResponse()
`},
		{"POST that changes nothing", `@csrf_exempt
@login_required
def preview(request):
    if request.method == "POST":
        logger.info("preview by %s", request.user)
        return HttpResponse(markdown(request.POST["text"]))
    return HttpResponse()
`},
		{"writes only in the GET branch", `@csrf_exempt
def counter(request):
    if request.method in ("GET", "HEAD"):
        Counter.objects.filter(pk=1).update(hits=F("hits") + 1)
        return HttpResponse()
    elif request.method == "POST":
        return HttpResponse(Counter.objects.get(pk=1).hits)
`},
		{"GET only", `@csrf_exempt
@require_GET
def feed(request):
    Feed.objects.filter(pk=1).update(read=True)
    return HttpResponse(request.POST)
`},
		{"signed token", `@csrf_exempt
def unsubscribe(request, signed):
    try:
        email = TimestampSigner().unsign(signed, max_age=3600)
    except BadSignature:
        return HttpResponse(status=400)
    if request.method == "POST":
        Subscriber.objects.filter(email=email).delete()
    return HttpResponse()
`},
		{"constant-time compare of a header", `@csrf_exempt
def report(request):
    if not constant_time_compare(request.headers.get("X-Token", ""), settings.REPORT_TOKEN):
        return HttpResponse(status=403)
    Report.objects.create(body=request.body)
    return HttpResponse()
`},
		{"signature verified by a helper", `def verify(request):
    return hmac.compare_digest(request.headers["X-Sig"], sign(request.body))


@csrf_exempt
def hook(request):
    if not verify(request):
        return HttpResponse(status=403)
    Event.objects.create(body=request.POST["event"])
    return HttpResponse()
`},
		{"API key header, no session", `@csrf_exempt
def push(request):
    project = Project.objects.get(api_key=request.headers["X-Api-Key"])
    Metric.objects.create(project=project, value=request.POST["v"])
    return HttpResponse()
`},
		{"secret in the URL", `@csrf_exempt
def ping(request, ping_token):
    check = Check.objects.get(token=ping_token)
    check.last_ping_body = request.body
    check.save()
    return HttpResponse()
`},
		{"webhook acting as the owner it looked up", `@csrf_exempt
def hook(request, token):
    bot = Bot.objects.get(webhook_token=token)
    request.user = bot.owner
    Entry.objects.create(text=request.body, created_by=request.user)
    return HttpResponse()
`},
		{"DRF function view", `@csrf_exempt
@api_view(["POST"])
def create(request):
    Item.objects.create(name=request.data["name"])
    return HttpResponse()
`},
		{"manual CSRF check", `@csrf_exempt
def federated(request):
    reason = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, None, (), {})
    if reason is not None:
        return reason
    Account.objects.create(name=request.POST["name"])
    return HttpResponse()
`},
		{"state kept in the session", `@csrf_exempt
def oauth_callback(request):
    expected = request.session.pop("oauth_state", None)
    if request.POST.get("state") != expected:
        return HttpResponse(status=400)
    login(request, user_from(request.POST["code"]))
    return HttpResponse()
`},
		{"read-mode open", `@csrf_exempt
def show(request):
    with open(os.path.join("/srv/docs", request.POST["name"])) as f:
        return HttpResponse(f.read())
`},
		{"dict update is no write", `@csrf_exempt
def echo(request):
    data = {}
    data.update(request.POST)
    return HttpResponse(data)
`},
		{"call into an installed package", `@csrf_exempt
def tweet(request):
    client.statuses.update(request.POST["text"])
    return HttpResponse()
`},
		{"no-op on a View handler", `class Save(View):
    @method_decorator(csrf_exempt)
    def post(self, request):
        Item.objects.create(owner=request.user)
        return HttpResponse()
`},
		{"vendored REST dispatch", `class Base(View):
    @csrf_exempt
    def dispatch(self, request, *args, **kwargs):
        request = self.initialize_request(request, *args, **kwargs)
        self.initial(request, *args, **kwargs)
        return getattr(self, request.method.lower())(request, *args, **kwargs)


class Items(Base):
    def post(self, request):
        Item.objects.create(owner=request.user)
        return HttpResponse()
`},
		{"exempt dispatch of a view whose handlers djsec cannot see", `class Graph(GraphQLView):
    @csrf_exempt
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponse(status=403)
        return super().dispatch(request, *args, **kwargs)
`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeFiles(t, map[string]string{"shop/views.py": csrfHead + c.view})
			if got := findingsOf(res, "DJS307"); len(got) != 0 {
				t.Errorf("reported: %s", got[0].Message)
			}
		})
	}
}

// TestCSRFExemptViewFinding covers where the exemption is read, and the
// finding's key.
func TestCSRFExemptViewFinding(t *testing.T) {
	t.Parallel()
	const saves = `    def post(self, request):
        Hook.objects.create(body=request.body)
        return HttpResponse()
`
	const view = `from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def webhook(request):
    Hook.objects.create(body=request.body)
    return HttpResponse("ok")


def normal(request):
    return HttpResponse("ok")
`
	const cbv = `from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt as no_csrf


@method_decorator(no_csrf, name="dispatch")
class Hook(View):
` + saves + `

class Other(View):
    @method_decorator(no_csrf)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

` + saves + `

class AsView(View):
    @classmethod
    def as_view(cls, **kwargs):
        return no_csrf(super().as_view(**kwargs))

` + saves
	const urls = `from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from shop import views

urlpatterns = [
    path("hook/", csrf_exempt(views.Hook.as_view())),
    path("graphql/", csrf_exempt(
        GraphQLView.as_view(graphiql=True))),
]
`
	const authURLs = `from django.contrib.auth import views as auth_views
from django.contrib.auth.views import PasswordChangeView
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

urlpatterns = [
    path("login/", csrf_exempt(auth_views.LoginView.as_view())),
    path("password/", csrf_exempt(PasswordChangeView.as_view())),
    path("done/", csrf_exempt(auth_views.PasswordChangeDoneView.as_view())),
]
`
	const hooks = `from django.http import HttpResponse
from django.views import View


class Hook(View):
` + saves
	const attr = `from django.views.decorators import csrf


@csrf.csrf_exempt
def hook(request):
    Hook.objects.create(body=request.body)
`
	const local = `def csrf_exempt(f):
    return f


@csrf_exempt
def helper(request):
    Hook.objects.create(body=request.body)
`
	type want struct {
		line int
		key  string
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []want
	}{
		{"decorator in views", map[string]string{"shop/views.py": view}, []want{{5, "webhook"}}},
		{"decorator in any module importing it", map[string]string{"shop/hooks.py": view}, []want{{5, "webhook"}}},
		{"method_decorator, dispatch, as_view and alias", map[string]string{"shop/views/hooks.py": cbv}, []want{{6, "Hook"}, {14, "Other.dispatch"}, {26, "csrf_exempt(super().as_view(**kwargs))"}}},
		{"urls wrapper calls", map[string]string{"mysite/urls.py": urls, "shop/views.py": hooks}, []want{{6, "csrf_exempt(views.Hook.as_view())"}}},
		{"urls wrapping Django's login view", map[string]string{"mysite/urls.py": authURLs}, []want{{7, "csrf_exempt(auth_views.LoginView.as_view())"}, {8, "csrf_exempt(PasswordChangeView.as_view())"}}},
		{"attribute form", map[string]string{"shop/signals.py": attr}, []want{{4, "hook"}}},
		{"local function in an unrelated module", map[string]string{"shop/utils.py": local}, nil},
		{"local function in a views module", map[string]string{"shop/api.py": local}, []want{{5, "helper"}}},
		{"tests skipped", map[string]string{"shop/tests/test_views.py": view, "shop/tests.py": view, "shop/test_hooks.py": view}, nil},
		{"migrations skipped", map[string]string{"shop/migrations/0001_initial.py": view}, nil},
		{"settings skipped", map[string]string{"mysite/settings.py": view}, nil},
		{"no csrf_exempt", map[string]string{"shop/views.py": "def index(request):\n    pass\n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := analyzeFiles(t, c.files)
			got := findingsOf(res, "DJS307")
			if len(got) != len(c.want) {
				t.Fatalf("%d findings, want %d: %s", len(got), len(c.want), ruleIDs(res))
			}
			for i, w := range c.want {
				if got[i].Line != w.line || got[i].Key != w.key || got[i].Severity != Medium || got[i].DjangoCheck != "" {
					t.Errorf("finding %d = line %d key %q %s, want line %d key %q medium", i, got[i].Line, got[i].Key, got[i].Severity, w.line, w.key)
				}
				if !strings.Contains(got[i].Message, "CSRF") {
					t.Errorf("message %q", got[i].Message)
				}
			}
		})
	}
	// A reason on the decorator line suppresses the finding.
	res := analyzeFiles(t, map[string]string{"shop/views.py": strings.Replace(view, "@csrf_exempt\n", "@csrf_exempt  # djsec: ignore[DJS307] signed webhook\n", 1)})
	if len(findingsOf(res, "DJS307")) != 0 {
		t.Errorf("suppressed finding still reported")
	}
}
