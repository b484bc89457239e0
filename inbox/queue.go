package inbox

import "time"

// QueueStats is how much work waits in the database, for /metrics: the
// job queue's jobs, those stuck, and the outbox.
type QueueStats struct {
	Jobs         map[[2]string]int // jobs by kind and state
	Stuck        map[string]int    // running jobs attempted before the given time, by kind
	Outbox       int               // replies owed to the chat platform
	OutboxOldest time.Time         // when the oldest was owed; zero when none
}
