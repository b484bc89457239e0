package flows

import (
	"context"
	"time"
)

// digestStore is the digests part's store: the kernel's (5), the teams
// a weekly round goes through (teamLister, 1), what a digest is built
// from (DigestSource: with the kernel's, the members, the cases and the
// coded answers, 3 more), the digests' records (3), the agreed actions a
// digest counts (actionLister, 1) and the outcome records its outcome
// section counts (outcomeLister, 1): 14 in all. Answers' codes
// are written by themes' coding (CodingStore), never here.
type digestStore interface {
	kernelStore
	teamLister
	DigestSource
	digestRecords
	actionLister
	outcomeLister
}

// digests builds a team's digests, on demand and weekly, records and owes
// them, and seeds a learning session with a digest theme's quotes or an
// outcome meeting's lines; and the Home tab's digest headline. It holds
// its store only as a digestStore.
type digests struct {
	*kernel
	st digestStore
}

// digestsOn is the digests part over s, one step's Store.
func (e *Engine) digestsOn(s Store) *digests { return &digests{kernel: e.kernel, st: s} }

// digestRecords keeps the record of each digest made.
type digestRecords interface {
	// RecordDigest stores a digest's record and returns it with its ID. A
	// record with a WeekKey the team already has is not stored again:
	// RecordDigest returns ErrConflict, so a weekly digest is made once
	// however many instances try.
	RecordDigest(ctx context.Context, d DigestRecord) (DigestRecord, error)
	// MarkDigestPosted records where and when a digest was posted. It
	// returns ErrNotFound if there is no such record.
	MarkDigestPosted(ctx context.Context, id int64, channel, messageID string, at time.Time) error
	// ListDigests returns the team's digest records, oldest first (every
	// team's when teamID is empty).
	ListDigests(ctx context.Context, teamID string) ([]DigestRecord, error)
}

// outcomeReportSource is what an outcome report reads: the team (for its
// timezone), its outcome records, and its coded answers (the stories
// beside them).
type outcomeReportSource interface {
	GetTeam(ctx context.Context, id string) (Team, error)
	outcomeLister
	AnswerLister
}

// outcomeReports builds outcome reports, for the outcomes part and for a
// digest's outcome section (the digests part), over only what a report
// reads.
type outcomeReports struct {
	*kernel
	st outcomeReportSource
}

// reports is the outcome reports over the outcomes part's store.
func (oc *outcomes) reports() *outcomeReports { return &outcomeReports{kernel: oc.kernel, st: oc.st} }

// reports is the outcome reports over the digests part's store.
func (dg *digests) reports() *outcomeReports { return &outcomeReports{kernel: dg.kernel, st: dg.st} }
