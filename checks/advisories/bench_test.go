package advisories

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/djsec/djsec/checks/deps"
)

// BenchmarkLoad is the start-up cost of the bundled data (issue 8: at most
// 20 ms and 20 MB): indexing the embedded literal and compiling every
// package's ranges, which a real audit does only for the packages it meets.
//
//	go test ./checks/advisories -run '^$' -bench . -benchmem
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		loadAll()
	}
}

// loadAll indexes the bundle and compiles every package in it.
func loadAll() *DB {
	db := New(&bundledData)
	for _, name := range db.Packages() {
		db.entries(name)
	}
	return db
}

// benchDeps are 500 pinned dependencies: every bundled package at several
// versions (affected and not), Django across its series, and packages
// without records, as a large lock file would list them.
func benchDeps(db *DB) (names []string, versions []deps.Version) {
	pkgs := db.Packages()
	for i := 0; len(names) < 500; i++ {
		switch i % 4 {
		case 0:
			names = append(names, "django")
			versions = append(versions, deps.MustParseVersion(fmt.Sprintf("%d.%d.%d", 3+i%4, i%3, i%31)))
		case 1:
			names = append(names, fmt.Sprintf("unlisted-package-%d", i))
			versions = append(versions, deps.MustParseVersion("1.0.0"))
		default:
			names = append(names, pkgs[i%len(pkgs)])
			versions = append(versions, deps.MustParseVersion(fmt.Sprintf("%d.%d", i%12, i%7)))
		}
	}
	return names, versions
}

// BenchmarkMatch500 matches 500 dependencies against the whole bundle and
// works out the smallest safe upgrade of each affected one, as DJS1002
// does (issue 8: at most 10 ms).
func BenchmarkMatch500(b *testing.B) {
	db := Bundled()
	names, versions := benchDeps(db)
	b.ReportAllocs()
	for b.Loop() {
		hits := 0
		for i, name := range names {
			if vs := db.Match(name, versions[i]); len(vs) > 0 {
				hits++
				db.Upgrade(name, versions[i])
			}
		}
		if hits == 0 {
			b.Fatal("no dependency matched")
		}
	}
}

// TestLoadMemory keeps the bundle's load within its 20 MB budget (bytes
// allocated while loading, an upper limit of what stays live).
func TestLoadMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	db := loadAll()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(db)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 20<<20 {
		t.Errorf("loading the bundle allocated %d bytes, over the 20 MB budget", alloc)
	} else {
		t.Logf("loading the bundle allocated %.1f MB", float64(alloc)/(1<<20))
	}
}
