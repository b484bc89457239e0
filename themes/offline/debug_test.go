package offline

import (
	"os"
	"strings"
	"testing"
)

// TestDebugText prints how the coder reads WM_DEBUG_TEXT, word by word.
func TestDebugText(t *testing.T) {
	text := os.Getenv("WM_DEBUG_TEXT")
	if text == "" {
		t.Skip("set WM_DEBUG_TEXT to trace one answer")
	}
	d := analyse(theLexicon(), text)
	for _, tk := range d.toks {
		t.Logf("%-14s s=%d c=%d q=%v name=%v descr=%v cats=%s", tk.w, tk.sent, tk.clause, tk.quoted, tk.name, tk.descriptive(), catNames(tk.cat))
	}
	f := d.features()
	t.Logf("%+v", f)
	t.Logf("facts: %s", factNames(f.facts))
	stage := os.Getenv("WM_DEBUG_STAGE")
	t.Logf("%+v", decide(d, stage))
	for _, set := range []struct {
		name  string
		rules []rule
	}{{"relationships", relationshipRules}, {"stories", storyRules}, {"community", communityRules}, {"anticipation", anticipationRules}} {
		for i := range set.rules {
			if f.matches(&set.rules[i], stage) {
				t.Logf("%s: row %d gives %s", set.name, i, set.rules[i].label)
				break
			}
		}
	}
}

func catNames(c lexCat) string {
	names := []string{"Person", "NOK", "Pet", "Community", "Service", "Intervention", "Med", "Form", "Clinical", "Reactive", "Assess", "Chrono", "Day", "Plan", "Lesson", "Team", "Comfort", "Recognise", "Wish", "LiveWell", "Strain", "Bereave", "Support", "RelCare", "Label", "Problem", "Refuse", "Fix", "Voice", "Moment", "History", "Feeling", "Negate", "Nobody", "Home", "Tickbox", "Generic", "Experience", "Question", "PaidCarer", "FamilyCarer", "Hypothetical", "WentWrong", "Function", "Intent", "Reason", "Early", "Seq", "HistoryWeak", "When", "Number", "Place", "CommRes", "Unsure", "Patient", "IntentStrong", "Process", "OwnPlan"}
	var out []string
	for i, n := range names {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// factNames names the facts set in f, in the order rules.go declares them.
func factNames(f fact) string {
	names := []string{"OwnLife", "NamedOwnLife", "ClearPerson", "ProblemPerson", "NegPeople", "OwnLifeAround", "SupportPerson", "CommunitySrc", "RelCare", "ServiceHelp", "ServiceAny", "FormHelp", "WentWrong", "Failing", "FixOutside", "FailingOnly", "StrainPerson", "Question", "HomeCompany", "Voice", "Moment", "FormPlan", "StrongPlan", "Wish", "Recognises", "PlanWord", "StrongBereave", "Nobody", "History", "Experience", "Lesson", "Hypothetical", "TeamTalk", "Unsure", "Intent", "Reason", "Telegraphic", "MostlyRecord", "Chronology", "Reactive", "Reactive2", "Clinical", "Clinical3", "ClinicalInTeam", "PersonState", "Services2", "Tickbox", "Tickbox2", "FewContent", "TwoContent", "RecordWord", "Events", "EightWords", "HistoryWeak", "TwoCore", "CareEvents", "Refusal", "ActOnMay"}
	var out []string
	for i, n := range names {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}
