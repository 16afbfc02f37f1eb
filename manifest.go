// Package djsec holds what belongs to the repository as a whole: the GitHub
// App manifest (app.yml), embedded so the binary can register itself.
package djsec

import _ "embed"

// AppManifest is app.yml, the GitHub App manifest in Probot's form.
//
//go:embed app.yml
var AppManifest []byte
