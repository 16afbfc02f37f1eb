package githubtest

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// The operations djsec uses, trimmed from GitHub's published description
// (npm @octokit/openapi; testdata/openapi/README.md says which version and
// how to regenerate it).
//
//go:embed testdata/openapi/api.github.com.subset.json
var openAPISubset []byte

// Operation is one operation of the description.
type Operation struct {
	OperationID string `json:"operationId"`
	Summary     string `json:"summary"`
	RequestBody *struct {
		Required bool `json:"required"`
		Content  map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]any `json:"responses"`
}

type openAPIDoc struct {
	Info  struct{ Version string } `json:"info"`
	Paths map[string]map[string]*Operation
}

var loadSpec = sync.OnceValues(func() (*openAPIDoc, error) {
	var doc openAPIDoc
	dec := json.NewDecoder(bytes.NewReader(openAPISubset))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("githubtest: the embedded OpenAPI subset: %w", err)
	}
	return &doc, nil
})

// SpecVersion is the @octokit/openapi version the embedded subset came from.
func SpecVersion() string {
	doc, err := loadSpec()
	if err != nil {
		return ""
	}
	return doc.Info.Version
}

// LookupOperation returns the description's operation for a route written
// "METHOD /path/{template}", or nil.
func LookupOperation(route string) *Operation {
	doc, err := loadSpec()
	if err != nil {
		return nil
	}
	method, path, _ := strings.Cut(route, " ")
	return doc.Paths[path][strings.ToLower(method)]
}

// ValidateBody checks a request body sent to route against the published
// description and returns GitHub-style messages, none when it is valid.
// A route the description lacks, or one without a request body, accepts
// any body.
func ValidateBody(route string, body []byte) []string {
	op := LookupOperation(route)
	if op == nil || op.RequestBody == nil {
		return nil
	}
	media, ok := op.RequestBody.Content["application/json"]
	if !ok {
		return nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if op.RequestBody.Required {
			return []string{"A request body is required."}
		}
		return nil
	}
	v, err := decodeJSON(body)
	if err != nil {
		return []string{"Problems parsing JSON"}
	}
	if v == nil && !op.RequestBody.Required {
		// ghinstallation sends "null" when it has no token options, and
		// GitHub takes that as no body.
		return nil
	}
	var errs []string
	validate(media.Schema, v, "properties", &errs)
	return errs
}

func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}
