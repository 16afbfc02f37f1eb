//go:build !noserver

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/djsec/djsec"
	"github.com/djsec/djsec/config"
	"github.com/djsec/djsec/handlers"
)

func init() {
	register(command{
		name:    "dev",
		summary: "development helpers: `bot dev send EVENT` delivers a signed example webhook to a local server",
		run:     runDev,
	})
}

// examplesDir is where djsec.ExampleWebhooks keeps the payloads.
const examplesDir = "testdata/webhooks"

func runDev(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprintln(w, "Usage: bot dev send EVENT [--action A] [--url URL] [--secret S]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Development helpers for the GitHub App. `bot dev send -h` for details.")
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] != "send" {
		return fail(stderr, "dev: unknown subcommand %q (want send)", args[0])
	}
	return runDevSend(args[1:], stdout, stderr)
}

func runDevSend(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	action := fs.String("action", "", "which example of the event, e.g. opened (see the list below)")
	target := fs.String("url", "", "the webhook endpoint (default http://localhost:$PORT/webhook, PORT 3000)")
	secret := fs.String("secret", "", "sign with this secret (default: the first of WEBHOOK_SECRET; with neither, the delivery goes unsigned, which only a server started with --insecure-dev accepts)")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "Usage: bot dev send EVENT [--action A] [--url URL] [--secret S]")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Signs one of GitHub's example payloads (from @octokit/webhooks-examples) and")
		fmt.Fprintln(w, "POSTs it to a djsec server as GitHub would, then prints the answer and the")
		fmt.Fprintln(w, "delivery ID to find in the server's log. Exit status 0 when the server")
		fmt.Fprintln(w, "answered 2xx, 1 when it answered something else, 2 when it could not be reached.")
		fmt.Fprintln(w)
		fs.PrintDefaults()
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Examples (EVENT --action A):")
		for _, e := range exampleNames() {
			ev, act, _ := strings.Cut(e, ".")
			if act != "" {
				act = " --action " + act
			}
			fmt.Fprintf(w, "  %s%s\n", ev, act)
		}
	}
	rest, err := parseFlags(fs, args)
	if err != nil {
		return flagError(fs, err, stdout, stderr)
	}
	if len(rest) != 1 {
		return fail(stderr, "dev send: want one EVENT, got %d arguments (see `bot dev send -h`)", len(rest))
	}
	body, name, err := examplePayload(rest[0], *action)
	if err != nil {
		return fail(stderr, "dev send: %v", err)
	}
	u := *target
	if u == "" {
		port := strings.TrimSpace(os.Getenv(config.EnvPort))
		if port == "" {
			port = "3000"
		}
		u = "http://localhost:" + port + "/webhook"
	}
	if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fail(stderr, "dev send: --url %q is not an http(s) URL", u)
	}
	key := *secret
	if key == "" {
		secrets, err := config.ParseWebhookSecrets(os.Getenv(config.EnvWebhookSecret))
		if err != nil {
			return fail(stderr, "dev send: %s: %v", config.EnvWebhookSecret, err)
		}
		if len(secrets) > 0 {
			key = secrets[0].Reveal()
		}
	}
	if key == "" {
		fmt.Fprintln(stderr, "bot: dev send: no --secret and no WEBHOOK_SECRET: sending unsigned, which only `bot serve --insecure-dev` accepts")
	}
	d := devDelivery{URL: u, Event: strings.SplitN(name, ".", 2)[0], ID: newDeliveryID(), Body: body, Secret: key}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, answer, err := d.send(ctx, http.DefaultClient)
	if err != nil {
		return fail(stderr, "dev send: %v", err)
	}
	fmt.Fprintf(stdout, "%s %s → %s: %s\n", name, d.ID, u, status)
	if answer != "" {
		fmt.Fprintf(stdout, "  %s\n", answer)
	}
	if !strings.HasPrefix(status, "2") {
		return exitFindings
	}
	return exitOK
}

// examplePayload finds EVENT[.ACTION].json among the examples and returns
// its body compacted (GitHub sends compact JSON) and its name.
func examplePayload(event, action string) ([]byte, string, error) {
	names := exampleNames()
	want := event
	if action != "" {
		want += "." + action
	}
	var matches []string
	for _, n := range names {
		if n == want || (action == "" && strings.HasPrefix(n, event+".")) {
			matches = append(matches, n)
		}
	}
	switch {
	case len(matches) == 0 && action != "" && slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, event+".") || n == event }):
		return nil, "", fmt.Errorf("no example of %s with action %q; there are: %s", event, action, strings.Join(actionsOf(names, event), ", "))
	case len(matches) == 0:
		return nil, "", fmt.Errorf("no example of the event %q; there are: %s", event, strings.Join(eventsOf(names), ", "))
	case len(matches) > 1:
		return nil, "", fmt.Errorf("%s has several examples: add --action with one of %s", event, strings.Join(actionsOf(names, event), ", "))
	}
	raw, err := djsec.ExampleWebhooks.ReadFile(path.Join(examplesDir, matches[0]+".json"))
	if err != nil {
		return nil, "", fmt.Errorf("reading the example: %w", err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, "", fmt.Errorf("the example %s is not JSON: %w", matches[0], err)
	}
	return b.Bytes(), matches[0], nil
}

// exampleNames are the examples' file names without .json, sorted.
func exampleNames() []string {
	entries, err := fs.ReadDir(djsec.ExampleWebhooks, examplesDir)
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}

func eventsOf(names []string) []string {
	var out []string
	for _, n := range names {
		ev, _, _ := strings.Cut(n, ".")
		if !slices.Contains(out, ev) {
			out = append(out, ev)
		}
	}
	return out
}

func actionsOf(names []string, event string) []string {
	var out []string
	for _, n := range names {
		if act, ok := strings.CutPrefix(n, event+"."); ok {
			out = append(out, act)
		}
	}
	return out
}

// devDelivery is one webhook as GitHub would send it.
type devDelivery struct {
	URL, Event, ID string
	Body           []byte
	Secret         string // "" sends it unsigned
}

// send POSTs the delivery and returns the answer's status line and the
// first line of its body.
func (d devDelivery) send(ctx context.Context, client *http.Client) (status, answer string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return "", "", fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/djsec-dev-send")
	req.Header.Set("X-GitHub-Event", d.Event)
	req.Header.Set("X-GitHub-Delivery", d.ID)
	if d.Secret != "" {
		req.Header.Set(handlers.SignatureHeader, handlers.Sign([]byte(d.Secret), d.Body))
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *url.Error
		if errors.As(err, &op) {
			err = op.Err
		}
		return "", "", fmt.Errorf("POST %s: %w (is `bot serve` running there?)", d.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	answer, _, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	return resp.Status, answer, nil
}

// newDeliveryID is a random GUID, the form of GitHub's X-GitHub-Delivery.
func newDeliveryID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
