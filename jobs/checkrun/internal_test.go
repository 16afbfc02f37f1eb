package checkrun

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/djsec/djsec/jobs/checkrun/review"
)

func TestExternalID(t *testing.T) {
	t.Parallel()
	head := strings.Repeat("a", 40)
	got := externalID(head, "0123456789ab", "v1.2.3+deadbeef")
	if got != "djsec:v1:"+head+":0123456789ab:v1.2.3+deadbeef" {
		t.Errorf("externalID = %q", got)
	}
	long := externalID(head, "0123456789ab", "v1.2.3-0.20250101000000-abcdef123456+dirty+deadbeef")
	if len(long) > 100 || !strings.HasPrefix(long, "djsec:v1:"+head+":0123456789ab:") {
		t.Errorf("long rules version: %q (%d bytes)", long, len(long))
	}
	if externalID(head, "0123456789ab", "x") == externalID(head, "0123456789ac", "x") {
		t.Error("different inputs, same external_id")
	}
}

func TestConfigHash(t *testing.T) {
	t.Parallel()
	defaults := configState{}
	file := configState{data: []byte("fail_on: high\n")}
	empty := configState{data: []byte{}}
	hashes := map[string]string{
		"defaults@main": defaults.hash("main"),
		"defaults@dev":  defaults.hash("dev"),
		"file@main":     file.hash("main"),
		"empty@main":    empty.hash("main"),
	}
	seen := map[string]string{}
	for k, h := range hashes {
		if len(h) != 12 {
			t.Errorf("%s: hash %q", k, h)
		}
		if other, dup := seen[h]; dup {
			t.Errorf("%s and %s hash alike", k, other)
		}
		seen[h] = k
	}
	if defaults.hash("main") != (configState{}).hash("main") {
		t.Error("hash not stable")
	}
}

func TestWebURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                   "https://github.com",
		"https://api.github.com":             "https://github.com",
		"https://api.github.com/":            "https://github.com",
		"https://ghe.example.com/api/v3":     "https://ghe.example.com",
		"https://ghe.example.com/api/v3/":    "https://ghe.example.com",
		"http://127.0.0.1:4321":              "http://127.0.0.1:4321",
		"https://github.example.com/gh/api/": "https://github.example.com/gh/api",
		// GHE.com (data residency): the API is api.SUBDOMAIN.ghe.com, the
		// pages SUBDOMAIN.ghe.com; links at the API host answer JSON 404s.
		"https://api.acme.ghe.com":      "https://acme.ghe.com",
		"https://api.acme.ghe.com/":     "https://acme.ghe.com",
		"https://API.Acme.GHE.com":      "https://Acme.GHE.com",
		"https://api.octo-corp.ghe.com": "https://octo-corp.ghe.com",
		// Not GHE.com: only the api. prefix under ghe.com is the API host.
		"https://ghe.com.example.org/api/v3": "https://ghe.com.example.org",
		"https://api.example.com":            "https://api.example.com",
		"http://ghes.local:8080/api/v3":      "http://ghes.local:8080",
	} {
		if got := WebURL(in); got != want {
			t.Errorf("WebURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRulesVersion(t *testing.T) {
	t.Parallel()
	a, b := RulesVersion(""), RulesVersion("devel")
	if a != b || !strings.HasPrefix(a, "devel+") || len(a) != len("devel+")+8 {
		t.Errorf("RulesVersion = %q, %q", a, b)
	}
	if v := RulesVersion("v1.4.0"); !strings.HasPrefix(v, "v1.4.0+") || strings.TrimPrefix(v, "v1.4.0+") != strings.TrimPrefix(a, "devel+") {
		t.Errorf("RulesVersion(v1.4.0) = %q", v)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("é", 10) // 20 bytes
	for n := 0; n <= 21; n++ {
		got := truncate(s, n)
		if len(got) > n || !utf8.ValidString(got) || len(got) < n-1 {
			t.Errorf("truncate(%d) = %q (%d bytes)", n, got, len(got))
		}
	}
}

func TestAnnotationColumns(t *testing.T) {
	t.Parallel()
	one := annotation(review.Annotation{Path: "a.py", StartLine: 3, EndLine: 3, StartColumn: 1, EndColumn: 9, Level: review.Failure, Title: "T", Message: "M"})
	if one.StartColumn == nil || *one.StartColumn != 1 || *one.EndColumn != 9 || *one.AnnotationLevel != "failure" {
		t.Errorf("single line: %+v", one)
	}
	multi := annotation(review.Annotation{Path: "a.py", StartLine: 3, EndLine: 5, StartColumn: 1, EndColumn: 9, Level: review.Notice, Message: "M"})
	if multi.StartColumn != nil || multi.EndColumn != nil || multi.Title != nil || *multi.EndLine != 5 {
		t.Errorf("multi-line: %+v", multi)
	}
	noEnd := annotation(review.Annotation{Path: "a.py", StartLine: 7, Level: review.Warning, Message: "M"})
	if *noEnd.EndLine != 7 {
		t.Errorf("no end line: end %d", *noEnd.EndLine)
	}
}

func TestImportGroups(t *testing.T) {
	t.Parallel()
	f := &fetcher{
		head: map[string][]byte{
			"mysite/settings/production.py": []byte("from .base import *\ntry:\n    from .local import *\nexcept ImportError:\n    pass\n"),
		},
		base: map[string][]byte{},
	}
	got := f.importGroups(map[string]bool{}, map[string]bool{})
	want := [][]string{
		{"mysite/settings/base.py", "mysite/settings/base/__init__.py"},
		{"mysite/settings/local.py", "mysite/settings/local/__init__.py"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups %q, want %q", got, want)
	}
	// A module the pull request changes, or one read already, is at hand.
	got = f.importGroups(map[string]bool{"mysite/settings/base.py": true}, map[string]bool{"mysite/settings/local.py": true})
	if !reflect.DeepEqual(got, [][]string{{"mysite/settings/local/__init__.py"}}) {
		t.Errorf("groups with base.py changed and local.py tried: %q", got)
	}
}
