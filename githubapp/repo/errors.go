package repo

import (
	"errors"
	"fmt"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/internal/jobctx"
)

// Error classes callers branch on.
var (
	// ErrNotFound: GitHub answered 404 (a file, a pull request, a tree,
	// a repository). errors.Is finds it in an *Error.
	ErrNotFound = errors.New("not found on GitHub")
	// ErrBadFullName: a repository name that is not owner/name.
	ErrBadFullName = errors.New("not owner/name")
)

// Error is a GitHub call that failed: Op says what was asked.
type Error struct {
	Op  string
	Err error
}

// Wrap makes err, from the GitHub call op, an *Error (nil stays nil). Jobs
// use it for their own calls too (check runs, issues, comments), so that
// every GitHub failure is classified the same way.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Err: err}
}

func (e *Error) Error() string {
	if why, ok := githubapp.Permanent(e.Err); ok {
		return fmt.Sprintf("%s: %s: %v: %v", e.Op, why, jobctx.ErrPermanent, e.Err)
	}
	return e.Op + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Permanent says whether the failure is one of GitHub's permanent
// refusals (githubapp.Permanent: an archived repository, issues turned
// off, a repository or installation gone), which no retry changes.
func (e *Error) Permanent() (githubapp.Refusal, bool) { return githubapp.Permanent(e.Err) }

// Is makes errors.Is(err, jobctx.ErrPermanent) true for a permanent refusal
// (the queue then ends the job at once) and errors.Is(err, ErrNotFound)
// true for a 404.
func (e *Error) Is(target error) bool {
	switch target {
	case jobctx.ErrPermanent:
		_, ok := e.Permanent()
		return ok
	case ErrNotFound:
		return githubapp.NotFound(e.Err)
	}
	return false
}

// UnreadableError is a file djsec does not read: too large, not text, or
// a name that is no path inside the repository. The message is the file
// error a person is shown.
type UnreadableError struct {
	Path string
	Msg  string
}

func (e *UnreadableError) Error() string { return e.Msg }

// Unreadable reports whether err is an *UnreadableError, and its message.
func Unreadable(err error) (string, bool) {
	var u *UnreadableError
	if errors.As(err, &u) {
		return u.Msg, true
	}
	return "", false
}
