package servertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/djsec/djsec/githubapp"
	"github.com/djsec/djsec/jobs"
)

// record wraps every registered processor so that each attempt's outcome is
// kept by job ID (WaitJob, Attempts) and a Paused server holds its jobs. A
// kind nobody registered stays unwrapped: the server only logs it.
func (s *Server) record(r *jobs.Registry) {
	wrap[jobs.PullRequestArgs](s, r)
	wrap[jobs.CommentArgs](s, r)
	wrap[jobs.CheckRerunArgs](s, r)
	wrap[jobs.CheckActionArgs](s, r)
	wrap[jobs.PushArgs](s, r)
	wrap[jobs.InstallationArgs](s, r)
	wrap[jobs.AuditArgs](s, r)
	wrap[jobs.AuditSweepArgs](s, r)
	wrap[jobs.PruneArgs](s, r)
	wrap[jobs.FixupArgs](s, r)
	wrap[jobs.RedeliverArgs](s, r)
	wrap[jobs.MergeGroupArgs](s, r)
	wrap[jobs.IssueArgs](s, r)
}

func wrap[T jobs.Args](s *Server, r *jobs.Registry) {
	p := jobs.Lookup[T](r)
	if p == nil {
		return
	}
	var args T
	s.procs[args.Kind()] = p
	jobs.Register(r, jobs.ProcessorFunc[T](func(ctx context.Context, job jobs.Job[T]) error {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
		err := p.Process(ctx, job)
		s.mu.Lock()
		s.attempts[job.ID] = append(s.attempts[job.ID], err)
		if err != nil && (job.Attempt >= job.MaxAttempts || errors.Is(err, jobs.ErrPermanent) || githubapp.IsPermanent(err)) {
			s.final[job.ID] = true
		}
		s.mu.Unlock()
		return err
	}))
}

// Processor is the server's processor of T's kind as the server built it
// (not held by Paused, not recorded): a test calls it directly for an
// attempt no queue would make (a third crashed attempt, say).
func Processor[T jobs.Args](s *Server) jobs.Processor[T] {
	var args T
	p, _ := s.procs[args.Kind()].(jobs.Processor[T])
	return p
}

// JobOf is the ID of the job delivery queued (0: none yet, or none at all:
// a duplicate or an event the server ignores).
func (s *Server) JobOf(deliveryID string) int64 {
	s.mu.Lock()
	id, ok := s.jobOf[deliveryID]
	s.mu.Unlock()
	if ok {
		return id
	}
	d, err := s.DB().Delivery(context.Background(), deliveryID)
	if err != nil {
		return 0
	}
	s.mu.Lock()
	s.jobOf[deliveryID] = d.JobID
	s.mu.Unlock()
	return d.JobID
}

// Attempts are the outcomes of the attempts so far of delivery's job, in
// order (nil: success).
func (s *Server) Attempts(deliveryID string) []error {
	id := s.JobOf(deliveryID)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.attempts[id]...)
}

// WaitJob returns once delivery's job succeeded, with the errors of the
// attempts before (retried); it fails the test when the job fails for good
// or takes longer than 30 s.
func (s *Server) WaitJob(t testing.TB, deliveryID string) []error {
	t.Helper()
	var got []error
	deadline := time.Now().Add(30 * time.Second)
	for {
		got = s.Attempts(deliveryID)
		for i, err := range got {
			if err == nil {
				return got[:i]
			}
		}
		s.mu.Lock()
		final := s.final[s.jobOf[deliveryID]]
		s.mu.Unlock()
		if final {
			t.Fatalf("job of %s failed %d times: %v", deliveryID, len(got), got)
		}
		if time.Now().After(deadline) {
			t.Fatalf("job of %s did not finish within 30s (failed attempts: %v)", deliveryID, got)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// WaitAttempt returns the outcome of the first attempt of delivery's job.
func (s *Server) WaitAttempt(t testing.TB, deliveryID string) error {
	t.Helper()
	var got []error
	s.Wait(t, "the first attempt of the job of "+deliveryID, func() bool {
		got = s.Attempts(deliveryID)
		return len(got) > 0
	})
	return got[0]
}
