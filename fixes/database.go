package fixes

import (
	"strings"

	"github.com/djsec/djsec/checks/pysrc"
)

// nodeAt is the outermost named node starting at the 1-based line and
// column a finding carries.
func nodeAt(f *pysrc.File, line, col int) *pysrc.Node {
	var found *pysrc.Node
	pysrc.Walk(f.Root, func(n *pysrc.Node) bool {
		if found != nil {
			return false
		}
		p := pysrc.PosOf(n)
		if p.Line > line || p.EndLine < line {
			return p.Line <= line
		}
		if n.IsNamed() && p.Line == line && p.Col == col && n.Kind() != "expression_statement" && n.Kind() != "module" {
			found = n
			return false
		}
		return true
	})
	return found
}

// fixDBPassword replaces the literal (or literal-defaulted) PASSWORD of a
// DATABASES entry with an environment read that has no default.
func fixDBPassword(j *job) (*edit, string) {
	src, ok := j.files[j.f.Path]
	if !ok {
		return nil, "the file " + j.f.Path + " is not in the fetched files"
	}
	f, err := pysrc.Parse(src)
	if err != nil {
		return nil, "the file could not be read: " + err.Error()
	}
	n := nodeAt(f, j.f.Line, j.f.Column)
	if n == nil {
		return nil, "the password is not at a place djsec can rewrite"
	}
	if out, env, reason, ok := dropEnvDefault(f, n); ok {
		if reason != "" {
			return nil, reason
		}
		e := &edit{files: map[string][]byte{j.f.Path: out},
			changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: env + " is read with no default; the password that was the default is in the history: change it on the server"}},
			env:     []EnvVar{{Name: env, Description: "the database password or URL"}}}
		return e, j.envExample(e)
	}
	pair := n.Parent()
	if pair == nil || pair.Kind() != "pair" || pair.ChildByFieldName("value") == nil ||
		pair.ChildByFieldName("value").StartByte() != n.StartByte() {
		return nil, "the password is not written as the \"PASSWORD\" entry of a DATABASES dict (a database URL or computed value), so it is left to a human"
	}
	if k := pair.ChildByFieldName("key"); k == nil || strings.Trim(f.Text(k), `"'`) != "PASSWORD" {
		return nil, "the password is not written as the \"PASSWORD\" entry of a DATABASES dict, so it is left to a human"
	}
	existing := envArg(f, n)
	if n.Kind() != "string" && existing == "" {
		return nil, "the password is computed, so it is left to a human"
	}
	if n.Kind() == "string" && strings.ContainsAny(strings.ToLower(f.Text(n)[:1]), "fbr") {
		return nil, "the password is a prefixed string literal, so it is left to a human"
	}
	s := styleOf(src)
	v := envName(existing, "DB_PASSWORD", s)
	var value string
	switch s.kind {
	case "decouple":
		value = "config(" + s.q(v) + ")"
	case "environ":
		value = s.env + "(" + s.q(v) + ")"
	default:
		value = "os.environ[" + s.q(v) + "]"
	}
	out := splice(src, int(n.StartByte()), int(n.EndByte()), value)
	if s.kind == "os" {
		out = ensureImportOS(out, s)
	}
	e := &edit{files: map[string][]byte{j.f.Path: out},
		changes: []Change{{Rule: j.f.Rule, Path: j.f.Path, Description: "the database password is read from the environment variable " + v + " with no default; the old one is in the history: change it on the server"}},
		env:     []EnvVar{{Name: v, Description: "the database password"}}}
	return e, j.envExample(e)
}

// dropEnvDefault handles a literal that is the default of an environment
// read (os.environ.get("PGPASSWORD", "…"), config("DATABASE_URL",
// default="…", cast=db_url), env.db("DATABASE_URL", default="…")): the read
// loses its default, so a deployment without the variable fails at start.
// ok is false when n is not such a default.
func dropEnvDefault(f *pysrc.File, n *pysrc.Node) (out []byte, env, reason string, ok bool) {
	arg, list := n, n.Parent()
	if list != nil && list.Kind() == "keyword_argument" {
		if k := list.ChildByFieldName("name"); k == nil || f.Text(k) != "default" {
			return nil, "", "", false
		}
		arg, list = list, list.Parent()
	}
	if list == nil || list.Kind() != "argument_list" || list.Parent() == nil || list.Parent().Kind() != "call" {
		return nil, "", "", false
	}
	call := list.Parent()
	env = envArg(f, call)
	args := pysrc.Named(list)
	i := -1
	for k, a := range args {
		if a.StartByte() == arg.StartByte() {
			i = k
		}
	}
	if env == "" || i < 1 {
		return nil, "", "", false
	}
	s := styleOf(f.Src)
	fn := f.Text(call.ChildByFieldName("function"))
	if fn == "os.environ.get" || fn == "os.getenv" {
		// The os spelling of "no default" is the subscript, which raises.
		if len(args) != 2 {
			return nil, "", "the environment read has extra arguments, so it is left to a human", true
		}
		return splice(f.Src, int(call.StartByte()), int(call.EndByte()), "os.environ["+s.q(env)+"]"), env, "", true
	}
	return splice(f.Src, int(args[i-1].EndByte()), int(arg.EndByte()), ""), env, "", true
}
