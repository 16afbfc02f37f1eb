package settings

import "github.com/djsec/djsec/checks/pysrc"

// comprehension evaluates a list or set comprehension with one `for` over a
// known sequence and any number of `if` filters — the way settings and their
// helpers clean up a comma-separated variable:
//
//	[h.strip() for h in os.getenv("HOSTS", "*").split(",") if h.strip()]
//
// Anything else (nested fors, an unknown iterable, a filter djsec cannot
// decide) is Unknown, keeping the iterable's environment read. The loop
// variable lives in the comprehension's own scope, as in Python 3.
func (fe *fileEval) comprehension(n *pysrc.Node) *Value {
	parts := pysrc.Named(n)
	if len(parts) < 2 {
		return fe.unknown(n)
	}
	body := parts[0]
	var forClause *pysrc.Node
	var filters []*pysrc.Node
	for _, c := range parts[1:] {
		switch c.Kind() {
		case "for_in_clause":
			if forClause != nil {
				return fe.unknown(n)
			}
			forClause = c
		case "if_clause":
			if forClause == nil {
				return fe.unknown(n)
			}
			if inner := pysrc.Named(c); len(inner) == 1 {
				filters = append(filters, inner[0])
				continue
			}
			return fe.unknown(n)
		case "comment":
		default:
			return fe.unknown(n)
		}
	}
	if forClause == nil {
		return fe.unknown(n)
	}
	target := forClause.ChildByFieldName("left")
	iter := fe.eval(forClause.ChildByFieldName("right"))
	unknown := withEnv(fe.unknown(n), iter.Env, "keep")
	if target == nil || !iter.IsSequence() && iter.Kind != Dict {
		return unknown
	}
	items := iter.Items
	if iter.Kind == Dict {
		items = iter.Keys
	}
	// The loop variable shadows module names only inside the comprehension;
	// a target that writes elsewhere (for d["k"] in …) is not followed.
	names := map[string]*Setting{}
	plain := true
	pysrc.Walk(target, func(t *pysrc.Node) bool {
		if !t.IsNamed() {
			return true
		}
		switch t.Kind() {
		case "identifier":
			name := fe.text(t)
			names[name] = fe.ns[name]
		case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "parenthesized_expression":
		default:
			plain = false
		}
		return plain
	})
	if !plain {
		return unknown
	}
	defer func() {
		for name, s := range names {
			if s == nil {
				delete(fe.ns, name)
			} else {
				fe.ns[name] = s
			}
		}
	}()
	kind := List
	if n.Kind() == "set_comprehension" {
		kind = Set
	}
	out := &Value{Kind: kind, Pos: fe.pos(n)}
	for _, it := range items {
		fe.assignTo(target, it, forClause)
		keep := true
		for _, f := range filters {
			t, ok := fe.eval(f).Truthy()
			if !ok {
				return unknown
			}
			if keep = t; !keep {
				break
			}
		}
		if !keep {
			continue
		}
		out.Items = append(out.Items, fe.eval(body))
		if len(out.Items) > maxItems {
			return unknown
		}
	}
	return withEnv(out, iter.Env, "keep")
}
