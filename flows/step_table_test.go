package flows

import (
	"slices"
	"testing"
)

// Every button name an adapter routes to Act is in the table, and the
// table's names are the engine's action constants: the list adapters build
// their routes from (ActActions) is the one Act dispatches by.
func TestActActionsAreActsTable(t *testing.T) {
	want := []string{ActionCancel, ActionDone, ActionForgetMe, ActionNext, ActionSessionEnd, ActionSessionMore,
		ActionSessionNext, ActionSessionPause, ActionSessionResume, ActionSessionStart, ActionSkip, ActionWithdraw}
	slices.Sort(want)
	if got := ActActions(); !slices.Equal(got, want) {
		t.Errorf("ActActions() = %v; want %v", got, want)
	}
	for _, name := range ActActions() {
		if actions[name] == nil {
			t.Errorf("%s has no handler", name)
		}
	}
}
