// Package md makes text that came from users — file paths from a fork,
// ignore reasons, branch names, rule arguments — inert in the Markdown
// djsec writes to GitHub: no formatting, links, HTML, headings, table
// breaks or mentions. Every surface (check run summary, fix-up pull
// request and review, audit issue, command replies) goes through it.
package md

import (
	"net/url"
	"strings"
)

// zwj sits between @ and a name so GitHub shows "@team" but notifies
// nobody, as other bots quoting user text do.
const zwj = "\u200d"

var textEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "~", `\~`, "|", `\|`,
	"#", `\#`, "!", `\!`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
	"@", "@"+zwj,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// Text is s as plain text on one line, safe inside a paragraph, a list
// item or a table cell.
func Text(s string) string { return textEscaper.Replace(s) }

// Code is s in a code span: shown as written (a path keeps its
// underscores), on one line, with a fence longer than any run of
// backticks inside so it cannot be closed early. GitHub never turns a
// mention inside a code span into a notification.
func Code(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
	if strings.TrimSpace(s) == "" {
		return "` `"
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		// CommonMark strips one space on each side: pad so that the
		// content, backticks at its ends included, shows as written.
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// CodeCell is Code inside a table cell, where a | would end the column
// even inside a code span (GitHub's tables split on it first).
func CodeCell(s string) string { return strings.ReplaceAll(Code(s), "|", `\|`) }

// Mention is a GitHub login named without notifying it.
func Mention(login string) string { return "@" + zwj + Text(login) }

// PathURL escapes each segment of a repository path for a URL, and the
// parentheses that would end a Markdown link.
func PathURL(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		s = url.PathEscape(s)
		segs[i] = strings.NewReplacer("(", "%28", ")", "%29").Replace(s)
	}
	return strings.Join(segs, "/")
}

// OutsideCode is body with its code spans removed: what GitHub renders as
// Markdown rather than as literal text. Tests of every surface use it to
// check that nothing hostile is left outside code.
func OutsideCode(body string) string {
	var b strings.Builder
	for i := 0; i < len(body); {
		if body[i] == '\\' && i+1 < len(body) {
			// An escaped backtick opens no code span.
			b.WriteString(body[i : i+2])
			i += 2
			continue
		}
		if body[i] != '`' {
			b.WriteByte(body[i])
			i++
			continue
		}
		n := 0
		for i+n < len(body) && body[i+n] == '`' {
			n++
		}
		fence := body[i : i+n]
		// The closing fence is the next run of exactly n backticks.
		j := i + n
		closed := -1
		for j < len(body) {
			k := strings.Index(body[j:], fence)
			if k < 0 {
				break
			}
			start := j + k
			end := start + n
			if (start == 0 || body[start-1] != '`') && (end >= len(body) || body[end] != '`') {
				closed = end
				break
			}
			j = end
			for j < len(body) && body[j] == '`' {
				j++
			}
		}
		if closed < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		i = closed
	}
	return b.String()
}
