package server

import "testing"

func TestLocalAddr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"0.0.0.0:3000", "127.0.0.1:3000"},
		{"[::]:3000", "[::1]:3000"},
		{"127.0.0.1:4000", "127.0.0.1:4000"},
		{"192.168.1.5:3000", "192.168.1.5:3000"},
		{"localhost:3000", "localhost:3000"},
	} {
		if got := localAddr(tt.in); got != tt.want {
			t.Errorf("localAddr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
