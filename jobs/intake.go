package jobs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/djsec/djsec/store"
)

// Group commit. Each delivery used to be its own transaction, and a
// transaction's cost is its commit (an fsync with SQLite's
// synchronous=FULL, a WAL flush on Postgres), not its two inserts: at
// 1,000 deliveries a second the commits queued behind SQLite's one writer,
// the requests waiting on them held their bodies, and memory and
// acknowledgement times grew together (issue 20, docs/BENCHMARKS.md). The
// intake gathers the deliveries that arrive while a commit runs and
// commits them together; each request is answered once its group is
// committed, so a 202 still means the job is durable.

// maxIntakeBatch bounds a group: enough to absorb a burst between two
// commits, small enough that one group's transaction stays short.
const maxIntakeBatch = 64

// intakeWriters is how many groups commit at once: one for SQLite, whose
// writers take turns anyway; a few for Postgres, which commits them in
// parallel.
func intakeWriters(d store.Dialect) int {
	if d == store.Postgres {
		return 4
	}
	return 1
}

// intakeRequest is one delivery waiting for its group's commit.
type intakeRequest struct {
	d    store.Delivery
	args Args
	done chan intakeResult
}

type intakeResult struct {
	jobID    int64
	inserted bool
	err      error
}

// intake runs the writers that commit groups of deliveries.
type intake struct {
	requests chan *intakeRequest
	// commit commits one group in one transaction, reporting each
	// request's outcome on its done channel; one, alone, commits a request
	// by itself (when its group failed).
	commit func(ctx context.Context, group []*intakeRequest) error
	one    func(ctx context.Context, d store.Delivery, args Args) (int64, bool, error)

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
	writers int
	// groups and grouped count the groups of more than one delivery
	// committed together, and the deliveries in them.
	groups, grouped atomic.Int64
}

// submit hands one delivery to the writers and waits for its group's
// commit. When the intake is stopped (the queue was stopped) it commits the
// delivery alone, as before group commit.
func (in *intake) submit(ctx context.Context, d store.Delivery, args Args) (int64, bool, error) {
	in.mu.Lock()
	if in.stopped {
		in.mu.Unlock()
		return in.one(ctx, d, args)
	}
	if !in.started {
		in.started = true
		for range in.writers {
			in.wg.Add(1)
			go in.write()
		}
	}
	in.mu.Unlock()
	r := &intakeRequest{d: d, args: args, done: make(chan intakeResult, 1)}
	select {
	case in.requests <- r:
	case <-in.stop:
		return in.one(ctx, d, args)
	case <-ctx.Done():
		return 0, false, ctx.Err()
	}
	// Once handed over the request is committed or failed by its writer,
	// whatever happens to ctx: a delivery answered 503 must not commit
	// later behind the caller's back, so the wait is for the writer.
	res := <-r.done
	return res.jobID, res.inserted, res.err
}

// write commits groups until the intake stops: it takes what is waiting
// (up to maxIntakeBatch) and commits it; what arrives meanwhile is the next
// group.
func (in *intake) write() {
	defer in.wg.Done()
	for {
		var first *intakeRequest
		select {
		case first = <-in.requests:
		case <-in.stop:
			// submit no longer hands requests over once stop is closed,
			// but one may have been handed over just before.
			for {
				select {
				case r := <-in.requests:
					in.commitGroup([]*intakeRequest{r})
				default:
					return
				}
			}
		}
		group := []*intakeRequest{first}
	gather:
		for len(group) < maxIntakeBatch {
			select {
			case r := <-in.requests:
				group = append(group, r)
			default:
				break gather
			}
		}
		in.commitGroup(group)
	}
}

// commitGroup commits group together; when that fails (a statement or the
// commit), each request is committed alone, so one bad delivery costs the
// others nothing but a second try.
func (in *intake) commitGroup(group []*intakeRequest) {
	// Not the requests' contexts: a committed group answers everyone.
	ctx := context.Background()
	if len(group) > 1 {
		if err := in.commit(ctx, group); err == nil {
			in.groups.Add(1)
			in.grouped.Add(int64(len(group)))
			return
		}
	}
	for _, r := range group {
		id, inserted, err := in.one(ctx, r.d, r.args)
		r.done <- intakeResult{jobID: id, inserted: inserted, err: err}
	}
}

// close stops the writers once the requests handed over are committed.
func (in *intake) close() {
	in.mu.Lock()
	if in.stopped {
		in.mu.Unlock()
		return
	}
	in.stopped = true
	close(in.stop)
	in.mu.Unlock()
	in.wg.Wait()
}

// enqueueGroup inserts each request's job and delivery row in one
// transaction, as enqueue does for one: a delivery seen before (earlier,
// or earlier in this very group) keeps the first copy's job, and its own
// is deleted before the commit. Outcomes are reported only after the
// commit; an error reports nothing, for the caller to retry each alone.
//
// Rows are locked in one order by every transaction — delivery rows by ID,
// then pull request heads by repository and number, as a single delivery
// does — or two groups on Postgres holding each other's rows deadlock.
func (b *riverBackend[TTx]) enqueueGroup(ctx context.Context, group []*intakeRequest) error {
	tx, q, commit, rollback, err := b.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer rollback() // a no-op after commit
	order := slices.Clone(group)
	slices.SortStableFunc(order, func(a, b *intakeRequest) int { return strings.Compare(a.d.ID, b.d.ID) })
	results := make(map[*intakeRequest]intakeResult, len(group))
	var heads []store.PRHead
	for _, r := range order {
		res, err := b.client.InsertTx(ctx, tx, r.args, nil)
		if err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		d := r.d
		d.JobID = res.Job.ID
		inserted, err := store.InsertDelivery(ctx, q, d)
		if err != nil {
			return err
		}
		if !inserted {
			if err := store.DeleteJob(ctx, q, res.Job.ID); err != nil {
				return err
			}
			continue
		}
		if hr, ok := r.args.(HeadRecorder); ok {
			if h, ok := hr.PRHead(); ok {
				heads = append(heads, h)
			}
		}
		results[r] = intakeResult{jobID: res.Job.ID, inserted: true}
	}
	slices.SortStableFunc(heads, func(a, b store.PRHead) int {
		return cmp.Or(cmp.Compare(a.RepoID, b.RepoID), cmp.Compare(a.Number, b.Number))
	})
	for _, h := range heads {
		if _, err := store.RecordPRHead(ctx, q, h); err != nil {
			return err
		}
	}
	if err := commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, r := range group {
		r.done <- results[r]
	}
	return nil
}
