package checks

import (
	"fmt"
	"path"
	"strings"

	"github.com/djsec/djsec/checks/advisories"
	"github.com/djsec/djsec/checks/deps"
	"github.com/djsec/djsec/checks/settings"
)

var ruleVulnerableDependency = &Rule{
	ID: "DJS1002", Slug: "vulnerable-dependency", Severity: High, Where: "R", Section: 10,
	Title:     "Dependency version with a known vulnerability",
	FiresWhen: "a pinned or locked version is inside an advisory's affected range, or a range allows no release that fixes one (bundled OSV data; the live OSV API in the App, and with bot audit --online)",
	Doc: "A release with a published vulnerability is the easiest thing to attack: the advisory tells everyone " +
		"what is broken and the fix tells them where. Django's own security releases fix SQL injection, " +
		"denial of service and information leaks several times a year.\n\n" +
		"djsec compares the production dependencies whose version it knows — an exact pin (`==`, `===`), a pin " +
		"from a constraints file, or the version a lock file next to the manifest holds (poetry.lock, uv.lock, " +
		"pdm.lock, Pipfile.lock; a lock wins over the manifest's range, and packages only the lock lists are " +
		"judged at their line in it) — with the advisories bundled with djsec: the PyPA advisory database " +
		"(OSV records) and Django's security archive, matched as OSV says (ECOSYSTEM and SEMVER ranges with " +
		"PEP 440 ordering, `introduced`/`fixed`/`last_affected`, plus the `versions` lists; GIT ranges are " +
		"ignored). `bot version` shows the date of the bundled data and `bot advisories list PACKAGE` what it " +
		"holds. The App also asks the live OSV API (`OSV_API_URL`, default https://api.osv.dev; `off` turns it off) " +
		"about the same versions, and so does `bot audit --online`: its records, published since the bundle's date, " +
		"are judged by this rule exactly as the bundled ones.\n\n" +
		"The finding names every advisory (by CVE where there is one) with the first release that fixes it " +
		"(for Django, in the same series) and the smallest upgrade that fixes all of them. Its severity is the " +
		"highest among the advisories: Django's own rating (low, moderate → medium, high) for its security " +
		"archive; else a CVSS v3 or v2 vector's base score (9.0 and above critical, 7.0 high, 4.0 medium, " +
		"lower low); else the GitHub advisory database's rating; else high for Django and medium for other " +
		"packages. A PyPA record that rates itself nowhere takes the CVSS vector of the GitHub-reviewed " +
		"advisory of its CVE where djsec bundles one (`bot advisories list --format json PACKAGE` shows the basis of " +
		"each rating).\n\n" +
		"A requirement without an exact version is judged as pip installs it and as pip-audit audits it: by " +
		"the newest release its range allows. It is reported, at the advisories' severity, when no release the " +
		"range allows fixes an advisory (an upper bound below the fix, or an advisory without one); a range that " +
		"also admits old affected releases but allows the fixed ones is not, since a fresh install gets the fix. " +
		"An input list is not judged when another production file of the same project pins the package: a " +
		"requirements.txt of exact pins compiled from `requirements-base.txt`, `requirements/common.txt` or " +
		"`pyproject.toml` dependencies, or a lock file (uv.lock, poetry.lock, Pipfile.lock, pdm.lock). That file is " +
		"what gets installed, and it is judged instead. The project of a manifest is its folder, or the folder " +
		"above a `requirements/` folder, so a second project in a subfolder keeps its own findings. Nothing is " +
		"reported for a version djsec cannot know (direct URLs, unreadable specifiers, a manifest whose lock file " +
		"does not list the package), for development-only manifests and groups, or for pre-releases the " +
		"advisories do not list. " +
		"Django does not evaluate series past their end of support, so their later vulnerabilities are absent " +
		"from the data: DJS1001 reports those series.",
	Fix: "Upgrade to the release the finding names, or later, and update the lock file:\n\n" +
		"```\n# requirements.txt\nDjango==5.2.18\n```\n\n" +
		"```\npoetry update django    # or: uv lock --upgrade-package django, pdm update django\n```\n\n" +
		"For a range, let it reach the fixed release and pin or lock what you install (`Django>=5.2.18,<5.3`).",
}

func init() {
	ruleVulnerableDependency.Check = checkVulnerableDependency
	register(ruleVulnerableDependency)
}

// vulnLevel is an advisory's severity: its own rating, else high for
// Django (whose security releases only ship fixes Django rates) and
// medium for other packages.
func vulnLevel(pkg string, v advisories.Vuln) Severity {
	if s, err := ParseSeverity(v.Severity); err == nil && v.Severity != "" {
		return s
	}
	if pkg == "django" {
		return High
	}
	return Medium
}

func checkVulnerableDependency(p *Project, r *Reporter) {
	db := p.advisories
	if db == nil {
		db = advisories.Bundled()
	}
	pinned := depsPinnedSources(p)
	for _, req := range p.Requirements {
		if req.Dev || req.URL != "" {
			continue
		}
		if req.Version != "" {
			v, err := deps.ParseVersion(req.Version)
			if err != nil {
				continue // not a PEP 440 version: nothing is known
			}
			what := fmt.Sprintf("%s %s", vulnDisplay(req.Name), req.Version)
			if req.Locked != "" {
				what += " (locked in " + req.Locked + ")"
			}
			vulnEmitPinned(p, r, db, depsReqPos(req), req.Name, req.Name, v, what)
			continue
		}
		if path.Base(req.Path) != "pyproject.toml" && path.Base(req.Path) != "Pipfile" || !depsHasLockFile(p, req.Path) {
			if _, covered := pinned.covers(req); !covered {
				vulnEmitRange(r, db, req)
			}
		}
	}
	// Packages only a lock file lists (dependencies of dependencies, or
	// several versions of one package): judged at their line in the lock.
	perName := map[string]int{}
	for _, l := range p.Locked {
		perName[l.Path+"\x00"+l.Name]++
	}
	for _, l := range p.Locked {
		if l.Dev || l.Direct {
			continue
		}
		v, err := deps.ParseVersion(l.Version)
		if err != nil {
			continue
		}
		key := l.Name
		if perName[l.Path+"\x00"+l.Name] > 1 {
			key += "==" + l.Version
		}
		pos := depsReqPos(deps.Requirement{Path: l.Path, Line: l.Line, Col: 1})
		vulnEmitPinned(p, r, db, pos, key, l.Name, v, fmt.Sprintf("%s %s (locked in %s)", vulnDisplay(l.Name), l.Version, l.Path))
	}
}

// vulnEmitPinned reports the advisories affecting one known version.
func vulnEmitPinned(p *Project, r *Reporter, db *advisories.DB, pos settings.Pos, key, name string, v deps.Version, what string) {
	vulns := db.Match(name, v)
	if len(vulns) == 0 {
		return
	}
	sev := Severity(0)
	for _, vu := range vulns {
		sev = max(sev, vulnLevel(name, vu))
	}
	var b strings.Builder
	b.WriteString(what)
	if len(vulns) == 1 {
		b.WriteString(" has a known vulnerability")
	} else {
		fmt.Fprintf(&b, " has %d known vulnerabilities", len(vulns))
	}
	fmt.Fprintf(&b, " (highest severity %s): ", sev)
	b.WriteString(vulnByFix(vulns))
	if up, ok := db.Upgrade(name, v); ok {
		fmt.Fprintf(&b, ". Upgrade to %s %s or later, the first release that fixes ", vulnDisplay(name), up)
		if len(vulns) == 1 {
			b.WriteString("it")
		} else {
			b.WriteString("all of them")
		}
		if name == "django" {
			if rel, known := djangoReleaseOf(up.Series()); known {
				if end, ok := rel.supportEnd(); ok && !p.Now.Before(end) {
					fmt.Fprintf(&b, "; Django %s itself is past the end of security support (DJS1001), so plan a move to %s",
						depsSeriesName(rel), depsSupportedSeries(p.Now, rel.Series))
				}
			}
		}
	} else {
		b.WriteString(". No release is known to fix all of them: check the advisories for a workaround")
	}
	r.Emit(ruleVulnerableDependency, nil, pos, key, b.String(), WithSeverity(sev))
}

// vulnEmitRange reports a requirement whose range resolves to a
// vulnerable release: the newest version it allows, which is what pip
// installs (and what pip-audit judges), is affected. A range that also
// admits old affected releases but allows a fixed one is not reported:
// a fresh install gets the fix.
func vulnEmitRange(r *Reporter, db *advisories.DB, req deps.Requirement) {
	set, ok := req.Specifiers()
	if !ok {
		return
	}
	if _, pinned := set.Pin(); pinned {
		return // === on a non-PEP 440 string: the version is unknown
	}
	vulns := db.MatchNewest(req.Name, set)
	if len(vulns) == 0 {
		return
	}
	sev := Severity(0)
	for _, vu := range vulns {
		sev = max(sev, vulnLevel(req.Name, vu))
	}
	spec := req.Specifier
	if req.Constraint != "" {
		spec += " (constraint " + req.Constraint + ")"
	}
	var b strings.Builder
	if strings.TrimSpace(req.Specifier) == "" && req.Constraint == "" {
		fmt.Fprintf(&b, "%s has no version constraint, and even its newest release has", vulnDisplay(req.Name))
	} else {
		fmt.Fprintf(&b, "%s%s allows no release that fixes", vulnDisplay(req.Name), spec)
	}
	if len(vulns) == 1 {
		b.WriteString(" a known vulnerability")
	} else {
		fmt.Fprintf(&b, " %d known vulnerabilities", len(vulns))
	}
	fmt.Fprintf(&b, " (highest severity %s), so every install gets a vulnerable version: %s", sev, vulnByFix(vulns))
	if up, ok := vulnRangeUpgrade(db, req.Name, vulns); ok {
		fmt.Fprintf(&b, ". Allow %s %s or later (raise the upper bound) and pin it or commit a lock file", vulnDisplay(req.Name), up)
	} else {
		b.WriteString(". No release is known to fix all of them: check the advisories for a workaround")
	}
	r.Emit(ruleVulnerableDependency, nil, depsReqPos(req), req.Name, b.String(), WithSeverity(sev))
}

// vulnRangeUpgrade is the first release that fixes every advisory a
// range's newest release has: the highest of their fixes, or the next
// fix above it when another advisory affects that one.
func vulnRangeUpgrade(db *advisories.DB, name string, vulns []advisories.Vuln) (deps.Version, bool) {
	var up deps.Version
	for _, vu := range vulns {
		if vu.Fixed == "" {
			return deps.Version{}, false
		}
		v, err := deps.ParseVersion(vu.Fixed)
		if err != nil {
			return deps.Version{}, false
		}
		if up.Release == nil || deps.Compare(v, up) > 0 {
			up = v
		}
	}
	if len(db.Match(name, up)) == 0 {
		return up, true
	}
	return db.Upgrade(name, up)
}

// vulnDisplay names a package in messages: Django as its project spells
// it, others by their normalised name.
func vulnDisplay(name string) string {
	if name == "django" {
		return "Django"
	}
	return name
}

// vulnByFix lists advisories grouped by the release that fixes them:
// "fixed in 4.2.11: CVE-2024-27351; fixed in 4.2.14: CVE-…, CVE-…".
func vulnByFix(vulns []advisories.Vuln) string {
	var parts []string
	var cur string
	var names []string
	flush := func() {
		if len(names) == 0 {
			return
		}
		switch {
		case strings.HasPrefix(cur, "<="):
			parts = append(parts, "last affected "+cur[2:]+" (no fix named): "+strings.Join(names, ", "))
		case cur == "":
			parts = append(parts, "no fixed release known: "+strings.Join(names, ", "))
		default:
			parts = append(parts, "fixed in "+cur+": "+strings.Join(names, ", "))
		}
		names = nil
	}
	for _, v := range vulns {
		group := v.Fixed
		if group == "" && v.LastAffected != "" {
			group = "<=" + v.LastAffected
		}
		if group != cur {
			flush()
			cur = group
		}
		names = append(names, vulnName(v))
	}
	flush()
	return strings.Join(parts, "; ")
}

// vulnName is an advisory's CVE, with the record's own ID when that
// differs ("CVE-2024-42005 (PYSEC-2024-70)").
func vulnName(v advisories.Vuln) string {
	if len(v.IDs) > 1 && strings.HasPrefix(v.Name, "CVE-") {
		return v.Name + " (" + v.IDs[1] + ")"
	}
	return v.Name
}

// Dependency is one production dependency whose exact version is known:
// what a live advisory source is asked about.
type Dependency struct {
	Name, Version string
}

// PinnedDependencies lists the production dependencies of in's files whose
// version an analysis would judge (exact pins, constraints, lock files),
// once each, so a caller can fetch live advisories for them before
// Analyze. It does no I/O.
func PinnedDependencies(in Input) []Dependency {
	cfg := in.Config
	if cfg == nil {
		cfg = DefaultConfig()
	}
	files := make(map[string][]byte, len(in.Files))
	for fp, data := range in.Files {
		if !ignored(cfg.IgnorePaths, fp) {
			files[fp] = data
		}
	}
	m := deps.Parse(files)
	seen := map[Dependency]bool{}
	var out []Dependency
	add := func(name, version string) {
		if _, err := deps.ParseVersion(version); err != nil {
			return
		}
		d := Dependency{Name: name, Version: version}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	for _, r := range m.Requirements {
		if !r.Dev && r.URL == "" && r.Version != "" {
			add(r.Name, r.Version)
		}
	}
	for _, l := range m.Locked {
		if !l.Dev {
			add(l.Name, l.Version)
		}
	}
	return out
}
