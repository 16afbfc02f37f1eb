// Package envfile reads dotenv files (.env, .env.example) the way
// python-decouple and django-environ do: KEY=value lines, optional `export `,
// one pair of surrounding quotes stripped, `#` comment lines skipped.
package envfile

import (
	"strings"
)

// Entry is one KEY=value line.
type Entry struct {
	Key   string
	Value string
	Line  int
	// Quoted is true when the value was in quotes.
	Quoted bool
}

// Parse reads every KEY=value line of a dotenv file; other lines are skipped,
// as the libraries skip them.
func Parse(data []byte) []Entry {
	var out []Entry
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.TrimSpace(key)
		if key == "" || strings.ContainsAny(key, " \t") {
			continue
		}
		val = strings.TrimSpace(val)
		quoted := false
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
			quoted = true
		} else if j := strings.Index(val, " #"); j >= 0 {
			// django-environ drops a trailing comment outside quotes.
			val = strings.TrimSpace(val[:j])
		}
		out = append(out, Entry{Key: key, Value: val, Line: i + 1, Quoted: quoted})
	}
	return out
}
