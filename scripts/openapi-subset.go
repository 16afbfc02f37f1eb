//go:build ignore

// openapi-subset reads GitHub's dereferenced OpenAPI description
// (generated/api.github.com.deref.json from the npm package @octokit/openapi)
// and writes the operations djsec uses, with their parameters and request
// bodies, for githubtest to validate what the app sends. Run it through
// scripts/openapi-subset.sh, which fetches the package.
//
//	go run scripts/openapi-subset.go -in api.github.com.deref.json -version 23.0.2 -out githubapp/githubtest/testdata/openapi/api.github.com.subset.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// operations lists every REST operation djsec calls (and the fake serves),
// as "METHOD /path" with the description's own path templates.
var operations = []string{
	"GET /app",
	"POST /app/installations/{installation_id}/access_tokens",
	"POST /app-manifests/{code}/conversions",
	"GET /repos/{owner}/{repo}",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}",
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
	"POST /repos/{owner}/{repo}/pulls",
	"POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
	"GET /repos/{owner}/{repo}/contents/{path}",
	"PUT /repos/{owner}/{repo}/contents/{path}",
	"GET /repos/{owner}/{repo}/git/trees/{tree_sha}",
	"POST /repos/{owner}/{repo}/git/refs",
	"POST /repos/{owner}/{repo}/git/blobs",
	"GET /repos/{owner}/{repo}/git/blobs/{file_sha}",
	"POST /repos/{owner}/{repo}/git/trees",
	"POST /repos/{owner}/{repo}/git/commits",
	"GET /repos/{owner}/{repo}/git/ref/{ref}",
	"PATCH /repos/{owner}/{repo}/git/refs/{ref}",
	"DELETE /repos/{owner}/{repo}/git/refs/{ref}",
	"GET /repos/{owner}/{repo}/pulls",
	"PATCH /repos/{owner}/{repo}/pulls/{pull_number}",
	"POST /repos/{owner}/{repo}/check-runs",
	"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}",
	"GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
	"GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
	"GET /repos/{owner}/{repo}/compare/{basehead}",
	"GET /repos/{owner}/{repo}/issues",
	"POST /repos/{owner}/{repo}/issues",
	"GET /repos/{owner}/{repo}/issues/{issue_number}",
	"PATCH /repos/{owner}/{repo}/issues/{issue_number}",
	"GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
	"GET /repos/{owner}/{repo}/issues/comments/{comment_id}",
	"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission",
	"GET /repos/{owner}/{repo}/labels",
	"POST /repos/{owner}/{repo}/labels",
	"GET /repos/{owner}/{repo}/labels/{name}",
	"POST /repos/{owner}/{repo}/issues/{issue_number}/labels",
	"GET /app/installations",
	"GET /installation/repositories",
	"GET /orgs/{org}/teams/{team_slug}/memberships/{username}",
	"GET /app/hook/deliveries",
	"POST /app/hook/deliveries/{delivery_id}/attempts",
}

// Keys dropped from schemas: prose and examples, which validation ignores.
var dropSchemaKeys = map[string]bool{"description": true, "example": true, "examples": true, "title": true, "default": true}

func main() {
	in := flag.String("in", "", "api.github.com.deref.json from @octokit/openapi")
	out := flag.String("out", "", "subset to write")
	version := flag.String("version", "", "@octokit/openapi version the input came from")
	flag.Parse()
	if *in == "" || *out == "" || *version == "" {
		flag.Usage()
		os.Exit(2)
	}
	data, err := os.ReadFile(*in)
	if err != nil {
		fail(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		fail(fmt.Errorf("%s: %w", *in, err))
	}
	paths, _ := doc["paths"].(map[string]any)
	info, _ := doc["info"].(map[string]any)
	subset := map[string]any{}
	for _, op := range operations {
		method, path, _ := strings.Cut(op, " ")
		item, _ := paths[path].(map[string]any)
		o, _ := item[strings.ToLower(method)].(map[string]any)
		if o == nil {
			fail(fmt.Errorf("%s is not in %s", op, *in))
		}
		kept := map[string]any{
			"operationId": o["operationId"],
			"summary":     o["summary"],
		}
		if ps, ok := o["parameters"].([]any); ok {
			var params []any
			for _, p := range ps {
				pm := p.(map[string]any)
				params = append(params, map[string]any{
					"name":     pm["name"],
					"in":       pm["in"],
					"required": pm["required"] == true,
					"schema":   schema(pm["schema"]),
				})
			}
			kept["parameters"] = params
		}
		if rb, ok := o["requestBody"].(map[string]any); ok {
			content := map[string]any{}
			for ct, c := range rb["content"].(map[string]any) {
				content[ct] = map[string]any{"schema": schema(c.(map[string]any)["schema"])}
			}
			kept["requestBody"] = map[string]any{"required": rb["required"] == true, "content": content}
		}
		responses := map[string]any{}
		for code, r := range o["responses"].(map[string]any) {
			responses[code] = map[string]any{"description": r.(map[string]any)["description"]}
		}
		kept["responses"] = responses
		m, _ := subset[path].(map[string]any)
		if m == nil {
			m = map[string]any{}
			subset[path] = m
		}
		m[strings.ToLower(method)] = kept
	}
	result := map[string]any{
		"openapi": doc["openapi"],
		"info": map[string]any{
			"title":   info["title"],
			"version": info["version"],
		},
		"x-djsec-source": "npm @octokit/openapi@" + *version + " generated/api.github.com.deref.json, trimmed by scripts/openapi-subset.go",
		"paths":          subset,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(result); err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fail(err)
	}
	keys := make([]string, 0, len(subset))
	for k := range subset {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(os.Stderr, "wrote %s: %d operations on %d paths, %d bytes\n", *out, len(operations), len(keys), buf.Len())
}

// schema copies a schema without its prose. Property names are kept as they
// are (a property may well be called "description").
func schema(v any) any {
	switch s := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range s {
			if dropSchemaKeys[k] {
				continue
			}
			switch k {
			case "properties":
				props := map[string]any{}
				for name, p := range val.(map[string]any) {
					props[name] = schema(p)
				}
				out[k] = props
			case "enum", "required":
				out[k] = val
			default:
				out[k] = schema(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(s))
		for i, x := range s {
			out[i] = schema(x)
		}
		return out
	default:
		return v
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "openapi-subset:", err)
	os.Exit(1)
}
