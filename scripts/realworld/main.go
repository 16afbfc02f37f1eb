// Command realworld scores `bot audit` on checkouts of the real repositories
// listed in ../shared/realworld against the senior reviewer's verdicts
// (verdicts.tsv), the findings a reviewer expects (must.tsv) and our own
// verdicts on findings the reviewer never saw (the table in
// docs/REALWORLD.md). It measures; it never gates: CI cannot reach the
// repositories.
//
//	go run ./scripts/realworld -bot BOT [-shared DIR] [-ours FILE] [-unjudged FILE] [-v] CHECKOUTS
//
// CHECKOUTS holds one folder per repository, named as the first column of
// the README's table (CHECKOUTS/netbox …). A missing folder is skipped with a
// note. A finding matches a verdict on (repo, rule, path, line), else on
// (repo, rule, path) when exactly one verdict of that key is left, as the
// shared score.py matches.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

type verdict struct {
	line, verdict, reason string
	used                  bool
}

type key struct{ repo, rule, path string }

type finding struct {
	Rule       string `json:"rule"`
	Severity   string `json:"severity"`
	Path       string `json:"path"`
	Line       int    `json:"line"`
	Message    string `json:"message"`
	Suppressed bool   `json:"suppressed"`
}

type report struct {
	Findings []finding `json:"findings"`
	Modules  []struct {
		Path string `json:"path"`
		Role string `json:"role"`
		Why  string `json:"why"`
	} `json:"modules"`
	Errors []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"errors"`
}

type tally struct {
	tp, fp, noise, unjudged int
	// ours counts the findings our own verdicts judged, by verdict.
	ours    map[string]int
	elapsed time.Duration
	errors  int
}

func main() {
	bot := flag.String("bot", "", "the bot binary to run (required)")
	shared := flag.String("shared", "../shared/realworld", "the folder holding README.md, verdicts.tsv and must.tsv")
	ours := flag.String("ours", "docs/REALWORLD.md", "our own verdicts: the Markdown table under \"## Our verdicts\"")
	unjudgedOut := flag.String("unjudged", "", "write the findings that have no verdict to this file")
	verbose := flag.Bool("v", false, "print every finding with its verdict, the modules and their roles")
	flag.Parse()
	if *bot == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: realworld -bot BOT [-shared DIR] [-ours FILE] [-unjudged FILE] [-v] CHECKOUTS")
		os.Exit(2)
	}
	root := flag.Arg(0)

	repos, err := readRepos(filepath.Join(*shared, "README.md"))
	if err != nil {
		fatal(err)
	}
	verdicts := map[key][]*verdict{}
	if err := readVerdicts(filepath.Join(*shared, "verdicts.tsv"), false, verdicts); err != nil {
		fatal(err)
	}
	mine := map[key][]*verdict{}
	if err := readVerdicts(*ours, true, mine); err != nil && !os.IsNotExist(err) {
		fatal(err)
	}
	must, err := readMust(filepath.Join(*shared, "must.tsv"))
	if err != nil {
		fatal(err)
	}

	found := map[key]bool{}
	var total tally
	var unjudged []string
	fmt.Printf("%-30s %4s %4s %5s %4s %9s %7s %8s\n", "repository", "TP", "FP", "NOISE", "new", "precision", "TP/all", "time")
	for _, repo := range repos {
		dir := filepath.Join(root, repo)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			fmt.Printf("%-30s no checkout under %s, skipped\n", repo, root)
			continue
		}
		start := time.Now()
		cmd := exec.Command(*bot, "audit", "--format", "json", "--fail-on", "never", dir)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			fmt.Printf("%-30s bot failed: %v: %s\n", repo, err, firstLine(stderr.String()))
			continue
		}
		var rep report
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			fmt.Printf("%-30s unreadable JSON: %v\n", repo, err)
			continue
		}
		t := tally{elapsed: time.Since(start), errors: len(rep.Errors)}
		var details strings.Builder
		for _, f := range rep.Findings {
			if f.Suppressed {
				continue
			}
			k := key{repo, f.Rule, f.Path}
			found[k] = true
			v := match(verdicts[k], f.Line, f.Message)
			if v == nil {
				if v = match(mine[k], f.Line, f.Message); v != nil {
					if total.ours == nil {
						total.ours = map[string]int{}
					}
					total.ours[v.verdict]++
				}
			}
			label := "?"
			if v != nil {
				v.used = true
				label = v.verdict
			}
			switch label {
			case "TP":
				t.tp++
			case "FP":
				t.fp++
			case "NOISE":
				t.noise++
			default:
				t.unjudged++
				unjudged = append(unjudged, fmt.Sprintf("%s\t%s\t%s:%d\t%s\t%s", repo, f.Rule, f.Path, f.Line, f.Severity, truncate(f.Message, 200)))
			}
			if *verbose {
				reason := ""
				if v != nil {
					reason = v.reason
				}
				fmt.Fprintf(&details, "    %-5s %s %s:%d %s — %s\n", label, f.Rule, f.Path, f.Line, f.Severity, truncate(reason, 90))
			}
		}
		if *verbose {
			for _, m := range rep.Modules {
				fmt.Fprintf(&details, "    module %s %s (%s)\n", m.Path, m.Role, m.Why)
			}
			for _, e := range rep.Errors {
				fmt.Fprintf(&details, "    error %s: %s\n", e.Path, truncate(e.Message, 120))
			}
		}
		fmt.Printf("%-30s %4d %4d %5d %4d %9s %7s %7.2fs\n", repo, t.tp, t.fp, t.noise, t.unjudged,
			pct(t.tp, t.tp+t.fp), pct(t.tp, t.tp+t.fp+t.noise+t.unjudged), t.elapsed.Seconds())
		fmt.Print(details.String())
		total.tp += t.tp
		total.fp += t.fp
		total.noise += t.noise
		total.unjudged += t.unjudged
		total.errors += t.errors
		if t.elapsed > total.elapsed {
			total.elapsed = t.elapsed
		}
	}
	hits := 0
	var missed []string
	for _, m := range must {
		ok := false
		for _, alt := range strings.Split(m.path, "|") {
			if found[key{m.repo, m.rule, alt}] {
				ok = true
			}
		}
		if ok {
			hits++
		} else {
			missed = append(missed, m.repo+" "+m.rule+" "+m.path)
		}
	}
	fmt.Printf("%-30s %4d %4d %5d %4d %9s %7s %7.2fs (slowest)\n", "all", total.tp, total.fp, total.noise, total.unjudged,
		pct(total.tp, total.tp+total.fp), pct(total.tp, total.tp+total.fp+total.noise+total.unjudged), total.elapsed.Seconds())
	fmt.Printf("must recall %d/%d (%s); file errors %d\n", hits, len(must), pct(hits, len(must)), total.errors)
	fmt.Printf("judged by our verdicts (docs/REALWORLD.md): TP %d, FP %d, NOISE %d; the rest by verdicts.tsv\n",
		total.ours["TP"], total.ours["FP"], total.ours["NOISE"])
	for _, m := range missed {
		fmt.Println("  missed:", m)
	}
	if *unjudgedOut != "" {
		sort.Strings(unjudged)
		if err := os.WriteFile(*unjudgedOut, []byte(strings.Join(unjudged, "\n")+"\n"), 0o644); err != nil {
			fatal(err)
		}
	}
}

// urlRE finds the origins and URLs a verdict's reason quotes.
var urlRE = regexp.MustCompile(`https?://[^\s,;)"']+`)

// match takes the verdict on the same line, else the only one left. When
// several verdicts share the line (three CSRF origins on one line), the
// one whose reason quotes a URL the message names wins, and one that
// quotes only URLs the message does not name loses.
func match(vs []*verdict, line int, message string) *verdict {
	var free, same []*verdict
	for _, v := range vs {
		if v.used {
			continue
		}
		if v.line == fmt.Sprint(line) {
			same = append(same, v)
		}
		free = append(free, v)
	}
	if len(same) > 0 {
		best, bestScore := same[0], -2
		for _, v := range same {
			score := 0
			if urls := urlRE.FindAllString(v.reason, -1); len(urls) > 0 {
				score = -1
				for _, u := range urls {
					if strings.Contains(message, strings.TrimRight(u, ".")) {
						score = 1
					}
				}
			}
			if score > bestScore {
				best, bestScore = v, score
			}
		}
		return best
	}
	if len(free) == 1 {
		return free[0]
	}
	return nil
}

// readRepos takes the folder names from the README's table, in its order.
func readRepos(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		cells := strings.Split(l, "|")
		if len(cells) < 6 || !strings.HasPrefix(l, "|") {
			continue
		}
		name, commit := strings.TrimSpace(cells[1]), strings.TrimSpace(cells[3])
		if len(commit) == 40 && !strings.Contains(name, " ") {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no repository table", file)
	}
	return out, nil
}

// readVerdicts reads verdicts.tsv (tab-separated) or, with markdown, the
// rows of the table after the "## Our verdicts" heading of a Markdown file:
// | repo | rule | path:line | verdict | reason |.
func readVerdicts(file string, markdown bool, into map[key][]*verdict) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inTable := !markdown
	for sc.Scan() {
		l := sc.Text()
		var cells []string
		if markdown {
			if strings.HasPrefix(l, "## ") {
				inTable = strings.HasPrefix(l, "## Our verdicts")
				continue
			}
			if !inTable || !strings.HasPrefix(l, "|") {
				continue
			}
			for _, c := range strings.Split(strings.Trim(l, "|"), "|") {
				cells = append(cells, strings.Trim(strings.TrimSpace(c), "`"))
			}
		} else {
			if strings.HasPrefix(l, "#") {
				continue
			}
			cells = strings.Split(l, "\t")
		}
		if len(cells) < 4 {
			continue
		}
		v := strings.ToUpper(strings.TrimSpace(cells[3]))
		if v != "TP" && v != "FP" && v != "NOISE" {
			continue // a header or separator row
		}
		where := cells[2]
		i := strings.LastIndexByte(where, ':')
		if i < 0 {
			continue
		}
		reason := ""
		if len(cells) > 4 {
			reason = cells[4]
		}
		k := key{cells[0], cells[1], where[:i]}
		into[k] = append(into[k], &verdict{line: where[i+1:], verdict: v, reason: reason})
	}
	return sc.Err()
}

type mustRow struct{ repo, rule, path string }

func readMust(file string) ([]mustRow, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var out []mustRow
	for _, l := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		c := strings.Split(l, "\t")
		if len(c) >= 3 {
			out = append(out, mustRow{c[0], c[1], c[2]})
		}
	}
	return out, nil
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return truncate(s, 200)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "realworld:", err)
	os.Exit(1)
}
