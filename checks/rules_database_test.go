package checks

import "testing"

// dbSrc is a settings module whose default database has the given fields.
func dbSrc(fields string) string {
	return "import os\nDATABASES = {\n    \"default\": {\n" + fields + "    },\n}\n"
}

const (
	dbPostgres = "        \"ENGINE\": \"django.db.backends.postgresql\",\n"
	dbMySQL    = "        \"ENGINE\": \"django.db.backends.mysql\",\n"
	dbRemote   = "        \"HOST\": \"db.example.com\",\n"
)

func TestDBPassword(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "literal", rule: "DJS901", want: 1, sev: Critical, line: 5, key: "DATABASES.default.PASSWORD", msg: "written in the settings",
			src: dbSrc(dbPostgres + "        \"PASSWORD\": \"s3cret\",\n")},
		{name: "env default", rule: "DJS901", want: 1, msg: "DB_PASSWORD is unset",
			src: dbSrc(dbPostgres + "        \"PASSWORD\": os.environ.get(\"DB_PASSWORD\", \"s3cret\"),\n")},
		{name: "decouple default", rule: "DJS901", want: 1,
			src: "from decouple import config\nDATABASES = {\"default\": {\"PASSWORD\": config(\"DB_PASSWORD\", default=\"s3cret\")}}\n"},
		{name: "env.db default URL", rule: "DJS901", want: 1, line: 3, msg: "database URL",
			src: "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db(default=\"postgres://app:s3cret@db.example.com/app\")}\n"},
		{name: "dj_database_url default", rule: "DJS901", want: 1, msg: "DATABASE_URL is unset",
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://app:s3cret@db/app\")}\n"},
		{name: "dj_database_url parse literal", rule: "DJS901", want: 1,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.parse(\"mysql://app:s3cret@db/app\")}\n"},
		{name: "DATABASE_URL setting parsed once", rule: "DJS901", want: 1,
			src: "import dj_database_url\nDATABASE_URL = \"postgres://app:s3cret@db/app\"\nDATABASES = {\"default\": dj_database_url.parse(DATABASE_URL)}\n"},
		{name: "DATABASE_URL setting only", rule: "DJS901", want: 1, key: "DATABASE_URL", line: 2,
			src: "import os\nDATABASE_URL = os.environ.get(\"DATABASE_URL\", \"postgres://app:s3cret@db/app\")\n"},
		{name: "second alias", rule: "DJS901", want: 1, key: "DATABASES.replica.PASSWORD",
			src: "DATABASES = {\"default\": {\"PASSWORD\": \"\"}, \"replica\": {\"PASSWORD\": \"pw\"}}\n"},
		{name: "development module silent", rule: "DJS901", want: 0,
			files: map[string]string{"mysite/settings/local.py": dbSrc("        \"PASSWORD\": \"postgres\",\n")}},
		{name: "required env read", rule: "DJS901", want: 0,
			src: dbSrc(dbPostgres + "        \"PASSWORD\": os.environ[\"DB_PASSWORD\"],\n")},
		{name: "env without default", rule: "DJS901", want: 0,
			src: dbSrc(dbPostgres + "        \"PASSWORD\": os.environ.get(\"DB_PASSWORD\"),\n")},
		{name: "empty default", rule: "DJS901", want: 0,
			src: dbSrc(dbPostgres + "        \"PASSWORD\": os.getenv(\"DB_PASSWORD\", \"\"),\n")},
		{name: "env.db without default", rule: "DJS901", want: 0,
			src: "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db()}\n"},
		{name: "URL without password", rule: "DJS901", want: 0,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"sqlite:///db.sqlite3\")}\n"},
		{name: "computed password", rule: "DJS901", want: 0, src: dbSrc("        \"PASSWORD\": read_secret(\"db\"),\n")},
		{name: "DATABASES built by code", rule: "DJS901", want: 0, src: "DATABASES = databases()\n"},
	})
}

func TestDBTLS(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "remote postgres without options", rule: "DJS902", want: 1, sev: Medium, key: "DATABASES.default.OPTIONS", line: 3, msg: "prefer",
			src: dbSrc(dbPostgres + dbRemote)},
		{name: "sslmode prefer", rule: "DJS902", want: 1, line: 6, msg: "sslmode is \"prefer\"",
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": {\"sslmode\": \"prefer\"},\n")},
		// An unknown host may be local: silent, as every unknown value is.
		{name: "host from a required env read", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": os.environ[\"DB_HOST\"],\n")},
		{name: "container service name", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": \"db\",\n")},
		{name: "private address", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": \"10.0.3.4\",\n")},
		{name: "cluster-local name", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": \"postgres.default.svc.cluster.local\",\n")},
		{name: "postgis", rule: "DJS902", want: 1,
			src: dbSrc("        \"ENGINE\": \"django.contrib.gis.db.backends.postgis\",\n" + dbRemote)},
		{name: "mysql without ssl", rule: "DJS902", want: 1, msg: "ssl_mode",
			src: dbSrc(dbMySQL + dbRemote + "        \"OPTIONS\": {\"charset\": \"utf8mb4\"},\n")},
		{name: "URL default to a remote host", rule: "DJS902", want: 1,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://u@db.example.com/app\")}\n"},
		{name: "sslmode require", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": {\"sslmode\": \"require\"},\n")},
		{name: "sslmode verify-full", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": {\"sslmode\": \"verify-full\", \"sslrootcert\": \"/ca.pem\"},\n")},
		{name: "mysql ssl dict", rule: "DJS902", want: 0,
			src: dbSrc(dbMySQL + dbRemote + "        \"OPTIONS\": {\"ssl\": {\"ca\": \"/ca.pem\"}},\n")},
		{name: "mysql ssl_mode", rule: "DJS902", want: 0,
			src: dbSrc(dbMySQL + dbRemote + "        \"OPTIONS\": {\"ssl_mode\": \"REQUIRED\"},\n")},
		{name: "ssl_require", rule: "DJS902", want: 0,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://u@db.example.com/app\", ssl_require=True)}\n"},
		{name: "sslmode in the URL", rule: "DJS902", want: 0,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://u@db.example.com/app?sslmode=require\")}\n"},
		{name: "localhost", rule: "DJS902", want: 0, src: dbSrc(dbPostgres + "        \"HOST\": \"localhost\",\n")},
		{name: "loopback", rule: "DJS902", want: 0, src: dbSrc(dbPostgres + "        \"HOST\": \"127.0.0.1\",\n")},
		{name: "no host", rule: "DJS902", want: 0, src: dbSrc(dbPostgres)},
		{name: "unix socket", rule: "DJS902", want: 0, src: dbSrc(dbPostgres + "        \"HOST\": \"/var/run/postgresql\",\n")},
		{name: "env host defaulting to localhost", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": os.environ.get(\"DB_HOST\", \"localhost\"),\n")},
		{name: "URL from a required env read", rule: "DJS902", want: 0,
			src: "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db()}\n"},
		{name: "options unknown", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": db_options(),\n")},
		{name: "sslmode unknown", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": {\"sslmode\": os.environ[\"PGSSLMODE\"]},\n")},
		{name: "service file", rule: "DJS902", want: 0,
			src: dbSrc(dbPostgres + dbRemote + "        \"OPTIONS\": {\"service\": \"app\"},\n")},
		{name: "engine unknown", rule: "DJS902", want: 0,
			src: dbSrc("        \"ENGINE\": os.environ[\"DB_ENGINE\"],\n" + dbRemote)},
		{name: "sqlite", rule: "DJS902", want: 0,
			src: dbSrc("        \"ENGINE\": \"django.db.backends.sqlite3\",\n" + dbRemote)},
	})
}

func TestDBSuperuser(t *testing.T) {
	t.Parallel()
	runRuleCases(t, []ruleCase{
		{name: "postgres", rule: "DJS903", want: 1, sev: Low, key: "DATABASES.default.USER", line: 5,
			src: dbSrc(dbPostgres + "        \"USER\": \"postgres\",\n")},
		{name: "mysql root from an env default", rule: "DJS903", want: 1, msg: "DB_USER is unset",
			src: dbSrc(dbMySQL + "        \"USER\": os.environ.get(\"DB_USER\", \"root\"),\n")},
		{name: "from a URL", rule: "DJS903", want: 1,
			src: "import dj_database_url\nDATABASES = {\"default\": dj_database_url.config(default=\"postgres://postgres@db/app\")}\n"},
		{name: "engine unknown", rule: "DJS903", want: 1, src: dbSrc("        \"USER\": \"sa\",\n")},
		{name: "application role", rule: "DJS903", want: 0, src: dbSrc(dbPostgres + "        \"USER\": \"shop\",\n")},
		{name: "root on postgres is an ordinary role", rule: "DJS903", want: 0, src: dbSrc(dbPostgres + "        \"USER\": \"root\",\n")},
		{name: "required env read", rule: "DJS903", want: 0, src: dbSrc(dbPostgres + "        \"USER\": os.environ[\"DB_USER\"],\n")},
		{name: "sqlite", rule: "DJS903", want: 0,
			src: dbSrc("        \"ENGINE\": \"django.db.backends.sqlite3\",\n        \"USER\": \"root\",\n")},
		// Defaults that only reach a local development server fail closed: a
		// deployment that forgets the variables reaches no real database.
		{name: "local fallback URL built from env defaults", rule: "DJS903", want: 0,
			src: "import os\nimport dj_database_url\nUSER = os.getenv(\"PGUSER\", \"postgres\")\nPW = os.getenv(\"PGPASSWORD\", \"\")\n" +
				"DATABASES = {\"default\": dj_database_url.config(default=f\"postgres://{USER}:{PW}@localhost:5432/shop\")}\n"},
		{name: "env default user on localhost", rule: "DJS903", want: 0,
			src: dbSrc(dbPostgres + "        \"HOST\": os.environ.get(\"DB_HOST\", \"localhost\"),\n        \"USER\": os.environ.get(\"DB_USER\", \"postgres\"),\n")},
		{name: "literal superuser on localhost is still reported", rule: "DJS903", want: 1,
			src: dbSrc(dbPostgres + "        \"HOST\": \"localhost\",\n        \"USER\": \"postgres\",\n")},
	})
}

func TestDBSQLite(t *testing.T) {
	t.Parallel()
	const sqlite = "DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.sqlite3\",\n        \"NAME\": BASE_DIR / \"db.sqlite3\",\n    }\n}\n"
	runRuleCases(t, []ruleCase{
		{name: "startproject", rule: "DJS904", want: 1, sev: Low, key: "DATABASES.default.ENGINE", line: 3, src: sqlite},
		{name: "URL default", rule: "DJS904", want: 1, msg: "DATABASE_URL is unset",
			src: "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db(default=\"sqlite:///db.sqlite3\")}\n"},
		{name: "production module", rule: "DJS904", want: 1, files: map[string]string{"mysite/settings/production.py": sqlite}},
		{name: "development module", rule: "DJS904", want: 0, files: map[string]string{"mysite/settings/dev.py": sqlite}},
		{name: "test module", rule: "DJS904", want: 0, files: map[string]string{"mysite/settings/test.py": sqlite}},
		{name: "postgres", rule: "DJS904", want: 0, src: dbSrc(dbPostgres)},
		{name: "URL from a required env read", rule: "DJS904", want: 0,
			src: "import environ\nenv = environ.Env()\nDATABASES = {\"default\": env.db()}\n"},
		{name: "engine unknown", rule: "DJS904", want: 0, src: dbSrc("        \"ENGINE\": os.environ[\"DB_ENGINE\"],\n")},
	})
}

func TestDBEngineFamily(t *testing.T) {
	t.Parallel()
	for engine, want := range map[string]string{
		"django.db.backends.postgresql": "postgresql", "django.db.backends.postgresql_psycopg2": "postgresql",
		"django.contrib.gis.db.backends.postgis": "postgresql", "django_prometheus.db.backends.postgresql": "postgresql",
		"django.db.backends.mysql": "mysql", "django.contrib.gis.db.backends.mysql": "mysql",
		"django.db.backends.sqlite3": "sqlite", "django.contrib.gis.db.backends.spatialite": "sqlite",
		"mssql": "mssql", "django.db.backends.oracle": "", "": "",
	} {
		if got := dbEngineFamily(engine); got != want {
			t.Errorf("dbEngineFamily(%q) = %q, want %q", engine, got, want)
		}
	}
}
