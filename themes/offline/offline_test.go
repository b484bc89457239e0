package offline

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"whatmatters/flows"
)

// codebookCase is one of docs/codebook.md's example answers, with the labels
// the codebook states for it. An empty label is one the codebook does not
// state, and is not checked; tags, when not nil, must be exactly these.
type codebookCase struct {
	stage, text        string
	rel, sto, com, ant flows.Label
	tags               []string
	mustTags, notTags  []string
}

// Short names for the labels, to keep the table readable.
const (
	lT = flows.Toward
	lA = flows.Away
	lN = flows.None
)

var codebookCases = []codebookCase{
	// Direction 1: relationships.
	{stage: "on_your_mind", text: "His wife Irene, married 60 yrs, still reads him the paper every morning.", rel: lT},
	{stage: "on_your_mind", text: "Glenys next door checks on her at teatime; they've shared a fence for 40 years.", rel: lT, com: lT},
	{stage: "on_your_mind", text: "85M, metastatic prostate ca, bedbound, SD in situ, NOK son aware.", rel: lA, sto: lA},
	{stage: "whos_around", text: "Practice nurse, OT, night sitting service, pharmacy delivers.", rel: lA, sto: lA, com: lA},
	{stage: "on_your_mind", text: "Can we get the MDT moved to Thursdays?", rel: lN, sto: lN},
	{stage: "what_matters", text: "Doing the crossword every morning, in pen.", rel: lN, sto: lN, com: lN, ant: lN, mustTags: []string{"what_matters", "live_well"}},
	{stage: "on_your_mind", text: "No family left; calls the woman at the launderette her best friend.", rel: lT},
	{stage: "on_your_mind", text: "Daughter difficult, ++ complaints.", rel: lA},
	{stage: "on_your_mind", text: "Daughter frightened, lost her mum last year too.", rel: lT, mustTags: []string{"those_close"}},
	{stage: "those_close", text: "Pack posted, GP told.", rel: lA},
	{stage: "looking_ahead", text: "Monitor", rel: lN, ant: lA},
	{stage: "looking_ahead", text: "chase OT", rel: lN},
	{stage: "what_matters", text: "Loves her crosswords.", rel: lN, com: lN, mustTags: []string{"what_matters", "live_well"}},
	{stage: "why", text: "He was the one the whole allotment society went to for advice.", rel: lT},
	{stage: "what_matters", text: "Home", rel: lN, sto: lN, com: lN, mustTags: []string{"what_matters"}},
	{stage: "what_matters", text: "Getting back to the pub her parents ran.", rel: lT},

	// Direction 2: stories.
	{stage: "on_your_mind", text: "She told me 'I've buried two husbands, I'm not frightened of this bit'.", sto: lT},
	{stage: "what_happened", text: "When his grandson brought the new baby in, he held her for an hour and didn't stop smiling.", sto: lT},
	{stage: "what_happened", text: "NEWS 7, sats 88% on 2L, oramorph 2.5mg prn x4 in 24h.", rel: lA, sto: lA, ant: lA, mustTags: []string{"comfort"}},
	{stage: "happened", text: "Discharged 14/3, fast track CHC approved 18/3, died PPD 22/3.", sto: lA},
	{stage: "learn", text: "I think we did ok by her.", sto: lN},
	{stage: "what_matters", text: "She'd rather be in her own bed.", sto: lN, rel: lN, com: lN, mustTags: []string{"what_matters"}},
	{stage: "happened", text: "Admitted Fri, home Mon, died Weds.", sto: lA, ant: lA},
	{stage: "happened", text: "Admitted Fri, home Mon, died Weds. On Monday she said \"thank God, my own bed\".", sto: lT},
	{stage: "why", text: "Always independent.", sto: lN},
	{stage: "why", text: "Kept the family farm going through two floods.", sto: lT},
	{stage: "what_matters", text: "independence. no hospital. PPD hospice", sto: lA, mustTags: []string{"what_matters"}},
	{stage: "what_matters", text: "She wants to be at home.", sto: lN, mustTags: []string{"what_matters"}, notTags: []string{"anticipate"}},
	{stage: "learn", text: "I found this one hard.", sto: lN, rel: lN, com: lN},
	{stage: "whos_around", text: "Her sister lives round the corner and then the practice nurse pops by on Fridays.", sto: lN, rel: lT, com: lT},
	{stage: "what_matters", text: "PPC home", sto: lA, ant: lT, mustTags: []string{"what_matters", "anticipate"}},
	{stage: "what_happened", text: "DNACPR in place, JIC meds in house.", sto: lA, ant: lT, mustTags: []string{"anticipate"}},

	// Direction 3: community.
	{stage: "on_your_mind", text: "The bowls club drop his paper round and stay for a natter most days.", com: lT},
	{stage: "looking_ahead", text: "Could we put her in touch with the befriending volunteers? She misses the company more than anything.", com: lT},
	{stage: "what_happened", text: "Referred for a riser-recliner, continence service booked, package up to four calls.", com: lA, sto: lA},
	{stage: "those_close", text: "Bereavement pack posted to the daughter; will note it on the practice system.", com: lA, rel: lA, mustTags: []string{"those_close"}},
	{stage: "what_matters", text: "What matters is finishing the model railway in his shed.", com: lN, rel: lN, mustTags: []string{"what_matters", "live_well"}},
	{stage: "why", text: "Ex-postie, knew every street in town.", com: lN},
	{stage: "what_happened", text: "Son does all her meals and tablets; needs a bigger package though.", com: lT, rel: lT},
	{stage: "those_close", text: "His cousin is staying over and the darts team keep dropping round.", com: lT, rel: lT, mustTags: []string{"those_close"}},
	{stage: "those_close", text: "Bereavement pack posted, flagged on the practice system.", com: lA, rel: lA, sto: lA, mustTags: []string{"those_close"}},
	{stage: "what_happened", text: "Won't have the night sitters.", com: lN},
	{stage: "what_happened", text: "Fed up with agency staff.", com: lN},
	{stage: "looking_ahead", text: "Won't have the night sitters, so ask for a bigger package.", com: lA},
	{stage: "looking_ahead", text: "Need to sort something for him.", com: lN},
	{stage: "looking_ahead", text: "Ask his darts team to visit.", com: lT, ant: lT},
	{stage: "looking_ahead", text: "Help the family do the bath together.", com: lT},
	{stage: "looking_ahead", text: "Carer needs respite referral.", com: lA, mustTags: []string{"those_close"}},

	// Direction 4: anticipation.
	{stage: "what_happened", text: "Went through with her and her partner what the last days could look like; she'd rather the hospice, a bed is on standby, handover sent to the night team.", ant: lT, mustTags: []string{"anticipate", "what_matters"}},
	{stage: "learn", text: "Lesson for us: get the night team in the loop before every Friday, not after a bad night.", ant: lT, rel: lN},
	{stage: "what_happened", text: "Night call-out, vomiting, cyclizine given, settled by 3am.", ant: lA, sto: lA, rel: lA, mustTags: []string{"comfort"}},
	{stage: "what_happened", text: "Bloods showed AKI, fluids started, will review tomorrow.", ant: lA, sto: lA, rel: lA},
	{stage: "whos_around", text: "Her brother and the budgie.", ant: lN, rel: lT, com: lT, sto: lN},
	{stage: "learn", text: "It was all just really sad tbh.", ant: lN, sto: lN, rel: lN, com: lN},
	{stage: "happened", text: "The form wasn't in the house so the ambulance crew conveyed her.", ant: lA},
	{stage: "learn", text: "The form wasn't in the house so the ambulance crew conveyed her, so we now leave a copy in the kitchen drawer and tell the family where.", ant: lT},
	{stage: "difference", text: "In hindsight none of us joined up her falls with her weight loss.", ant: lT},
	{stage: "looking_ahead", text: "Review prn, call if worse.", ant: lA},
	{stage: "learn", text: "Sad outcome.", ant: lN},
	{stage: "why", text: "Son is LPA.", ant: lN},

	// The worked example.
	{stage: "whos_around", text: "husband (not coping, bad back), daughter in Cardiff rings nightly, DN twice weekly, carers x3",
		rel: lT, sto: lA, com: lT, ant: lN, tags: []string{"those_close"}},

	// Capabilities.
	{stage: "what_happened", text: "He asked us to ring the bookies for him.", mustTags: []string{"what_matters"}},
	{stage: "on_your_mind", text: "Wants to die at home.", mustTags: []string{"what_matters"}, notTags: []string{"anticipate"}},
	{stage: "what_happened", text: "Breathless on exertion, sats ok.", notTags: []string{"recognise"}},
	{stage: "what_happened", text: "Deteriorating, likely last few weeks; added to the GSF register.", mustTags: []string{"recognise", "anticipate"}},
}

func TestCodebookExamples(t *testing.T) {
	for _, tc := range codebookCases {
		got := Read(tc.stage, tc.text).Codes
		check := func(dir string, want, have flows.Label) {
			if want != "" && want != have {
				t.Errorf("%s %q: %s = %s, codebook says %s", tc.stage, tc.text, dir, have, want)
			}
		}
		check("relationships", tc.rel, got.Relationships)
		check("stories", tc.sto, got.Stories)
		check("community", tc.com, got.Community)
		check("anticipation", tc.ant, got.Anticipation)
		if tc.tags != nil && !slices.Equal(tc.tags, got.Capabilities) {
			t.Errorf("%s %q: tags %v, codebook says %v", tc.stage, tc.text, got.Capabilities, tc.tags)
		}
		for _, tag := range tc.mustTags {
			if !slices.Contains(got.Capabilities, tag) {
				t.Errorf("%s %q: tags %v lack %s", tc.stage, tc.text, got.Capabilities, tag)
			}
		}
		for _, tag := range tc.notTags {
			if slices.Contains(got.Capabilities, tag) {
				t.Errorf("%s %q: tags %v should not hold %s", tc.stage, tc.text, got.Capabilities, tag)
			}
		}
	}
}

// TestTokenizeMatchesWords checks the coder's tokenizer splits text exactly
// as Words does, so that phrases and keys agree with the rest of themes.
func TestTokenizeMatchesWords(t *testing.T) {
	texts := []string{
		"His wife Irene, married 60 yrs, still reads him the paper every morning.",
		"She told me 'I've buried two husbands, I'm not frightened of this bit'.",
		"mum's ‘best’ friend’s dog… A&E x3; 2.5mg oramorph -- 'quoted' it's",
		"husband (not coping, bad back), daughter in Cardiff rings nightly, DN twice weekly, carers x3",
		"'' ' a ' b'c'' d’’ e’", "++ complaints +1 to Sam", "Ünïcödé wörds, naïve café", "tab\tsep\nnew line",
	}
	for _, text := range texts {
		d := tokenize(text)
		var got []string
		for _, tk := range d.toks {
			if tk.synthetic {
				continue
			}
			got = append(got, tk.w)
			if text[tk.start:tk.end] == "" || !utf8.ValidString(text[tk.start:tk.end]) {
				t.Errorf("%q: bad span %d:%d", text, tk.start, tk.end)
			}
		}
		if want := Words(text); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", text, got, want)
		}
	}
}

// typoTexts are misspelt answers at on_your_mind, toward on relationships
// and community.
var typoTexts = []string{"nieghbour pops in daily", "Her daugther visits every day", "her neighbor checks on her"}

func TestTypos(t *testing.T) {
	for _, text := range typoTexts {
		got := Read("on_your_mind", text).Codes
		if got.Relationships != lT || got.Community != lT {
			t.Errorf("%q: %+v, want relationships and community toward", text, got)
		}
	}
}

// TestReadMeta checks that replies about answering are read as meta, with
// none on every direction, no tags and no phrases, and that a short
// answer that is not meta keeps its reading.
func TestReadMeta(t *testing.T) {
	for _, text := range []string{"will add later", "skip", "+1 to Sam", "ditto", "n/a", "same as above", "nothing to add", "will come back to this after handover"} {
		r := Read("whos_around", text)
		c := r.Codes
		if !r.Meta || c.Relationships != lN || c.Stories != lN || c.Community != lN || c.Anticipation != lN ||
			len(c.Capabilities) != 0 || c.Capabilities == nil || len(r.Phrases) != 0 || len(KeyPhrases(text, 3)) != 0 {
			t.Errorf("%q: %+v, want a meta reply", text, r)
		}
	}
	r := Read("what_matters", "Same nurse every visit")
	if r.Meta || len(r.Codes.Capabilities) == 0 || len(r.Phrases) == 0 {
		t.Errorf("short answer read as meta: %+v", r)
	}
}

// TestTokenizeSpans checks where the tokenizer breaks sentences and
// clauses, what it reads as quoted, and its markers.
func TestTokenizeSpans(t *testing.T) {
	d := tokenize(`Son (tired, coping) rings daily. Is she ok? Dose 2.5mg -- "not today, love" ++ worry +1`)
	if got := len(d.sentences); got != 3 {
		t.Errorf("%d sentences, want 3", got)
	}
	if !d.question || !d.plusOne {
		t.Errorf("question %v plusOne %v, want both", d.question, d.plusOne)
	}
	clauseOf := map[string]int{}
	var quoted, markers []string
	for _, tk := range d.toks {
		clauseOf[tk.w] = tk.clause
		if tk.quoted {
			quoted = append(quoted, tk.w)
		}
		if tk.synthetic {
			markers = append(markers, tk.w)
		}
	}
	if clauseOf["son"] == clauseOf["tired"] || clauseOf["tired"] == clauseOf["coping"] || clauseOf["coping"] == clauseOf["rings"] {
		t.Errorf("brackets and commas do not split clauses: %v", clauseOf)
	}
	if clauseOf["2"] != clauseOf["5mg"] {
		t.Errorf("a decimal point split a clause: %v", clauseOf)
	}
	if !slices.Equal(quoted, []string{"not", "today", "love"}) || d.quoteWords != 3 {
		t.Errorf("quoted %q (%d words), want not today love", quoted, d.quoteWords)
	}
	if !slices.Equal(markers, []string{"plusplus"}) {
		t.Errorf("markers %q, want one plusplus", markers)
	}
}

// directionCase is an answer and its label on one direction.
type directionCase struct {
	stage, text string
	want        flows.Label
}

// communityCases are the community cases TestCommunityRules checks.
var communityCases = []directionCase{
	// "An action that works through them ('show his daughter how to do
	// his mouth care with us')."
	{"looking_ahead", "Show his daughter how to do his mouth care with us.", lT},
	// "A family carer shown giving care … is toward."
	{"what_happened", "Husband giving all the medication, very knowledgeable.", lT},
	{"what_happened", "Wife gave him his oramorph overnight and rang us in the morning.", lT},
	{"on_your_mind", "The lads from the pub fetch his paper.", lT},
	{"looking_ahead", "Ask whether his brother could come up from Devon for a few days.", lT},
	{"what_happened", "Her son drives her to the hospice every week.", lT},
	{"on_your_mind", "Mr P, breathless, but his wife knows exactly how to settle him with the fan.", lT},
	{"difference", "Her husband was there the whole time, day and night.", lT},
	{"what_happened", "His daughter has been amazing, she's done all the nights.", lT},
	{"learn", "Families can do so much more than we think if we show them how.", lT},
	// v5: people close who move in, offer or rally round, and a team
	// or carers who knew the person well, are relationships.
	{"on_your_mind", "His sister moved in and does all his tablets. She's knackered though", lT},
	{"difference", "The neighbours. Honestly, they did more than any of us", lT},
	{"happened", "The agency girls came to the funeral, they'd been going in three years", lT},
	// "Care given as a human relationship … (time spent with someone)."
	{"what_happened", "We sat and talked for an hour, he told me about the war.", lT},
	// "People close appear only as people who receive services ('wife
	// needs referral for respite')."
	{"looking_ahead", "Wife needs referral for respite.", lA},
	{"looking_ahead", "Request a night sitter so his wife can sleep.", lA},
	// "Bereavement support given only as a process … is away."
	{"those_close", "Daughter given the Cruse leaflet.", lA},
	// Plans found only in forms are away; in an answer about what
	// matters a form names a wish.
	{"what_happened", "ReSPECT completed, DNACPR signed.", lA},
	{"what_matters", "ReSPECT completed, DNACPR signed.", lN},
	// The writer's team visiting is help found in a service; a visit
	// told as a moment is not help put forward.
	{"looking_ahead", "We'll keep visiting daily and review the pain.", lA},
	{"what_happened", "When I visited her she wouldn't look at me.", lN},
	// "Services named only as refused, resented or failing … are none."
	{"what_happened", "Sick of the agency.", lN},
	{"happened", "OOH didn't know about the DNACPR, the crew started CPR and she died in the ambulance bay.", lN},
	// "A statement of what matters … on its own is off subject": a
	// service named as where the person would not be is a place.
	{"what_matters", "Staying out of hospital.", lN},
	{"what_matters", "Not going back into the hospice, she was adamant.", lN},
	// Care events in services, told without a failure, stay away.
	{"happened", "Conveyed to ED Sat night, died on AMU Sunday.", lA},
}

// TestCommunityRules checks the community direction on the codebook's own
// examples and borderline cases, and on answers in the same terms: each
// case failed before the rule that reads it (offline coder v4).
func TestCommunityRules(t *testing.T) {
	for _, c := range communityCases {
		if got := Read(c.stage, c.text).Codes.Community; got != c.want {
			t.Errorf("%s %q: community %s, want %s", c.stage, c.text, got, c.want)
		}
	}
}

// anticipationCases are the anticipation cases TestAnticipationRules
// checks.
var anticipationCases = []directionCase{
	// The writer's visit told as a moment is not an admission.
	{"what_happened", "When I went in on Sunday her son was reading to her and she was laughing.", lN},
	// "An account of what went wrong with no lesson drawn."
	{"difference", "No bed available so she stayed on the ward.", lA},
	// "A plan or conversation made ahead of need."
	{"what_matters", "Getting her affairs in order before the baby comes.", lT},
	{"looking_ahead", "Could her sister come and stay for a few days?", lT},
	// "A plan that only waits and reacts."
	{"on_your_mind", "Waiting on the hospital bed and the OT.", lA},
	// The codebook's own examples: "a shared understanding reached",
	// "a failure without a lesson is away", and the same failure with a
	// change made.
	{"what_happened", "His wife knows what the breathing may sound like.", lT},
	{"happened", "The JICs weren't in, so the out-of-hours GP sent him in.", lA},
	{"learn", "The JICs weren't in, so the out-of-hours GP sent him in, so we now check the box is in the house at the first visit.", lT},
}

// TestAnticipationRules checks the anticipation rules added in v4, in the
// codebook's terms: each case failed before.
func TestAnticipationRules(t *testing.T) {
	for _, c := range anticipationCases {
		if got := Read(c.stage, c.text).Codes.Anticipation; got != c.want {
			t.Errorf("%s %q: anticipation %s, want %s", c.stage, c.text, got, c.want)
		}
	}
	// The person's own affairs are not the care planning the anticipate
	// tag names.
	if tags := Read("what_matters", "Getting her affairs in order before the baby comes.").Codes.Capabilities; slices.Contains(tags, "anticipate") {
		t.Errorf("affairs in order tagged anticipate: %v", tags)
	}
}

// TestNamesTakenOutByTheScrubber checks that a name the scrubber took out
// ("[name]", as answers are stored) is read as the name it stood for: one
// of the person's own people where the text shows it ("my [name]", "[name]
// had been up with him"), staff where a role stands beside it, and the
// tokenizer still splits the text as Words does.
func TestNamesTakenOutByTheScrubber(t *testing.T) {
	cases := []struct {
		stage, text string
		want        flows.Label
	}{
		{"what_matters", "In her own words: 'Bingo Thursday, my [name], and no needles'.", lT},
		{"what_happened", "He was admitted after a fall. [name] had been up with him three nights running.", lT},
		{"happened", "She died at teatime with [name] holding her hand.", lT},
		// "[name]'s" is a possessive, not a quotation opening.
		{"those_close", "[name]'s got her sister staying and the WI ladies have done a meal rota.", lT},
		// Staff by a role: not someone of the person's own life.
		{"whos_around", "His key worker [name], the DNs, and the GP.", lA},
	}
	for _, tc := range cases {
		if got := Read(tc.stage, tc.text).Codes.Relationships; got != tc.want {
			t.Errorf("%s %q: relationships %s, want %s", tc.stage, tc.text, got, tc.want)
		}
	}
	if d := tokenize("[name]'s got her sister staying. She said 'come in'"); d.toks[0].quoted || d.toks[1].quoted || !d.toks[len(d.toks)-1].quoted {
		t.Errorf("[name]'s opened a quotation, or a real one was missed")
	}
	for _, text := range []string{"my [name], [name]'s dog", "[name] had been up [date]", "[[name]] [name"} {
		var got []string
		for _, tk := range tokenize(text).toks {
			got = append(got, tk.w)
		}
		if want := Words(text); !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", text, got, want)
		}
	}
}

// TestKeyPhrasesLeaveScrubbedDetailsWhole: a scrubbed detail is never a
// key phrase, and a quote never stops inside one or before the bracket or
// quotation mark that closes its words.
func TestKeyPhrasesLeaveScrubbedDetailsWhole(t *testing.T) {
	for _, text := range []string{
		"Wife up with him three nights, NHS [NHS number]",
		"Born [date] in the valley, farmed it all his life",
		"She said 'the garden is everything (mostly)'",
	} {
		for _, p := range Read("why", text).Phrases {
			if strings.Contains(p.Phrase, "nhs number") || strings.Contains(p.Phrase, "date") || strings.Contains(p.Phrase, "name") {
				t.Errorf("%q: a scrubbed detail %q made a key phrase", text, p.Phrase)
			}
			if strings.Count(p.Quote, "[") != strings.Count(p.Quote, "]") || strings.Count(p.Quote, "(") != strings.Count(p.Quote, ")") ||
				strings.Count(p.Quote, "'")%2 != 0 {
				t.Errorf("%q: quote %q stops inside brackets or a quotation", text, p.Quote)
			}
		}
	}
}
