package store

import "testing"

// The runner applies every step above the highest version applied, so a
// gap filled later would never run on a database that already has the
// steps after it: versions must count 1, 2, 3 … with no gap.
func TestMigrationVersionsContiguous(t *testing.T) {
	t.Parallel()
	for i, m := range migrations {
		if m.version != i+1 {
			t.Fatalf("migration %q has version %d at position %d, want %d", m.name, m.version, i, i+1)
		}
		if m.sqlite == "" || m.postgres == "" {
			t.Errorf("migration %d (%s) lacks the SQLite or the Postgres statement", m.version, m.name)
		}
	}
}
