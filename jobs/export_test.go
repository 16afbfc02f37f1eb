package jobs

// IntakeGroups reports the groups of more than one delivery q committed
// together and the deliveries in them.
func IntakeGroups(q *Queue) (groups, deliveries int64) {
	return q.intake.groups.Load(), q.intake.grouped.Load()
}
