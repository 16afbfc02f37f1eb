package advisories

import "github.com/djsec/djsec/checks/deps"

// vkey packs the common versions (epoch 0, at most four release numbers,
// every number below 65536, no local label) into two integers that sort
// exactly as deps.Compare does, so matching compares integers instead of
// walking Version structs: DJS1002 checks hundreds of dependencies against
// hundreds of ranges each. ok is false for anything else, which falls back
// to deps.Compare.
type vkey struct {
	rel, tail uint64
	ok        bool
}

func keyOf(v deps.Version) vkey {
	if v.Epoch != 0 || len(v.Local) > 0 {
		return vkey{}
	}
	var rel uint64
	for i := range 4 {
		n := v.Part(i)
		if n < 0 || n > 0xffff {
			return vkey{}
		}
		rel = rel<<16 | uint64(n)
	}
	for i := 4; i < len(v.Release); i++ {
		if v.Release[i] != 0 {
			return vkey{}
		}
	}
	if v.Pre < 0 || v.Pre > 0xffff || v.Post < 0 || v.Post > 0xffff || v.Dev < 0 || v.Dev > 0xffff {
		return vkey{}
	}
	// The order of deps.Compare after the release: the pre-release phase
	// (a bare dev release first, a final or post release last), its
	// number, then no post release before any, then any dev release
	// before none.
	var rank, pre uint64
	switch {
	case v.PreKind == "" && !v.HasPost && v.HasDev:
		rank = 0
	case v.PreKind == "a":
		rank, pre = 1, uint64(v.Pre)
	case v.PreKind == "b":
		rank, pre = 2, uint64(v.Pre)
	case v.PreKind == "rc":
		rank, pre = 3, uint64(v.Pre)
	default:
		rank = 4
	}
	tail := rank<<60 | pre<<40
	if v.HasPost {
		tail |= 1<<39 | uint64(v.Post)<<20
	}
	if !v.HasDev {
		tail |= 1 << 19
	} else {
		tail |= uint64(v.Dev)
	}
	return vkey{rel: rel, tail: tail, ok: true}
}

// compareKeyed is deps.Compare(a, b), through the keys when both have one.
func compareKeyed(a *deps.Version, ak vkey, b *deps.Version, bk vkey) int {
	if ak.ok && bk.ok {
		switch {
		case ak.rel < bk.rel:
			return -1
		case ak.rel > bk.rel:
			return 1
		case ak.tail < bk.tail:
			return -1
		case ak.tail > bk.tail:
			return 1
		}
		return 0
	}
	return deps.Compare(*a, *b)
}
