package scrub

import "testing"

// Table tests for the rules and guards added for issue 9 (scrubbing as
// clinicians really type). Each case fails if its rule or guard breaks.

func TestMentionRule(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"<@U04QK7ZP2> can you", "[mention] can you"},
		{"cc <@U0ABC1234|gail.m> pls", "cc [mention] pls"},
		{"<@W0123ABCD>", "[mention]"},
	})
	runRuleCases(t, nil, unchanged("<#C0123ABC|general>", "<!here>", "<@>", "<@u123>", "a <@U12 b"))
	if got := scrubDefault("<@U04QK7ZP2>").Summary(); got != "a mention" {
		t.Errorf("Summary = %q", got)
	}
}

func TestNHSNumberShapes(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"nhs 785.262.7315 on it", "nhs [NHS number] on it"},       // dots, valid
		{"943.476.5919", "[NHS number]"},                           // dots, valid
		{"943 476 5918", "[NHS number]"},                           // 3-3-4, check fails
		{"999.629.9990", "[NHS number]"},                           // 3-3-4 dots, check fails
		{"NHS 9990173131 - typo?", "NHS [NHS number] - typo?"},     // cue, check fails
		{"nhs no: 99 90 17 31 31", "nhs no: [NHS number]"},         // cue, pairs
		{"NHS number is 9434765918", "NHS number is [NHS number]"}, // cue and "is"
		{"NHS# 999-017-3131", "NHS# [NHS number]"},                 // cue and grouping
	})
	// 3-3-4 starting with 0 is left to the phone rules.
	runRuleCases(t, nil, []ruleCase{{"020 794 6033", "[phone number]"}})
	runRuleCases(t, nil, unchanged(
		"ref 4567123498 on the order", // bare ten digits, check fails
		"1234567891",                  // bare ten digits, check fails
		"1.234.567.8901",              // part of a longer dotted number
		"NHS 111",                     // not ten digits
	))
}

func TestCHIAndHCNumbers(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"CHI 2605477363 (Dundee)", "CHI [CHI number] (Dundee)"},
		{"chi no: 120430 8616", "chi no: [CHI number]"},
		{"her CHI is 2808347545", "her CHI is [CHI number]"},
		{"CHI 2605477360", "CHI [CHI number]"}, // named as such, check fails
		{"H&C 344 207 0570", "H&C [H&C number]"},
		{"H+C no. 3822256331", "H+C no. [H&C number]"},
		{"h&c number 3671483342", "h&c number [H&C number]"},
	})
	r := scrubDefault("CHI 2605477363 and H&C 3442070570")
	if got := r.Summary(); got != "a CHI number and an H&C number" {
		t.Errorf("Summary = %q", got)
	}
	// Without a name, a valid number is an NHS number.
	runRuleCases(t, nil, []ruleCase{{"2605477363", "[NHS number]"}})
}

func TestNINumberAnyPrefix(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"QQ 12 34 56 C", "[National Insurance number]"}, // HMRC's example
		{"NI QQ 12 34 56 C", "NI [National Insurance number]"},
		{"QQ123456C", "[National Insurance number]"},
		{"ZZ 12 34 56 D", "[National Insurance number]"},
		{"NI: TN 31 12 58", "NI: [National Insurance number]"}, // cue, no suffix
	})
	runRuleCases(t, nil, unchanged("QQ 12 34 56 E", "QQ 12 34 56", "QQ1234567C"))
}

func TestDateShapesAsTyped(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"died 3rd march", "died [date]"},
		{"seen 12th may by CNS", "seen [date] by CNS"},
		{"sept 3rd review", "[date] review"},
		{"12 mar funeral", "[date] funeral"},
		{"mar 12 first seen", "[date] first seen"},
		{"may 12th", "[date]"},
		{"seen 12 may", "seen [date]"}, // "may" after a date cue
		{"DOB 12031941", "DOB [date]"},
		{"dob 030441", "dob [date]"},
		{"died 3/4 at 0530", "died [date] at 0530"},
		{"seen 14/2", "seen [date]"},
		{"admitted 28/11", "admitted [date]"},
		{"discharged 4/1 home", "discharged [date] home"},
		{"on 17/6 family meeting", "on [date] family meeting"},
		{"d/c 4/1", "d/c [date]"},
	})
	runRuleCases(t, nil, unchanged(
		"last Tuesday", "3 days ago", "day 3", "pain 7/10", "5/12 since dx",
		"discharged 2/7 ago", // a duration
		"on 7/10 pain",       // a score after a weak cue
		"3 may help",         // "may" the verb
		"5 May be the right dose",
		"it may 12 times",
		"DOB 32131941", // not a day and month
		"DOB 1203194",  // seven digits
		"on 2.5mg",
	))
}

func TestAddressRule(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"lives 14 Harbour Road, wife", "lives [address], wife"},
		{"flat 3, Seaview Court", "[address]"},
		{"Flat 2b, Marlow Place", "[address]"},
		{"22a Mill Lane then", "[address] then"},
		{"2 St Mary's Terrace", "[address]"},
		{"12 High St, Dorchester", "[address], Dorchester"},
		{"flat 3, 14 Harbour Road", "[address]"},
	})
	runRuleCases(t, nil, unchanged(
		"2 Harbour View Care Home", // a place of care
		"at Mapleton Court Care Home",
		"10 mg over 24h", "3 days down the road", "14 harbour road",
		"5 NHS Way", // acronym
	))
}

func TestAgeShapesAsTyped(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"92M metastatic", "[age]M metastatic"},
		{"95F, lives alone", "[age]F, lives alone"},
		{"Dolly, 97, loved", "[name], [age], loved"},
		{"at 97 she", "at [age] she"},
		{"pt is 98 and", "pt is [age] and"},
		{"Grace is 91", "Grace is [age]"}, // a name that is a word needs a cue,
	})
	runRuleCases(t, nil, unchanged(
		"Temp 99F", "sats at 94 on 2L", "at 95%", "at 90 degrees", "at 0930",
		"89M", "bed, 94, ", "at 92.5",
	))
}

func TestNameCues(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		// Relation and role words before the name.
		{"dtr Sue w/ her", "dtr [name] w/ her"},
		{"NOK Shaz aware", "NOK [name] aware"},
		{"pt Kwame says", "pt [name] says"},
		{"her son Mike wants", "her son [name] wants"},
		{"HCA Priya and I", "HCA [name] and I"},
		{"CNS Rachel rang", "CNS [name] rang"},
		{"DN Tomasz visited", "DN [name] visited"},
		{"OT Siobhan, SW Trevor", "OT [name], SW [name]"},
		{"ANP Nisha verified", "ANP [name] verified"},
		{"F1 Ahmed did", "F1 [name] did"},
		{"physio Colin came", "physio [name] came"},
		{"Sister Brennan", "Sister [name]"},
		{"Rev Olu did", "Rev [name] did"},
		// After the name.
		{"Jean (wife) asked", "[name] (wife) asked"},
		{"Geoff (son) came", "[name] (son) came"},
		{"Jim's daughter was", "[name]'s daughter was"},
		{"Shaz (dtr) rang", "[name] (dtr) rang"},
		// Other shapes.
		{"son: Mike, 07", "son: [name], 07"},
		{"Wife (Jean) rang", "Wife ([name]) rang"},
		{"NOK = Ray", "NOK = [name]"},
		{"NOK is Derek", "NOK is [name]"},
		{"spoke to Kath about", "spoke to [name] about"},
		{"told Bernie the plan", "told [name] the plan"},
		{"handed over to Gail at 8", "handed over to [name] at 8"},
		{"thanks Anwen and Imogen", "thanks [name] and [name]"},
		{"sons Darren, Lee and Craig", "sons [name], [name] and [name]"},
		{"@Gail can you", "@[name] can you"},
		// Names that are words, after a cue.
		{"dtr Hope asked", "dtr [name] asked"},
		{"son Will both", "son [name] both"},
		{"wife Grace said", "wife [name] said"},
		{"dtr May and son Bill", "dtr [name] and son [name]"},
	})
}

func TestBareNameRule(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"Barbara held his hand", "[name] held his hand"},
		{"Margaret Pengelly, 94,", "[name], [age],"},
		{"went in with Sandra", "went in with [name]"},
		{"Eric and Vera married", "[name] and [name] married"},
	})
	// Names that are also words need a cue.
	runRuleCases(t, nil, unchanged(
		"Hope is that she gets home", "Will review tmrw", "May need to start SD",
		"Grace was said before meals", "Frank conversation with son", "Joy on her face",
		"Bill from the funeral director", "Rose from her chair", "Sky news on",
	))
}

func TestNameGuards(t *testing.T) {
	runRuleCases(t, nil, []ruleCase{
		{"Mrs Ellis DOB 02/03/41", "Mrs [name] DOB [date]"},                  // acronym after a name
		{"wife Jean Parkinson's disease", "wife [name] Parkinson's disease"}, // eponym
	})
	runRuleCases(t, nil, unchanged(
		// Acronyms are never names.
		"DNACPR in place, NOK aware, GP informed", "pt DNACPR", "son DOB",
		// Eponyms in clinical use.
		"Parkinson's disease", "Alzheimer's", "Crohn's", "Hodgkin's lymphoma",
		"Parkinsons meds on time", "Barthel 60", "Abbey pain scale",
		// Places of care and organisations.
		"called Poole Hospital", "called Weymouth Community Hospital",
		"at Westbourne Surgery", "called Elm Tree Practice", "Dorset HealthCare",
		"at Harbour View Care Home", "Marie Curie nurse", "Sue Ryder hospice",
		"Winston's Wish", "Mapleton Court Care Home",
		// Pets.
		"the dog Biscuit", "cat called Tigger", "dog (Max) came", "the cat Smudge",
		// Places and days.
		"in Sydney", "from Derry", "at St Mary's", "Christmas Eve", "until Easter",
		// Months are not names.
		"Jan is on nights",
	))
}

func TestKeepList(t *testing.T) {
	s, err := New(Options{Keep: []string{"Hazel", "Birch"}})
	if err != nil {
		t.Fatal(err)
	}
	runRuleCases(t, s, []ruleCase{
		{"Birch, deteriorating. Hazel asked for Barbara", "Birch, deteriorating. Hazel asked for [name]"},
		{"dtr Hazel rang", "dtr Hazel rang"},
	})
	k, err := (*Scrubber)(nil).Keeping("Kestrel", "Rowan")
	if err != nil {
		t.Fatal(err)
	}
	runRuleCases(t, k, unchanged("Rowan settled", "Kestrel's wife"))
	// Without the keep list the same words are names.
	runRuleCases(t, nil, []ruleCase{{"Birch, deteriorating", "[name], deteriorating"}})

	// A team's list is compiled once and remembered; another list gets a
	// Scrubber of its own, and the first is still right after it.
	base, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := base.Keeping("Birch", "Hazel")
	b, _ := base.Keeping("Rowan")
	a2, _ := base.Keeping("Birch", "Hazel")
	if a1 != a2 || a1 == b {
		t.Errorf("Keeping: same list gave %p then %p, another list %p; want the first remembered", a1, a2, b)
	}
	runRuleCases(t, a2, unchanged("Birch settled"))
	runRuleCases(t, b, []ruleCase{{"Birch settled", "[name] settled"}})
}
