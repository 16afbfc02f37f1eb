package settings

import (
	"strconv"
	"strings"
	"time"

	"github.com/djsec/djsec/checks/pysrc"
)

// callArgs are a call's evaluated arguments.
type callArgs struct {
	pos     []*Value
	kw      map[string]*Value
	kwOrder []string
	// splat is true when *args or **kwargs hide arguments.
	splat bool
}

func (a callArgs) arg(i int, name string) (*Value, bool) {
	if v, ok := a.kw[name]; ok {
		return v, true
	}
	if i >= 0 && i < len(a.pos) {
		return a.pos[i], true
	}
	return nil, false
}

func (fe *fileEval) args(n *pysrc.Node) callArgs {
	a := callArgs{kw: map[string]*Value{}}
	if n == nil {
		return a
	}
	for _, c := range pysrc.Named(n) {
		switch c.Kind() {
		case "keyword_argument":
			name := fe.text(c.ChildByFieldName("name"))
			a.kw[name] = fe.eval(c.ChildByFieldName("value"))
			a.kwOrder = append(a.kwOrder, name)
		case "list_splat", "dictionary_splat":
			a.splat = true
		default:
			a.pos = append(a.pos, fe.eval(c))
		}
	}
	return a
}

func (fe *fileEval) call(n *pysrc.Node) *Value {
	fnNode := n.ChildByFieldName("function")
	argNode := n.ChildByFieldName("arguments")
	if argNode != nil && argNode.Kind() == "generator_expression" {
		return fe.unknown(n)
	}
	// Methods of known values: "x".lower(), list.copy(), dict.get().
	if fnNode.Kind() == "attribute" {
		obj := fe.eval(fnNode.ChildByFieldName("object"))
		method := fe.text(fnNode.ChildByFieldName("attribute"))
		if obj.Kind != Ref && obj.Kind != Unknown {
			return fe.method(obj, method, fe.args(argNode), n)
		}
		if obj.Kind == Unknown {
			fe.args(argNode) // evaluated for env reads inside
			return withEnv(&Value{Kind: Unknown, Ref: fe.text(fnNode), Pos: fe.pos(n)}, obj.Env, methodCast(method))
		}
	}
	fn := fe.eval(fnNode)
	a := fe.args(argNode)
	if fn.Kind != Ref {
		return &Value{Kind: Unknown, Ref: fe.text(fnNode), Pos: fe.pos(n)}
	}
	helper := fn.fn
	if helper == nil && fnNode.Kind() == "attribute" {
		helper = fe.moduleFunction(fn.Ref)
	}
	if helper != nil {
		if v, ok := fe.callHelper(helper, a, n); ok {
			return v
		}
	}
	ref := fn.Ref
	switch {
	case ref == "os.environ.get" || ref == "os.getenv" || ref == "os.environ.setdefault":
		return fe.osEnviron(ref, a, n)
	case ref == "decouple.config" || ref == "decouple.AutoConfig()" || ref == "decouple.Config()":
		return fe.decouple(a, n)
	case ref == "decouple.AutoConfig" || ref == "decouple.Config":
		return &Value{Kind: Ref, Ref: ref + "()", Pos: fe.pos(n)}
	case ref == "decouple.Csv":
		return fe.csvCast(a, n)
	case ref == "environ.Env" || ref == "environ.environ.Env":
		return fe.environEnv(a, n)
	case ref == "environs.Env" || ref == "environs.FileAwareEnv":
		// environs reads like django-environ: env("X", default),
		// env.bool("X", default), env.list(…); its constructor takes
		// options, not variable schemes.
		return &Value{Kind: Ref, Ref: "environs.Env()", Pos: fe.pos(n)}
	case strings.HasPrefix(ref, "environ.Env()"):
		return fe.environCall(fn, strings.TrimPrefix(strings.TrimPrefix(ref, "environ.Env()"), "."), a, n)
	case strings.HasPrefix(ref, "environs.Env()"):
		return fe.environCall(fn, strings.TrimPrefix(strings.TrimPrefix(ref, "environs.Env()"), "."), a, n)
	case ref == "datetime.timedelta" || ref == "datetime.datetime.timedelta":
		return fe.timedelta(a, n)
	case ref == "dj_database_url.config":
		return fe.djDatabaseURL(a, n)
	case ref == "dj_database_url.parse":
		if u, ok := a.arg(0, "url"); ok && u.Kind == Str {
			return databaseFromURL(u, a)
		}
	case ref == "strtobool" || strings.HasSuffix(ref, ".strtobool"):
		if v, ok := a.arg(0, "val"); ok {
			return fe.cast(v, "strtobool", n)
		}
	case ref == "bool" || ref == "int" || ref == "float" || ref == "str" || ref == "list" || ref == "tuple":
		if len(a.pos) == 1 && len(a.kw) == 0 {
			return fe.cast(a.pos[0], ref, n)
		}
		if len(a.pos) == 0 && len(a.kw) == 0 {
			return fe.cast(nil, ref, n)
		}
	case ref == "dict":
		if len(a.pos) == 0 && !a.splat {
			d := &Value{Kind: Dict, Pos: fe.pos(n)}
			for _, k := range a.kwOrder {
				d.Keys = append(d.Keys, &Value{Kind: Str, Str: k})
				d.Items = append(d.Items, a.kw[k])
			}
			return d
		}
	case ref == "set" || ref == "frozenset":
		if len(a.pos) == 1 && a.pos[0].IsSequence() {
			return &Value{Kind: Set, Items: a.pos[0].Items, Pos: fe.pos(n)}
		}
	case ref == "exec" || ref == "eval":
		fe.e.m.Opaque = true
	case ref == "getattr":
		if v, ok := fe.configGetattr(argNode, a, n); ok {
			return v
		}
	}
	name := ref
	name = strings.TrimPrefix(name, "def:")
	var env *EnvRead
	for _, v := range a.pos {
		if v.Env != nil {
			env = v.Env
			break
		}
	}
	return withEnv(&Value{Kind: Unknown, Ref: name, Pos: fe.pos(n)}, env, "call")
}

// configGetattr reads getattr(configuration, "NAME", default) where
// configuration is a module the operator supplies at deployment (loaded by
// a function or importlib, absent from the repository): like an
// environment variable, the production view is the default, what a
// deployment gets when its configuration does not set NAME. The value
// remembers the read (Reader "getattr", Var "configuration.NAME"), and a
// read with no default stays unknown.
func (fe *fileEval) configGetattr(argNode *pysrc.Node, a callArgs, n *pysrc.Node) (*Value, bool) {
	if len(a.pos) < 2 || a.splat || len(a.kw) > 0 {
		return nil, false
	}
	obj, name := a.pos[0], a.pos[1]
	if name == nil || name.Kind != Str || !envVarLike(name.Str) {
		return nil, false
	}
	switch {
	case obj == nil:
		return nil, false
	case obj.Kind == Unknown && obj.Env == nil:
	case obj.Kind == Ref && !strings.HasPrefix(obj.Ref, "def:") && !stdlibRef(obj.Ref):
		if target, found := fe.e.resolveModule(fe.path, 0, obj.Ref); found {
			// A module of the repository: read what it sets instead.
			if ns, ok := fe.e.module(target); ok {
				if s, ok := ns[name.Str]; ok {
					return s.Value, true
				}
				if len(a.pos) == 3 {
					return a.pos[2], true
				}
			}
			return nil, false
		}
	default:
		return nil, false
	}
	objName := "configuration"
	if args := pysrc.Named(argNode); len(args) > 0 {
		objName = fe.text(args[0])
	}
	env := &EnvRead{Var: objName + "." + name.Str, Reader: "getattr", HasDefault: len(a.pos) == 3, Cast: "config"}
	if len(a.pos) < 3 {
		return &Value{Kind: Unknown, Pos: fe.pos(n)}, true
	}
	def := a.pos[2]
	env.DefaultPos = def.Pos
	cp := *def
	cp.Env = env
	if cp.Pos.Path == "" {
		cp.Pos = fe.pos(n)
	}
	return &cp, true
}

// stdlibRef reports a reference to Django, the standard library or a
// module djsec knows is not an operator's configuration.
func stdlibRef(ref string) bool {
	first, _, _ := strings.Cut(ref, ".")
	switch first {
	case "django", "os", "sys", "settings", "logging", "builtins", "importlib", "types":
		return true
	}
	return false
}

func methodCast(method string) string {
	switch method {
	case "lower", "upper", "strip", "casefold", "lstrip", "rstrip", "title", "capitalize":
		return "keep"
	}
	return "call"
}

// method evaluates the string, list and dict methods settings files use.
func (fe *fileEval) method(obj *Value, method string, a callArgs, n *pysrc.Node) *Value {
	pos := fe.pos(n)
	unknown := withEnv(&Value{Kind: Unknown, Pos: pos}, obj.Env, "call")
	if obj.Kind == Str {
		s := obj.Str
		keep := func(r string) *Value { return withEnv(&Value{Kind: Str, Str: r, Pos: pos}, obj.Env, "keep") }
		switch method {
		case "lower", "casefold":
			return keep(strings.ToLower(s))
		case "upper":
			return keep(strings.ToUpper(s))
		case "strip", "lstrip", "rstrip":
			cut := " \t\n\r\x0b\x0c"
			if len(a.pos) == 1 && a.pos[0].Kind == Str {
				cut = a.pos[0].Str
			}
			switch method {
			case "strip":
				return keep(strings.Trim(s, cut))
			case "lstrip":
				return keep(strings.TrimLeft(s, cut))
			}
			return keep(strings.TrimRight(s, cut))
		case "split":
			var parts []string
			if len(a.pos) == 0 {
				parts = strings.Fields(s)
			} else if a.pos[0].Kind == Str && a.pos[0].Str != "" {
				parts = strings.Split(s, a.pos[0].Str)
			} else {
				return unknown
			}
			out := &Value{Kind: List, Pos: pos}
			for _, p := range parts {
				out.Items = append(out.Items, &Value{Kind: Str, Str: p, Pos: pos})
			}
			return withEnv(out, obj.Env, "list")
		case "startswith", "endswith":
			if len(a.pos) == 1 && a.pos[0].Kind == Str {
				r := strings.HasPrefix(s, a.pos[0].Str)
				if method == "endswith" {
					r = strings.HasSuffix(s, a.pos[0].Str)
				}
				return withEnv(&Value{Kind: Bool, Bool: r, Pos: pos}, obj.Env, "compare")
			}
		case "join":
			if len(a.pos) == 1 {
				if parts, ok := a.pos[0].Strings(); ok {
					return &Value{Kind: Str, Str: strings.Join(parts, s), Pos: pos}
				}
			}
		case "isdigit":
			_, err := strconv.Atoi(s)
			return withEnv(&Value{Kind: Bool, Bool: err == nil && s != "", Pos: pos}, obj.Env, "compare")
		}
		return unknown
	}
	if obj.Kind == Dict {
		switch method {
		case "get":
			if k, ok := a.arg(0, "key"); ok && k.Known() {
				if v := obj.Get(k.Str); v != nil && k.Kind == Str {
					return v
				}
				if obj.HasUnknownKeys() {
					return unknown
				}
				if d, ok := a.arg(1, "default"); ok {
					return d
				}
				return &Value{Kind: None, Pos: pos}
			}
		case "copy":
			return obj
		}
		return unknown
	}
	if obj.IsSequence() && method == "copy" {
		return obj
	}
	return unknown
}

// envLookup is the production view of reading name: the value set by an
// earlier os.environ.setdefault, else the default, else missing.
func (fe *fileEval) envLookup(name, reader string, def *Value, hasDefault bool, n *pysrc.Node) *Value {
	env := &EnvRead{Var: name, Reader: reader, HasDefault: hasDefault}
	fe.e.logRead(env)
	if v, ok := fe.e.envDefaults[name]; ok {
		env.HasDefault = true
		env.DefaultPos = v.Pos
		cp := *v
		cp.Env = env
		cp.Pos = fe.pos(n)
		return &cp
	}
	if !hasDefault {
		if reader == "os.environ.get" || reader == "os.getenv" {
			return &Value{Kind: None, Env: env, Pos: fe.pos(n)}
		}
		env.Required = true
		fe.requiredReadRaises(env)
		return &Value{Kind: Unknown, Env: env, Pos: fe.pos(n)}
	}
	env.DefaultPos = def.Pos
	cp := *def
	cp.Env = env
	return &cp
}

func (fe *fileEval) osEnviron(ref string, a callArgs, n *pysrc.Node) *Value {
	fe.e.envReads++
	key, ok := a.arg(0, "key")
	if !ok || key.Kind != Str {
		return &Value{Kind: Unknown, Env: &EnvRead{Reader: ref}, Pos: fe.pos(n)}
	}
	def, hasDef := a.arg(1, "default")
	if ref == "os.environ.setdefault" {
		if !hasDef {
			def = &Value{Kind: None}
		}
		if _, set := fe.e.envDefaults[key.Str]; !set {
			fe.e.envDefaults[key.Str] = def
		}
		return fe.envLookup(key.Str, "os.environ[]", nil, false, n)
	}
	reader := "os.environ.get"
	if ref == "os.getenv" {
		reader = "os.getenv"
	}
	if hasDef && def.Kind == None {
		// os.getenv("X", None) is os.getenv("X"): no default.
		hasDef = false
	}
	return fe.envLookup(key.Str, reader, def, hasDef, n)
}

// decouple is python-decouple's config(name, default=, cast=): the default
// goes through the cast.
func (fe *fileEval) decouple(a callArgs, n *pysrc.Node) *Value {
	fe.e.envReads++
	key, ok := a.arg(0, "option")
	if !ok || key.Kind != Str {
		return &Value{Kind: Unknown, Env: &EnvRead{Reader: "decouple"}, Pos: fe.pos(n)}
	}
	castV, hasCast := a.arg(2, "cast")
	cast := ""
	if hasCast {
		cast = castName(castV)
	}
	def, hasDef := a.arg(1, "default")
	v := fe.envLookup(key.Str, "decouple", def, hasDef, n)
	if v.Env != nil {
		v.Env.Cast = cast
	}
	if !v.Known() && v.Kind != None {
		return v
	}
	if cast == "" {
		return v
	}
	if cast == "csv" {
		return fe.applyCsv(v, castV, n)
	}
	if cast == "db" {
		// config("DATABASE_URL", default=..., cast=db_url)
		if v.Kind != Str {
			return withEnv(&Value{Kind: Unknown, Pos: v.Pos}, v.Env, "keep")
		}
		d := databaseFromURL(v, callArgs{})
		d.Env = v.Env
		return d
	}
	out := fe.cast(v, "decouple:"+cast, n)
	out.Env = v.Env
	return out
}

// castName maps a cast argument (bool, int, Csv(), a function) to a name.
func castName(c *Value) string {
	if c == nil {
		return ""
	}
	if c.Kind == Ref {
		switch c.Ref {
		case "bool", "int", "float", "str", "list", "tuple", "dict":
			return c.Ref
		case "cast:csv":
			return "csv"
		}
		if strings.HasSuffix(c.Ref, ".strtobool") || c.Ref == "strtobool" {
			return "bool"
		}
		if c.Ref == "dj_database_url.parse" || c.Ref == "dj_database_url.config" {
			return "db"
		}
		return "call"
	}
	if c.Kind == Unknown && c.Ref != "" {
		return "call"
	}
	return "call"
}

func (fe *fileEval) csvCast(a callArgs, n *pysrc.Node) *Value {
	v := &Value{Kind: Ref, Ref: "cast:csv", Pos: fe.pos(n)}
	// Csv(cast=..., delimiter=..., post_process=...) options are kept in
	// Scheme so applyCsv can honour the delimiter.
	v.Scheme = map[string]EnvScheme{}
	if d, ok := a.arg(1, "delimiter"); ok && d.Kind == Str {
		v.Scheme["delimiter"] = EnvScheme{Default: d}
	}
	if pp, ok := a.arg(-1, "post_process"); ok {
		v.Scheme["post_process"] = EnvScheme{Default: pp}
	}
	return v
}

func (fe *fileEval) applyCsv(v, castV *Value, n *pysrc.Node) *Value {
	out := &Value{Kind: List, Pos: v.Pos, Env: v.Env}
	if v.Kind == None {
		return out
	}
	if v.IsSequence() {
		// decouple passes non-string defaults through list()
		out.Items = v.Items
		return out
	}
	if v.Kind != Str {
		return withEnv(&Value{Kind: Unknown, Pos: v.Pos}, v.Env, "keep")
	}
	delim := ","
	if castV.Scheme != nil {
		if d, ok := castV.Scheme["delimiter"]; ok {
			delim = d.Default.Str
		}
		if pp, ok := castV.Scheme["post_process"]; ok && pp.Default != nil && pp.Default.Ref == "tuple" {
			out.Kind = Tuple
		}
	}
	for _, part := range strings.Split(v.Str, delim) {
		part = strings.Trim(strings.TrimSpace(part), `"'`)
		if part == "" {
			continue
		}
		out.Items = append(out.Items, &Value{Kind: Str, Str: part, Pos: v.Pos})
	}
	return out
}

// cast applies a Python or library cast to a known value. Kinds of cast:
// bool/int/float/str/list/tuple (Python builtins), strtobool (distutils),
// decouple:* (python-decouple's casts), environ:* (django-environ's).
func (fe *fileEval) cast(v *Value, cast string, n *pysrc.Node) *Value {
	pos := fe.pos(n)
	if v == nil {
		switch cast {
		case "bool":
			return &Value{Kind: Bool, Pos: pos}
		case "int":
			return &Value{Kind: Int, Pos: pos}
		case "str":
			return &Value{Kind: Str, Pos: pos}
		case "list":
			return &Value{Kind: List, Pos: pos}
		case "tuple":
			return &Value{Kind: Tuple, Pos: pos}
		}
		return &Value{Kind: Unknown, Pos: pos}
	}
	envCast := strings.TrimPrefix(strings.TrimPrefix(cast, "decouple:"), "environ:")
	if envCast == "strtobool" {
		envCast = "bool"
	}
	unknown := withEnv(&Value{Kind: Unknown, Pos: pos}, v.Env, envCast)
	if !v.Known() {
		return unknown
	}
	if cast == "bool" && v.Env != nil && v.Env.Cast == "" {
		// Python's bool() of the raw string is no parse: bool("False") is
		// True, so the value stays a raw read (DJS206).
		envCast = ""
	}
	out := func(r *Value) *Value {
		r.Pos = pos
		return withEnv(r, v.Env, envCast)
	}
	switch cast {
	case "bool":
		t, _ := v.Truthy()
		return out(&Value{Kind: Bool, Bool: t})
	case "strtobool", "decouple:bool":
		if v.Kind == Bool {
			return out(&Value{Kind: Bool, Bool: v.Bool})
		}
		if v.Kind == Int && cast == "decouple:bool" {
			return out(&Value{Kind: Bool, Bool: v.Int != 0})
		}
		if v.Kind != Str {
			return unknown
		}
		switch strings.ToLower(v.Str) {
		case "y", "yes", "t", "true", "on", "1":
			if cast == "strtobool" {
				return out(&Value{Kind: Int, Int: 1})
			}
			return out(&Value{Kind: Bool, Bool: true})
		case "n", "no", "f", "false", "off", "0", "":
			if v.Str == "" && cast == "strtobool" {
				return unknown
			}
			if cast == "strtobool" {
				return out(&Value{Kind: Int, Int: 0})
			}
			return out(&Value{Kind: Bool})
		}
		return unknown // ValueError: the settings would not load
	case "environ:bool":
		if v.Kind == Bool {
			return out(&Value{Kind: Bool, Bool: v.Bool})
		}
		if v.Kind == Int {
			return out(&Value{Kind: Bool, Bool: v.Int != 0})
		}
		if v.Kind != Str {
			return unknown
		}
		if i, err := strconv.Atoi(strings.TrimSpace(v.Str)); err == nil {
			return out(&Value{Kind: Bool, Bool: i != 0})
		}
		switch strings.ToLower(strings.TrimSpace(v.Str)) {
		case "true", "on", "ok", "y", "yes", "1":
			return out(&Value{Kind: Bool, Bool: true})
		}
		return out(&Value{Kind: Bool})
	case "int", "decouple:int", "environ:int":
		switch v.Kind {
		case Int:
			return out(&Value{Kind: Int, Int: v.Int})
		case Bool:
			return out(&Value{Kind: Int, Int: int64(num(v))})
		case Float:
			return out(&Value{Kind: Int, Int: int64(v.Float)})
		case Str:
			if i, err := strconv.ParseInt(strings.TrimSpace(strings.ReplaceAll(v.Str, "_", "")), 10, 64); err == nil {
				return out(&Value{Kind: Int, Int: i})
			}
		}
		return unknown
	case "float", "decouple:float", "environ:float":
		switch v.Kind {
		case Int, Float, Bool:
			return out(&Value{Kind: Float, Float: num(v)})
		case Str:
			if f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64); err == nil {
				return out(&Value{Kind: Float, Float: f})
			}
		}
		return unknown
	case "str", "decouple:str", "environ:str":
		switch v.Kind {
		case Str:
			return out(&Value{Kind: Str, Str: v.Str})
		case Int:
			return out(&Value{Kind: Str, Str: strconv.FormatInt(v.Int, 10)})
		case Bool, None:
			return out(&Value{Kind: Str, Str: v.String()})
		}
		return unknown
	case "list", "tuple", "decouple:list", "decouple:tuple":
		kind := List
		if strings.HasSuffix(cast, "tuple") {
			kind = Tuple
		}
		if v.IsSequence() {
			return out(&Value{Kind: kind, Items: v.Items})
		}
		if v.Kind == Str {
			r := &Value{Kind: kind}
			for _, ch := range v.Str {
				r.Items = append(r.Items, &Value{Kind: Str, Str: string(ch)})
			}
			return out(r)
		}
		return unknown
	case "environ:list", "environ:tuple":
		kind := List
		if cast == "environ:tuple" {
			kind = Tuple
		}
		if v.IsSequence() {
			return out(&Value{Kind: kind, Items: v.Items})
		}
		if v.Kind == Str {
			r := &Value{Kind: kind}
			s := strings.Trim(v.Str, "()")
			for _, part := range strings.Split(s, ",") {
				if part = strings.TrimSpace(part); part != "" {
					r.Items = append(r.Items, &Value{Kind: Str, Str: part, Pos: pos})
				}
			}
			return out(r)
		}
		return unknown
	}
	return unknown
}

// environEnv is django-environ's Env(NAME=(cast, default), NAME2=cast).
func (fe *fileEval) environEnv(a callArgs, n *pysrc.Node) *Value {
	v := &Value{Kind: Ref, Ref: "environ.Env()", Scheme: map[string]EnvScheme{}, Pos: fe.pos(n)}
	for name, decl := range a.kw {
		s := EnvScheme{}
		switch {
		case decl.Kind == Tuple && len(decl.Items) >= 1:
			s.Cast = castName(decl.Items[0])
			if len(decl.Items) >= 2 {
				s.Default = decl.Items[1]
				s.HasDefault = true
			}
		case decl.Kind == Ref:
			s.Cast = castName(decl)
		default:
			s.Cast = "call"
		}
		v.Scheme[name] = s
	}
	return v
}

// environCall handles env("X"), env.bool("X", default=…), env.db(), ….
func (fe *fileEval) environCall(fn *Value, method string, a callArgs, n *pysrc.Node) *Value {
	if method == "read_env" || method == "smart_cast" || strings.Contains(method, ".") {
		return &Value{Kind: Unknown, Ref: "environ.Env." + method, Pos: fe.pos(n)}
	}
	fe.e.envReads++
	defaultVar := map[string]string{"db": "DATABASE_URL", "db_url": "DATABASE_URL", "cache": "CACHE_URL",
		"cache_url": "CACHE_URL", "email": "EMAIL_URL", "email_url": "EMAIL_URL", "search_url": "SEARCH_URL"}
	var key *Value
	if k, ok := a.arg(0, "var"); ok {
		key = k
	} else if dv, ok := defaultVar[method]; ok {
		key = &Value{Kind: Str, Str: dv}
	}
	if key == nil || key.Kind != Str {
		return &Value{Kind: Unknown, Env: &EnvRead{Reader: "environ"}, Pos: fe.pos(n)}
	}
	def, hasDef := a.kw["default"]
	// django-environ's env("X", …) takes a cast second; its methods and
	// every call of environs take the default.
	if !hasDef && (method != "" || strings.HasPrefix(fn.Ref, "environs.")) && len(a.pos) >= 2 {
		def, hasDef = a.pos[1], true
	}
	cast := method
	if castV, ok := a.kw["cast"]; ok {
		cast = castName(castV)
	}
	if sch, ok := fn.Scheme[key.Str]; ok {
		if method == "" && cast == "" {
			cast = sch.Cast
		}
		if !hasDef && sch.HasDefault {
			def, hasDef = sch.Default, true
		}
	}
	if method == "" && cast == "" && hasDef && def != nil {
		// django-environ's smart cast: with no cast given, the default's
		// type is the cast applied to a set variable.
		switch def.Kind {
		case Bool:
			cast = "bool"
		case Int:
			cast = "int"
		case Float:
			cast = "float"
		case List:
			cast = "list"
		case Tuple:
			cast = "tuple"
		case Dict:
			cast = "dict"
		}
	}
	switch cast {
	case "db", "db_url", "cache", "cache_url", "email", "email_url", "url", "search_url":
		cast = strings.TrimSuffix(cast, "_url")
	}
	v := fe.envLookup(key.Str, "environ", def, hasDef, n)
	if v.Env != nil {
		v.Env.Cast = cast
		if cast == "str" {
			v.Env.Cast = ""
		}
	}
	if !v.Known() {
		return v
	}
	if cast == "db" && v.Kind == Str {
		d := databaseFromURL(v, callArgs{})
		d.Env = v.Env
		return d
	}
	// The default is returned as given (django-environ does not cast it),
	// except for the scheme default, which is parsed like the variable.
	return v
}

func (fe *fileEval) timedelta(a callArgs, n *pysrc.Node) *Value {
	units := []struct {
		name string
		d    time.Duration
	}{{"days", 24 * time.Hour}, {"seconds", time.Second}, {"microseconds", time.Microsecond},
		{"milliseconds", time.Millisecond}, {"minutes", time.Minute}, {"hours", time.Hour}, {"weeks", 7 * 24 * time.Hour}}
	var total float64
	var env *EnvRead
	for i, u := range units {
		v, ok := a.arg(i, u.name)
		if !ok {
			continue
		}
		if !isNumber(v) {
			return withEnv(fe.unknown(n), v.Env, "call")
		}
		total += num(v) * float64(u.d)
		if env == nil {
			env = v.Env
		}
	}
	if len(a.pos) > len(units) || a.splat {
		return fe.unknown(n)
	}
	// timedelta(seconds=int(os.getenv("TTL", 3600))) is the default of TTL.
	return withEnv(&Value{Kind: Duration, Dur: time.Duration(total), Pos: fe.pos(n)}, env, "keep")
}

// djDatabaseURL is dj_database_url.config(default=…, env="DATABASE_URL").
func (fe *fileEval) djDatabaseURL(a callArgs, n *pysrc.Node) *Value {
	fe.e.envReads++
	name := "DATABASE_URL"
	if e, ok := a.kw["env"]; ok && e.Kind == Str {
		name = e.Str
	}
	def, hasDef := a.kw["default"]
	v := fe.envLookup(name, "dj_database_url", def, hasDef, n)
	if v.Env != nil {
		v.Env.Cast = "db"
		if !hasDef {
			v.Env.Required = true
		}
	}
	if v.Kind != Str {
		return &Value{Kind: Unknown, Env: v.Env, Pos: fe.pos(n)}
	}
	d := databaseFromURL(v, a)
	d.Env = v.Env
	return d
}
