package fixup

import (
	"context"
	"log/slog"
	"maps"

	"github.com/djsec/djsec/checks"
	"github.com/djsec/djsec/githubapp/repo"
)

// Symbolic links. A fixer sees a link's target bytes under the link's
// path, as a checkout shows them; writing its edit back at that path with
// mode 100644 would replace the link with a copy, so the project's
// requirements.txt -> requirements/prod.txt would silently fork in two. An
// edit of a link is written to the file the link names instead, and one
// that cannot be (the link leaves the repository or dangles) is refused
// and listed for a person.

// linkEdits rewrites res so that no edit replaces a link with a file: an
// edit of a link becomes an edit of its target, and one that cannot be
// (the link was not followed, or its target gets a different edit of its
// own) is dropped and its findings listed for a person. view is files
// with each edited target's current bytes, for a fork's suggestions.
func (b *build) linkEdits(ctx context.Context, files map[string][]byte, res *Result) (view map[string][]byte) {
	view = files
	for _, p := range sortedKeys(res.Files) {
		if b.modes[p] != repo.LinkMode {
			continue
		}
		target, why := b.links[p], b.linkWhy[p]
		if target != "" {
			if other, ok := res.Files[target]; ok && string(other) != string(res.Files[p]) {
				target, why = "", "its target `"+target+"` gets another edit of its own"
			}
		}
		content := res.Files[p]
		delete(res.Files, p)
		if target == "" {
			if why == "" {
				// Not read: the edit was made without the target's
				// bytes and would overwrite them.
				why = "djsec did not read the file it names"
			}
			b.log.InfoContext(ctx, "fix-up edit of a symbolic link refused", slog.String("path", p), slog.String("why", why))
			b.refuse(res, p, "`"+p+"` is a symbolic link and "+why+"; djsec does not replace a link with a file, so this edit is left to a person.")
			continue
		}
		res.Files[target] = content
		if _, ok := view[target]; !ok {
			view = maps.Clone(view)
			view[target] = files[p]
		}
		// The target's own change of the same rule already says it (the
		// fixers saw the same bytes twice).
		own := map[string]bool{}
		for _, c := range res.Changes {
			if c.Path == target {
				own[c.Rule] = true
			}
		}
		var changes []Change
		for _, c := range res.Changes {
			if c.Path == p {
				if own[c.Rule] {
					continue
				}
				c.Path, c.Description = target, c.Description+" (through the link `"+p+"`)"
			}
			changes = append(changes, c)
		}
		res.Changes = changes
	}
	return view
}

// refuse moves the edits of p from res to Unfixed, with why.
func (b *build) refuse(res *Result, p, why string) {
	var fixed []checks.Finding
	moved := false
	for _, f := range res.Fixed {
		if f.Path == p {
			res.Unfixed = append(res.Unfixed, Unfixed{Finding: f, Reason: why})
			moved = true
			continue
		}
		fixed = append(fixed, f)
	}
	res.Fixed = fixed
	var changes []Change
	listed := map[string]bool{}
	for _, c := range res.Changes {
		if c.Path == p {
			if !moved && !listed[c.Rule] {
				listed[c.Rule] = true
				res.Unfixed = append(res.Unfixed, Unfixed{Finding: checks.Finding{Rule: c.Rule, Path: p}, Reason: why})
			}
			continue
		}
		changes = append(changes, c)
	}
	res.Changes = changes
}
