// Command bot is djsec's single binary: the command-line audit of a Django
// project (`bot audit`), the rules catalogue (`bot rules`, `bot explain`)
// and, in other files of this package, the GitHub App server.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/djsec/djsec/checks/advisories"
)

// Exit codes shared by every subcommand.
const (
	exitOK = 0
	// exitFindings means the audit found something at or above --fail-on.
	exitFindings = 1
	// exitUsage covers bad flags and arguments and I/O errors.
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand. Each lives in its own file and registers
// itself from init, so adding one (serve, migrate …) touches no other file.
type command struct {
	name    string
	summary string // one line for `bot help`
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// run is the whole program minus os.Exit, so tests drive it in-process.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run([]string{"-h"}, stdout, stderr)
			}
		}
		usage(stdout)
		return exitOK
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "bot (djsec) "+toolVersion("devel"))
		fmt.Fprintf(stdout, "advisory data %s (%s)\n", advisories.SnapshotDate(), advisories.SourcesLine())
		return exitOK
	}
	c, ok := commands[name]
	if !ok {
		return fail(stderr, "unknown command %q (want %s); `bot help` lists them", name, strings.Join(commandNames(), ", "))
	}
	return c.run(args[1:], stdout, stderr)
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "djsec keeps Django projects on their security checklist.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: bot COMMAND [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, n := range commandNames() {
		fmt.Fprintf(tw, "  %s\t%s\n", n, commands[n].summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "version", "print djsec's version and the date of its advisory data")
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `bot COMMAND -h` for a command's flags.")
}

// fail prints the one-line error every usage and I/O problem gets, and
// returns exitUsage.
func fail(stderr io.Writer, format string, args ...any) int {
	fmt.Fprintf(stderr, "bot: "+format+"\n", args...)
	return exitUsage
}

// parseFlags parses flags that may come before, between or after the
// positional arguments (`bot audit . --format json`); everything after a
// bare `--` is positional. It returns the positional arguments, or
// flag.ErrHelp for -h.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for i, a := range args {
		if a == "--" {
			rest = args[i+1:]
			args = args[:i]
			break
		}
	}
	// The flag package prints the usage itself on -h and on a bad flag;
	// flagError prints what the user sees, once, where it belongs.
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return append(positional, rest...), nil
}

// flagError reports a flag problem as one line, or the command's usage on
// stdout for -h.
func flagError(fs *flag.FlagSet, err error, stdout, stderr io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	return fail(stderr, "%s: %v (see `bot %s -h`)", fs.Name(), err, fs.Name())
}

// toolVersion is the module version the binary was built from (set by
// `go install …@v1.2.3`, `go run …@ref` and a release build), else the
// commit of a development build (devVersion), else fallback (go run, go
// test and builds without VCS stamping know no commit).
func toolVersion(fallback string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fallback
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return devVersion(bi.Settings, fallback)
}

// devVersion names a development build by the commit it was built from,
// as the linker stamped it: "devel-1a2b3c4d5e6f", with "-dirty" when the
// tree had uncommitted changes. SARIF's tool version and the check run's
// rules version then tell one build from another. fallback when the
// build carries no commit.
func devVersion(settings []debug.BuildSetting, fallback string) string {
	var rev string
	var modified bool
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return fallback
	}
	v := "devel-" + rev[:min(12, len(rev))]
	if modified {
		v += "-dirty"
	}
	return v
}
