package flows

import (
	"context"
)

// Store keeps the domain's records. Implementations must be safe for
// concurrent use. Every time a Store returns is in UTC.
type Store interface {
	GovernanceStore
	ThemeStore
	SessionStore
	OutcomeStore

	// InTx runs fn with a Store bound to one transaction, committing when fn
	// returns nil and rolling back otherwise. Calls on the Store passed to fn
	// see each other's writes. A call to InTx on that Store runs fn in the
	// same transaction.
	InTx(ctx context.Context, fn func(Store) error) error

	kernelStore
	teamLister
	teamUpdater
	memberLister

	caseStore

	reflectionRows
	reflectionLister
	idleLister
	answerRows
	answerEdits
	teamAnswers

	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}
