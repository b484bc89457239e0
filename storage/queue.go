package storage

import (
	"context"
	"time"

	"whatmatters/inbox"
)

// QueueStats reads River's jobs by kind and state, the running jobs
// attempted before stuckBefore, and the outbox's depth and oldest message.
func (db *DB) QueueStats(ctx context.Context, stuckBefore time.Time) (inbox.QueueStats, error) {
	const doing = "reading the queues"
	qs := inbox.QueueStats{Jobs: map[[2]string]int{}, Stuck: map[string]int{}}
	rows, err := db.sql.QueryContext(ctx, `SELECT kind, state, count(*) FROM river_job GROUP BY kind, state`)
	if err != nil {
		return qs, wrap(doing, err)
	}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			rows.Close()
			return qs, wrap(doing, err)
		}
		qs.Jobs[[2]string{kind, state}] = n
	}
	rows.Close()
	stuck := `SELECT kind, count(*) FROM river_job WHERE state = 'running' AND attempted_at < $1 GROUP BY kind`
	var before any = stuckBefore.UTC()
	if db.dialect == SQLite {
		// River keeps SQLite times as text; compare them as times.
		stuck = `SELECT kind, count(*) FROM river_job WHERE state = 'running' AND julianday(attempted_at) < julianday($1) GROUP BY kind`
		before = stuckBefore.UTC().Format("2006-01-02 15:04:05.000000")
	}
	rows, err = db.sql.QueryContext(ctx, stuck, before)
	if err != nil {
		return qs, wrap(doing, err)
	}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			rows.Close()
			return qs, wrap(doing, err)
		}
		qs.Stuck[kind] = n
	}
	rows.Close()
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM outbox`).Scan(&qs.Outbox); err != nil {
		return qs, wrap(doing, err)
	}
	if qs.Outbox > 0 {
		if err := db.sql.QueryRowContext(ctx, `SELECT created_at FROM outbox ORDER BY id LIMIT 1`).Scan(timeDest{&qs.OutboxOldest}); err != nil {
			return qs, wrap(doing, err)
		}
	}
	return qs, nil
}
