package githubtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// GitHub appends a check run's annotations on every update: the create
// call's and each PATCH's add up, a PATCH sent twice adds its annotations
// twice, and GET of the run counts them all in output.annotations_count.
func TestCheckRunAnnotationsAppend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.repo.Commit("main", map[string]string{"mysite/settings.py": "A = 1\nB = 2\nDEBUG = True\n"})
	var run struct{ ID int64 }
	two := output(annotation(""), annotation("start_line=2,end_line=2"))
	if st, _ := f.do("POST", "/repos/o/r/check-runs", `{"name":"djsec","head_sha":"`+head+`","status":"in_progress",`+two+`}`, &run); st != 201 {
		t.Fatalf("create: %d", st)
	}
	path := fmt.Sprintf("/repos/o/r/check-runs/%d", run.ID)
	three := output(annotation(""), annotation(""), annotation("start_line=1,end_line=1"))
	for range 2 { // the same update twice: GitHub does not deduplicate
		if st, _ := f.do("PATCH", path, `{"status":"in_progress",`+three+`}`, nil); st != 200 {
			t.Fatalf("update: %d", st)
		}
	}
	var got struct {
		Output struct {
			AnnotationsCount int `json:"annotations_count"`
		}
	}
	if st, _ := f.do("GET", path, "", &got); st != 200 || got.Output.AnnotationsCount != 8 {
		t.Errorf("GET: %d, annotations_count %d, want 8 (2 + 3 + 3)", st, got.Output.AnnotationsCount)
	}
	var anns []map[string]any
	f.do("GET", path+"/annotations?per_page=100", "", &anns)
	if len(anns) != 8 {
		t.Errorf("%d annotations listed, want 8", len(anns))
	}
}

// Lost answers on writes: a handled reset, timeout or 5xx on a PATCH or a
// PUT leaves the write done though the client saw only a failure.
func TestChaosLosesAnswersOfWrites(t *testing.T) {
	t.Parallel()
	faults := []ChaosFault{
		{Kind: FaultReset, Handled: true},
		{Kind: FaultTimeout, Handled: true, Delay: time.Minute},
		{Kind: FaultStatus, Status: 502, Handled: true},
	}
	for _, fault := range faults {
		t.Run(fault.Name(), func(t *testing.T) {
			t.Parallel()
			gh := New(t)
			repo := gh.AddRepo(gh.AddInstallation(1, "o"), "o/r")
			head := repo.Commit("main", map[string]string{"README": "hi\n"})
			run := repo.AddCheckRun(CheckRun{Name: "djsec", HeadSHA: head, Status: "in_progress"})
			tok := gh.token(t, 1)
			fault.Methods = []string{"PATCH", "PUT"}
			gh.StartChaos(Chaos{Every: 1, Faults: []ChaosFault{fault}})

			send := func(method, path, body string) (int, error) {
				c := &http.Client{Timeout: 300 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
				req, _ := http.NewRequest(method, gh.URL+path, strings.NewReader(body))
				req.Header.Set("Authorization", "token "+tok)
				resp, err := c.Do(req)
				if err != nil {
					return 0, err
				}
				defer resp.Body.Close()
				io.Copy(io.Discard, resp.Body)
				return resp.StatusCode, nil
			}
			check := func(what string, status int, err error) {
				t.Helper()
				switch fault.Kind {
				case FaultReset:
					if !errors.Is(err, syscall.ECONNRESET) {
						t.Errorf("%s: %d %v, want a reset", what, status, err)
					}
				case FaultTimeout:
					var te interface{ Timeout() bool }
					if !errors.As(err, &te) || !te.Timeout() {
						t.Errorf("%s: %d %v, want a client timeout", what, status, err)
					}
				default:
					if err != nil || status != 502 {
						t.Errorf("%s: %d %v, want 502", what, status, err)
					}
				}
			}
			st, err := send("PATCH", fmt.Sprintf("/repos/o/r/check-runs/%d", run), `{"status":"in_progress",`+output(annotation(""))+`}`)
			check("PATCH", st, err)
			st, err = send("PUT", "/repos/o/r/contents/docs/new.md", `{"message":"add","content":"aGkK"}`)
			check("PUT", st, err)
			// A GET is not a write: the entry does not apply to it.
			if st, err := send("GET", "/repos/o/r", ""); err != nil || st != 200 {
				t.Errorf("GET: %d %v, want 200 (no fault)", st, err)
			}

			if cr := repo.CheckRun(run); cr == nil || len(cr.Annotations) != 1 {
				t.Errorf("run after the lost PATCH: %+v, want its annotation appended", cr)
			}
			if body, ok := repo.File("main", "docs/new.md"); !ok || body != "hi\n" {
				t.Errorf("file after the lost PUT: %q %v, want it written", body, ok)
			}
			if st := gh.ChaosStats(); st.Injected != 2 || st.ByFault[fault.Name()] != 2 || st.Seen != 3 {
				t.Errorf("stats %+v, want 2 %s in 3 requests", st, fault.Name())
			}
		})
	}
}
