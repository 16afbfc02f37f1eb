package store

import (
	"context"
	"fmt"
	"time"
)

// Delivery is a webhook delivery that became a job.
type Delivery struct {
	ID           string // X-GitHub-Delivery
	Event        string // X-GitHub-Event
	Action       string
	Installation int64
	Repo         string // owner/name, "" for installation events
	JobID        int64
	ReceivedAt   time.Time
}

// InsertDelivery records d inside the caller's transaction q, the one that
// also inserts d's job. It reports false, and writes nothing, when a
// delivery with the same ID is already recorded: GitHub redelivered it (or
// two copies raced) and the caller must roll its job back.
func InsertDelivery(ctx context.Context, q Querier, d Delivery) (inserted bool, err error) {
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = now()
	}
	n, err := q.Exec(ctx, `INSERT INTO deliveries
		(delivery_id, event, action, installation_id, repo, job_id, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (delivery_id) DO NOTHING`,
		d.ID, d.Event, d.Action, d.Installation, d.Repo, d.JobID, d.ReceivedAt)
	if err != nil {
		return false, fmt.Errorf("insert delivery %s: %w", d.ID, err)
	}
	return n == 1, nil
}

// Delivery looks a delivery up by its ID; ErrNotFound when unknown.
func (db *DB) Delivery(ctx context.Context, id string) (Delivery, error) {
	d := Delivery{ID: id}
	err := db.Q().QueryRow(ctx, `SELECT event, action, installation_id, repo, job_id, received_at
		FROM deliveries WHERE delivery_id = ?`, id).
		Scan(&d.Event, &d.Action, &d.Installation, &d.Repo, &d.JobID, &d.ReceivedAt)
	if err != nil {
		return Delivery{}, fmt.Errorf("delivery %s: %w", id, err)
	}
	return d, nil
}

// CountDeliveries is the number of recorded deliveries.
func (db *DB) CountDeliveries(ctx context.Context) (int64, error) {
	var n int64
	if err := db.Q().QueryRow(ctx, "SELECT COUNT(*) FROM deliveries").Scan(&n); err != nil {
		return 0, fmt.Errorf("count deliveries: %w", err)
	}
	return n, nil
}

// PruneDeliveries forgets deliveries received before cutoff. GitHub
// redelivers for three days at most, so rows much older than that no longer
// guard anything.
func (db *DB) PruneDeliveries(ctx context.Context, cutoff time.Time) (int64, error) {
	n, err := db.Q().Exec(ctx, "DELETE FROM deliveries WHERE received_at < ?", cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	return n, nil
}

// JobCounts counts the jobs that have not finished, by River state
// (available, scheduled, retryable, running, pending), for the queue depth
// metric.
func (db *DB) JobCounts(ctx context.Context) (map[string]int64, error) {
	rows, err := db.Q().Query(ctx, `SELECT state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending')
		GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	counts := map[string]int64{"available": 0, "scheduled": 0, "retryable": 0, "running": 0}
	for rows.Next() {
		var state string
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count jobs: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}

// DeleteJob deletes a job row inserted in the transaction q: the job of a
// delivery that turned out to be a duplicate, when several deliveries
// share one transaction and rolling it back would take the others too.
func DeleteJob(ctx context.Context, q Querier, jobID int64) error {
	if _, err := q.Exec(ctx, "DELETE FROM river_job WHERE id = ?", jobID); err != nil {
		return fmt.Errorf("delete job %d: %w", jobID, err)
	}
	return nil
}
