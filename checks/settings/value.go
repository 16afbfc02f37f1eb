// Package settings evaluates the module-level statements of a Django settings
// module into a model, name → value, in the production view: every
// environment read takes the value a deployment gets when the variable is
// missing, and remembers that it came from the environment. It never runs the
// code; what it cannot know stays Unknown, and rules never fire on Unknown.
package settings

import (
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
)

// Kind is the type of a value.
type Kind uint8

const (
	Unknown Kind = iota
	None
	Bool
	Int
	Float
	Str
	List
	Tuple
	Set
	Dict
	Duration // datetime.timedelta
	// Ref is a module, function, class or object the evaluator knows by its
	// dotted name ("os.environ", "decouple.config", "datetime.timedelta"),
	// or an environment reader such as a django-environ Env instance.
	Ref
)

var kindNames = [...]string{"unknown", "None", "bool", "int", "float", "str", "list", "tuple", "set", "dict", "timedelta", "ref"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Pos locates an expression: the file (slash-separated, relative to the
// analyzed root) and a 1-based range.
type Pos struct {
	Path string
	pysrc.Pos
}

// Value is what the evaluator knows of an expression's value in production.
type Value struct {
	Kind  Kind
	Bool  bool
	Int   int64
	Float float64
	Str   string
	// Items holds list, tuple and set elements, and dict values.
	Items []*Value
	// Keys holds dict keys, parallel to Items.
	Keys []*Value
	Dur  time.Duration
	// Ref is the dotted name for Kind Ref; for Unknown values made by a call,
	// the callee's dotted name when known ("get_debug", "sentry_sdk.init").
	Ref string
	// Env is set when the value came from an environment variable (directly
	// or through casts, comparisons and string methods).
	Env *EnvRead
	// Alts are the candidate values of an Unknown that depends on a condition
	// the evaluator could not decide (if/else on an environment variable).
	Alts []*Value
	// Least, on an Unknown, lists elements the value certainly holds: a
	// list that an undecided branch, a loop or a repository helper may
	// have grown still holds what every branch gave it. Positions and any
	// other elements are unknown, so only presence is decided by it.
	Least []*Value
	// Scheme holds django-environ's Env(NAME=(cast, default)) declarations
	// for a Ref of "environ.Env".
	Scheme map[string]EnvScheme
	Pos    Pos
	// fn is the body of a function defined in the project, for a Ref of
	// "def:name" the evaluator may follow when it is called.
	fn *function
}

// EnvRead records an environment read behind a value.
type EnvRead struct {
	// Var is the variable name ("DJANGO_SECRET_KEY"); empty when computed.
	Var string
	// Reader is the API used: "os.environ[]", "os.environ.get", "os.getenv",
	// "decouple", "environ".
	Reader string
	// HasDefault is false when a missing variable makes the settings fail to
	// load (os.environ["X"], config("X"), env("X")) or yields None.
	HasDefault bool
	// Required is true when a missing variable makes the settings fail to
	// load; the value is then Unknown in the production view.
	Required bool
	// Cast is how the raw string is converted when the variable is set:
	// "" (none: the raw string), "bool", "int", "float", "list", "tuple",
	// "json", "db", "url", "dict", "compare" (an == / in / .lower() idiom),
	// "call" (an unrecognised function of the string).
	Cast string
	// DefaultPos locates the default value's expression, when there is one.
	DefaultPos Pos
}

// DefaultOf says where a default applies, for messages: "environment
// variable X", or for a configuration module the deployment supplies
// (getattr(configuration, "X", default)) "configuration.X, which the
// deployment's configuration does not set".
func (e *EnvRead) DefaultOf() string {
	if e.Reader == "getattr" {
		return e.Var + " when the deployment's configuration module does not set it"
	}
	return "environment variable " + e.Var
}

// Raw reports whether a set variable arrives as the uncast string, so that
// "False" is truthy.
func (e *EnvRead) Raw() bool { return e != nil && e.Cast == "" }

// EnvScheme is one django-environ Env(NAME=(cast, default)) declaration.
type EnvScheme struct {
	Cast       string
	Default    *Value
	HasDefault bool
}

// Known reports whether the value's production content is known.
func (v *Value) Known() bool { return v != nil && v.Kind != Unknown && v.Kind != Ref }

// FromEnv reports whether the value came from the environment.
func (v *Value) FromEnv() bool { return v != nil && v.Env != nil }

// Truthy is Python's bool(v); ok is false when unknown.
func (v *Value) Truthy() (truth, ok bool) {
	if v == nil {
		return false, false
	}
	switch v.Kind {
	case None:
		return false, true
	case Bool:
		return v.Bool, true
	case Int:
		return v.Int != 0, true
	case Float:
		return v.Float != 0, true
	case Str:
		return v.Str != "", true
	case List, Tuple, Set, Dict:
		return len(v.Items) > 0, true
	case Duration:
		return v.Dur != 0, true
	}
	return false, false
}

// IsTrue is Python's `v is True`; ok is false when unknown.
func (v *Value) IsTrue() (isTrue, ok bool) {
	if !v.Known() {
		return false, false
	}
	return v.Kind == Bool && v.Bool, true
}

// IsSequence reports a list or tuple (or set).
func (v *Value) IsSequence() bool {
	return v != nil && (v.Kind == List || v.Kind == Tuple || v.Kind == Set)
}

// Strings returns the elements of a list/tuple/set of strings; ok is false if
// v is not a sequence or any element is not a known string.
func (v *Value) Strings() (out []string, ok bool) {
	if !v.IsSequence() {
		return nil, false
	}
	for _, it := range v.Items {
		if it == nil || it.Kind != Str {
			return nil, false
		}
		out = append(out, it.Str)
	}
	return out, true
}

// ContainsStr reports whether a sequence holds the string s. known is false
// when v is not a known sequence or holds an unknown element that could be s.
// On an Unknown list, s is present when every branch holds it (Least, or
// each alternative) and absent when every alternative is known to lack it.
func (v *Value) ContainsStr(s string) (found, known bool) {
	if v != nil && v.Kind == Unknown {
		return v.unknownContainsStr(s, 0)
	}
	if !v.IsSequence() {
		return false, false
	}
	known = true
	for _, it := range v.Items {
		if it != nil && it.Kind == Str {
			if it.Str == s {
				return true, true
			}
			continue
		}
		known = false
	}
	return false, known
}

func (v *Value) unknownContainsStr(s string, depth int) (found, known bool) {
	for _, it := range v.Least {
		if it != nil && it.Kind == Str && it.Str == s {
			return true, true
		}
	}
	if len(v.Alts) == 0 || depth > maxAltDepth {
		return false, false
	}
	for _, a := range v.Alts {
		var f, k bool
		if a != nil && a.Kind == Unknown {
			f, k = a.unknownContainsStr(s, depth+1)
		} else {
			f, k = a.ContainsStr(s)
		}
		if !k || f {
			// Present in only some branches, or not decidable in one.
			return false, false
		}
	}
	return false, true
}

// maxAltDepth bounds the walk through nested alternatives.
const maxAltDepth = 16

// Certain returns the elements v is known to hold: every element of a
// known sequence, the Least elements of an Unknown one, nil otherwise.
func (v *Value) Certain() []*Value {
	switch {
	case v == nil:
		return nil
	case v.IsSequence():
		return v.Items
	case v.Kind == Unknown:
		return v.Least
	}
	return nil
}

// IndexStr is the index of s in a sequence, or -1.
func (v *Value) IndexStr(s string) int {
	if !v.IsSequence() {
		return -1
	}
	for i, it := range v.Items {
		if it != nil && it.Kind == Str && it.Str == s {
			return i
		}
	}
	return -1
}

// Get returns a dict's value for a string key, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Dict {
		return nil
	}
	for i := len(v.Keys) - 1; i >= 0; i-- {
		if k := v.Keys[i]; k != nil && k.Kind == Str && k.Str == key {
			return v.Items[i]
		}
	}
	return nil
}

// HasUnknownKeys reports a dict with keys the evaluator could not read
// (**spread, computed keys), so an absent key is not proof of absence.
func (v *Value) HasUnknownKeys() bool {
	if v == nil || v.Kind != Dict {
		return false
	}
	for _, k := range v.Keys {
		if k == nil || k.Kind != Str {
			return true
		}
	}
	return false
}

// maxRender bounds String's output: values share elements (A = [A, A] a
// hundred times is a 2^100-element rendering), and a message needs no more.
const maxRender = 4096

// String renders the value as Python source, for messages; past maxRender
// bytes the rest is "…".
func (v *Value) String() string {
	var b strings.Builder
	v.render(&b)
	return b.String()
}

func (v *Value) render(b *strings.Builder) {
	if b.Len() > maxRender {
		if !strings.HasSuffix(b.String(), "…") {
			b.WriteString("…")
		}
		return
	}
	if v == nil {
		b.WriteString("<unset>")
		return
	}
	switch v.Kind {
	case None:
		b.WriteString("None")
	case Bool:
		if v.Bool {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case Int:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case Float:
		b.WriteString(strconv.FormatFloat(v.Float, 'g', -1, 64))
	case Str:
		b.WriteString(strconv.Quote(v.Str))
	case List, Tuple, Set:
		open, close := "[", "]"
		if v.Kind == Tuple {
			open, close = "(", ")"
			if len(v.Items) == 1 {
				close = ",)"
			}
		} else if v.Kind == Set {
			open, close = "{", "}"
		}
		b.WriteString(open)
		for i, it := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			it.render(b)
		}
		b.WriteString(close)
	case Dict:
		b.WriteString("{")
		for i := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			v.Keys[i].render(b)
			b.WriteString(": ")
			v.Items[i].render(b)
		}
		b.WriteString("}")
	case Duration:
		b.WriteString("timedelta(seconds=" + strconv.FormatFloat(v.Dur.Seconds(), 'g', -1, 64) + ")")
	case Ref:
		b.WriteString(v.Ref)
	default:
		b.WriteString("<unknown>")
	}
}
