package flows

import (
	"testing"

	"whatmatters/prompts"
)

func TestFollowUpRules(t *testing.T) {
	set, err := prompts.Load()
	if err != nil {
		t.Fatal(err)
	}
	tpl, _ := set.Get("case")
	stage := func(key string) prompts.Stage { return tpl.Stages[tpl.StageIndex(key)] }
	tests := []struct {
		name    string
		stage   string
		answers []string
		want    string // the rule expected to fire, "" for none
	}{
		{"facts only", "what_matters", []string{"Chest infection three weeks ago. On oxygen 2L, eating little."}, "facts_only"},
		{"her own words", "what_matters", []string{"She wants to be home to see the garden in spring."}, ""},
		{"a quotation counts as her voice", "what_matters", []string{`"Just let me sit by the window."`}, ""},
		{"reported speech", "what_matters", []string{"He told me the dog is all he thinks about."}, ""},
		{"only services", "what_matters", []string{"Needs the district nurses twice a day and a hospice referral."}, "services_only"},
		{"services and family", "what_matters", []string{"District nurses visit; his daughter wants him home."}, ""},
		{"nobody around", "whos_around", []string{"Lives alone in a flat on the third floor."}, "no_people"},
		{"services only around", "whos_around", []string{"GP, district nurses, the hospice team and a care agency."}, "services_only"},
		{"a neighbour", "whos_around", []string{"A neighbour pops in most mornings."}, ""},
		{"a pet", "whos_around", []string{"Just her cat, Biscuit, who sleeps on the bed."}, ""},
		{"faith community", "whos_around", []string{"The church choir visit on Sundays."}, ""},
		{"two answers together", "whos_around", []string{"GP and district nurses.", "Her son phones every night."}, ""},
		{"stage without rules", "what_happened", []string{"Admitted, scanned, discharged."}, ""},
		{"no answers at all", "what_matters", nil, ""},
		{"looking ahead, services only", "looking_ahead", []string{"Refer to the palliative care team and order a hospital bed."}, "services_only"},
		{"looking ahead with family", "looking_ahead", []string{"Talk with his wife about where he would like to be."}, ""},
		{"why: facts", "why", []string{"Diagnosed 2019, three admissions since."}, "facts_only"},
		{"why: a story", "why", []string{"Because she nursed her own mother at home and felt proud of it."}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := stage(tt.stage)
			got, ok := FollowUp(st, tt.answers)
			if tt.want == "" {
				if ok {
					t.Errorf("FollowUp fired %q, want none", got)
				}
				return
			}
			if !ok {
				t.Fatalf("FollowUp did not fire, want %s", tt.want)
			}
			if want := st.FollowUps[tt.want]; got != want {
				t.Errorf("FollowUp = %q, want the %s question %q", got, tt.want, want)
			}
		})
	}
}
