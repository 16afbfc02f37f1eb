package registration_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// TestRegistrationInChromium registers the app as a person would: headless
// Chromium opens the page, clicks "Register GitHub App", the fake
// github.com sends it back to the callback with a code, and the
// credentials must be stored and in use. The browser is driven over the
// DevTools protocol. DJSEC_SCREENSHOTS=DIR keeps a PNG of each page.
func TestRegistrationInChromium(t *testing.T) {
	t.Parallel()
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("chromium is not installed (Debian: apt-get install chromium); the browser test of the registration page is skipped")
	}
	s := newSetup(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b := startChromium(ctx, t, chrome)

	b.call(t, "Page.enable", nil)
	b.call(t, "Page.navigate", map[string]any{"url": s.srv.URL + "/"})
	b.waitFor(ctx, t, `document.readyState === "complete" && !!document.querySelector("#register button")`)
	b.screenshot(t, "registration-page")
	if title := b.eval(t, `document.title`); title != "djsec · set up" {
		t.Errorf("title %q", title)
	}
	b.eval(t, `document.querySelector("#register button").click(); true`)
	b.waitFor(ctx, t, `location.pathname === "/setup/callback" && document.readyState === "complete" && !!document.querySelector("h1")`)
	b.screenshot(t, "registration-done")
	text, _ := b.eval(t, `document.body.innerText`).(string)
	if !strings.Contains(text, "djsec is registered") || !strings.Contains(text, "no restart needed") {
		t.Errorf("callback page says:\n%s", text)
	}
	if href, _ := b.eval(t, `document.querySelector("#install").href`).(string); !strings.HasSuffix(href, "/installations/new") {
		t.Errorf("install link %q", href)
	}
	s.assertLive(t)
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

type chromium struct {
	ws *websocket.Conn
	id int
}

func startChromium(ctx context.Context, t *testing.T, path string) *chromium {
	t.Helper()
	profile, err := os.MkdirTemp("", "djsec-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+profile,
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--remote-allow-origins=http://127.0.0.1", "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var browserWS string
	t.Cleanup(func() {
		// Browser.close lets Chromium end its helper processes; only then
		// can the profile directory go.
		if ws, err := websocket.Dial(browserWS, "", "http://127.0.0.1"); err == nil {
			websocket.JSON.Send(ws, map[string]any{"id": 1, "method": "Browser.close"})
			ws.Close()
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		// A helper may still be flushing a file for a moment.
		for i := 0; i < 50; i++ {
			if os.RemoveAll(profile) == nil {
				if _, err := os.Stat(profile); os.IsNotExist(err) {
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "DevTools listening on "); ok {
			browserWS = strings.TrimSpace(after)
			break
		}
	}
	if browserWS == "" {
		t.Fatal("chromium did not start its DevTools endpoint")
	}
	go func() { // keep draining, or Chromium blocks on a full pipe
		for sc.Scan() {
		}
	}()
	hostPort := strings.Split(strings.TrimPrefix(browserWS, "ws://"), "/")[0]
	var pageWS string
	for deadline := time.Now().Add(10 * time.Second); pageWS == "" && time.Now().Before(deadline); {
		resp, err := http.Get("http://" + hostPort + "/json/list")
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" {
					pageWS = tg.WebSocketDebuggerURL
				}
			}
		}
		if pageWS == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if pageWS == "" {
		t.Fatal("no page target in chromium")
	}
	ws, err := websocket.Dial(pageWS, "", "http://127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ws.MaxPayloadBytes = 64 << 20
	t.Cleanup(func() { ws.Close() })
	return &chromium{ws: ws}
}

// call sends one DevTools command and returns its result, skipping events.
func (c *chromium) call(t *testing.T, method string, params any) json.RawMessage {
	t.Helper()
	c.id++
	msg := map[string]any{"id": c.id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	c.ws.SetDeadline(time.Now().Add(30 * time.Second))
	if err := websocket.JSON.Send(c.ws, msg); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	for {
		var reply struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct{ Message string }
		}
		if err := websocket.JSON.Receive(c.ws, &reply); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if reply.ID != c.id {
			continue
		}
		if reply.Error != nil {
			t.Fatalf("%s: %s", method, reply.Error.Message)
		}
		return reply.Result
	}
}

func (c *chromium) eval(t *testing.T, expr string) any {
	t.Helper()
	var r struct {
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	json.Unmarshal(c.call(t, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}), &r)
	if r.ExceptionDetails != nil {
		return nil // mid-navigation: the context went away
	}
	return r.Result.Value
}

func (c *chromium) waitFor(ctx context.Context, t *testing.T, expr string) {
	t.Helper()
	for {
		if v, _ := c.eval(t, expr).(bool); v {
			return
		}
		select {
		case <-ctx.Done():
			href, _ := c.eval(t, `location.href + "\n" + (document.body ? document.body.innerText : "")`).(string)
			t.Fatalf("timed out waiting for %s; the browser is at %s", expr, href)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *chromium) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("DJSEC_SCREENSHOTS")
	if dir == "" {
		return
	}
	var r struct{ Data string }
	json.Unmarshal(c.call(t, "Page.captureScreenshot", map[string]any{"format": "png"}), &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Println("screenshot:", p)
}
