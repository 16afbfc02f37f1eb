// Command buildadvisories writes checks/advisories/bundle_data.go from the
// advisory data in ../shared/advisories (see its README.md):
//
//	go run ./scripts/buildadvisories
//	go run ./scripts/buildadvisories -src ../shared/advisories -out checks/advisories/bundle_data.go
//
// Run it from the repository root whenever the shared data changes, and
// commit the result: djsec never reads ../shared at build or run time.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	"github.com/djsec/djsec/internal/advisorybuild"
)

func main() {
	src := flag.String("src", "../shared/advisories", "the advisory data `directory`")
	out := flag.String("out", "checks/advisories/bundle_data.go", "the Go `file` to write")
	flag.Parse()
	if err := run(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "buildadvisories:", err)
		os.Exit(1)
	}
}

func run(src, out string) error {
	b, err := advisorybuild.Read(src)
	if err != nil {
		return err
	}
	code, err := advisorybuild.GoSource(b)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, code, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	slog.Info("wrote the advisory bundle", "file", out, "snapshot", b.Snapshot, "records", len(b.Records),
		"series", len(b.DjangoSeries), "go_bytes", len(code))
	return nil
}
