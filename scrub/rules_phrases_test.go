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
