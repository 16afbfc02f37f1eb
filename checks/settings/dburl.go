package settings

import (
	"net/url"
	"strings"
)

var dbEngines = map[string]string{
	"postgres": "django.db.backends.postgresql", "postgresql": "django.db.backends.postgresql",
	"pgsql": "django.db.backends.postgresql", "psql": "django.db.backends.postgresql",
	"postgis": "django.contrib.gis.db.backends.postgis", "mysql": "django.db.backends.mysql",
	"mysql2": "django.db.backends.mysql", "mysqlgis": "django.contrib.gis.db.backends.mysql",
	"mariadb": "django.db.backends.mysql", "sqlite": "django.db.backends.sqlite3",
	"spatialite": "django.contrib.gis.db.backends.spatialite", "oracle": "django.db.backends.oracle",
	"mssql": "mssql", "cockroach": "django_cockroachdb", "timescale": "timescale.db.backends.postgresql",
}

// databaseFromURL turns a database URL (dj-database-url, django-environ)
// into the DATABASES entry those libraries build. Options of
// dj_database_url.config/parse (ssl_require, conn_max_age) go in a.
func databaseFromURL(u *Value, a callArgs) *Value {
	pos := u.Pos
	str := func(s string) *Value { return &Value{Kind: Str, Str: s, Pos: pos, Env: u.Env} }
	d := &Value{Kind: Dict, Pos: pos}
	add := func(k string, v *Value) {
		d.Keys = append(d.Keys, &Value{Kind: Str, Str: k})
		d.Items = append(d.Items, v)
	}
	parsed, err := url.Parse(u.Str)
	if err != nil || parsed.Scheme == "" {
		return &Value{Kind: Unknown, Pos: pos, Env: u.Env}
	}
	scheme := strings.SplitN(parsed.Scheme, "+", 2)[0]
	engine, ok := dbEngines[scheme]
	if !ok {
		return &Value{Kind: Unknown, Pos: pos, Env: u.Env}
	}
	add("ENGINE", str(engine))
	name := strings.TrimPrefix(parsed.Path, "/")
	if scheme == "sqlite" || scheme == "spatialite" {
		name = parsed.Path
		if u.Str == "sqlite://:memory:" || name == "" {
			name = ":memory:"
		} else if strings.HasPrefix(u.Str, scheme+":///") && !strings.HasPrefix(u.Str, scheme+"::////") {
			name = strings.TrimPrefix(parsed.Path, "/")
			if strings.HasPrefix(u.Str, scheme+"://///") || strings.HasPrefix(u.Str, scheme+":////") {
				name = parsed.Path
			}
		}
	}
	add("NAME", str(name))
	if parsed.User != nil {
		add("USER", str(parsed.User.Username()))
		if p, ok := parsed.User.Password(); ok {
			add("PASSWORD", str(p))
		} else {
			add("PASSWORD", str(""))
		}
	} else {
		add("USER", str(""))
		add("PASSWORD", str(""))
	}
	add("HOST", str(parsed.Hostname()))
	add("PORT", str(parsed.Port()))
	opts := &Value{Kind: Dict, Pos: pos}
	for k, vs := range parsed.Query() {
		if len(vs) == 0 {
			continue
		}
		opts.Keys = append(opts.Keys, &Value{Kind: Str, Str: k})
		opts.Items = append(opts.Items, str(vs[len(vs)-1]))
	}
	if sr, ok := a.kw["ssl_require"]; ok {
		if t, known := sr.Truthy(); known && t {
			opts.Keys = append(opts.Keys, &Value{Kind: Str, Str: "sslmode"})
			opts.Items = append(opts.Items, &Value{Kind: Str, Str: "require", Pos: sr.Pos})
		} else if !known {
			opts.Keys = append(opts.Keys, &Value{Kind: Unknown})
			opts.Items = append(opts.Items, &Value{Kind: Unknown})
		}
	}
	add("OPTIONS", opts)
	return d
}
