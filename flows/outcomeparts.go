package flows

// outcomeStore is the outcomes part's store: the kernel's, the cases an
// outcome record belongs to, the records (OutcomeStore, 3 methods) and
// the team's coded answers that an outcome report reads its stories from
// (AnswerLister, 1).
type outcomeStore interface {
	caseStore
	OutcomeStore
	AnswerLister
}

// outcomes keeps what happened for each case after a death and reports
// it beside the stories. It holds its store only as an outcomeStore.
type outcomes struct {
	*kernel
	st outcomeStore
}

// outcomesOn is the outcomes part over s, one step's Store.
func (e *Engine) outcomesOn(s Store) *outcomes { return &outcomes{kernel: e.kernel, st: s} }
