package settings

import (
	"github.com/djsec/djsec/checks/pysrc"
)

// herokuSettings models django_heroku.settings(locals()) (django-heroku
// 0.3.1, django_heroku/core.py), which rewrites the module's settings in
// place. Each keyword switch (databases=, staticfiles=, allowed_hosts=,
// logging=, secret_key=, test_runner=) defaults to True; a switch djsec
// cannot read leaves the names it governs unknown. Environment tests take
// the production view's missing variables, so what the package copies
// from DATABASE_URL and SECRET_KEY when they are set does not replace the
// module's own values. It reports false when the call is not that one, or
// not in a shape djsec models, and the caller then treats it as any call
// passing locals().
func (fe *fileEval) herokuSettings(n, stmt *pysrc.Node) bool {
	fnNode := n.ChildByFieldName("function")
	if fnNode == nil {
		return false
	}
	fn := fe.eval(fnNode)
	if fn.Kind != Ref || fn.Ref != "django_heroku.settings" && fn.Ref != "django_heroku.core.settings" {
		return false
	}
	argNode := n.ChildByFieldName("arguments")
	if argNode == nil || argNode.Kind() != "argument_list" {
		return false
	}
	var config *pysrc.Node
	switches := map[string]*Value{}
	for _, c := range pysrc.Named(argNode) {
		switch c.Kind() {
		case "keyword_argument":
			switches[fe.text(c.ChildByFieldName("name"))] = fe.eval(c.ChildByFieldName("value"))
		case "comment":
		default:
			if config != nil {
				return false // settings() takes one positional argument
			}
			config = c
		}
	}
	if config == nil || config.Kind() != "call" || len(pysrc.Named(config.ChildByFieldName("arguments"))) != 0 {
		return false
	}
	if t := fe.text(config.ChildByFieldName("function")); t != "locals" && t != "globals" && t != "vars" {
		return false
	}
	for name := range switches {
		switch name {
		case "db_colors", "databases", "test_runner", "staticfiles", "allowed_hosts", "logging", "secret_key":
		default:
			return false // TypeError: not a call that runs
		}
	}
	fe.e.imports["django_heroku"] = true
	fe.e.m.Calls = append(fe.e.m.Calls, Call{Callee: fn.Ref, Pos: fe.pos(stmt)})
	pos := fe.pos(n)
	str := func(s string) *Value { return &Value{Kind: Str, Str: s, Pos: pos} }
	// on applies a switch: f runs when it is True; when djsec cannot read
	// it, the names it would set become unknown, keeping their value as
	// one candidate.
	on := func(name string, names []string, f func()) {
		v, given := switches[name]
		if !given {
			f()
			return
		}
		if t, ok := v.Truthy(); ok {
			if t {
				f()
			}
			return
		}
		for _, k := range names {
			fe.herokuMaybe(k, stmt)
		}
	}
	on("databases", []string{"DATABASES"}, func() {
		// Only when DATABASE_URL is set does the package replace the
		// default database; with none at all it installs a placeholder
		// that needs the variable.
		if _, ok := fe.ns["DATABASES"]; !ok {
			url := &EnvRead{Var: "DATABASE_URL", Reader: "dj_database_url", Required: true, Cast: "db"}
			fe.set("DATABASES", &Value{Kind: Dict, Pos: pos, Keys: []*Value{str("default")},
				Items: []*Value{{Kind: Unknown, Env: url, Pos: pos}}}, stmt)
		}
	})
	on("test_runner", []string{"TEST_RUNNER"}, func() {}) // only when CI is set
	on("staticfiles", []string{"STATIC_ROOT", "STATIC_URL", "MIDDLEWARE", "MIDDLEWARE_CLASSES", "STATICFILES_STORAGE"}, func() {
		fe.set("STATIC_ROOT", &Value{Kind: Unknown, Pos: pos}, stmt) // BASE_DIR/staticfiles
		fe.set("STATIC_URL", str("/static/"), stmt)
		mw := "MIDDLEWARE_CLASSES"
		if _, ok := fe.ns[mw]; !ok {
			mw = "MIDDLEWARE"
		}
		whitenoise := str("whitenoise.middleware.WhiteNoiseMiddleware")
		if cur := fe.lookup(mw); cur.IsSequence() {
			fe.set(mw, &Value{Kind: Tuple, Items: append([]*Value{whitenoise}, cur.Items...), Pos: pos}, stmt)
		} else {
			fe.set(mw, &Value{Kind: Unknown, Pos: pos}, stmt)
		}
		fe.set("STATICFILES_STORAGE", str("whitenoise.storage.CompressedManifestStaticFilesStorage"), stmt)
	})
	on("allowed_hosts", []string{"ALLOWED_HOSTS"}, func() {
		fe.set("ALLOWED_HOSTS", &Value{Kind: List, Items: []*Value{str("*")}, Pos: pos}, stmt)
	})
	on("logging", []string{"LOGGING"}, func() {
		fe.set("LOGGING", herokuLogging(pos), stmt)
	})
	on("secret_key", []string{"SECRET_KEY"}, func() {}) // only when SECRET_KEY is set
	return true
}

// herokuMaybe makes name unknown where a switch djsec cannot read may set
// it, keeping the current value as a candidate.
func (fe *fileEval) herokuMaybe(name string, stmt *pysrc.Node) {
	var alts []*Value
	if s, ok := fe.ns[name]; ok {
		alts = append(alts, s.Value)
	}
	alts = append(alts, &Value{Kind: Unknown})
	fe.set(name, &Value{Kind: Unknown, Alts: alts, Pos: fe.pos(stmt)}, stmt)
}

// herokuLogging is the LOGGING dict django-heroku installs: console and null
// handlers, and one logger, "testlogger".
func herokuLogging(pos Pos) *Value {
	type kv struct {
		k string
		v *Value
	}
	dict := func(items ...kv) *Value {
		d := &Value{Kind: Dict, Pos: pos}
		for _, it := range items {
			d.Keys = append(d.Keys, &Value{Kind: Str, Str: it.k, Pos: pos})
			d.Items = append(d.Items, it.v)
		}
		return d
	}
	str := func(s string) *Value { return &Value{Kind: Str, Str: s, Pos: pos} }
	return dict(
		kv{"version", &Value{Kind: Int, Int: 1, Pos: pos}},
		kv{"disable_existing_loggers", &Value{Kind: Bool, Pos: pos}},
		kv{"formatters", dict(
			kv{"verbose", dict(
				kv{"format", str("%(asctime)s [%(process)d] [%(levelname)s] pathname=%(pathname)s lineno=%(lineno)s funcname=%(funcName)s %(message)s")},
				kv{"datefmt", str("%Y-%m-%d %H:%M:%S")})},
			kv{"simple", dict(kv{"format", str("%(levelname)s %(message)s")})})},
		kv{"handlers", dict(
			kv{"null", dict(kv{"level", str("DEBUG")}, kv{"class", str("logging.NullHandler")})},
			kv{"console", dict(kv{"level", str("DEBUG")}, kv{"class", str("logging.StreamHandler")}, kv{"formatter", str("verbose")})})},
		kv{"loggers", dict(
			kv{"testlogger", dict(kv{"handlers", &Value{Kind: List, Items: []*Value{str("console")}, Pos: pos}}, kv{"level", str("INFO")})})},
	)
}
