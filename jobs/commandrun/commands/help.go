package commands

import (
	"strings"
)

// Usage is how a command is written, e.g. "/djsec unignore RULE [PATH-GLOB]";
// "" for a name that is no command.
func Usage(n Name) string {
	s, ok := specFor(n)
	if !ok {
		return ""
	}
	return "/djsec " + usageOf(s)
}

func usageOf(s spec) string {
	if s.args == "" {
		return string(s.name)
	}
	return string(s.name) + " " + s.args
}

// HelpMarkdown is the answer to /djsec help, and the tail of every reply to
// a command djsec could not read: every command with what it does, who may
// run it and an example.
func HelpMarkdown() string {
	var b strings.Builder
	b.WriteString("**djsec commands.** Write each on a line of its own in a comment on a pull request or on the djsec audit issue, " +
		"outside code blocks and quotes. Names are case-insensitive; up to " + itoa(MaxCommands) + " commands in one comment run in order.\n\n")
	b.WriteString("| Command | What it does | Who may run it | Example |\n")
	b.WriteString("| --- | --- | --- | --- |\n")
	for _, s := range specs {
		who := "anyone who can comment"
		if s.mutating {
			who = "write access"
		}
		b.WriteString("| " + codeSpan(usageOf(s)) + " | " + s.summary + " | " + who + " | " + codeSpan(s.example) + " |\n")
	}
	b.WriteString("\nWrite access means the write, maintain or admin permission on the repository; " +
		"`commands.allowed_users` and `commands.allowed_teams` in `.github/djsec.yml` can narrow it further. " +
		"RULE is a rule ID such as `DJS201` or its slug such as `debug-enabled`. " +
		"Quote an argument that holds spaces: `\"docs/**/*.py\"`.\n")
	return b.String()
}
