package checks

import (
	"fmt"
	"strings"

	"github.com/djsec/djsec/checks/settings"
)

// DJS704: SQL built from request data (RULES.md §7). The rule reports what
// the taint engine (sqltaint.go) finds; the engine decides what is request
// data, what is safe and which helpers carry it.
var ruleRawSQL = &Rule{
	ID: "DJS704", Slug: "raw-sql", Severity: High, Where: "C", Section: 7,
	Title:     "SQL built from request data",
	FiresWhen: "changed code builds the SQL text of `.raw()`, `.extra()`, `RawSQL()` or `cursor.execute()` from a value that can come from a request (f-string, `%`, `.format`, `+`, `join`)",
	Doc: "`Manager.raw()`, `QuerySet.extra()`, `RawSQL()` and `cursor.execute()` send their SQL to " +
		"the database as written. When the SQL text is assembled from a value the request " +
		"controls, the request can rewrite the query: the classic injection. Passing values " +
		"separately (`cursor.execute(\"... WHERE id = %s\", [pk])`) lets the driver quote them.\n\n" +
		"djsec follows values the way a taint analysis does. Request data is anything read from a " +
		"view's `request` (`GET`, `POST`, `data`, `query_params`, `body`, `COOKIES`, `META`, " +
		"`headers`, `FILES`, the user's username, email and names; `self.request` in class-based views), " +
		"a URL parameter whose pattern lets text through (`<name>`, `<str:name>`, `<path:name>`, " +
		"a regex group such as `[^/]+`, a DRF ViewSet's `pk` unless `lookup_value_regex` narrows " +
		"it), and everything derived from those by assignment (also `append()` into a list), " +
		"subscripts, string methods, " +
		"f-strings, `%`, `+`, `.format()`, `join()`, a form or serializer bound to them, and the " +
		"project's own functions that return what they are given. Values that cannot carry text " +
		"an attacker chooses are safe: literals and module constants, `int()`/`float()`/`len()`, " +
		"`%d` formatting, primary keys and ids (`.pk`, `.id`, `*_id`, `request.user.id`), a " +
		"model's `_meta` names (`_meta.db_table`), `connection.ops.quote_name()`, psycopg's " +
		"`sql.Identifier` composition, Django's compiled `as_sql()`, results of ORM lookups " +
		"(stored rows), the session and what middleware sets on the request (a tenant, the language). " +
		"A parameter a URL pattern captures as `<int:>`, " +
		"`<slug:>`, `<uuid:>` or `\\d+` is safe too.\n\n" +
		"A value of unknown origin is never reported. A helper's parameter is judged by its " +
		"callers: when a view passes request data to a helper (in the same module, or imported " +
		"from another module of the repository, up to four calls deep) that builds SQL from it, " +
		"the finding sits on the helper's SQL call and names the view. A helper nobody in the " +
		"repository calls with request data, and a view parameter no URL pattern routes, are " +
		"silent; in a pull request only the files the review fetched are searched for callers. " +
		"The SQL text is judged even when parameters are passed next to it: an identifier " +
		"(`ORDER BY {sort}`) taken from the request is injectable whatever the parameters " +
		"carry. Tests and migrations are not read.",
	Fix: "Use placeholders and pass the values as parameters:\n\n" +
		"```python\n# before\ncursor.execute(f\"SELECT * FROM shop_order WHERE id = {order_id}\")\n" +
		"# after\ncursor.execute(\"SELECT * FROM shop_order WHERE id = %s\", [order_id])\n" +
		"Order.objects.raw(\"SELECT * FROM shop_order WHERE id = %s\", [order_id])\n```\n\n" +
		"Better still, use the ORM (`Order.objects.filter(id=order_id)`).",
}

func init() {
	ruleRawSQL.Check = checkRawSQL
	register(ruleRawSQL)
}

// checkRawSQL reports the SQL sinks whose text can carry request data, as
// the taint engine (sqltaint.go) finds them: directly in the function that
// reads the request, or in a helper a caller hands request data to.
func checkRawSQL(p *Project, r *Reporter) {
	for _, in := range findSQLInjections(p) {
		pos := settings.Pos{Path: in.path, Pos: in.pos}
		from := in.source
		if in.via != nil {
			from = "the parameter " + in.via.param
		}
		msg := fmt.Sprintf("%s runs %s as SQL", in.what, from)
		if in.how != "" {
			msg = fmt.Sprintf("%s runs SQL built with %s from %s", in.what, in.how, from)
		}
		if in.via != nil {
			msg += fmt.Sprintf(", which %s passes %s at %s:%d", in.via.caller, in.source, in.via.path, in.via.line)
			if len(in.via.through) > 0 {
				msg += " through " + strings.Join(in.via.through, ", ")
			}
		}
		r.Emit(ruleRawSQL, nil, pos, in.key, msg+", so the request can change the query (SQL injection): put %s placeholders in a constant query and pass the values as parameters, e.g. cursor.execute(\"... WHERE id = %s\", [pk])")
	}
}
