package repo

import (
	"context"
	"errors"

	"github.com/djsec/djsec/checks"
)

// MaxConfigSize bounds .github/djsec.yml. Four readers had three limits:
// the check run, the fix-up and the audit read it as any file (1 MiB), the
// commands 256 KiB. The strictest holds: a configuration is a few dozen
// lines, no test or document asks for a larger one, and every reader now
// refuses the same file.
const MaxConfigSize = 256 << 10

// ConfigTooLarge is the *UnreadableError message of a configuration over
// MaxConfigSize, to follow "the file is".
const ConfigTooLarge = "larger than 256 KiB; djsec does not read it"

// Config is the repository's .github/djsec.yml at one ref.
type Config struct {
	// Ref is the branch or commit it was read at.
	Ref string
	// Data is the file's bytes; nil when there is none.
	Data []byte
}

// Found reports whether the ref has the file.
func (c Config) Found() bool { return c.Data != nil }

// Parse is the configuration in force: the file's, or the defaults when
// there is none (a file with problems keeps the defaults of the settings
// in question, and errs lists them).
func (c Config) Parse() (*checks.Config, []checks.ConfigError) {
	if !c.Found() {
		return checks.DefaultConfig(), nil
	}
	return checks.ParseConfig(checks.ConfigPath, c.Data)
}

// Source names where the configuration comes from: "defaults", or
// .github/djsec.yml@ref.
func (c Config) Source() string {
	if !c.Found() {
		return "defaults"
	}
	return checks.ConfigPath + "@" + c.Ref
}

// Config reads .github/djsec.yml at ref (a pull request's base branch,
// the default branch; never a pull request's head, which could loosen the
// rules it is judged by), once per Repo and ref, always through the ETag
// cache: unchanged since the last job, GitHub's 304 costs nothing. No file
// is a Config with nil Data; a file over MaxConfigSize is an
// *UnreadableError.
func (r *Repo) Config(ctx context.Context, ref string) (Config, error) {
	r.mu.Lock()
	m, ok := r.configs[ref]
	r.mu.Unlock()
	if ok {
		return m.c, m.err
	}
	data, err := r.raw(ctx, ref, checks.ConfigPath, MaxConfigSize, ConfigTooLarge)
	_, unreadable := Unreadable(err)
	switch {
	case errors.Is(err, ErrNotFound):
		data, err = nil, nil
	case unreadable:
		// Remembered too: it stays as large for the rest of the job.
	case err != nil:
		return Config{}, err
	case data == nil:
		data = []byte{}
	}
	m = configRead{c: Config{Ref: ref, Data: data}, err: err}
	if unreadable {
		m.c = Config{}
	}
	r.mu.Lock()
	r.configs[ref] = m
	r.mu.Unlock()
	return m.c, m.err
}

// configRead is one Config answer, remembered for the Repo's job.
type configRead struct {
	c   Config
	err error
}
