// Package checks is djsec's analyzer: it reads a Django project's files and
// returns findings against the security checklist (shared/RULES.md).
//
// # Pure
//
// Everything here is a function of its Input: file contents by path, the
// repository's configuration, the time. No network, no database, no GitHub
// type, no file system (callers read the files; Relevant says which). ctx
// is only checked between rules. That is what lets the CLI, the check run,
// the fix-up and the weekly audit share one analyzer, and lets most tests
// be table tests over strings.
//
// # The flow
//
//   - project.go, analyze.go: NewProject reads an Input once into the model
//     every rule shares (settings modules evaluated and given a role,
//     manifests, env files); Analyze runs the enabled rules over it and
//     finishes the findings (roles, inline suppressions, merges).
//   - compare.go: Compare, for a pull request, reads each side once and
//     gives both sides' findings and the settings head weakened
//     (weaken.go) from the same two projects.
//   - config.go, configfile.go: .github/djsec.yml, validated key by key.
//   - ignore.go: the one path-glob dialect of every ignore (ignore_paths,
//     `/djsec ignore`). suppress.go: inline `# djsec: ignore[...]` comments,
//     which name rules and lines, never paths.
//   - finding.go, report.go, rule.go, severity.go: the model a rule reports
//     in and the catalogue (IDs and slugs are a public contract).
//
// # Where rules live
//
// A rule is a *Rule (ID, slug, severity, documentation) and a Check
// function, registered from the init of its file; its whole logic is in
// that file. Rules sharing a checklist section share a file
// (rules_<section>.go: rules_debug.go, rules_https.go, rules_api.go …)
// where they are small; a rule that grew big enough gets a file of its own
// (rules_rawsql.go for DJS704, csrfexempt.go for DJS307). Engines that
// rules use live apart from any rule file:
//
//   - sqltaint.go: the SQL taint scanner behind DJS704;
//   - gitignore.go: git's .gitignore semantics, behind DJS106 and `bot
//     audit`'s check for an untracked .env;
//   - entrypoints.go, roles.go: which settings module a deployment runs and
//     what role each module has;
//   - subpackages: pysrc (the Python parser), settings (the settings
//     evaluator), deps (dependency manifests), envfile (dotenv files),
//     advisories (bundled vulnerability data), checklist (the Django
//     checklist items the rules map to).
//
// docs/rules.md is generated from the catalogue, and a test in ./formats
// keeps it current; a rule's tests sit in its file's _test.go.
package checks
