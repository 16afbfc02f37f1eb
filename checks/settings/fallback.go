package settings

import (
	"regexp"

	"github.com/djsec/djsec/checks/pysrc"
)

// A try statement whose body reads something the deployment supplies and
// whose handler falls back to literals is an environment default by another
// name:
//
//	try:
//	    with open(DATA_DIR / "secrets.json") as f:
//	        SECRETS = json.load(f)
//	except OSError:
//	    SECRETS = {"secret_key": "dev"}
//
//	try:
//	    SECRET_KEY = os.environ["SECRET_KEY"]
//	except KeyError:
//	    SECRET_KEY = "dev"
//
// A deployment that forgets the file or the variable runs with the fallback.
// The production view takes the handler, as it takes an environment read's
// default, and the fallback's values remember what they stand in for (an
// EnvRead with HasDefault; Reader "file" for a file), so rules such as DJS102
// judge them as they judge `os.environ.get("SECRET_KEY", "dev")`.

var (
	// fileErrorRE matches the exception names a missing file raises, or
	// that catch it.
	fileErrorRE = regexp.MustCompile(`\b(OSError|IOError|FileNotFoundError|EnvironmentError|PermissionError|Exception|BaseException)\b`)
	// missingVarRE matches what a missing variable raises in each reader
	// (os.environ[…]: KeyError; python-decouple: UndefinedValueError;
	// django-environ: ImproperlyConfigured), or a base class of it.
	missingVarRE = regexp.MustCompile(`\b(KeyError|LookupError|UndefinedValueError|ImproperlyConfigured|Exception|BaseException)\b`)
	// raisedByReader matches, per reader, the handlers its error reaches.
	raisedByReader = map[string]*regexp.Regexp{
		"os.environ[]": regexp.MustCompile(`\b(KeyError|LookupError|Exception|BaseException)\b`),
		"decouple":     regexp.MustCompile(`\b(UndefinedValueError|Exception|BaseException)\b`),
		"environ":      regexp.MustCompile(`\b(ImproperlyConfigured|Exception|BaseException)\b`),
	}
)

// fileFallback runs a try statement whose body opens a file and whose
// handler catches the error of a missing one, the way a server without the
// file does: the body's statements before the read, then that handler,
// then finally. It reports false, and does nothing, for any other try.
func (fe *fileEval) fileFallback(st, body *pysrc.Node) bool {
	if body == nil {
		return false
	}
	var handler *pysrc.Node
	for _, c := range pysrc.Named(st) {
		if c.Kind() == "except_clause" && handler == nil && fe.handlerCatches(c, fileErrorRE) {
			handler = c
		}
	}
	if handler == nil {
		return false
	}
	stmts := pysrc.Named(body)
	at := -1
	for i, s := range stmts {
		if fe.readsFile(s) {
			at = i
			break
		}
	}
	if at < 0 {
		return false
	}
	for _, s := range stmts[:at] {
		fe.statement(s)
	}
	fe.runFallback(handler, func(v *Value) *Value {
		return envDefault(v, &EnvRead{Reader: "file", HasDefault: true}, 0)
	})
	for _, c := range pysrc.Named(st) {
		if c.Kind() == "finally_clause" {
			for _, b := range pysrc.Named(c) {
				if b.Kind() == "block" {
					fe.block(b)
				}
			}
		}
	}
	return true
}

// runFallback runs an except clause and passes every name it sets through
// mark.
func (fe *fileEval) runFallback(handler *pysrc.Node, mark func(*Value) *Value) {
	before := fe.ns.clone()
	for _, b := range pysrc.Named(handler) {
		if b.Kind() == "block" {
			fe.block(b)
		}
	}
	for name, s := range fe.ns {
		if before[name] != s {
			fe.ns[name] = &Setting{Name: name, Value: mark(s.Value), Pos: s.Pos}
		}
	}
}

// handlerCatches reports an except clause whose exception list matches re,
// or a bare except.
func (fe *fileEval) handlerCatches(c *pysrc.Node, re *regexp.Regexp) bool {
	header := ""
	for _, n := range pysrc.Named(c) {
		if n.Kind() == "block" {
			break
		}
		header += fe.text(n) + " "
	}
	return header == "" || re.MatchString(header)
}

// catchesMissingVariable reports a try statement with a handler a missing
// variable's error would reach.
func (fe *fileEval) catchesMissingVariable(st *pysrc.Node) bool {
	for _, c := range pysrc.Named(st) {
		if c.Kind() == "except_clause" && fe.handlerCatches(c, missingVarRE) {
			return true
		}
	}
	return false
}

// missingVariable looks at what the last statement of a try body changed
// (against snap): when it read a variable with no default, a deployment
// without the variable raises there, and the first handler catching that
// reader's error runs. It returns that handler and the read.
func (fe *fileEval) missingVariable(st *pysrc.Node, snap namespace) (*pysrc.Node, *EnvRead) {
	var env *EnvRead
	for name, s := range fe.ns {
		if snap[name] == s || env != nil {
			continue
		}
		env = requiredRead(s.Value, 0)
	}
	if env == nil {
		return nil, nil
	}
	raised, ok := raisedByReader[env.Reader]
	if !ok {
		return nil, nil
	}
	for _, c := range pysrc.Named(st) {
		if c.Kind() == "except_clause" && fe.handlerCatches(c, raised) {
			return c, env
		}
	}
	return nil, nil
}

// requiredRead finds a read with no default inside v.
func requiredRead(v *Value, depth int) *EnvRead {
	if v == nil || depth > 16 {
		return nil
	}
	if v.Env != nil && v.Env.Required {
		return v.Env
	}
	for _, l := range [][]*Value{v.Items, v.Alts} {
		for _, it := range l {
			if e := requiredRead(it, depth+1); e != nil {
				return e
			}
		}
	}
	return nil
}

// readsFile reports a statement that opens a file: open(…), io.open(…),
// Path(…).open(), .read_text(), .read_bytes(), here or in a with clause.
func (fe *fileEval) readsFile(st *pysrc.Node) bool {
	found := false
	pysrc.Walk(st, func(n *pysrc.Node) bool {
		switch n.Kind() {
		case "function_definition", "class_definition", "lambda":
			return false
		case "call":
		default:
			return !found
		}
		fn := n.ChildByFieldName("function")
		switch {
		case fn == nil:
		case fn.Kind() == "attribute":
			switch fe.text(fn.ChildByFieldName("attribute")) {
			case "open", "read_text", "read_bytes":
				found = true
			}
		case fn.Kind() == "identifier" && fe.text(fn) == "open":
			if v := fe.lookup("open"); v.Kind == Ref && v.Ref == "open" {
				found = true
			}
		}
		return !found
	})
	return found
}

// envDefault marks the scalars of a fallback value as the default of read
// (a copy of it, with HasDefault and the scalar's position); values that
// already came from the environment keep their own read.
func envDefault(v *Value, read *EnvRead, depth int) *Value {
	if v == nil || depth > 32 {
		return v
	}
	switch v.Kind {
	case Str, Int, Float, Bool, None, Duration:
		if v.Env != nil {
			return v
		}
		cp := *v
		env := *read
		env.HasDefault, env.Required, env.Cast, env.DefaultPos = true, false, "", v.Pos
		cp.Env = &env
		return &cp
	case List, Tuple, Set, Dict:
		cp := *v
		cp.Items = make([]*Value, len(v.Items))
		for i, it := range v.Items {
			cp.Items[i] = envDefault(it, read, depth+1)
		}
		return &cp
	}
	return v
}
