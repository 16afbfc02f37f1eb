package fixup

import (
	"context"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/fixes"
)

// Fixes is package fixes as an Engine: the fixers djsec ships.
var Fixes Engine = EngineFunc(func(ctx context.Context, in checks.Input, rules []string) (*Result, error) {
	r, err := fixes.Fix(ctx, in, rules)
	if err != nil || r == nil {
		return nil, err
	}
	out := &Result{Files: r.Files, Deleted: r.Deleted, Fixed: r.Fixed}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, Change(c))
	}
	for _, u := range r.Unfixed {
		out.Unfixed = append(out.Unfixed, Unfixed(u))
	}
	for _, v := range r.EnvVars {
		out.EnvVars = append(out.EnvVars, EnvVar(v))
	}
	return out, nil
})
