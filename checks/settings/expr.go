package settings

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
)

func (fe *fileEval) unknown(n *pysrc.Node) *Value { return &Value{Kind: Unknown, Pos: fe.pos(n)} }

// eval evaluates an expression in the production view.
func (fe *fileEval) eval(n *pysrc.Node) *Value {
	if n == nil {
		return &Value{Kind: Unknown}
	}
	e := fe.e
	e.steps++
	if e.depth >= maxDepth || e.steps > maxSteps {
		if !e.limited {
			e.limited = true
			e.diag(fe.pos(n), "limit", "expression nested too deeply or too large to evaluate; treated as unknown")
		}
		return fe.unknown(n)
	}
	e.depth++
	defer func() { e.depth-- }()
	v := fe.evalNode(n)
	if v.Pos.Path == "" {
		v.Pos = fe.pos(n)
	}
	return v
}

func (fe *fileEval) evalNode(n *pysrc.Node) *Value {
	switch n.Kind() {
	case "identifier":
		v := fe.lookup(fe.text(n))
		return v
	case "true":
		return &Value{Kind: Bool, Bool: true, Pos: fe.pos(n)}
	case "false":
		return &Value{Kind: Bool, Pos: fe.pos(n)}
	case "none":
		return &Value{Kind: None, Pos: fe.pos(n)}
	case "integer":
		return fe.integer(n)
	case "float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(fe.text(n), "_", ""), 64)
		if err != nil {
			return fe.unknown(n)
		}
		return &Value{Kind: Float, Float: f, Pos: fe.pos(n)}
	case "string":
		return fe.str(n)
	case "concatenated_string":
		var b strings.Builder
		for _, c := range pysrc.Named(n) {
			v := fe.eval(c)
			if v.Kind != Str {
				return fe.unknown(n)
			}
			b.WriteString(v.Str)
		}
		return &Value{Kind: Str, Str: b.String(), Pos: fe.pos(n)}
	case "parenthesized_expression":
		inner := pysrc.Named(n)
		if len(inner) != 1 {
			return fe.unknown(n)
		}
		return fe.eval(inner[0])
	case "list", "tuple", "set", "expression_list":
		return fe.sequence(n)
	case "dictionary":
		return fe.dict(n)
	case "unary_operator":
		return fe.unary(n)
	case "not_operator":
		v := fe.eval(n.ChildByFieldName("argument"))
		t, ok := v.Truthy()
		if !ok {
			return withEnv(fe.unknown(n), v.Env, "compare")
		}
		return withEnv(&Value{Kind: Bool, Bool: !t, Pos: fe.pos(n)}, v.Env, "compare")
	case "binary_operator":
		l := fe.eval(n.ChildByFieldName("left"))
		r := fe.eval(n.ChildByFieldName("right"))
		return fe.binary(fe.text(n.ChildByFieldName("operator")), l, r, n)
	case "boolean_operator":
		return fe.boolean(n)
	case "comparison_operator":
		return fe.comparison(n)
	case "conditional_expression":
		return fe.conditional(n)
	case "call":
		return fe.call(n)
	case "list_comprehension", "set_comprehension":
		return fe.comprehension(n)
	case "attribute":
		return fe.attribute(n)
	case "subscript":
		return fe.subscript(n)
	case "keyword_argument", "list_splat", "dictionary_splat":
		return fe.unknown(n)
	}
	// comprehensions, lambdas, await, named expressions, …
	return fe.unknown(n)
}

// withEnv attaches an environment origin to a derived value.
func withEnv(v *Value, env *EnvRead, cast string) *Value {
	if env == nil {
		return v
	}
	cp := *env
	if cast != "keep" {
		cp.Cast = cast
	}
	v.Env = &cp
	return v
}

func (fe *fileEval) integer(n *pysrc.Node) *Value {
	t := strings.ToLower(strings.ReplaceAll(fe.text(n), "_", ""))
	t = strings.TrimSuffix(t, "l")
	i, err := strconv.ParseInt(t, 0, 64)
	if err != nil {
		if len(t) > 1 && t[0] == '0' && !strings.ContainsAny(t, "xob") {
			if i, err = strconv.ParseInt(t, 8, 64); err == nil {
				return &Value{Kind: Int, Int: i, Pos: fe.pos(n)}
			}
		}
		return fe.unknown(n)
	}
	return &Value{Kind: Int, Int: i, Pos: fe.pos(n)}
}

// str decodes a string literal, f-strings included when every
// interpolation is known.
func (fe *fileEval) str(n *pysrc.Node) *Value {
	var prefix string
	var b strings.Builder
	for i := uint(0); i < n.ChildCount(); i++ {
		c := n.Child(i)
		switch c.Kind() {
		case "string_start":
			prefix = strings.ToLower(strings.TrimRight(fe.text(c), "'\""))
		case "string_content":
			raw := fe.text(c)
			if strings.Contains(prefix, "r") {
				b.WriteString(raw)
			} else {
				b.WriteString(unescape(raw))
			}
		case "escape_sequence":
			b.WriteString(unescape(fe.text(c)))
		case "interpolation":
			if !strings.Contains(prefix, "f") {
				b.WriteString(fe.text(c))
				continue
			}
			v := fe.eval(c.ChildByFieldName("expression"))
			if c.ChildByFieldName("format_specifier") != nil || c.ChildByFieldName("type_conversion") != nil {
				return fe.unknown(n)
			}
			switch v.Kind {
			case Str:
				b.WriteString(v.Str)
			case Int:
				b.WriteString(strconv.FormatInt(v.Int, 10))
			default:
				return withEnv(fe.unknown(n), v.Env, "call")
			}
		}
		if b.Len() > maxStrLen {
			return fe.unknown(n)
		}
	}
	if strings.Contains(prefix, "b") {
		return fe.unknown(n) // bytes are not settings values djsec judges
	}
	return &Value{Kind: Str, Str: b.String(), Pos: fe.pos(n)}
}

// unescape handles Python's common escapes in non-raw strings.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '\\':
			b.WriteByte('\\')
		case '\'':
			b.WriteByte('\'')
		case '"':
			b.WriteByte('"')
		case '0':
			b.WriteByte(0)
		case '\n':
			// line continuation inside a string
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func (fe *fileEval) sequence(n *pysrc.Node) *Value {
	kind := List
	switch n.Kind() {
	case "tuple", "expression_list":
		kind = Tuple
	case "set":
		kind = Set
	}
	v := &Value{Kind: kind, Pos: fe.pos(n)}
	var partial *Value
	for _, c := range pysrc.Named(n) {
		if c.Kind() == "list_splat" {
			inner := pysrc.Named(c)
			if len(inner) != 1 {
				return fe.unknown(n)
			}
			sv := fe.eval(inner[0])
			if !sv.IsSequence() {
				// The splatted elements are unknown, so is the whole
				// list, but it still holds the rest and whatever the
				// splatted value certainly holds.
				if partial == nil {
					partial = withEnv(fe.unknown(n), sv.Env, "keep")
				}
				v.Items = concat(v.Items, sv.Certain())
				continue
			}
			v.Items = append(v.Items, sv.Items...)
			continue
		}
		v.Items = append(v.Items, fe.eval(c))
		if len(v.Items) > maxItems {
			return fe.unknown(n)
		}
	}
	if partial != nil {
		partial.Least = v.Items
		return partial
	}
	return v
}

func (fe *fileEval) dict(n *pysrc.Node) *Value {
	v := &Value{Kind: Dict, Pos: fe.pos(n)}
	for _, c := range pysrc.Named(n) {
		switch c.Kind() {
		case "pair":
			k := fe.eval(c.ChildByFieldName("key"))
			val := fe.eval(c.ChildByFieldName("value"))
			mergeDict(v, &Value{Kind: Dict, Keys: []*Value{k}, Items: []*Value{val}})
		case "dictionary_splat":
			inner := pysrc.Named(c)
			if len(inner) != 1 {
				v.Keys = append(v.Keys, fe.unknown(c))
				v.Items = append(v.Items, fe.unknown(c))
				continue
			}
			sv := fe.eval(inner[0])
			if sv.Kind != Dict {
				v.Keys = append(v.Keys, fe.unknown(c))
				v.Items = append(v.Items, fe.unknown(c))
				continue
			}
			mergeDict(v, sv)
		default:
			v.Keys = append(v.Keys, fe.unknown(c))
			v.Items = append(v.Items, fe.unknown(c))
		}
		if len(v.Items) > maxItems {
			return fe.unknown(n)
		}
	}
	return v
}

func (fe *fileEval) unary(n *pysrc.Node) *Value {
	v := fe.eval(n.ChildByFieldName("argument"))
	op := fe.text(n.ChildByFieldName("operator"))
	switch {
	case v.Kind == Int && op == "-":
		return withEnv(&Value{Kind: Int, Int: -v.Int, Pos: fe.pos(n)}, v.Env, "keep")
	case v.Kind == Int && op == "+":
		return v
	case v.Kind == Float && op == "-":
		return withEnv(&Value{Kind: Float, Float: -v.Float, Pos: fe.pos(n)}, v.Env, "keep")
	case v.Kind == Duration && op == "-":
		return &Value{Kind: Duration, Dur: -v.Dur, Pos: fe.pos(n)}
	}
	return withEnv(fe.unknown(n), v.Env, "keep")
}

// binary implements + - * / // % ** and | on the kinds settings use.
func (fe *fileEval) binary(op string, l, r *Value, n *pysrc.Node) *Value {
	env := l.Env
	if env == nil {
		env = r.Env
	}
	unknown := withEnv(fe.unknown(n), env, "keep")
	if l == nil || r == nil {
		return unknown
	}
	switch {
	case l.Kind == Str && r.Kind == Str && op == "+":
		if len(l.Str)+len(r.Str) > maxStrLen {
			return unknown
		}
		return withEnv(&Value{Kind: Str, Str: l.Str + r.Str, Pos: fe.pos(n)}, env, "keep")
	case (l.Kind == List && r.Kind == List || l.Kind == Tuple && r.Kind == Tuple) && op == "+":
		if len(l.Items)+len(r.Items) > maxItems {
			return unknown
		}
		items := append(append([]*Value{}, l.Items...), r.Items...)
		return &Value{Kind: l.Kind, Items: items, Pos: fe.pos(n)}
	case l.Kind == Dict && r.Kind == Dict && op == "|":
		out := &Value{Kind: Dict, Keys: append([]*Value{}, l.Keys...), Items: append([]*Value{}, l.Items...), Pos: fe.pos(n)}
		return mergeDict(out, r)
	case l.Kind == Set && r.Kind == Set && op == "|":
		items := append(append([]*Value{}, l.Items...), r.Items...)
		return &Value{Kind: Set, Items: items, Pos: fe.pos(n)}
	case op == "+" && (l.Kind == Unknown || r.Kind == Unknown):
		if v, ok := fe.concatUnknown(l, r, env, fe.pos(n)); ok {
			return v
		}
	case l.Kind == Int && r.Kind == Int:
		return withEnv(intOp(op, l.Int, r.Int, fe.pos(n)), env, "keep")
	case isNumber(l) && isNumber(r):
		return withEnv(floatOp(op, num(l), num(r), fe.pos(n)), env, "keep")
	case l.Kind == Duration && isNumber(r) && op == "*":
		return &Value{Kind: Duration, Dur: time.Duration(float64(l.Dur) * num(r)), Pos: fe.pos(n)}
	case isNumber(l) && r.Kind == Duration && op == "*":
		return &Value{Kind: Duration, Dur: time.Duration(float64(r.Dur) * num(l)), Pos: fe.pos(n)}
	case l.Kind == Duration && r.Kind == Duration && (op == "+" || op == "-"):
		d := l.Dur + r.Dur
		if op == "-" {
			d = l.Dur - r.Dur
		}
		return &Value{Kind: Duration, Dur: d, Pos: fe.pos(n)}
	case l.Kind == Duration && isNumber(r) && (op == "/" || op == "//") && num(r) != 0:
		return &Value{Kind: Duration, Dur: time.Duration(float64(l.Dur) / num(r)), Pos: fe.pos(n)}
	}
	return unknown
}

func isNumber(v *Value) bool { return v.Kind == Int || v.Kind == Float || v.Kind == Bool }

func num(v *Value) float64 {
	switch v.Kind {
	case Int:
		return float64(v.Int)
	case Float:
		return v.Float
	case Bool:
		if v.Bool {
			return 1
		}
	}
	return 0
}

func intOp(op string, a, b int64, pos Pos) *Value {
	iv := func(i int64) *Value { return &Value{Kind: Int, Int: i, Pos: pos} }
	switch op {
	case "+":
		return iv(a + b)
	case "-":
		return iv(a - b)
	case "*":
		if a != 0 && (a*b)/a != b {
			return &Value{Kind: Float, Float: float64(a) * float64(b), Pos: pos}
		}
		return iv(a * b)
	case "//":
		if b == 0 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		q := a / b
		if (a%b != 0) && ((a < 0) != (b < 0)) {
			q--
		}
		return iv(q)
	case "%":
		if b == 0 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		m := a % b
		if m != 0 && (m < 0) != (b < 0) {
			m += b
		}
		return iv(m)
	case "/":
		if b == 0 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		return &Value{Kind: Float, Float: float64(a) / float64(b), Pos: pos}
	case "**":
		if b < 0 || b > 64 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		f := math.Pow(float64(a), float64(b))
		if f > math.MaxInt64/2 {
			return &Value{Kind: Float, Float: f, Pos: pos}
		}
		return iv(int64(f))
	case "|":
		return iv(a | b)
	case "&":
		return iv(a & b)
	case "<<":
		if b < 0 || b > 62 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		return iv(a << uint(b))
	case ">>":
		if b < 0 || b > 62 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		return iv(a >> uint(b))
	}
	return &Value{Kind: Unknown, Pos: pos}
}

func floatOp(op string, a, b float64, pos Pos) *Value {
	fv := func(f float64) *Value { return &Value{Kind: Float, Float: f, Pos: pos} }
	switch op {
	case "+":
		return fv(a + b)
	case "-":
		return fv(a - b)
	case "*":
		return fv(a * b)
	case "/":
		if b == 0 {
			return &Value{Kind: Unknown, Pos: pos}
		}
		return fv(a / b)
	case "**":
		return fv(math.Pow(a, b))
	}
	return &Value{Kind: Unknown, Pos: pos}
}

// boolean implements and/or, which return one of their operands.
func (fe *fileEval) boolean(n *pysrc.Node) *Value {
	l := fe.eval(n.ChildByFieldName("left"))
	op := fe.text(n.ChildByFieldName("operator"))
	t, ok := l.Truthy()
	if !ok {
		r := fe.eval(n.ChildByFieldName("right"))
		env := l.Env
		if env == nil {
			env = r.Env
		}
		return withEnv(fe.unknown(n), env, "keep")
	}
	if op == "and" && !t || op == "or" && t {
		return l
	}
	r := fe.eval(n.ChildByFieldName("right"))
	if r.Env == nil && l.Env != nil {
		// `os.environ.get("X") or "default"` — the default stands in for
		// the missing variable, so it carries the read.
		cp := *r
		cp.Env = &EnvRead{Var: l.Env.Var, Reader: l.Env.Reader, HasDefault: true, Cast: l.Env.Cast, DefaultPos: r.Pos}
		return &cp
	}
	return r
}

// comparison implements chained comparisons on known values.
func (fe *fileEval) comparison(n *pysrc.Node) *Value {
	var operands []*Value
	var ops []string
	pendingNot, pendingIs := false, false
	for i := uint(0); i < n.ChildCount(); i++ {
		c := n.Child(i)
		if c.IsNamed() {
			if c.Kind() == "comment" {
				continue
			}
			operands = append(operands, fe.eval(c))
			continue
		}
		t := fe.text(c)
		switch {
		case t == "not" && pendingIs:
			ops[len(ops)-1] = "is not"
		case t == "not":
			pendingNot = true
		case t == "in" && pendingNot:
			ops = append(ops, "not in")
			pendingNot = false
		case t == "is":
			pendingIs = true
			ops = append(ops, t)
			continue
		default:
			ops = append(ops, t)
		}
		pendingIs = false
	}
	var env *EnvRead
	for _, o := range operands {
		if o.Env != nil {
			env = o.Env
			break
		}
	}
	if len(operands) != len(ops)+1 {
		return withEnv(fe.unknown(n), env, "compare")
	}
	result := true
	for i, op := range ops {
		if fe.h != nil && (op == "in" || op == "not in") && operands[i].Kind == Str && operands[i+1].Kind == Ref && operands[i+1].Ref == "os.environ" {
			// Inside a helper, `key in os.environ` is a read of key.
			var present bool
			present, env = fe.envContains(operands[i].Str)
			result = result && present == (op == "in")
			continue
		}
		r, ok := compare(op, operands[i], operands[i+1])
		if !ok {
			return withEnv(fe.unknown(n), env, "compare")
		}
		result = result && r
	}
	return withEnv(&Value{Kind: Bool, Bool: result, Pos: fe.pos(n)}, env, "compare")
}

func compare(op string, a, b *Value) (bool, bool) {
	switch op {
	case "==", "!=":
		if !a.Known() || !b.Known() {
			return false, false
		}
		eq := equalValues(a, b)
		return eq == (op == "=="), true
	case "is", "is not":
		if !a.Known() || !b.Known() {
			return false, false
		}
		same := false
		switch {
		case a.Kind == None && b.Kind == None:
			same = true
		case a.Kind == Bool && b.Kind == Bool:
			same = a.Bool == b.Bool
		case a.Kind == None || b.Kind == None || a.Kind == Bool || b.Kind == Bool:
			same = false
		default:
			return false, false
		}
		return same == (op == "is"), true
	case "in", "not in":
		if !a.Known() {
			return false, false
		}
		found := false
		switch {
		case b.IsSequence():
			for _, it := range b.Items {
				if !it.Known() {
					return false, false
				}
				if equalValues(a, it) {
					found = true
				}
			}
		case b.Kind == Dict:
			for _, k := range b.Keys {
				if !k.Known() {
					return false, false
				}
				if equalValues(a, k) {
					found = true
				}
			}
		case b.Kind == Str && a.Kind == Str:
			found = strings.Contains(b.Str, a.Str)
		default:
			return false, false
		}
		return found == (op == "in"), true
	case "<", "<=", ">", ">=":
		if isNumber(a) && isNumber(b) {
			x, y := num(a), num(b)
			switch op {
			case "<":
				return x < y, true
			case "<=":
				return x <= y, true
			case ">":
				return x > y, true
			default:
				return x >= y, true
			}
		}
	}
	return false, false
}

// equalValues is Python's == on known values.
func equalValues(a, b *Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if isNumber(a) && isNumber(b) {
		return num(a) == num(b)
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case None:
		return true
	case Str:
		return a.Str == b.Str
	case Duration:
		return a.Dur == b.Dur
	case List, Tuple, Set, Dict:
		if len(a.Items) != len(b.Items) || len(a.Keys) != len(b.Keys) {
			return false
		}
		for i := range a.Items {
			if !equalValues(a.Items[i], b.Items[i]) {
				return false
			}
		}
		for i := range a.Keys {
			if !equalValues(a.Keys[i], b.Keys[i]) {
				return false
			}
		}
		return true
	case Ref:
		return a.Ref == b.Ref
	}
	return false
}

// conditional is `a if cond else b`: decided like an if statement.
func (fe *fileEval) conditional(n *pysrc.Node) *Value {
	parts := pysrc.Named(n)
	if len(parts) != 3 {
		return fe.unknown(n)
	}
	var truth, known bool
	if fe.h != nil {
		truth, known = fe.helperCondition(parts[1])
	} else {
		truth, known = fe.condition(parts[1])
	}
	if known {
		if truth {
			return fe.eval(parts[0])
		}
		return fe.eval(parts[2])
	}
	// Either side may not run, so neither side's reads are required.
	memo := map[*Value]*Value{}
	a, b := notRequired(fe.eval(parts[0]), memo, 0), notRequired(fe.eval(parts[2]), memo, 0)
	if a.Known() && equalValues(a, b) {
		return a
	}
	return &Value{Kind: Unknown, Alts: flattenAlts([]*Value{a, b}), Least: commonItems([]*Value{a, b}), Pos: fe.pos(n)}
}

func (fe *fileEval) attribute(n *pysrc.Node) *Value {
	obj := fe.eval(n.ChildByFieldName("object"))
	attr := fe.text(n.ChildByFieldName("attribute"))
	if obj.Kind == Ref && !strings.HasPrefix(obj.Ref, "def:") {
		return &Value{Kind: Ref, Ref: obj.Ref + "." + attr, Scheme: obj.Scheme, Pos: fe.pos(n)}
	}
	if obj.Kind == Duration {
		switch attr {
		case "days":
			return &Value{Kind: Int, Int: int64(obj.Dur / (24 * time.Hour)), Pos: fe.pos(n)}
		case "seconds":
			return &Value{Kind: Int, Int: int64((obj.Dur % (24 * time.Hour)) / time.Second), Pos: fe.pos(n)}
		}
	}
	return withEnv(fe.unknown(n), obj.Env, "keep")
}

func (fe *fileEval) subscript(n *pysrc.Node) *Value {
	base := fe.eval(n.ChildByFieldName("value"))
	subs := n.ChildByFieldName("subscript")
	if subs == nil || subs.Kind() == "slice" {
		return withEnv(fe.unknown(n), base.Env, "keep")
	}
	key := fe.eval(subs)
	if base.Kind == Ref && base.Ref == "os.environ" {
		if key.Kind != Str {
			return fe.unknown(n)
		}
		fe.e.envReads++
		return fe.envLookup(key.Str, "os.environ[]", nil, false, n)
	}
	switch {
	case base.Kind == Dict && key.Known():
		for i := len(base.Keys) - 1; i >= 0; i-- {
			if equalValues(base.Keys[i], key) {
				return base.Items[i]
			}
		}
		if base.HasUnknownKeys() {
			return fe.unknown(n)
		}
		return fe.unknown(n) // KeyError at import
	case base.IsSequence() && key.Kind == Int:
		i := int(key.Int)
		if i < 0 {
			i += len(base.Items)
		}
		if i >= 0 && i < len(base.Items) {
			return base.Items[i]
		}
	case base.Kind == Str && key.Kind == Int:
		r := []rune(base.Str)
		i := int(key.Int)
		if i < 0 {
			i += len(r)
		}
		if i >= 0 && i < len(r) {
			return withEnv(&Value{Kind: Str, Str: string(r[i]), Pos: fe.pos(n)}, base.Env, "keep")
		}
	}
	return withEnv(fe.unknown(n), base.Env, "keep")
}
