package checks

import (
	"fmt"

	"github.com/djsec/djsec/checks/settings"
)

// Rules about djsec's own inputs: a settings file that did not fully parse
// and a repository configuration that is wrong. Neither is a security
// finding; both say that djsec saw less than it should have.
var (
	ruleParseError = &Rule{
		ID: "DJS001", Slug: "settings-parse-error", Severity: High, Where: "S", Section: 0,
		Title:     "Settings file did not fully parse",
		FiresWhen: "a settings module has a syntax error; djsec still judges the statements that parse",
		Doc: "Python refuses to import a module with a syntax error, so Django would not start with these settings: " +
			"the finding is high and fails the default gate. djsec reads settings statically with an error-tolerant " +
			"parser and still judges the statements that parse. A broken statement can only have set the names written " +
			"in it, so those become unknown and every other setting is judged as usual (a missing SESSION_COOKIE_SECURE " +
			"is still reported next to a stray `X = [1, 2`); broken text that could set names djsec cannot see (a " +
			"star-import, `globals()`, `exec`) makes \"not set\" findings for the whole module stay silent.",
		Fix: "Fix the syntax error; `python -m py_compile path/to/settings.py` shows it.",
	}
	ruleConfigInvalid = &Rule{
		ID: "DJS002", Slug: "config-invalid", Severity: Medium, Where: "C", Section: 0,
		Title:     "djsec configuration is invalid",
		FiresWhen: "`.github/djsec.yml` does not parse, has an unknown key or a bad value",
		Doc:       "A broken configuration is never silently ignored: djsec reports it and falls back to its defaults for the broken part, so the rules you meant to change still apply.",
		Fix:       "Correct the key or value named in the message; `bot audit` validates the file locally.",
	}
)

func init() {
	ruleParseError.Check = checkParseErrors
	register(ruleParseError, ruleConfigInvalid)
}

func checkParseErrors(p *Project, r *Reporter) {
	seen := map[string]bool{}
	for _, m := range p.Settings {
		if m.Role == settings.Example {
			// A template (Jinja placeholders) is not Python until it is
			// rendered; the rendered project is what gets judged.
			continue
		}
		for _, d := range m.Diags {
			key := d.Kind + ":" + d.Pos.Path
			if seen[key] {
				continue
			}
			seen[key] = true
			if d.Kind == "syntax" {
				r.Emit(ruleParseError, nil, d.Pos, "syntax", fmt.Sprintf("%s: %s, so Python cannot import it and Django would not start; djsec judged the statements that parse, and names written in the broken part are treated as unknown", d.Pos.Path, d.Message))
			}
		}
	}
}
