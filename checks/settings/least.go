package settings

// A list setting that an undecided branch, a loop or a repository helper
// may have grown is still "at least" what every branch gave it: the
// production view then knows that SecurityMiddleware is in MIDDLEWARE even
// when it cannot say whether a basic-auth middleware was inserted before
// it. Value.Least carries those elements; Value.Alts, while there are few
// enough of them, keep each branch's whole list.

// maxAlts bounds the alternatives a mutation keeps per value: each
// undecided `if X: L.append(…)` doubles them. Past it only Least remains.
const maxAlts = 32

// commonItems returns the known elements that every value holds (by
// Certain), in the order of the first. A value with nothing certain (unset,
// not a list, an Unknown without Least) leaves nothing common.
func commonItems(vals []*Value) []*Value {
	if len(vals) == 0 || vals[0] == nil {
		return nil
	}
	var out []*Value
	for _, it := range vals[0].Certain() {
		if !it.Known() || holdsEqual(out, it) {
			continue
		}
		every := true
		for _, v := range vals[1:] {
			if v == nil || !holdsEqual(v.Certain(), it) {
				every = false
				break
			}
		}
		if every {
			out = append(out, it)
		}
	}
	return out
}

func holdsEqual(items []*Value, v *Value) bool {
	for _, it := range items {
		if it.Known() && equalValues(it, v) {
			return true
		}
	}
	return false
}

// withoutEqual drops every element equal to v.
func withoutEqual(items []*Value, v *Value) []*Value {
	var out []*Value
	for _, it := range items {
		if it.Known() && equalValues(it, v) {
			continue
		}
		out = append(out, it)
	}
	return out
}

// concat is a fresh slice of a followed by b.
func concat(a, b []*Value) []*Value {
	if len(a)+len(b) > maxItems {
		return nil
	}
	return append(append(make([]*Value, 0, len(a)+len(b)), a...), b...)
}

// leastAfter is what a list certainly holds after method runs on it, given
// that it held least before: growing methods add their argument, remove
// and discard drop it, sort and reverse keep everything; anything else (pop,
// clear, a dict method) leaves nothing certain.
func leastAfter(least []*Value, method string, a callArgs) []*Value {
	switch method {
	case "append", "add":
		if len(a.pos) == 1 {
			return concat(least, a.pos[:1])
		}
	case "insert":
		if len(a.pos) == 2 {
			return concat(least, a.pos[1:2])
		}
	case "extend":
		if len(a.pos) == 1 {
			// Extending by something unknown still only grows the list.
			return concat(least, a.pos[0].Certain())
		}
	case "remove", "discard":
		if len(a.pos) == 1 && a.pos[0].Known() {
			return withoutEqual(least, a.pos[0])
		}
	case "sort", "reverse":
		return least
	}
	return nil
}

// growingMethods only ever add to a list, set or dict.
var growingMethods = map[string]bool{"append": true, "extend": true, "insert": true, "add": true,
	"update": true, "setdefault": true, "sort": true, "reverse": true}

// mutateUnknown applies a list method to a value djsec knows only in part:
// each alternative is mutated as a known value would be, and the elements
// every branch holds follow the method.
func (fe *fileEval) mutateUnknown(cur *Value, method string, a callArgs) *Value {
	out := &Value{Kind: Unknown, Pos: cur.Pos, Env: cur.Env}
	if len(cur.Alts) > 0 && len(cur.Alts) <= maxAlts {
		out.Alts = make([]*Value, 0, len(cur.Alts))
		for _, alt := range cur.Alts {
			out.Alts = appendAlt(out.Alts, fe.mutate(alt, method, a))
		}
	}
	out.Least = leastAfter(cur.Least, method, a)
	if len(out.Alts) > 0 {
		for _, it := range commonItems(out.Alts) {
			if !holdsEqual(out.Least, it) {
				out.Least = append(out.Least, it)
			}
		}
	}
	return out
}

// appendAlt adds v unless an equal known alternative is already there.
func appendAlt(alts []*Value, v *Value) []*Value {
	if v.Known() {
		for _, a := range alts {
			if a.Known() && equalValues(a, v) {
				return alts
			}
		}
	}
	return append(alts, v)
}

// concatUnknown is l + r for list or tuple concatenation where one side is
// known only in part: the result holds what both sides certainly hold, and
// each alternative is concatenated as a known value would be.
func (fe *fileEval) concatUnknown(l, r *Value, env *EnvRead, pos Pos) (*Value, bool) {
	// One side must be a list (or tuple) for the result to be one; the
	// other may be anything unknown, as `get_apps() + ["x"]` is.
	seq := func(v *Value) bool {
		return v.Kind == List || v.Kind == Tuple || v.Kind == Unknown && (len(v.Least) > 0 || len(v.Alts) > 0)
	}
	if !seq(l) && !seq(r) || l.Kind != Unknown && !seq(l) || r.Kind != Unknown && !seq(r) {
		return nil, false
	}
	out := &Value{Kind: Unknown, Pos: pos, Env: env}
	switch {
	case l.Kind == Unknown && r.Kind != Unknown && len(l.Alts) > 0 && len(l.Alts) <= maxAlts:
		for _, alt := range l.Alts {
			out.Alts = appendAlt(out.Alts, fe.concatKnown(alt, r, pos))
		}
	case r.Kind == Unknown && l.Kind != Unknown && len(r.Alts) > 0 && len(r.Alts) <= maxAlts:
		for _, alt := range r.Alts {
			out.Alts = appendAlt(out.Alts, fe.concatKnown(l, alt, pos))
		}
	}
	out.Least = concat(l.Certain(), r.Certain())
	return out, true
}

// concatKnown is l + r when both may be known lists (or tuples), else the
// part-known concatenation, else Unknown.
func (fe *fileEval) concatKnown(l, r *Value, pos Pos) *Value {
	if l == nil || r == nil {
		return &Value{Kind: Unknown, Pos: pos}
	}
	if (l.Kind == List && r.Kind == List || l.Kind == Tuple && r.Kind == Tuple) && len(l.Items)+len(r.Items) <= maxItems {
		return &Value{Kind: l.Kind, Items: concat(l.Items, r.Items), Pos: pos}
	}
	if v, ok := fe.concatUnknown(l, r, nil, pos); ok {
		return v
	}
	return &Value{Kind: Unknown, Pos: pos}
}

// loosen makes name Unknown, keeping what it certainly holds: a loop that
// only grows a list leaves its old elements in it.
func (fe *fileEval) loosen(name string) {
	s, ok := fe.ns[name]
	if !ok {
		return
	}
	least := s.Value.Certain()
	fe.ns[name] = &Setting{Name: name, Value: &Value{Kind: Unknown, Least: least, Pos: s.Value.Pos}, Pos: s.Pos}
}
