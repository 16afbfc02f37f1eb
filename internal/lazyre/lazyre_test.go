package lazyre

import "testing"

func TestNew(t *testing.T) {
	t.Parallel()
	re := New(`^a+$`)
	first, second := re(), re()
	if first != second {
		t.Error("the pattern is compiled more than once")
	}
	if !re().MatchString("aaa") || re().MatchString("ab") {
		t.Error("the compiled pattern does not match as written")
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid pattern did not panic at first use")
		}
	}()
	bad := New(`(`)
	bad()
}
