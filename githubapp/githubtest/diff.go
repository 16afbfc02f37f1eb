package githubtest

import (
	"bytes"
	"sort"
	"strings"

	"github.com/djsec/djsec/internal/gitdiff"
)

// GitHub leaves a file's patch out of the pull request files and compare
// answers when its diff is too large to show. The documented single-file
// limits have changed over the years ("3,000 lines or 100 KB of raw diff
// data" in the older GitHub Enterprise docs; the patch is observed missing
// from files with a couple of thousand changed lines); the fake uses those
// figures, measured on the patch text it would send. Binary files (a NUL
// byte in the first 8,000 bytes, git's test) get no patch and count no
// added or deleted lines, as GitHub reports them.
const (
	MaxPatchLines = 3000
	MaxPatchBytes = 100 << 10
	// MaxCompareFiles is how many files the compare answer lists
	// ("up to 300 changed files for the entire comparison").
	MaxCompareFiles = 300
	binarySniffLen  = 8000
	// Rename detection as git's default: a removed and an added file at
	// least 50% alike are one renamed file.
	renameThreshold = 50
)

// diffTrees lists the files that differ from base to head, sorted by path,
// with GitHub's status, counts and per-file patch: real unified-diff hunks
// with three lines of context, as `git diff` prints them after its headers.
// Paths in omit get no patch (a test standing in for GitHub's size limit).
func diffTrees(base, head map[string][]byte, omit map[string]bool) []PullFile {
	var added, removed []string
	var out []PullFile
	for _, p := range sortedKeys(head) {
		old, ok := base[p]
		switch {
		case !ok:
			added = append(added, p)
		case !bytes.Equal(old, head[p]):
			out = append(out, fileDiff(p, "", "modified", old, head[p], omit))
		}
	}
	for _, p := range sortedKeys(base) {
		if _, ok := head[p]; !ok {
			removed = append(removed, p)
		}
	}
	renamed := detectRenames(base, head, removed, added)
	gone := map[string]bool{}
	for newPath, oldPath := range renamed {
		gone[oldPath] = true
		out = append(out, fileDiff(newPath, oldPath, "renamed", base[oldPath], head[newPath], omit))
	}
	for _, p := range added {
		if _, ok := renamed[p]; !ok {
			out = append(out, fileDiff(p, "", "added", nil, head[p], omit))
		}
	}
	for _, p := range removed {
		if !gone[p] {
			out = append(out, fileDiff(p, "", "removed", base[p], nil, omit))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Filename < out[j].Filename })
	return out
}

func fileDiff(path, previous, status string, old, cur []byte, omit map[string]bool) PullFile {
	f := PullFile{Filename: path, PreviousFilename: previous, Status: status}
	if isBinary(old) || isBinary(cur) {
		return f
	}
	patch, add, del := gitdiff.Patch(old, cur)
	f.Additions, f.Deletions = add, del
	if omit[path] || strings.Count(patch, "\n")+1 > MaxPatchLines || len(patch) > MaxPatchBytes {
		return f
	}
	f.Patch = patch
	return f
}

func isBinary(b []byte) bool {
	return bytes.IndexByte(b[:min(len(b), binarySniffLen)], 0) >= 0
}

// detectRenames pairs removed with added files the way git does by
// default: identical contents first, then the most similar pairs scoring
// at least renameThreshold. It returns new path → old path.
func detectRenames(base, head map[string][]byte, removed, added []string) map[string]string {
	out := map[string]string{}
	usedOld := map[string]bool{}
	for _, n := range added {
		for _, o := range removed {
			if !usedOld[o] && bytes.Equal(base[o], head[n]) {
				out[n], usedOld[o] = o, true
				break
			}
		}
	}
	type pair struct {
		score    int
		old, new string
	}
	var pairs []pair
	for _, n := range added {
		if _, ok := out[n]; ok || isBinary(head[n]) {
			continue
		}
		for _, o := range removed {
			if usedOld[o] || isBinary(base[o]) {
				continue
			}
			if s := similarity(base[o], head[n]); s >= renameThreshold {
				pairs = append(pairs, pair{s, o, n})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].score > pairs[j].score })
	for _, p := range pairs {
		if _, ok := out[p.new]; ok || usedOld[p.old] {
			continue
		}
		out[p.new], usedOld[p.old] = p.old, true
	}
	return out
}

// similarity is git's rename score in spirit: the share (0-100) of the
// larger file made of lines the other file also has.
func similarity(old, cur []byte) int {
	if len(old) == 0 && len(cur) == 0 {
		return 100
	}
	have := map[string]int{}
	for _, l := range gitdiff.SplitLines(cur) {
		have[l]++
	}
	copied := 0
	for _, l := range gitdiff.SplitLines(old) {
		if have[l] > 0 {
			have[l]--
			copied += len(l)
		}
	}
	return copied * 100 / max(len(old), len(cur))
}

// splitLines cuts b into lines that keep their "\n", so that a last line
// without one differs from the same text with one, as in git.
