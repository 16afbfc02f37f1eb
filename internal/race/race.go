//go:build race

// Package race tells tests whether the race detector is on: it makes
// programs several times slower and allocate about twice as much, so
// bounds on time and memory are scaled by it.
package race

// Enabled is true in a -race build.
const Enabled = true
