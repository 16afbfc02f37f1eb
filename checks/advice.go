package checks

import (
	"fmt"
	"strconv"

	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/settings"
	"github.com/djsec/djsec/internal/lazyre"
)

// Advice in a finding's message uses what the project has. An example that
// reads the environment is written with the reader the settings module
// imports (os.environ, django-environ, environs or python-decouple), and a
// setting that needs a newer Django is offered only when the requirements
// allow that series. Offering env.db() to a project without django-environ,
// or Django 6.0's SECURE_CSP to a project pinned to 3.2, asks for a new
// dependency or an upgrade the message never mentions. The rules
// catalogue's Doc and Fix stay general: they are read without a project.

// envReader is the library a settings module reads its environment with.
type envReader uint8

const (
	readerOS       envReader = iota // os.environ, always there
	readerEnviron                   // django-environ (import environ)
	readerEnvirons                  // environs (from environs import Env)
	readerDecouple                  // python-decouple (from decouple import config)
)

// envStyle is how advice reads a variable in one settings module.
type envStyle struct {
	reader envReader
	// env is the name of the django-environ or environs Env instance.
	env string
	// dbURL: dj-database-url is imported or required, so its config() is
	// available for database URLs.
	dbURL bool
}

// envInstanceRE finds `env = environ.Env(...)` or `env = Env()`.
var envInstanceRE = lazyre.New(`(?m)^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(?:environ\.|environs\.)?(?:FileAware)?Env\(`)

// envStyleOf is the reader m imports; os.environ when it imports none (or
// m is nil). django-environ wins over environs and python-decouple when a
// module imports several: its Env is then usually the one the settings use.
func envStyleOf(p *Project, m *settings.Model) envStyle {
	st := envStyle{env: "env"}
	if m != nil {
		switch {
		case m.Imported("environ"):
			st.reader = readerEnviron
		case m.Imported("environs"):
			st.reader = readerEnvirons
		case m.Imported("decouple"):
			st.reader = readerDecouple
		}
		if st.reader == readerEnviron || st.reader == readerEnvirons {
			for _, f := range m.Files {
				if src, ok := p.ReadFile(f); ok {
					if mm := envInstanceRE().FindSubmatch(src); mm != nil {
						st.env = string(mm[1])
						break
					}
				}
			}
		}
		st.dbURL = m.Imported("dj_database_url")
	}
	st.dbURL = st.dbURL || authRequirement(p, "dj-database-url") != nil
	return st
}

// required reads a variable that must be set: no default.
func (s envStyle) required(name string) string {
	switch s.reader {
	case readerEnviron, readerEnvirons:
		return fmt.Sprintf("%s(%q)", s.env, name)
	case readerDecouple:
		return fmt.Sprintf("config(%q)", name)
	}
	return fmt.Sprintf("os.environ[%q]", name)
}

// boolean reads a variable as a boolean with a default.
func (s envStyle) boolean(name string, def bool) string {
	py := "False"
	if def {
		py = "True"
	}
	switch s.reader {
	case readerEnviron, readerEnvirons:
		return fmt.Sprintf("%s.bool(%q, default=%s)", s.env, name, py)
	case readerDecouple:
		return fmt.Sprintf("config(%q, default=%s, cast=bool)", name, py)
	}
	if def {
		return fmt.Sprintf("os.environ.get(%q, \"true\").lower() in (\"1\", \"true\")", name)
	}
	return fmt.Sprintf("os.environ.get(%q, \"\").lower() in (\"1\", \"true\")", name)
}

// integer reads a variable as an integer with a default.
func (s envStyle) integer(name string, def int) string {
	switch s.reader {
	case readerEnviron, readerEnvirons:
		return fmt.Sprintf("%s.int(%q, default=%d)", s.env, name, def)
	case readerDecouple:
		return fmt.Sprintf("config(%q, default=%d, cast=int)", name, def)
	}
	return fmt.Sprintf("int(os.environ.get(%q, %q))", name, strconv.Itoa(def))
}

// databaseURL reads DATABASE_URL into a DATABASES entry with no default,
// or "" when the project has nothing that parses a database URL (then the
// advice reads each connection field instead).
func (s envStyle) databaseURL() string {
	switch s.reader {
	case readerEnviron:
		return s.env + ".db()"
	case readerEnvirons:
		// environs parses database URLs with its django extra, which is
		// dj-database-url underneath.
		if s.dbURL {
			return s.env + `.dj_db_url("DATABASE_URL")`
		}
	case readerDecouple:
		if s.dbURL {
			return `config("DATABASE_URL", cast=dj_database_url.parse)`
		}
	}
	if s.dbURL {
		return "dj_database_url.config()"
	}
	return ""
}

// databaseAdvice is "e.g. …" for configuring a database from the
// environment with no default in the committed code.
func (s envStyle) databaseAdvice() string {
	if u := s.databaseURL(); u != "" {
		return "e.g. DATABASES = {\"default\": " + u + "} with no default"
	}
	return "e.g. \"PASSWORD\": " + s.required("DB_PASSWORD") + " and the other fields read the same way"
}

// djangoSeriesAllowed says whether the project's Django can be series s or
// later: yes when the pinned series is s or later, no when it is older or
// every runtime requirement on Django stops below s; known is false when
// the requirements say neither (no Django requirement, an open range).
func djangoSeriesAllowed(p *Project, s [2]int) (yes, known bool) {
	if p.DjangoKnown {
		return !seriesLess(p.Django, s), true
	}
	floor := deps.Version{Release: []int{s[0], s[1]}}
	found := false
	for _, r := range p.Requirements {
		if r.Name != "django" || r.Dev {
			continue
		}
		set, ok := r.Specifiers()
		if !ok {
			return false, false
		}
		found = true
		if v, incl, ok := set.UpperBound(); !ok || deps.Compare(v, floor) > 0 || incl && deps.Compare(v, floor) == 0 {
			// This requirement allows s or later (or says nothing).
			return false, false
		}
	}
	return false, found
}
