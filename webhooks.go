package djsec

import "embed"

// ExampleWebhooks are GitHub's example payloads, from the npm package
// @octokit/webhooks-examples (testdata/webhooks/README.md says which), named
// EVENT.json or EVENT.ACTION.json: `bot dev send` signs one and delivers it
// to a server on a development machine, so the binary carries them.
//
//go:embed testdata/webhooks/*.json
var ExampleWebhooks embed.FS
