package djsec_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// action is the part of action.yml the runner reads to run the bash steps.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			Name  string            `yaml:"name"`
			If    string            `yaml:"if"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var (
	expression = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	// The only `if:` form the action uses: inputs.NAME != 'VALUE'.
	notEqual = regexp.MustCompile(`^inputs\.([\w-]+) != '([^']*)'$`)
)

// runAction runs the action's bash steps the way the runner would — inputs
// defaulted from action.yml, `${{ … }}` expanded, `if:` honoured — with a
// fake `go` on PATH that records its arguments, one invocation per line.
func runAction(t *testing.T, dir string, inputs map[string]string, ref string) [][]string {
	t.Helper()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	b, err := os.ReadFile("action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a action
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatal(err)
	}
	in := map[string]string{}
	for name, i := range a.Inputs {
		in[name] = i.Default
	}
	for name, v := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
		in[name] = v
	}
	github := map[string]string{"action_ref": ref, "action_path": dir}
	eval := func(expr string) string {
		left, literal, hasOr := strings.Cut(expr, " || ")
		var v string
		switch scope, name, _ := strings.Cut(left, "."); scope {
		case "inputs":
			v = in[name]
		case "github":
			v = github[name]
		default:
			t.Fatalf("expression %q: the test knows inputs.* and github.* only", expr)
		}
		if v == "" && hasOr {
			v = strings.Trim(literal, "'")
		}
		return v
	}

	bin := t.TempDir()
	log := filepath.Join(t.TempDir(), "go.log")
	fakeGo := "#!/usr/bin/env bash\nprintf '%s\\x1f' \"$@\" >> \"$DJSEC_TEST_LOG\"\necho >> \"$DJSEC_TEST_LOG\"\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	runnerTemp := t.TempDir()
	for _, s := range a.Runs.Steps {
		if s.Run == "" {
			continue // a `uses:` step (setup-go, upload-sarif)
		}
		if s.Shell != "bash" {
			t.Fatalf("step %q: shell %q, the test runs bash", s.Name, s.Shell)
		}
		if s.If != "" {
			m := notEqual.FindStringSubmatch(s.If)
			if m == nil {
				t.Fatalf("step %q: if %q is not a form the test knows", s.Name, s.If)
			}
			if in[m[1]] == m[2] {
				continue
			}
		}
		cmd := exec.Command("bash", "-e", "-c", s.Run)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
			"RUNNER_TEMP="+runnerTemp, "DJSEC_TEST_LOG="+log)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+expression.ReplaceAllStringFunc(v, func(e string) string {
				return eval(expression.FindStringSubmatch(e)[1])
			}))
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("step %q: %v\n%s", s.Name, err, out)
		}
	}
	data, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var calls [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line != "" {
			calls = append(calls, strings.Split(strings.TrimSuffix(line, "\x1f"), "\x1f"))
		}
	}
	return calls
}

// flagValue is the value after flag in args, "" when absent.
func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// The repository's fail_on wins unless the workflow gives fail-on: the
// action passes --fail-on to the failing audit only when the input is set.
func TestActionFailOn(t *testing.T) {
	tests := []struct {
		name       string
		inputs     map[string]string
		subdir     bool   // audit sub/, with the configuration at the root
		wantFailOn string // the failing step's --fail-on; "" for none (the config decides)
		wantSteps  int    // go invocations: the SARIF audit, then the failing audit
	}{
		{"no input: the configuration decides", nil, false, "", 2},
		{"an input wins", map[string]string{"fail-on": "medium"}, false, "medium", 2},
		{"never skips the failing step", map[string]string{"fail-on": "never"}, false, "", 1},
		{"a subdirectory keeps the root's configuration", map[string]string{"path": "sub"}, true, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, ".github"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, ".github", "djsec.yml"), []byte("fail_on: critical\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.subdir {
				os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
			}
			calls := runAction(t, dir, tt.inputs, "v1.2.3")
			if len(calls) != tt.wantSteps {
				t.Fatalf("go ran %d times, want %d: %q", len(calls), tt.wantSteps, calls)
			}
			for _, c := range calls {
				if !slices.Contains(c, "github.com/djsec/djsec/cmd/bot@v1.2.3") {
					t.Errorf("go %q does not run the action's ref", c)
				}
			}
			if got := flagValue(calls[0], "--fail-on"); got != "never" {
				t.Errorf("the SARIF audit has --fail-on %q, want never (the upload must happen)", got)
			}
			if tt.wantSteps < 2 {
				return
			}
			fail := calls[1]
			if got := flagValue(fail, "--fail-on"); got != tt.wantFailOn {
				t.Errorf("the failing audit has --fail-on %q, want %q: %q", got, tt.wantFailOn, fail)
			}
			if tt.subdir {
				if flagValue(fail, "--config") != ".github/djsec.yml" || flagValue(fail, "--path-prefix") != "sub" || fail[len(fail)-1] != "sub" {
					t.Errorf("the failing audit of sub/ does not read the root's configuration: %q", fail)
				}
			}
		})
	}
}
