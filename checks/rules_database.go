package checks

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"github.com/djsec/djsec/checks/settings"
)

// Rules about the database connection (RULES.md §9): where its password
// lives, whether the connection is encrypted, which role it uses and
// whether production runs on SQLite at all.
var (
	ruleDBPasswordHardcoded = &Rule{
		ID: "DJS901", Slug: "db-password-hardcoded", Severity: Critical, Where: "S", Section: 9, FixUp: true,
		Title:     "Database password in the code",
		FiresWhen: "a DATABASES PASSWORD, or a database URL with a password, is a literal or env default",
		Doc: "A database password written in a settings file is readable by everyone with access to " +
			"the repository, its forks, CI logs and every laptop that cloned it, and it stays in the " +
			"Git history after it is removed. A default of an environment read is the same thing: " +
			"`os.environ.get(\"DB_PASSWORD\", \"s3cret\")` connects with the committed password " +
			"whenever the variable is missing, which is exactly the failure nobody notices.\n\n" +
			"djsec reads `DATABASES[alias][\"PASSWORD\"]`, database URLs parsed by django-environ " +
			"(`env.db()`) or dj-database-url (`config(default=...)`, `parse(...)`), and a " +
			"`DATABASE_URL` setting. An empty password is not reported.",
		Fix: "Read the password (or the whole URL) from the environment without a default, then rotate " +
			"the password that was committed:\n\n" +
			"```python\nDATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n" +
			"        \"NAME\": os.environ[\"DB_NAME\"],\n        \"USER\": os.environ[\"DB_USER\"],\n" +
			"        \"PASSWORD\": os.environ[\"DB_PASSWORD\"],\n        \"HOST\": os.environ[\"DB_HOST\"],\n    }\n}\n" +
			"# or, with django-environ (dj-database-url: dj_database_url.config())\nDATABASES = {\"default\": env.db()}  # DATABASE_URL, no default\n```",
		Fixable: true,
	}
	ruleDBTLSOff = &Rule{
		ID: "DJS902", Slug: "db-tls-off", Severity: Medium, Where: "S", Section: 9,
		Title:     "Database connection not required to use TLS",
		FiresWhen: "a PostgreSQL/MySQL database without TLS required (`sslmode` require/verify-*, `ssl` options, `ssl_require=True`)",
		Doc: "libpq's default `sslmode` is `prefer`: it tries TLS and silently falls back to plain text, " +
			"so anyone on the path can downgrade the connection and read credentials and data. MySQL " +
			"clients likewise connect in the clear unless told otherwise. Requiring TLS makes a " +
			"downgrade fail loudly instead.\n\n" +
			"djsec reads each PostgreSQL or MySQL entry of `DATABASES` (PostGIS and MySQL GIS " +
			"included), whether written out or parsed from a database URL. It accepts `OPTIONS` " +
			"`sslmode` of `require`, `verify-ca` or `verify-full` (PostgreSQL), an `ssl` dict or " +
			"`ssl_mode` `REQUIRED`/`VERIFY_CA`/`VERIFY_IDENTITY` (MySQL), and dj-database-url's " +
			"`ssl_require=True`. It stays silent for a local server (`HOST` empty, `localhost`, a " +
			"loopback address or a Unix socket path), when a PostgreSQL `service` or MySQL " +
			"`read_default_file` option may set TLS elsewhere, and whenever the engine or options " +
			"are unknown (a URL read from the environment without a default). `PGSSLMODE` in the " +
			"server's environment is invisible to it: say so with a suppression.",
		Fix: "Require TLS, and verify the server's certificate where you can:\n\n" +
			"```python\nDATABASES[\"default\"][\"OPTIONS\"] = {\"sslmode\": \"verify-full\", \"sslrootcert\": \"/etc/ssl/certs/db-ca.pem\"}\n" +
			"# dj-database-url\nDATABASES = {\"default\": dj_database_url.config(ssl_require=True)}\n" +
			"# MySQL\nDATABASES[\"default\"][\"OPTIONS\"] = {\"ssl\": {\"ca\": \"/etc/ssl/certs/db-ca.pem\"}}\n```\n\n" +
			"Or add `?sslmode=require` to the database URL.",
	}
	ruleDBSuperuser = &Rule{
		ID: "DJS903", Slug: "db-superuser", Severity: Low, Where: "S", Section: 9,
		Title:     "Application connects as the database superuser",
		FiresWhen: "the database USER is `postgres`, `root` or `sa`",
		Doc: "`postgres` (PostgreSQL), `root` (MySQL) and `sa` (SQL Server) are the servers' superusers. " +
			"An application that connects as one turns any SQL injection into control of every " +
			"database on the server, and often of the host (`COPY ... TO PROGRAM`, `LOAD DATA`). " +
			"A role that owns only the application's database limits the damage.\n\n" +
			"When the engine is known, djsec only reports the superuser of that server.",
		Fix: "Create a role for the application and use it:\n\n" +
			"```sql\nCREATE ROLE shop LOGIN PASSWORD '...';\nCREATE DATABASE shop OWNER shop;\n```\n\n" +
			"```python\nDATABASES[\"default\"][\"USER\"] = os.environ[\"DB_USER\"]  # shop\n```",
	}
	ruleDBSQLiteProduction = &Rule{
		ID: "DJS904", Slug: "db-sqlite-production", Severity: Low, Where: "S", Section: 9,
		Title:     "Production uses SQLite",
		FiresWhen: "the production view uses SQLite",
		Doc: "SQLite keeps the whole database in one file next to the code: it is lost when a " +
			"container is replaced, it is readable by anything that can read the file system, it " +
			"has no users or network encryption, and concurrent writes lock the whole database. " +
			"It is the right choice for development and a risky one for a public site.\n\n" +
			"djsec reports a SQLite `ENGINE` (SpatiaLite included) in a production settings module, " +
			"including the default of a database URL (`env.db(default=\"sqlite:///db.sqlite3\")` is " +
			"what production gets when `DATABASE_URL` is missing). Development modules are not " +
			"reported.",
		Fix: "Use a server database in production, configured from the environment:\n\n" +
			"```python\nDATABASES = {\"default\": dj_database_url.config()}  # dj-database-url; django-environ: env.db()\n```\n\n" +
			"Without a URL parser, read `ENGINE`, `NAME`, `USER`, `PASSWORD` and `HOST` with `os.environ[...]`, as in DJS901. " +
			"If SQLite in production is deliberate, keep its file on a persistent volume with " +
			"tight permissions and suppress the finding with that reason.",
	}
)

func init() {
	ruleDBPasswordHardcoded.Check = checkDBPassword
	ruleDBTLSOff.Check = checkDBTLS
	ruleDBSuperuser.Check = checkDBSuperuser
	ruleDBSQLiteProduction.Check = checkDBSQLite
	register(ruleDBPasswordHardcoded, ruleDBTLSOff, ruleDBSuperuser, ruleDBSQLiteProduction)
}

// dbAlias is one known entry of DATABASES.
type dbAlias struct {
	name string
	v    *settings.Value // a Dict
	at   settings.Pos    // where a finding about a missing key belongs
}

func (a dbAlias) key(field string) string { return "DATABASES." + a.name + "." + field }

// str returns a field's value when it is a known string.
func (a dbAlias) str(field string) (string, *settings.Value, bool) {
	v := a.v.Get(field)
	if v == nil || !v.Known() || v.Kind != settings.Str {
		return "", v, false
	}
	return v.Str, v, true
}

// dbAliases lists the entries of DATABASES that are known dicts, by alias.
func dbAliases(m *settings.Model) []dbAlias {
	s, ok := m.Lookup("DATABASES")
	if !ok || !s.Value.Known() || s.Value.Kind != settings.Dict {
		return nil
	}
	var out []dbAlias
	for i, k := range s.Value.Keys {
		v := s.Value.Items[i]
		if k == nil || k.Kind != settings.Str || v == nil || !v.Known() || v.Kind != settings.Dict {
			continue
		}
		out = append(out, dbAlias{name: k.Str, v: v, at: apiPos(v, s.Pos)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// dbEngineFamily classifies a Django database backend: "postgresql",
// "mysql", "sqlite", "mssql" or "" for one djsec does not know. Wrappers
// (django-prometheus, django-tenants) name the backend they wrap last.
func dbEngineFamily(engine string) string {
	e := strings.ToLower(engine)
	last := e[strings.LastIndexByte(e, '.')+1:]
	switch {
	case last == "postgresql" || last == "postgresql_psycopg2" || last == "postgis" || last == "postgresql_backend":
		return "postgresql"
	case last == "mysql":
		return "mysql"
	case last == "sqlite3" || last == "spatialite":
		return "sqlite"
	case e == "mssql" || e == "sql_server.pyodbc" || strings.HasPrefix(e, "mssql."):
		return "mssql"
	}
	return ""
}

// dbEnvNote says that a value is the default of an environment read, and
// of which variable.
func dbEnvNote(v *settings.Value) string {
	if v == nil || v.Env == nil {
		return ""
	}
	if v.Env.Var == "" {
		return " (the default of an environment read)"
	}
	return " (the default used when " + v.Env.Var + " is unset)"
}

// dbURLPassword returns the password of a database URL, if it has one.
func dbURLPassword(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.User == nil {
		return "", false
	}
	pw, ok := u.User.Password()
	return pw, ok && pw != ""
}

func checkDBPassword(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		reported := map[settings.Pos]bool{}
		for _, a := range dbAliases(m) {
			pw, v, ok := a.str("PASSWORD")
			if !ok || pw == "" {
				continue
			}
			if engine, _, ok := a.str("ENGINE"); ok && dbEngineFamily(engine) == "sqlite" {
				continue // SQLite has no users: the password is never sent anywhere
			}
			pos := apiPos(v, a.at)
			reported[pos] = true
			var msg string
			switch {
			case v.Env != nil && v.Env.Cast == "db":
				msg = fmt.Sprintf("the database URL of DATABASES[%q] holds a password%s, so it is committed with the code: read the URL from the environment without a default (%s) and rotate the password", a.name, dbEnvNote(v), dbURLRead(p, m, v.Env))
			case v.Env != nil:
				msg = fmt.Sprintf("DATABASES[%q][\"PASSWORD\"] falls back to a password written in the code%s: read it without a default, e.g. %s, and rotate the password", a.name, dbEnvNote(v), envStyleOf(p, m).required(dbPasswordVar(v)))
			default:
				msg = fmt.Sprintf("DATABASES[%q][\"PASSWORD\"] is written in the settings (directly or in a database URL), so everyone who can read the repository has it: read it from the environment, e.g. %s, and rotate the password", a.name, envStyleOf(p, m).required("DB_PASSWORD"))
			}
			r.Emit(ruleDBPasswordHardcoded, m, pos, a.key("PASSWORD"), msg)
		}
		s, ok := m.Lookup("DATABASE_URL")
		if !ok || !s.Value.Known() || s.Value.Kind != settings.Str {
			continue
		}
		if _, has := dbURLPassword(s.Value.Str); !has || reported[apiPos(s.Value, s.Pos)] {
			continue
		}
		msg := "DATABASE_URL holds a password written in the settings: read the URL from the environment (" + envStyleOf(p, m).required("DATABASE_URL") + ") and rotate the password"
		if s.Value.Env != nil {
			msg = "DATABASE_URL falls back to a URL with a password written in the code" + dbEnvNote(s.Value) + ": read it without a default and rotate the password"
		}
		r.Emit(ruleDBPasswordHardcoded, m, apiPos(s.Value, s.Pos), "DATABASE_URL", msg)
	}
}

// dbPasswordVar is the variable a password is read from, for messages.
func dbPasswordVar(v *settings.Value) string {
	if v.Env != nil && v.Env.Var != "" {
		return v.Env.Var
	}
	return "DB_PASSWORD"
}

// dbLocalHost reports a HOST that reaches a server on the same machine:
// empty (libpq and mysqlclient then use the Unix socket), localhost, a
// loopback address or a socket directory.
func dbLocalHost(h string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	return h == "" || h == "localhost" || h == "::1" || h == "[::1]" || strings.HasPrefix(h, "127.") ||
		strings.HasPrefix(h, "/") || strings.HasPrefix(h, "%2f")
}

// dbRemoteHost reports a host name or address that reaches another
// machine over a routed network: a dotted name or a public IP address.
func dbRemoteHost(h string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	if dbLocalHost(h) || !strings.Contains(h, ".") {
		return false
	}
	if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
		return !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast()
	}
	return !strings.HasSuffix(h, ".local") && !strings.HasSuffix(h, ".internal") && !strings.HasSuffix(h, ".svc") &&
		!strings.HasSuffix(h, ".cluster.local") && !strings.HasSuffix(h, ".localhost")
}

func checkDBTLS(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		for _, a := range dbAliases(m) {
			engine, _, ok := a.str("ENGINE")
			if !ok {
				continue
			}
			family := dbEngineFamily(engine)
			if family != "postgresql" && family != "mysql" {
				continue
			}
			host := a.v.Get("HOST")
			// Only a host known to be across a network counts: an unknown
			// host may be local, and a single-label name ("db") is a
			// container or cluster service on a private network, where
			// teams rarely terminate TLS and a finding would be noise.
			if host == nil || host.Kind != settings.Str || !dbRemoteHost(host.Str) {
				continue
			}
			opts := a.v.Get("OPTIONS")
			if opts == nil && a.v.HasUnknownKeys() || opts != nil && (!opts.Known() || opts.Kind != settings.Dict) {
				continue
			}
			why, required, known := dbTLSRequired(family, opts)
			if required || !known {
				continue
			}
			where := "the host " + host.Str + dbEnvNote(host)
			pos := a.at
			if opts != nil {
				pos = apiPos(opts, a.at)
			}
			fix := `set OPTIONS {"sslmode": "require"} (or verify-full with sslrootcert), or add ?sslmode=require to the database URL`
			if family == "mysql" {
				fix = `set OPTIONS {"ssl": {"ca": "/path/to/ca.pem"}} or {"ssl_mode": "REQUIRED"}`
			}
			r.Emit(ruleDBTLSOff, m, pos, a.key("OPTIONS"), fmt.Sprintf("DATABASES[%q] connects to %s without requiring TLS (%s), so credentials and data can cross the network in the clear: %s", a.name, where, why, fix))
		}
	}
}

// dbTLSRequired reads a database's OPTIONS. why explains a connection that
// does not require TLS; known is false when the options may require it in
// a way djsec cannot see.
func dbTLSRequired(family string, opts *settings.Value) (why string, required, known bool) {
	get := func(k string) *settings.Value {
		if opts == nil {
			return nil
		}
		return opts.Get(k)
	}
	unknownKeys := opts.HasUnknownKeys()
	if family == "postgresql" {
		if get("service") != nil {
			return "", false, false
		}
		mode := get("sslmode")
		switch {
		case mode == nil:
			if unknownKeys {
				return "", false, false
			}
			return "no sslmode: libpq's default prefer falls back to plain text", false, true
		case !mode.Known():
			return "", false, false
		case mode.Kind == settings.Str:
			switch strings.ToLower(mode.Str) {
			case "require", "verify-ca", "verify-full":
				return "", true, true
			}
		}
		return "sslmode is " + mode.String() + dbEnvNote(mode), false, true
	}
	if get("read_default_file") != nil || get("read_default_group") != nil {
		return "", false, false
	}
	if ssl := get("ssl"); ssl != nil {
		t, ok := ssl.Truthy()
		if !ok {
			return "", false, false
		}
		if t {
			return "", true, true
		}
	}
	if mode := get("ssl_mode"); mode != nil {
		if !mode.Known() {
			return "", false, false
		}
		if mode.Kind == settings.Str {
			switch strings.ToUpper(mode.Str) {
			case "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY":
				return "", true, true
			}
		}
		return "ssl_mode is " + mode.String() + dbEnvNote(mode), false, true
	}
	if ca := get("ssl-ca"); ca != nil {
		// dj-database-url turns ?ssl-ca= into an ssl dict.
		return "", true, true
	}
	if unknownKeys {
		return "", false, false
	}
	return "no ssl or ssl_mode option", false, true
}

// dbSuperusers are the built-in administrator accounts, by engine family.
var dbSuperusers = map[string]string{"postgresql": "postgres", "mysql": "root", "mssql": "sa"}

func checkDBSuperuser(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		for _, a := range dbAliases(m) {
			user, v, ok := a.str("USER")
			if !ok {
				continue
			}
			family := ""
			if engine, ev, known := a.str("ENGINE"); known {
				family = dbEngineFamily(engine)
				if family == "" || family == "sqlite" {
					continue
				}
			} else if ev != nil && ev.Known() {
				continue
			}
			hit := false
			for fam, su := range dbSuperusers {
				if (family == "" || family == fam) && strings.EqualFold(user, su) {
					hit = true
				}
			}
			if !hit || v.Env != nil && dbLocalFallback(a) {
				continue
			}
			r.Emit(ruleDBSuperuser, m, apiPos(v, a.at), a.key("USER"), fmt.Sprintf("DATABASES[%q] connects as %q%s, the server's superuser, so a SQL injection controls every database on the server: create a role that owns only this application's database and connect as it", a.name, user, dbEnvNote(v)))
		}
	}
}

// dbLocalFallback reports a database whose defaults only reach a local
// development server: the host defaults to this machine (or the local
// socket). A deployment that forgets the variables cannot
// reach the real database as the superuser, so the superuser default fails
// closed and is not a finding.
func dbLocalFallback(a dbAlias) bool {
	if host, _, ok := a.str("HOST"); ok {
		switch strings.ToLower(host) {
		case "", "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0":
			return true
		}
	}
	return false
}

// dbURLRead is the no-default spelling of the read that parses a database
// URL: the same reader the settings use where djsec knows it, else the
// project's reader.
func dbURLRead(p *Project, m *settings.Model, e *settings.EnvRead) string {
	name := "DATABASE_URL"
	if e != nil && e.Var != "" {
		name = e.Var
	}
	st := envStyleOf(p, m)
	switch {
	case e != nil && e.Reader == "dj_database_url" && name == "DATABASE_URL":
		return "dj_database_url.config()"
	case e != nil && e.Reader == "dj_database_url":
		return fmt.Sprintf("dj_database_url.config(env=%q)", name)
	case e != nil && e.Reader == "environ" && st.reader == readerEnviron:
		return fmt.Sprintf("%s.db(%q)", st.env, name)
	case e != nil && e.Reader == "environ" && st.reader == readerEnvirons:
		return fmt.Sprintf("%s.dj_db_url(%q)", st.env, name)
	case e != nil && e.Reader == "decouple":
		return fmt.Sprintf("the same config(%q, cast=…) without default=", name)
	}
	if u := st.databaseURL(); u != "" {
		return u
	}
	return st.required(name) + ", parsed as now"
}

func checkDBSQLite(p *Project, r *Reporter) {
	for _, m := range p.Settings {
		if m.Role != settings.Production {
			continue
		}
		for _, a := range dbAliases(m) {
			engine, v, ok := a.str("ENGINE")
			if !ok || dbEngineFamily(engine) != "sqlite" {
				continue
			}
			r.Emit(ruleDBSQLiteProduction, m, apiPos(v, a.at), a.key("ENGINE"), fmt.Sprintf("DATABASES[%q] uses SQLite in production%s: its single file has no users, no network encryption and is lost with the container; use PostgreSQL or MySQL configured from the environment, %s", a.name, dbEnvNote(v), envStyleOf(p, m).databaseAdvice()))
		}
	}
}
