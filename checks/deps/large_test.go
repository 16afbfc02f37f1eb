package deps

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseAllLargeManifests guards against quadratic work on big inputs
// (string concatenation of continuation lines, per-dependency searches of
// a whole TOML file): these took minutes before and take milliseconds now.
func TestParseAllLargeManifests(t *testing.T) {
	t.Parallel()
	const size = MaxFileSize / 4
	var toml strings.Builder
	toml.WriteString("[project]\ndependencies = [\n")
	n := 0
	for ; toml.Len() < size/2; n++ {
		fmt.Fprintf(&toml, "\"p%d==1\",\n", n)
	}
	toml.WriteString("]\n[tool.poetry.dependencies]\n")
	for i := 0; toml.Len() < size; i, n = i+1, n+1 {
		fmt.Fprintf(&toml, "q%d = \"1\"\n", i)
	}
	var cont strings.Builder
	for i := 0; cont.Len() < size; i++ {
		fmt.Fprintf(&cont, "p%d==1 \\\n", i)
	}
	reqs, errs := ParseAll(map[string][]byte{"pyproject.toml": []byte(toml.String()), "requirements.txt": []byte(cont.String())})
	if len(reqs) != n || reqs[n-1].Line <= 1 {
		t.Errorf("got %d requirements (last %+v), want %d placed ones", len(reqs), reqs[len(reqs)-1], n)
	}
	if errs["requirements.txt"] == nil {
		t.Error("one continued line of many requirements should be an error")
	}
}
