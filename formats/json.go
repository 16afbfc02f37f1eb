package formats

import (
	"encoding/json"
	"io"

	"github.com/djsec/djsec/checks"
)

// JSONVersion is the version of the JSON document; it changes only when a
// field is removed or changes meaning.
const JSONVersion = 1

// jsonReport is the JSON document: every finding (suppressed ones too,
// marked), the settings modules and the role each was judged by, the files
// read and the files that could not be.
type jsonReport struct {
	Version  int                 `json:"version"`
	Findings []checks.Finding    `json:"findings"`
	Modules  []checks.ModuleInfo `json:"modules"`
	Files    []string            `json:"files"`
	Errors   []checks.FileError  `json:"errors"`
}

// JSON writes the result as one indented JSON document.
func JSON(w io.Writer, res *checks.Result) error {
	doc := jsonReport{Version: JSONVersion, Findings: make([]checks.Finding, len(res.Findings)), Modules: res.Modules, Files: res.Files, Errors: res.Errors}
	for i, f := range res.Findings {
		// Positions are 1-based in every format; a finding about a whole
		// file or line says line 1 / column 1 rather than 0.
		f.Line, f.Column, f.EndLine = line(f), column(f), endLine(f)
		doc.Findings[i] = f
	}
	if doc.Files == nil {
		doc.Files = []string{}
	}
	if doc.Modules == nil {
		doc.Modules = []checks.ModuleInfo{}
	}
	if doc.Errors == nil {
		doc.Errors = []checks.FileError{}
	}
	return encodeJSON(w, doc)
}

// encodeJSON writes v indented, without escaping <, > and & (messages and
// docs quote code such as `<your-domain>`).
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
