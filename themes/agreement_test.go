package themes

import (
	"context"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"whatmatters/flows"
	"whatmatters/scrub"
)

func kappaLabels(s string) []flows.Label {
	m := map[byte]flows.Label{'t': flows.Toward, 'a': flows.Away, 'n': flows.None}
	out := make([]flows.Label, len(s))
	for i := range len(s) {
		out[i] = m[s[i]]
	}
	return out
}

func kappaNear(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestCohenKappa checks kappa against values worked by hand.
func TestCohenKappa(t *testing.T) {
	cases := []struct {
		name          string
		gold, got     string
		kappa, accura float64
	}{
		// po = 4/6; pe = (2*2 + 1*2 + 3*2)/36 = 1/3; kappa = (2/3-1/3)/(2/3) = 0.5.
		{"mixed", "ttannn", "taannt", 0.5, 4.0 / 6},
		{"perfect", "tannta", "tannta", 1, 1},
		// Both sides give one label to everything: pe = 1, reported as 1.
		{"all one class, agreeing", "nnnn", "nnnn", 1, 1},
		// po = 1/2; pe = (4*2)/16 = 1/2; kappa = 0.
		{"gold one class", "nnnn", "nnta", 0, 0.5},
		// po = 0; pe = (1*1 + 1*1)/4 = 1/2; kappa = -1.
		{"systematic disagreement", "ta", "at", -1, 0},
		// One side all none, the other all toward: pe = 0, po = 0.
		{"disjoint single classes", "nnn", "ttt", 0, 0},
	}
	for _, c := range cases {
		k, acc := cohenKappa(kappaLabels(c.gold), kappaLabels(c.got))
		if !kappaNear(k, c.kappa) || !kappaNear(acc, c.accura) {
			t.Errorf("%s: kappa %.4f accuracy %.4f, want %.4f %.4f", c.name, k, acc, c.kappa, c.accura)
		}
	}
	if k, acc := cohenKappa(nil, nil); k != 0 || acc != 0 {
		t.Errorf("empty: %v %v", k, acc)
	}
}

// TestCapabilityF1 checks micro-averaged scores against values worked by
// hand.
func TestCapabilityF1(t *testing.T) {
	g := func(tags ...string) Gold { return Gold{Capabilities: tags} }
	c := func(tags ...string) flows.Codes { return flows.Codes{Capabilities: tags} }
	cases := []struct {
		name    string
		gold    []Gold
		got     []flows.Codes
		p, r, f float64
	}{
		// TP 2 (a, c), FP 2 (c in item 1, d), FN 1 (b): P 1/2, R 2/3, F1 4/7.
		{"mixed", []Gold{g("recognise", "comfort"), g("live_well"), g()},
			[]flows.Codes{c("recognise", "live_well"), c("live_well", "anticipate"), c()}, 0.5, 2.0 / 3, 4.0 / 7},
		{"perfect", []Gold{g("comfort"), g("what_matters", "anticipate")},
			[]flows.Codes{c("comfort"), c("anticipate", "what_matters")}, 1, 1, 1},
		{"no tags anywhere", []Gold{g(), g()}, []flows.Codes{c(), c()}, 1, 1, 1},
		{"coder gives none", []Gold{g("comfort")}, []flows.Codes{c()}, 0, 0, 0},
		{"gold has none", []Gold{g()}, []flows.Codes{c("comfort")}, 0, 0, 0},
		// A tag given twice counts once.
		{"duplicates", []Gold{g("comfort")}, []flows.Codes{c("comfort", "comfort")}, 1, 1, 1},
	}
	for _, tc := range cases {
		r := Agreement(tc.gold, tc.got)
		if !kappaNear(r.CapabilityPrecision, tc.p) || !kappaNear(r.CapabilityRecall, tc.r) || !kappaNear(r.CapabilityF1, tc.f) {
			t.Errorf("%s: P %.4f R %.4f F1 %.4f, want %.4f %.4f %.4f", tc.name,
				r.CapabilityPrecision, r.CapabilityRecall, r.CapabilityF1, tc.p, tc.r, tc.f)
		}
	}
}

func TestAgreementReport(t *testing.T) {
	gold := []Gold{
		{Relationships: flows.Toward, Stories: flows.Away, Community: flows.None, Anticipation: flows.None},
		{Relationships: flows.Away, Stories: flows.Away, Community: flows.Toward, Anticipation: flows.Away},
		{Relationships: flows.None, Stories: flows.Toward, Community: flows.None, Anticipation: flows.Toward},
	}
	got := []flows.Codes{
		{Relationships: flows.Toward, Stories: flows.Away, Community: flows.None, Anticipation: flows.None},
		{Relationships: flows.Away, Stories: flows.Away, Community: flows.Toward, Anticipation: flows.Away},
		{Relationships: flows.None, Stories: flows.Toward, Community: flows.None, Anticipation: flows.Toward},
		{Relationships: flows.Away}, // no gold for this one: not compared
	}
	r := Agreement(gold, got)
	if r.N != 3 {
		t.Errorf("N = %d", r.N)
	}
	for _, dir := range flows.Directions {
		if r.Kappa[dir] != 1 || r.Accuracy[dir] != 1 {
			t.Errorf("%s: kappa %v accuracy %v", dir, r.Kappa[dir], r.Accuracy[dir])
		}
	}
	s := r.String()
	for _, want := range []string{"answers: 3", "relationships", "anticipation", "micro-F1 1.000"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}

func TestLoadGold(t *testing.T) {
	in := `{"id": "x1", "template": "case", "stage": "why", "text": "hi", "relationships": "toward", "stories": "away", "community": "none", "anticipation": "none", "capabilities": ["what_matters"]}

{"id": "x2", "template": "case", "stage": "why", "text": "no labels"}
`
	gs, err := LoadGold(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 2 || gs[0].ID != "x1" || gs[0].Relationships != flows.Toward || gs[0].Stories != flows.Away ||
		len(gs[0].Capabilities) != 1 || gs[1].Anticipation != flows.None {
		t.Errorf("got %+v", gs)
	}
	if _, err := LoadGold(strings.NewReader(`{"id": "x", "relationships": "towards"}`)); err == nil {
		t.Error("a label that is not toward, away or none loaded")
	}
	if _, err := LoadGold(strings.NewReader(`{"id": `)); err == nil {
		t.Error("broken JSON loaded")
	}
}

// Floors for the agreement of the offline coder with the labelled data,
// each set just below what the coder reached, so that a change of rules
// that loses agreement fails the test. Kappa per direction (relationships
// / stories / community / anticipation) and capability micro-F1:
//
//	offline v3:  tune 1.000 / 0.953 / 0.940 / 0.974, F1 0.920;
//	             tune_extra 0.822 / 0.590 / 0.960 / 0.691, F1 0.784;
//	             held-out 0.782 / 0.686 / 0.567 / 0.651, F1 0.770.
//	offline v4:  tune 1.000 / 0.953 / 0.952 / 0.974, F1 0.920;
//	             tune_extra 0.822 / 0.618 / 0.960 / 0.806, F1 0.784;
//	             held-out 0.782 / 0.686 / 0.593 / 0.651, F1 0.770.
//
// v3 moved into package themes/offline with byte-identical codes; v4 added
// community and anticipation rules, each quoting docs/codebook.md. The
// rules were tuned on the tune files only (tune_extra was written and
// labelled for v2, to find where v1 failed on wording it had not seen);
// the held-out figures were only ever measured in aggregate. Held-out
// community kappa is below the 0.65 the team set for every direction (v1
// 0.579, v2 and v3 0.567, v4 0.593): that is the honest figure, not a
// target met.
//
// tune3 (codes_tune3.jsonl, 105 answers) was written on 2026-12-07 by a
// writer who had not seen the held-out files, rich in community-direction
// borderline cases (services named in passing, paid carers called "the
// girls", family named collectively). Measured with v4 before any rule
// was fitted to it: 0.653 / 0.535 / 0.559 / 0.693, F1 0.764 (community
// 0.533 before two slips of labelling were put right, v025 and v098).
// v5 (people close who move in, offer, do the mouth care or rally round,
// and carers or a team who knew the person well, are relationships):
// tune3 0.667 / 0.535 / 0.628 / 0.693, F1 0.764; tune and tune_extra
// unchanged. Held-out, measured once after (2026-12-07): unchanged from
// v4 on both sets (heldout 0.782 / 0.686 / 0.593 / 0.651, F1 0.770;
// heldout2 0.628 / 0.649 / 0.538 / 0.667, F1 0.711): the wordings v5
// reads are not where the held-out community labels differ.
//
// tune4 (codes_tune4.jsonl, 79 answers) was written on 2026-12-07 by a
// writer who had not seen the held-out files, rich in the community and
// relationships borderlines (support from the person's own people against
// services; paid carers and nurses known well; relationships noticed
// against named). Measured before any rule was fitted to it, with v6
// (whose directions are v5's: v6 changed only the keys of theme phrases
// named in passing): 0.599 / 0.393 / 0.734 / 0.553, F1 0.709. No rule was
// fitted to it in this round, so held-out kappa, measured once after
// (2026-12-07), is v5's on both sets: heldout 0.782 / 0.686 / 0.593 /
// 0.651, F1 0.770; heldout2 0.628 / 0.649 / 0.538 / 0.667, F1 0.711.
//
// v7 (issue 18, 2026-12-07) fitted community and relationships rules to
// the tuning sets only, tune4 among them, each rule quoting the codebook:
// help given by a service or the writer's team to someone close is the
// service's ("the hospice looked after his wife", "I'll pop in and ring
// the daughter"); a community resource reached only by a referral is a
// referral; "Daughter (NOK)" is a bare label; the girls from the agency
// and a sheltered-housing warden are services; "being at home with her
// husband" at what_matters and hoped is a wish, off the community subject;
// someone said to have their own people ("has her sister"), people with
// him at the death and a relative giving help are relationships; a
// relative named only as the one a service is for is relationships away
// at the team's stages; isolation noticed with care is toward; negated
// company and care are not given; services refused are not record words;
// the stem collisions weekly/week, nightly/night and shopping/shop.
// Tuning sets, v6 -> v7: tune unchanged (1.000 / 0.953 / 0.952 / 0.974,
// F1 0.920); tune_extra 0.822 -> 0.864 relationships, 0.960 -> 0.980
// community (stories 0.618, anticipation 0.806, F1 0.784 unchanged);
// tune3 0.667 -> 0.768 relationships, 0.628 -> 0.832 community (0.535 /
// 0.693, F1 0.764 unchanged); tune4 0.599 -> 0.768 relationships, 0.734
// -> 0.859 community (0.393 / 0.553, F1 0.709 unchanged). Held-out,
// measured once after the last rule change (2026-12-07): heldout 0.770 /
// 0.673 / 0.606 / 0.651, F1 0.770 (relationships down from 0.782,
// stories from 0.686; community up from 0.593); heldout2 0.679 / 0.649 /
// 0.588 / 0.667, F1 0.711 (relationships up from 0.628, community from
// 0.538). Community is still short of 0.65 on both held-out sets.
//
// tune5 (codes_tune5.jsonl, 115 answers) was written on 2026-12-07 by a
// writer who had seen neither the held-out files nor the coder's rules,
// from docs/codebook.md alone, rich in community borderlines in new
// registers (ward handover, care home notes, paramedics, Scottish, Welsh
// and Irish terms). Measured before any rule was fitted to it, with v7:
// 0.645 / 0.624 / 0.646 / 0.599, F1 0.746: a new writer's wording reads
// about as the held-out sets do.
//
// v8 (2026-12-07) fitted community rules first, then a few others, to the
// tuning sets only (tune5 among them; its contestable items in
// testdata/README.md left as labelled), each rule quoting the codebook:
// people with the person at the death, and a pet, are company ("with her
// two sons either side of her", "with the cat on his lap": "a source of
// support, company or meaning … a pet"); people close "with" a service
// as its agent receive its help ("the hospice bereavement team have been
// in touch with the daughters": "people close appear only as people who
// receive services"), and so at those_close a support word beside a
// service's help is not theirs; a community resource in a list a referral
// governs is reached by a referral ("Refer to hospice day services,
// social prescriber and Age UK befriending"); what is handed to someone
// close is a process ("given the carers' leaflet"), and a process is "a
// service remedy" beside a refusal; a she/he sentence after one naming a
// relative, saying she cares for him, shows "a family carer … giving
// care"; staff who spend their breaks with someone give care as a
// relationship ("time spent with someone"), at whos_around too; an
// agency "never the same face" is a service resented; someone named by
// the community place they come from ("Mr Okafor from the corner shop")
// is from the person's own life; a service negated beside a form is the
// form's plan ("ReSPECT said not for admission"), not a refusal; a form
// "not located" is a failure told (the worked example "OOH didn't know
// about the DNACPR"); people close who stay over or take time off give
// support ("her niece has moved in for a month"); a clause opened by
// "so" after a failure is the remedy ("add a service remedy … and it is
// away"); "lives alone, no support" beside services leaves the person
// "only as a patient" (relationships away); at on_your_mind a diagnosis
// that only says who someone is is off the anticipation subject ("an
// answer … that only describes the person is usually off subject"); at
// why, a piece of their past told in sentences is "a piece of their
// history remembered because it explains something now" (stories
// toward), a list of traits not ("a trait in general words … is none").
// Tuning sets, v7 -> v8: tune unchanged (1.000 / 0.953 / 0.952 / 0.974,
// F1 0.920); tune_extra unchanged (0.864 / 0.618 / 0.980 / 0.806, F1
// 0.784); tune3 stories 0.535 -> 0.637, community 0.832 -> 0.847
// (relationships 0.768, anticipation 0.693, F1 0.764 unchanged); tune4
// community 0.859 -> 0.879, stories 0.393 -> 0.377 (one why answer, "She
// raised four kids on her own in that house", now read as history);
// relationships 0.768, anticipation 0.553, F1 0.709 unchanged; tune5
// 0.645 -> 0.673 relationships, 0.624 -> 0.656 stories, 0.646 -> 0.822
// community, 0.599 -> 0.658 anticipation (F1 0.746 unchanged). Held-out
// not measured in this round (WHATMATTERS_NO_HELDOUT); the team scores it
// once at the end. tune5 is now fitted to, so its figures no longer
// stand for a new writer's.
//
// tune6 (codes_tune6.jsonl, 120 answers) was written on 2026-12-07 by
// another new writer, blind to the held-out files, the coder's rules and
// the other files' texts, in settings the others underuse (hospice
// inpatient units, learning disability, inclusion health, prison, heart
// failure, COPD, renal and MND care). Measured before any rule was fitted
// to it: v7 0.619 / 0.584 / 0.561 / 0.649, F1 0.680; v8 0.619 / 0.598 /
// 0.561 / 0.649, F1 0.680. v8's community rules, fitted to tune5, did not
// carry over to this writer: community is 0.561 with and without them.
//
// v9 (2026-12-07) was fitted to all six tuning files together, tune6 the
// new evidence, keeping only rules that fix disagreements in several
// files and that the codebook decides (tune6's contestable items in
// testdata/README.md left as labelled), each rule quoting the codebook:
// at what_matters and why, an answer told in sentences is "a statement
// of what matters, a life history or a feeling on its own", off the
// community subject, so a service named in it is not support put forward
// (only an answer in a record's register, "symptom control, avoid
// admission, DNACPR discussed + signed", still lists where care comes
// from: fixes in tune, tune3, tune5, tune6); the death told on its own is
// not one of the "events dealt with as they came (call-outs, crises,
// admissions, trips to ED, firefighting)" (tune5, tune6; tune4's "Died at
// home with his wife and two sons there, the DN had been in an hour
// before", labelled away, now none); services refused by the person are
// "none" on community and, neither crisis nor plan, none on anticipation
// too, unless care events, assessments or a failure come with them
// (tune_extra, tune3, tune4, tune5); "will come back to this after
// handover" is a meta reply like "will finish this later" (tune5,
// tune6); carrying on as now or waiting till the person is ready is "a
// plan that only waits and reacts" (tune3, tune5, tune6), in everyday
// words, not a record's; CPR and ICU are interventions, so "Home. Not
// ICU. Not CPR." is "a clipped list of wishes" (stories away); someone
// close holding the person's hand is "company". Tried and dropped: a
// failure of care at the what-happened stages as relationships away
// (the worked example "OOH didn't know about the DNACPR"), which broke
// tune_extra and fixed nothing; a negated lesson ("nothing anyone could
// have done") as no lesson, which moved one answer from toward to none,
// not to away. Tuning sets, v8 -> v9: tune community 0.952 -> 0.964
// (others unchanged: 1.000 / 0.953 / 0.974, F1 0.920); tune_extra
// anticipation 0.806 -> 0.826 (0.864 / 0.618 / 0.980, F1 0.784
// unchanged); tune3 community 0.847 -> 0.863, anticipation 0.693 ->
// 0.743 (0.768 / 0.637, F1 0.764 unchanged); tune4 anticipation 0.553 ->
// 0.563 (0.768 / 0.377 / 0.879, F1 0.709 unchanged); tune5 community
// 0.822 -> 0.835 (one why answer labelled away, "he'd wait for the carers
// instead", now none), anticipation 0.658 -> 0.746 (0.673 / 0.656, F1
// 0.746 unchanged); tune6 0.619 / 0.598 / 0.561 / 0.649, F1 0.680 ->
// 0.619 / 0.611 / 0.630 / 0.687, F1 0.685. Relationships on tune6 is
// unchanged: most of its disagreements are the writer's judgement where
// the other files' writers judge the other way (a list of referrals or a
// failure at the team's stages as away, staff or a cellmate as the
// person's people), or its contestable items. Held-out not measured in
// this round (WHATMATTERS_NO_HELDOUT); the team scores it once at the
// end. tune6 is now fitted to, so its figures no longer stand for a new
// writer's.
//
// tune7 (codes_tune7.jsonl, 120 answers) was written on 2026-12-07 by a
// third new writer, blind like tune5 and tune6, while v9 was being
// fitted (its fitter never saw it), as a fresh check of v8 and v9 on a
// writer no rule was fitted to. Measured before any rule was fitted to it:
// v7 0.414 / 0.600 / 0.516 / 0.553, F1 0.713; v8 0.414 / 0.614 / 0.503 /
// 0.550; v9 0.414 / 0.614 / 0.549 / 0.574, F1 0.713. v9 carried over a
// little (community +0.03, anticipation +0.02 on v7); relationships, at
// 0.41, is this writer's widest gap.
//
// v10 (2026-12-07) was fitted to all seven tuning files together, tune7
// the new evidence (its contestable items in testdata/README.md left as
// labelled), each rule quoting the codebook. First names: a capitalised
// first name (the scrubber's lists) is someone "from the person's own
// life" when said to be someone's own ("my Albert", "our Denise") or when
// it does something to "him" or "her" later in its clause ("Pat had been
// up with him three nights running", "Ron holding her hand"), and then at
// every mention; a name with a service or staff role beside it ("his key
// worker Dawn", "Marie's been her support worker") is staff, and a name
// that is neither (the case's pseudonym, "Edna in room 4") stays a name.
// "Support worker" and "support staff" are paid carers. Regional words
// for a wife, a child or a sibling ("our lass", "bairn", "our kid") are
// people ("spelling is not substance"). Care given by one of a couple to
// the other told with pronouns alone ("he does all her insulin") is "a
// family carer shown giving care". Bare labels: "Son (LPA H&W)" is "LPA
// held by son"; "Family present" in a record's register, and "Family
// with him." as a sentence of its own, are "husband present"; a clause
// about the patient as a patient ("pt in resp distress", "now not
// eating") after a bare relative says nothing about them; "Widow." with
// no one's before it is the person's own state. A clipped list of record
// phrases about their care ("GSF reg'd March. ACP done, DNACPR, PPC home,
// JIC issued", "PPD home, no hospital, symptom control") is "the person
// ... only as a patient" (relationships away) outside the team's stages,
// where a list is "a bare task". A time's colon ("02:10") no longer ends
// a sentence. Judged labelling differences, not fitted: a list of
// referrals and orders at looking_ahead ("JICs, SD if needed, profiling
// bed, commode, MC nights", "Refer CHC fast track, chase sitting
// service") is relationships away for the tune5, tune6 and tune7 writers
// and none for the tune, tune_extra, tune3 and tune4 writers; the
// codebook's "a bare task such as 'review Tues' or 'chase pharmacy'" is
// none, so the coder keeps none. Also left: a support worker of eleven
// years ("my Marie") labelled toward, staff by the codebook's "from the
// person's own life". Tuning sets, v9 -> v10: tune3 relationships 0.768
// -> 0.786; tune5 relationships 0.673 -> 0.720, community 0.835 -> 0.849;
// tune7 0.414 / 0.614 / 0.549 / 0.574, F1 0.713 -> 0.576 / 0.614 / 0.625
// / 0.574, F1 0.711; tune, tune_extra, tune4 and tune6 unchanged (1.000 /
// 0.953 / 0.964 / 0.974, F1 0.920; 0.864 / 0.618 / 0.980 / 0.826, F1
// 0.784; 0.768 / 0.377 / 0.879 / 0.563, F1 0.709; 0.619 / 0.611 / 0.630
// / 0.687, F1 0.685). Held-out not measured in this round
// (WHATMATTERS_NO_HELDOUT). tune7 is now fitted to, so its figures no
// longer stand for a new writer's.
//
// Measured as stored (2026-12-07). Until v10 every figure here was taken
// on the text as written; in use the coder reads answers as stored,
// scrubbed of identifiers, so first names are "[name]" and v10's
// first-name rule alone would never fire. The tokenizer now reads the
// scrubber's "[name]" as the name it stood for (names.go), and every
// figure from here on is taken on the stored text (asStored): the same
// rules, measured as they work. A name's possessive ("[name]'s") opens no
// quotation. As stored, v10: tune 1.000 / 0.953 / 0.964 / 0.974; tune_extra
// 0.864 / 0.590 / 0.980 / 0.826 (stories 0.618 as written: one list whose
// names were taken out); tune3 0.786 / 0.637 / 0.863 / 0.743; tune4 0.768
// / 0.377 / 0.879 / 0.563; tune5 0.720 / 0.656 / 0.849 / 0.728; tune6
// 0.619 / 0.611 / 0.630 / 0.687; tune7 0.576 / 0.614 / 0.625 / 0.574.
//
// tune8 (codes_tune8.jsonl, 120 answers) was written on 2026-12-07 by a
// fourth new writer, blind like the others, while v10 was being fitted
// (its fitter never saw it), with family and staff both named by first
// name. Measured before any rule was fitted to it, as written: v7 0.538 /
// 0.832 / 0.666 / 0.634, F1 0.718; v8 0.538 / 0.833 / 0.679 / 0.634; v9
// 0.538 / 0.833 / 0.691 / 0.634, F1 0.721; v10 0.582 / 0.833 / 0.718 /
// 0.634, F1 0.721; v10 as stored 0.580 / 0.833 / 0.718 / 0.634. Each
// version from v7 to v10 read this unseen writer a little better
// (relationships +0.04, community +0.05 in all), and none worse.
//
// v11 (2026-12-07) was fitted to all eight tuning files together, tune8
// the new evidence (its contestable items in testdata/README.md left as
// labelled), as stored, each rule quoting the codebook. A relative who
// only turns up in a clipped chain of care events ("OOH called x3 over
// the weekend, agitation, midaz given each time. Son rang 111 at 3am",
// "Pt settled. Wife asleep in chair", "Died on AMU after 14 hrs in ED.
// Family arrived after.") is a step of "a sequence of care events", the
// person seen "only as a patient" with anyone else "only as a bare
// label": relationships away (tune5, tune8), not where the stage asks
// about the person nor at the team's stages. "Going to" before a place
// ("still going to the mandir every morning") is going somewhere, not an
// intention; and the person's own quoted words ("'I'll not have strangers
// in the house'") bring no plan, as they already brought no other plan
// word (anticipation none: tune5, tune8). Tried and dropped: a name with
// its shift ("Bev on days", "Kim from nights") as staff, which fixed one
// tune8 answer and broke another ("Kim from nights was with her", care
// given as a relationship at the death). Judged labelling differences
// between writers, not fitted: a preferred place in a wish list at
// what_matters and hoped ("PPD home. Comfortable. Family present.") is
// anticipation toward for the tune, tune3 and tune6 writers (the
// codebook's "a form listed as done ... PPC home ... toward") and none for
// the tune5, tune7 and tune8 writers, so the coder keeps toward; services
// alone at difference ("Package of care was in place", "DNs overstretched
// ... System failed him") are relationships away for the tune3, tune4,
// tune6 and tune8 writers and none for the tune, tune_extra and tune7
// writers, so the coder keeps none ("about the team, a process"); a
// bereavement referral at those_close ("Daughter referred to Cruse") is
// anticipation none for the tune3, tune4, tune7 and tune8 writers, away
// for tune6's and toward (like a six-week call booked) for the tune and
// tune_extra writers, so the coder keeps toward; staff as the only
// people, warmly told ("Just the staff. Bev on days has got fond of her"),
// is away for the tune8 writer and toward for tune7's ("Kayleigh on
// nights sits up and does her nails with her"). Tuning sets, v10 -> v11,
// as stored: tune5 relationships 0.720 -> 0.736, anticipation 0.728 ->
// 0.742; tune8 0.580 / 0.833 / 0.718 / 0.634, F1 0.721 -> 0.611 / 0.833
// / 0.718 / 0.646, F1 0.721; tune, tune_extra, tune3, tune4, tune6 and
// tune7 unchanged (1.000 / 0.953 / 0.964 / 0.974, F1 0.920; 0.864 / 0.590
// / 0.980 / 0.826, F1 0.784; 0.786 / 0.637 / 0.863 / 0.743, F1 0.764;
// 0.768 / 0.377 / 0.879 / 0.563, F1 0.709; 0.619 / 0.611 / 0.630 /
// 0.687, F1 0.685; 0.576 / 0.614 / 0.625 / 0.574, F1 0.711). Held-out
// not measured in this round (WHATMATTERS_NO_HELDOUT). tune8 is now
// fitted to, so its figures no longer stand for a new writer's; the
// goal (0.65 on every direction for writers never seen) is still not
// met on relationships and anticipation.
//
// tune9 (codes_tune9.jsonl, 120 answers) was written on 2026-12-07 by a
// fifth new writer (a Glasgow team; family and staff named by first
// name), blind like the others, while v11 was being fitted (its fitter
// never saw it). Measured before any rule was fitted to it: v7 (as
// written) 0.669 / 0.618 / 0.618 / 0.630, F1 0.711; v9 (as written) 0.669 /
// 0.605 / 0.642 / 0.622; v10 and v11 (as stored) 0.692 / 0.605 / 0.630 /
// 0.622, F1 0.711. Over four rounds (v8 to v11), each fitted to one new
// writer and checked on the next, the coder read the next unseen writer
// a little better on relationships and community and about the same on
// stories and anticipation: rules fitted to one writer's wording carry
// over only in part. Nothing has been fitted to tune9.
//
// v12 (2026-12-07) was fitted to all nine tuning files together, tune9
// the new evidence (its contestable items in testdata/README.md left as
// labelled), as stored, stories and anticipation first, keeping rules
// that fix disagreements in several files, each quoting the codebook.
// Stories: a speech verb that only carries a wish, a refusal or a
// request in the writer's words ("he's said he doesn't want to talk
// about any of it", "keeps saying no to everything we offer", "keeps
// asking for her mum", "that's what she said she wanted") is not "the
// person's or a relative's own words, quoted or closely reported in
// their voice" but "a one-line wish" (none: tune_extra, tune3, tune5,
// tune6, tune7, tune8, tune9); "wouldn't let anyone else ..." is "the
// story behind" a trait ("wouldn't let anyone else mow his lawn, even
// after the stroke": tune9); someone from the person's own life doing
// something on a day told ("The lads from his old band played in the
// garden for him on Saturday", "Her husband came in on the Saturday")
// is "a particular moment or scene" (tune_extra, tune3, tune4, tune8,
// tune9); at what_happened, happened and on_your_mind, the person's state
// with events dealt with as they came ("Called out Sat night and again
// Sun for breathlessness, nebs and oramorph both times") is "a sequence
// of care events with nothing of what it was like for anyone", away even
// in sentences, unless someone close is shown helping or the answer asks
// (tune3, tune5, tune6, tune8, tune9; tune7's "Fitted: we moved his bed
// ... Jarred: hospital keep sending appt letters", labelled none, now
// away). Anticipation: LPA in brackets after a relative ("Son (LPA
// H&W)") is "a form named only to say who someone is" (tune5, tune7,
// tune8); a worry with no action ("Worried how she'll manage when she
// can't do the stairs", "still asks every morning if the hooter's gone")
// names what may happen without "what to do about it": a plan or fix
// word counts only outside the clause of the possibility, or inside it
// where the writer or team acts (tune_extra, tune3; v11's fitter's known
// error). Judged labelling differences between writers, not fitted:
// "PPD home" / "PPC home" in a wish list (v11's judgement, again in
// tune9's r002 and r077); a bereavement referral at those_close (again
// tune9's r103); asking a community group to sit with the person at
// on_your_mind ("Thinking of asking the chaplaincy volunteers if someone
// could sit with her", none for the tune8 writer; "Could we ask the
// chapel if someone could sit with her", toward for tune3's). Tuning
// sets, v11 -> v12, as stored: tune unchanged (1.000 / 0.953 / 0.964 /
// 0.974, F1 0.920); tune_extra stories 0.590 -> 0.639, anticipation
// 0.826 -> 0.847; tune3 stories 0.637 -> 0.691, anticipation 0.743 ->
// 0.759; tune4 stories 0.377 -> 0.436; tune5 stories 0.656 -> 0.727,
// anticipation 0.742 -> 0.756; tune6 stories 0.611 -> 0.676; tune7
// stories 0.614 -> 0.627, anticipation 0.574 -> 0.586; tune8
// relationships 0.611 -> 0.627, stories 0.833 -> 0.885, anticipation
// 0.646 -> 0.658; tune9 stories 0.605 -> 0.670 (relationships 0.692,
// community 0.630, anticipation 0.622 unchanged). Every other figure and
// every F1 unchanged. Held-out not measured in this round
// (WHATMATTERS_NO_HELDOUT). tune9 is now fitted to, so its figures no
// longer stand for a new writer's; anticipation on tune9 (0.622), tune4
// and tune7, and relationships and community on several files, are still
// short of 0.65.
//
// heldout2 (codes_heldout2.jsonl, 120 answers) was written and labelled
// later by another writer from docs/codebook.md alone, and scored once,
// with v4: 0.628 / 0.649 / 0.538 / 0.667, F1 0.711. Lower than the first
// held-out set on every direction but anticipation: a second writer's
// wording and labelling, which is what a team's own answers will be.
// tune10 (codes_tune10.jsonl, 120 answers) is a check set: a typical
// market-town community team's month, written on 2026-12-07 by a sixth new
// writer after v12 was finished, to measure it unseen; nothing was fitted
// to it. v12 (as stored) 0.551 / 0.754 / 0.501 / 0.678, F1 0.687; v7 (the
// coder at the start of that day, as written) 0.455 / 0.699 / 0.414 /
// 0.628, F1 0.687. On this unseen writer the day's rules gained about 0.1
// on relationships and community and 0.05 on stories and anticipation,
// and community stays the weakest direction.
//
// v13 (2026-12-08) was fitted to all ten tuning files together, tune10
// the new evidence, as stored, community first. Community disagreements
// were tabulated across the ten files by kind and by the rule row that
// fired; the kinds that recur across writers were fixed. A hope put in a
// service's words at hoped ("PPD home. Avoid admission", "he was only
// referred 4 days before he died") is "a statement of what matters" (off
// subject: none; no file labels community away at hoped: tune8, tune9,
// tune10). A team action that turns to someone from the person's own life
// ("ask the allotment lot if one of them would take him out", "get her pal
// to go with her", "tried harder through the neighbour") is "an action
// that works through them" (toward: tune9, tune10), but not a question
// or a journey ("ask about pets", "get to his granddaughter's wedding").
// Staff the person trusts above all others, a nurse known by name, the
// same DN for months, a team that knew the couple, forty minutes on the
// phone are "care given as a human relationship … being known, the same
// nurse each time" (toward: tune3, tune6, tune8, tune9); "he trusts her"
// alone was tried and dropped (tune4 labels such an answer relationships
// away). Left as labelling differences between writers, not fitted: a
// wish to be with people at what_matters, why and hoped (toward for
// tune7, z009 "with her family on the site"; none for tune10, s003 "at
// home with the grandchildren running in and out"), people who still
// visit named in a life history at why (tune_extra u017 toward, tune4
// w073 none), asking the daughters in to talk through what to expect
// (tune3 v089 none, now read toward), and services named as failing at
// what_happened (none for tune9 and tune10, away for most of the earlier
// writers). Kinds found and not fixed for lack of time: people shown
// giving care in a sentence that also names a service (read away: tune7
// z057, tune9 r053, r054, tune10 s025), a family conversation about
// planning at looking_ahead (read away; toward for tune6, tune10), and a
// community named by a word the lexicon lacks ("the band"). Tuning sets,
// v12 -> v13, as stored: community tune3 0.863 -> 0.861, tune6 0.630 ->
// 0.644, tune8 0.718 -> 0.755, tune9 0.630 -> 0.666, tune10 0.501 ->
// 0.551; relationships tune9 0.692 -> 0.704. Every other figure and every
// F1 unchanged: tune 1.000 / 0.953 / 0.964 / 0.974, F1 0.920; tune_extra
// 0.864 / 0.639 / 0.980 / 0.847, F1 0.784; tune3 0.786 / 0.691 / 0.861 /
// 0.759, F1 0.764; tune4 0.768 / 0.436 / 0.879 / 0.563, F1 0.709; tune5
// 0.736 / 0.727 / 0.849 / 0.756, F1 0.746; tune6 0.619 / 0.676 / 0.644 /
// 0.687, F1 0.685; tune7 0.576 / 0.627 / 0.625 / 0.586, F1 0.711; tune8
// 0.627 / 0.885 / 0.755 / 0.658, F1 0.721; tune9 0.704 / 0.670 / 0.666 /
// 0.622, F1 0.711; tune10 0.551 / 0.754 / 0.551 / 0.678, F1 0.687.
// Held-out not measured in this round (WHATMATTERS_NO_HELDOUT). tune10 is
// now fitted to, so its figures no longer stand for a new writer's.
//
// tune11 (codes_tune11.jsonl, 120 answers) is a second check set, a
// south of England hospice team's month, written on 2026-12-07 by a ninth
// new writer after v12, while v13 was being fitted (its fitter never saw
// it); nothing was fitted to it. v13 (as stored) 0.707 / 0.701 / 0.599 /
// 0.677, F1 0.722; v12 0.722 / 0.701 / 0.600 / 0.677; v7 (as written)
// 0.709 / 0.699 / 0.578 / 0.730, F1 0.722. On this writer the day's rules
// changed little: community +0.02, anticipation -0.05 (v7's reading of
// plans suited this writer better), the rest level.
//
// Held out, scored once at the end of the round that made v8 to v12
// (2026-12-07), as stored (the earlier held-out figures were taken on the
// text as written), v12: heldout 0.758 / 0.722 / 0.593 / 0.675, F1 0.773
// (v7 as written 0.768 / 0.669 / 0.613 / 0.651); heldout2 0.680 / 0.665
// / 0.599 / 0.702, F1 0.711 (v7 0.679 / 0.649 / 0.588 / 0.667); heldout3
// (codes_heldout3.jsonl, 120 answers written that day by a third writer
// who saw no rule, cue or other file; scored for the first time) 0.806 /
// 0.712 / 0.606 / 0.634, F1 0.726. Stories and anticipation rose on the
// first two sets; community stays short of 0.65 on all three, and
// anticipation on the third. The first set's relationships and community
// floors moved down with the change of measure and of coder (from 0.76
// and 0.60, v7 as written); every floor is just under what v12 measures.
// Held out again at the end of the second round that day (v13, fitted to
// community across all ten tuning files), as stored: heldout 0.758 /
// 0.722 / 0.593 / 0.675, F1 0.773 (unchanged); heldout2 0.680 / 0.665 /
// 0.613 / 0.702, F1 0.711; heldout3 0.806 / 0.712 / 0.617 / 0.634, F1
// 0.726. Community rose by about 0.01 on the second and third sets and is
// still short of 0.65 on all three.
//
// v14 (2026-12-07, session 10) keeps every fact the rules read and stops
// turning them into labels with a rule table. Each direction is a
// multinomial logistic regression over the answer's facts, its lexicon
// categories, the stage and the stems of its words (used by eight
// answers or more), fitted to every tuning file (1,209 answers) and the
// codebook's worked examples (themes/offline/weighing.go,
// weighing_test.go); capability tags stay with their rules, and stages
// the tuning data has no answers for (the theme session's own) stay with
// the rule table. The fit's settings were chosen by leaving one tuning
// file out at a time, never on held-out data:
// WM_LEAVE_ONE_OUT=1 go test ./themes/offline -run TestWeighingLeaveOneFileOut -v
// gives mean kappa 0.721 / 0.725 / 0.745 / 0.725 on files left out, where
// v7 to v13 read each new writer, before fitting to it, at community
// 0.50 to 0.72. The tuning files' figures below are now figures on the
// data the weighing was fitted to (0.83 to 1.00), and say only that the
// fit holds; the files left out and the held-out sets are the measure.
// Held out, scored once at the end of the round, as stored: heldout
// 0.786 / 0.724 / 0.671 / 0.762, F1 0.773; heldout2 0.703 / 0.715 /
// 0.736 / 0.788, F1 0.711; heldout3 0.780 / 0.803 / 0.700 / 0.704, F1
// 0.726. Every direction is at 0.65 or above on all three held-out sets,
// community for the first time (0.593 / 0.613 / 0.617 under v13). Floors:
// the tuning files 0.03 under their fitted figures, the held-out sets
// 0.02 under theirs.
//
// v16 (session 10) weighs the capability tags the same way: one binary
// logistic regression a tag over the same features, fitted to the same
// answers and the codebook's worked examples (their tags, must-tags and
// must-not-tags), a tag given at probability 0.4 (where, on the files
// left out, the tags given were about as many as the tags labelled).
// Left out one file at a time, micro-F1 0.772, where the rule table, fitted
// to those files, reads them at 0.741. Held out, scored once after:
// micro-F1 0.804 / 0.724 / 0.743 (v13's rules 0.773 / 0.711 / 0.726);
// the directions unchanged. (v15 added the finder's aboutness,
// themes/about.go, which changes no code here.) Floors as above.
var agreementFloors = map[string]map[string]float64{
	"tune": {
		flows.DirRelationships: 0.94, flows.DirStories: 0.93, flows.DirCommunity: 0.95, flows.DirAnticipation: 0.95,
		"capabilities": 0.93,
	},
	"tune_extra": {
		flows.DirRelationships: 0.92, flows.DirStories: 0.94, flows.DirCommunity: 0.95, flows.DirAnticipation: 0.90,
		"capabilities": 0.90,
	},
	"tune3": {
		flows.DirRelationships: 0.88, flows.DirStories: 0.91, flows.DirCommunity: 0.90, flows.DirAnticipation: 0.93,
		"capabilities": 0.92,
	},
	"tune4": {
		flows.DirRelationships: 0.84, flows.DirStories: 0.79, flows.DirCommunity: 0.89, flows.DirAnticipation: 0.69,
		"capabilities": 0.83,
	},
	"tune5": {
		flows.DirRelationships: 0.92, flows.DirStories: 0.94, flows.DirCommunity: 0.95, flows.DirAnticipation: 0.97,
		"capabilities": 0.90,
	},
	"tune6": {
		flows.DirRelationships: 0.91, flows.DirStories: 0.93, flows.DirCommunity: 0.93, flows.DirAnticipation: 0.90,
		"capabilities": 0.92,
	},
	"tune7": {
		flows.DirRelationships: 0.88, flows.DirStories: 0.94, flows.DirCommunity: 0.82, flows.DirAnticipation: 0.92,
		"capabilities": 0.89,
	},
	"tune8": {
		flows.DirRelationships: 0.88, flows.DirStories: 0.94, flows.DirCommunity: 0.83, flows.DirAnticipation: 0.90,
		"capabilities": 0.89,
	},
	"tune9": {
		flows.DirRelationships: 0.90, flows.DirStories: 0.93, flows.DirCommunity: 0.89, flows.DirAnticipation: 0.94,
		"capabilities": 0.92,
	},
	"tune10": {
		flows.DirRelationships: 0.92, flows.DirStories: 0.93, flows.DirCommunity: 0.90, flows.DirAnticipation: 0.94,
		"capabilities": 0.89,
	},
	"tune11": {
		flows.DirRelationships: 0.92, flows.DirStories: 0.90, flows.DirCommunity: 0.95, flows.DirAnticipation: 0.94,
		"capabilities": 0.90,
	},
	// check1 (codes_check1.jsonl, 120 answers) was written in session 10
	// by a new writer, blind (codes_check1.md), after v16 was fitted:
	// nothing is fitted to it and its errors were not read. Measured once
	// written: v16 0.792 / 0.745 / 0.770 / 0.725, F1 0.832; v13 (the rule
	// table) on the same file 0.790 / 0.706 / 0.709 / 0.776, F1 0.766.
	// Floors 0.02 under v16's figures.
	"check1": {
		flows.DirRelationships: 0.77, flows.DirStories: 0.72, flows.DirCommunity: 0.75, flows.DirAnticipation: 0.70,
		"capabilities": 0.81,
	},
	// check2 (codes_check2.jsonl, 120 answers), by another blind writer
	// at the end of session 10 (codes_check2.md), measured once, its
	// errors not read: v16 0.848 / 0.877 / 0.683 / 0.787, F1 0.773; v13
	// 0.875 / 0.799 / 0.665 / 0.729, F1 0.752.
	"check2": {
		flows.DirRelationships: 0.82, flows.DirStories: 0.85, flows.DirCommunity: 0.66, flows.DirAnticipation: 0.76,
		"capabilities": 0.75,
	},
	"heldout": {
		flows.DirRelationships: 0.76, flows.DirStories: 0.70, flows.DirCommunity: 0.65, flows.DirAnticipation: 0.74,
		"capabilities": 0.78,
	},
	"heldout2": {
		flows.DirRelationships: 0.68, flows.DirStories: 0.69, flows.DirCommunity: 0.71, flows.DirAnticipation: 0.76,
		"capabilities": 0.70,
	},
	"heldout3": {
		flows.DirRelationships: 0.76, flows.DirStories: 0.78, flows.DirCommunity: 0.68, flows.DirAnticipation: 0.68,
		"capabilities": 0.72,
	},
}

// asStored is an answer's text as it is stored, and so as the coder and
// the theme finder read it in use: scrubbed of identifiers (names become
// "[name]"), the words in keep (the case's pseudonym) kept. The figures
// are measured on it, not on the text as written.
func asStored(t *testing.T, text string, keep ...string) string {
	t.Helper()
	key := strings.Join(keep, "\x00")
	scrubbers.Lock()
	defer scrubbers.Unlock()
	sc := scrubbers.by[key]
	if sc == nil {
		var err error
		sc, err = scrub.New(scrub.Options{})
		if err == nil && len(keep) > 0 {
			sc, err = sc.Keeping(keep...)
		}
		if err != nil {
			t.Fatal(err)
		}
		if scrubbers.by == nil {
			scrubbers.by = map[string]*scrub.Scrubber{}
		}
		scrubbers.by[key] = sc
	}
	return sc.Scrub(text).Text
}

// scrubbers are asStored's scrubbers, by the words they keep.
var scrubbers struct {
	sync.Mutex
	by map[string]*scrub.Scrubber
}

// offCodeFile codes every answer of a labelled file with the offline coder,
// as stored (asStored).
func offCodeFile(t *testing.T, path string) ([]Gold, []flows.Codes) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("labelled data missing: %v", err)
	}
	defer f.Close()
	gold, err := LoadGold(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(gold) == 0 {
		t.Fatalf("%s holds no answers", path)
	}
	o := NewOffline()
	got := make([]flows.Codes, len(gold))
	for i, g := range gold {
		in := g.Input()
		in.Text = asStored(t, in.Text)
		got[i], err = o.Code(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
	}
	return gold, got
}

// TestAgreementWithLabelledData codes the tune and held-out files, logs
// each report, and fails if a figure falls below its floor. Print the
// figures with: go test ./themes/ -run TestAgreementWithLabelledData -v
func TestAgreementWithLabelledData(t *testing.T) {
	for _, set := range []string{"tune", "tune_extra", "tune3", "tune4", "tune5", "tune6", "tune7", "tune8", "tune9", "tune10", "tune11", "check1", "check2", "heldout", "heldout2", "heldout3"} {
		t.Run(set, func(t *testing.T) {
			if strings.HasPrefix(set, "heldout") {
				skipHeldOut(t)
			}
			gold, got := offCodeFile(t, "testdata/codes_"+set+".jsonl")
			r := Agreement(gold, got)
			t.Logf("offline coder v%s on %s:\n%s", OfflineVersion, set, r)
			if os.Getenv("WM_STORED_DUMP") != "" && !strings.HasPrefix(set, "heldout") {
				logStoredDisagreements(t, gold, got)
			}
			floors := agreementFloors[set]
			for _, dir := range flows.Directions {
				if r.Kappa[dir] < floors[dir] {
					t.Errorf("%s kappa %.3f below its floor %.2f", dir, r.Kappa[dir], floors[dir])
				}
			}
			if r.CapabilityF1 < floors["capabilities"] {
				t.Errorf("capability micro-F1 %.3f below its floor %.2f", r.CapabilityF1, floors["capabilities"])
			}
		})
	}
}

// logStoredDisagreements logs, for a tuning file, each answer whose
// directions the coder reads otherwise than its labels, with the text as
// stored (the text the coder read). Set WM_STORED_DUMP=1 to see them.
func logStoredDisagreements(t *testing.T, gold []Gold, got []flows.Codes) {
	t.Helper()
	for i, g := range gold {
		for _, dir := range flows.Directions {
			if g.Direction(dir) != got[i].Direction(dir) {
				t.Logf("%s %-13s %-13s gold %-6s got %-6s | %s", g.ID, g.Stage, dir, g.Direction(dir), got[i].Direction(dir), asStored(t, g.Text))
			}
		}
	}
}

// TestFollowUpRelevance checks, on the tune set, the readings the
// follow-up questions lean on: at the stages that ask them (what matters,
// why, who is around, looking ahead), whether the coder reads an answer as
// away on relationships, stories or community should agree with the gold
// labels in most cases.
func TestFollowUpRelevance(t *testing.T) {
	gold, got := offCodeFile(t, "testdata/codes_tune.jsonl")
	stages := map[string]bool{"whos_around": true, "what_matters": true, "why": true, "looking_ahead": true}
	dirs := []string{flows.DirRelationships, flows.DirStories, flows.DirCommunity}
	agree, n := 0, 0
	for i, g := range gold {
		if !stages[g.Stage] {
			continue
		}
		for _, dir := range dirs {
			n++
			if (g.Direction(dir) == flows.Away) == (got[i].Direction(dir) == flows.Away) {
				agree++
			} else {
				t.Logf("%s %s %s: gold %s, coder %s", g.ID, g.Stage, dir, g.Direction(dir), got[i].Direction(dir))
			}
		}
	}
	if n == 0 {
		t.Fatal("no answers at the follow-up stages")
	}
	rate := float64(agree) / float64(n)
	t.Logf("follow-up relevance: away agrees with gold in %d of %d readings (%.1f%%)", agree, n, 100*rate)
	if rate < 0.9 {
		t.Errorf("away agrees with gold in only %.1f%% of readings", 100*rate)
	}
}

// BenchmarkOfflineCode codes the tune set's answers over and over and
// reports answers coded per second.
func BenchmarkOfflineCode(b *testing.B) {
	f, err := os.Open("testdata/codes_tune.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	gold, err := LoadGold(f)
	f.Close()
	if err != nil || len(gold) == 0 {
		b.Fatal("no tune data", err)
	}
	o := NewOffline()
	ctx := context.Background()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for _, g := range gold {
			if _, err := o.Code(ctx, g.Input()); err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "answers/s")
}
