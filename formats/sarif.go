package formats

import (
	"io"
	"net/url"
	"strings"

	"github.com/djsec/djsec/checks"
)

// The SARIF subset GitHub code scanning reads
// (docs.github.com: "SARIF support for code scanning").
const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifFingerprintKey versions the fingerprint so a future change of
	// how fingerprints are made does not match old alerts wrongly.
	sarifFingerprintKey = "djsecFingerprint/v1"
	// sarifSrcRoot is the base every artifact URI is relative to: the root
	// that was analyzed.
	sarifSrcRoot = "%SRCROOT%"
	toolURI      = "https://github.com/djsec/djsec"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	ShortDescription     sarifText           `json:"shortDescription"`
	FullDescription      sarifText           `json:"fullDescription"`
	Help                 sarifHelp           `json:"help"`
	HelpURI              string              `json:"helpUri"`
	DefaultConfiguration sarifConfiguration  `json:"defaultConfiguration"`
	Properties           sarifRuleProperties `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

type sarifRuleProperties struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// SARIF writes a SARIF 2.1.0 log for GitHub code scanning: one run whose
// driver lists the rules the results use (with their documentation and
// security-severity), one result per finding with a stable partial
// fingerprint, and unreadable files as tool notifications.
//
// Suppressed findings are left out unless opt.SARIFSuppressed asks for
// them: GitHub's SARIF upload does not honour `suppressions` (which is why
// the advanced-security/dismiss-alerts action exists), so a suppressed
// result would open an alert. When asked, they carry an in-source
// suppression for tools that do read it.
func SARIF(w io.Writer, res *checks.Result, opt Options) error {
	findings := make([]checks.Finding, 0, len(res.Findings))
	for _, f := range res.Findings {
		if !f.Suppressed || opt.SARIFSuppressed {
			findings = append(findings, f)
		}
	}
	rules := usedRules(findings)
	index := map[string]int{}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: "djsec", Version: opt.ToolVersion, InformationURI: toolURI, Rules: []sarifRule{}}},
		// An unreadable file is not a failed run: the rest was analyzed.
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
	}
	for i, r := range rules {
		index[r.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(r))
	}
	for _, f := range findings {
		result := sarifResult{
			RuleID:    f.Rule,
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifact(f.Path),
				Region:           &sarifRegion{StartLine: line(f), StartColumn: column(f), EndLine: endLine(f)},
			}}},
			PartialFingerprints: map[string]string{sarifFingerprintKey: f.Fingerprint},
		}
		if f.Suppressed {
			result.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.SuppressReason}}
		}
		run.Results = append(run.Results, result)
	}
	for _, e := range res.Errors {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, sarifNotification{
			Level:     "warning",
			Message:   sarifText{Text: e.Path + ": " + e.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{ArtifactLocation: sarifArtifact(e.Path)}}},
		})
	}
	return encodeJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

func sarifRuleOf(r *checks.Rule) sarifRule {
	full := r.FiresWhen
	if full == "" {
		full = r.Title
	}
	return sarifRule{
		ID:               r.ID,
		Name:             r.Slug,
		ShortDescription: sarifText{Text: r.Title},
		FullDescription:  sarifText{Text: "Fires when " + strings.TrimSuffix(full, ".") + "."},
		Help:             sarifHelp{Text: ruleHelpText(r), Markdown: ruleHelpMarkdown(r)},
		HelpURI:          r.DocsURL(),
		DefaultConfiguration: sarifConfiguration{
			Level: sarifLevel(r.Severity),
		},
		Properties: sarifRuleProperties{
			Tags:             ruleTags(r),
			SecuritySeverity: securitySeverity(r.Severity),
			Precision:        "high",
		},
	}
}

// sarifLevel maps severities onto SARIF's three levels.
func sarifLevel(s checks.Severity) string {
	switch {
	case s >= checks.High:
		return "error"
	case s == checks.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code scanning buckets into
// critical (9.0+), high (7.0+), medium (4.0+) and low.
func securitySeverity(s checks.Severity) string {
	switch s {
	case checks.Critical:
		return "9.0"
	case checks.High:
		return "7.0"
	case checks.Medium:
		return "5.0"
	case checks.Low:
		return "3.0"
	}
	return "1.0"
}

// ruleTags are shown as filters in code scanning.
func ruleTags(r *checks.Rule) []string {
	tags := []string{"security", "django"}
	for _, w := range readsOf(r.Where) {
		tags = append(tags, w.tag)
	}
	return tags
}

// sarifArtifact makes a URI reference of a slash-separated relative path:
// segments are percent-encoded (spaces, #, %), slashes kept.
func sarifArtifact(p string) sarifArtifactLocation {
	return sarifArtifactLocation{URI: (&url.URL{Path: p}).EscapedPath(), URIBaseID: sarifSrcRoot}
}
