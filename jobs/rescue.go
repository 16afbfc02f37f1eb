package jobs

import "time"

// RescueAfter is when a job left "running" by a process that died is handed
// to another worker, for jobs cancelled after jobTimeout: 2.5 times it
// (DefaultRescueAfter for DefaultJobTimeout), so that a live job, which
// its timeout ends first, is never run twice. Leases that guard a job's
// work (a commit's check run) last as long.
func RescueAfter(jobTimeout time.Duration) time.Duration {
	return jobTimeout * 5 / 2
}
