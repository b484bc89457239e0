package scrub

import "testing"

// Table tests for the guards that keep clinical phrases which look like a
// title and a name, or like a name ("Nurse Led", "Foley catheter"), and for
// the names those guards must not let through.

func TestTitleCompoundGuards(t *testing.T) {
	runRuleCases(t, nil, unchanged(
		// A role title before a common word that is no name.
		"the Nurse Led clinic", "Nurse Call bell", "Nurse Training day", "Sister Act",
		"Lady Chapel", "Nurse Station phone", "Matron Cover this weekend",
		// Process and role words after any title.
		"awaiting Dr Review", "Nurse Prescriber", "Matron Walkround at 11", "Nurse Advisor rang",
		// An article before a title and a common word.
		"the Sister Ward office", "a Sister Led round",
		// Brands and characters.
		"his Dr Martens", "Dr Google", "the Mr Men books", "Mr Kipling cakes", "Doctor Who",
		"Earl Grey", "Father Christmas",
		// Charities and places after a cue.
		"spoke to Marie Curie", "spoke to Sue Ryder", "rang St Luke's", "rang Lloyds pharmacy",
		"Julia's House", "Helen House",
	))
	// Surnames that are also common words stay names after a title.
	runRuleCases(t, nil, []ruleCase{
		{"Sister Wood on nights", "Sister [name] on nights"},
		{"Nurse Young did it", "Nurse [name] did it"},
		{"Sister Ward said she would ring", "Sister [name] said she would ring"},
		{"Mrs Baker settled", "Mrs [name] settled"},
		{"Dr Field (GP)", "Dr [name] (GP)"},
		{"Father Brown came", "Father [name] came"},
		{"Matron Little signed it", "Matron [name] signed it"},
		{"the Dr Brown clinic", "the Dr [name] clinic"},
		{"Mrs St John rang", "Mrs [name] rang"},
		{"dtr Sally Brown rang", "dtr [name] rang"},
		{"spoke to Marie", "spoke to [name]"},
		{"Sister A Smith rang", "Sister [name] rang"},
		{"the Nurse van Dyk", "the Nurse [name]"},
	})
}

func TestThingAfterGuards(t *testing.T) {
	runRuleCases(t, nil, unchanged(
		"Foley catheter", "Hickman line", "Bell's palsy", "Paget's disease",
		"Carol service Thurs", "Holly wreath", "Niki T34 driver", "the Niki T34 alarm",
		"McKinley T34 pump",
	))
	// A first name before a device word is the patient's device.
	runRuleCases(t, nil, []ruleCase{
		{"Doris catheter out", "[name] catheter out"},
		{"Doris's catheter", "[name]'s catheter"},
		{"Doris T34 driver", "[name] T34 driver"},
		{"Margaret's service was lovely", "[name]'s service was lovely"},
		{"Niki rang", "[name] rang"},
		{"Foley rang", "[name] rang"},
	})
}

// Table tests for the word classes of the second phrases round
// (testdata/tune_styles.txt): drugs, states, faiths, services, short day
// names and note-form clauses after a cue.
func TestWordClassGuards(t *testing.T) {
	runRuleCases(t, nil, unchanged(
		// A state after a relation or role word.
		"dtr Happy with the plan", "Son - Keen for her to come home", "pt Restless overnight",
		"NOK Tearful on phone", "pt Unresponsive since 2am",
		// A role as a heading before a note-form clause.
		"GP: May visit tomorrow", "DN - Will call Mon", "SBAR to GP: Hope is fading",
		// A word before an acronym after a comma.
		"lives with wife, Sky TV on all day",
		// Services and teams after a cue.
		"spoke to Lymphoedema Service", "told Frailty Team about him", "handed over to Twilight Nurses",
		"spoke to Coroner's Officer",
		// Faith words, a name after an article, wards named after people.
		"Christian faith is very important", "remove the Kara", "moved the bed to Victoria Ward",
		"Mary Ward side room",
		// Titles of faith leaders.
		"Granthi from the gurdwara visited",
	))
	runRuleCases(t, nil, []ruleCase{
		// A drug or a short day name ends a name after a title.
		{"Mrs Baker Oramorph 2.5mg given", "Mrs [name] Oramorph 2.5mg given"},
		{"Mr Evans Levomepromazine helped", "Mr [name] Levomepromazine helped"},
		{"Mrs Hopkirk Sun am: settled", "Mrs [name] Sun am: settled"},
		{"Mrs Wei Sun rang", "Mrs [name] rang"},
		// Names that are also words stay names after a real cue.
		{"her son Frank is flying in", "her son [name] is flying in"},
		{"wife Joy asleep", "wife [name] asleep"},
		{"Grace (dtr) rang", "[name] (dtr) rang"},
		{"husband Will wants to be there", "husband [name] wants to be there"},
		{"CNS - Grace, DN - Will", "CNS - [name], DN - [name]"},
		{"NOK: Will", "NOK: [name]"},
		{"SH: lives with wife, Joy", "SH: lives with wife, [name]"},
		{"son Christian rang", "son [name] rang"},
		{"Granthi Singh visited", "Granthi [name] visited"},
		{"dtr Sally Ward rang", "dtr [name] Ward rang"},
		{"Mary Ward rang", "[name] Ward rang"},
		{"IMCA Priyanka attending", "IMCA [name] attending"},
		{"Agnieszka rang", "[name] rang"},
		{"the Patel family", "the [name] family"},
	})
}
