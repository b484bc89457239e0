// Package delivery is the transport-neutral delivery machinery: what turns
// a chat platform's requests into engine steps exactly once, in order, and
// the engine's replies into the platform's calls, whatever fails.
//
//   - The inbox: each verified request is recorded (Service.Accept) before
//     the platform acknowledges it, in commits shared by the requests
//     arriving together (groupcommit.go); a retried request is known by
//     its id and acknowledged without being done again.
//   - Runners and jobs: a new delivery is processed at once in the process
//     that recorded it (runners.go), under its ordering key's lock, in this
//     process (keylock.go) and across instances (Locker); what a runner
//     cannot finish goes to River (jobs.go), and the sweep takes up
//     anything left by a process that died.
//   - The outbox: a delivery's step, the messages it owes and the mark that
//     it was processed commit together (process.go); the messages are then
//     sent in order by the delivery's platform, each removed once sent.
//   - Waits: a platform's pace, a 429's Retry-After or a failing
//     platform's backoff (pacer.go, on Limits shared through the database)
//     end the round with a *RetryLater, and a wake-up on the injected clock
//     hands the round on when it is due (wake.go).
//   - Periodic engine steps (check-ins, quiet threads, digests, session
//     timers, retention, coding) and the records of their replies
//     (scheduled.go, periodic.go).
//
// A platform plugs in with Service.Register and the Platform interface:
// prepare a delivery outside the transaction, run its step inside it,
// render a scheduled step's replies, send what is owed. The package knows
// nothing of Slack or Teams payloads.
package delivery
