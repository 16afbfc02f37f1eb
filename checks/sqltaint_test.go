package checks

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// sqlFindings runs the SQL taint analysis over files as an audit would.
func sqlFindings(t *testing.T, files map[string]string) []sqlInjection {
	t.Helper()
	in := Input{Files: map[string][]byte{}, Audit: true}
	for p, s := range files {
		in.Files[p] = []byte(s)
	}
	return findSQLInjections(NewProject(in))
}

// TestSQLTaintBrokenSource feeds every prefix of a view module, with its
// helper and URL conf, to the analysis: error-tolerant trees have missing
// children, and nothing may panic on them.
func TestSQLTaintBrokenSource(t *testing.T) {
	t.Parallel()
	const views = "from django.db import connection\nfrom .db import find as f2\nfrom . import db\n" +
		"class V(ViewSet):\n    lookup_url_kwarg = 'code'\n    def get(self, request, pk, *a, **kw):\n" +
		"        sql = \"SELECT * FROM t WHERE id = \" + pk\n        sql += f\"AND {request.GET['q']!r:>{w}}\"\n" +
		"        a, (b, c) = x, y = request.POST, (1, 2)\n        for i, j in request.GET.items(): sql %= (i, j)\n" +
		"        with connection.cursor() as c, open(f) as (g, h):\n            c.execute(sql % (pk,), *a)\n" +
		"            c.execute(\"x {}\".format(self.kwargs['code'], kw.get('k')))\n" +
		"        f2(connection.cursor(), [s for s in request.GET.getlist('s') if (n := s)])\n" +
		"        db.find(None, term=lambda q: q)\n        self.get(request, pk=pk)\n" +
		"        return Order.objects.raw(f\"{pk}\").extra(where=[f\"{pk}\"], select={\"a\": \"%s\" % pk})\n"
	files := map[string]string{
		"shop/db.py":   "def find(cursor, term, *rest, **kw):\n    cursor.execute('SELECT ' + term)\n    return term, rest\n",
		"shop/urls.py": "urlpatterns = [path('<str:pk>/', V.as_view()), re_path(r'^(?P<code>[^/]+', views.v), url(r'(?P<", "shop/__init__.py": "",
	}
	for i := 0; i <= len(views); i++ {
		files["shop/views.py"] = views[:i]
		sqlFindings(t, files)
	}
	files["shop/views.py"] = views
	if got := sqlFindings(t, files); len(got) == 0 {
		t.Error("the whole module gives no finding")
	}
}

// TestSQLTaintHostileBounded checks that generated code cannot make the
// analysis explode: long chains of rebinding, deep nesting, many helpers
// calling one another.
func TestSQLTaintHostileBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("from django.db import connection\ndef v(request):\n    s = request.GET['q']\n")
	for i := 0; i < 3000; i++ {
		b.WriteString("    s = s + s\n    if s:\n        s += s\n")
	}
	b.WriteString("    connection.cursor().execute(" + strings.Repeat("(", 90) + "s" + strings.Repeat(" + s)", 90) + ")\n")
	for i := 0; i < 300; i++ {
		b.WriteString("def h" + strconv.Itoa(i) + "(x, y):\n    return h" + strconv.Itoa(i+1) + "(y + x, x)\n")
	}
	b.WriteString("def h300(x, y):\n    connection.cursor().execute('SELECT ' + x + y)\n    return h0(x, y)\n")
	b.WriteString("def w(request):\n    return h0(request.GET['a'], request.GET['b'])\n")
	// Past the bounds a value is unknown; a plain view after all that
	// is still judged.
	b.WriteString("def plain(request):\n    connection.cursor().execute('SELECT ' + request.GET['c'])\n")
	start := time.Now()
	got := sqlFindings(t, map[string]string{"shop/views.py": b.String()})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
	if len(got) != 1 || got[0].key != "plain#1" {
		t.Errorf("got %+v, want the plain view's execute() only", got)
	}
}

func TestSQLTextPattern(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]bool{
		`\d+`: false, `[0-9]+`: false, `[-\w]+`: false, `[a-z0-9-]+`: false, `\w+`: false, `[\w.]+`: false,
		`[^/]+`: true, `.+`: true, `\S+`: true, `[^/.]+`: true, `\W`: true, `\D+`: true, `(foo|.*)`: true,
	} {
		if got := sqlTextPattern(pattern); got != want {
			t.Errorf("sqlTextPattern(%q) = %v, want %v", pattern, got, want)
		}
	}
}

func TestSQLRegexGroups(t *testing.T) {
	t.Parallel()
	var got []string
	sqlRegexGroups(`^(?P<a>\d+)/(?P<b>(x|y)[^/]*)/(?P<c>\))/(?P<broken`, func(name, pattern string) {
		got = append(got, name+"="+pattern)
	})
	want := []string{`a=\d+`, `b=(x|y)[^/]*`, `c=\)`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want %q", got, want)
	}
}
