package checks

import (
	"context"
	"sync/atomic"
)

// Comparison is a pull request's two sides analyzed: the findings at head
// and at base, and the settings head weakened.
type Comparison struct {
	Head, Base *Result
	Weakened   []Weakening
}

// Compare analyzes base and head and lists the settings head weakened,
// reading each side into a Project once: the rules and the weakening
// comparison share it. renamed maps base paths to head paths for files the
// pull request renamed, so that a settings module keeps its identity
// across the move (see Weakened); the base is analyzed at its own paths.
func Compare(ctx context.Context, base, head Input, renamed map[string]string) *Comparison {
	hp, bp := NewProject(head), NewProject(base)
	return &Comparison{
		Head:     analyze(ctx, hp, head),
		Base:     analyze(ctx, bp, base),
		Weakened: weakened(ctx, bp, hp, renamed),
	}
}

// projectHook, when set, sees every Input NewProject reads.
var projectHook atomic.Pointer[func(Input)]

// OnNewProject makes f see every Input NewProject reads, until the
// returned function is called. It exists for tests that count how often a
// side is parsed; production code never sets it.
func OnNewProject(f func(Input)) (stop func()) {
	projectHook.Store(&f)
	return func() { projectHook.Store(nil) }
}
