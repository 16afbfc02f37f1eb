package githubtest

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiffTrees(t *testing.T) {
	t.Parallel()
	settings := strings.Repeat("A = 1\n", 20) + "DEBUG = False\n"
	big := strings.Repeat("x = 1\n", MaxPatchLines+10)
	base := map[string][]byte{
		"mysite/settings.py": []byte(settings),
		"old/prod.py":        []byte(settings),
		"move/me.py":         []byte(settings + "B = 2\n"),
		"gone.py":            []byte("G = 1\n"),
		"logo.png":           []byte("\x89PNG\x00\x01"),
		"big.py":             []byte("y = 2\n"),
		"secret.py":          []byte("S = 1\n"),
	}
	head := map[string][]byte{
		"mysite/settings.py": []byte(strings.Replace(settings, "False", "True", 1)),
		"new/prod.py":        []byte(settings),
		"moved/me.py":        []byte(settings + "B = 3\n"),
		"logo.png":           []byte("\x89PNG\x00\x02"),
		"big.py":             []byte(big),
		"secret.py":          []byte("S = 2\n"),
		"empty.py":           nil,
	}
	got := diffTrees(base, head, map[string]bool{"secret.py": true})
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s %s<-%q +%d -%d patch:%v", f.Status, f.Filename, f.PreviousFilename, f.Additions, f.Deletions, f.Patch != ""))
	}
	want := []string{
		`modified big.py<-"" +3010 -1 patch:false`, // over MaxPatchLines: counted, no patch
		`added empty.py<-"" +0 -0 patch:false`,
		`removed gone.py<-"" +0 -1 patch:true`,
		`modified logo.png<-"" +0 -0 patch:false`, // binary
		`renamed moved/me.py<-"move/me.py" +1 -1 patch:true`,
		`modified mysite/settings.py<-"" +1 -1 patch:true`,
		`renamed new/prod.py<-"old/prod.py" +0 -0 patch:false`, // a pure rename has no patch
		`modified secret.py<-"" +1 -1 patch:false`,             // OmitPatch
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if p := got[5].Patch; p != "@@ -18,4 +18,4 @@ A = 1\n A = 1\n A = 1\n A = 1\n-DEBUG = False\n+DEBUG = True" {
		t.Errorf("settings patch %q", p)
	}
	// Below 50% alike, a move is a removal and an addition.
	files := diffTrees(map[string][]byte{"a.py": []byte("1\n2\n3\n4\n")}, map[string][]byte{"b.py": []byte("1\n5\n6\n7\n")}, nil)
	if len(files) != 2 || files[0].Status != "removed" || files[1].Status != "added" {
		t.Errorf("dissimilar move: %+v", files)
	}
}
