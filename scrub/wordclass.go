package scrub

import "strings"

// Word classes that tell a clinical word from a name: drug names, the
// adjectives that describe how someone is ("pt Restless", "dtr Happy with
// the plan"), faith words and the head words of services and teams.

// drugWords are drug names, generic and brand, used in palliative care and
// typed with a capital: after a title and a surname ("Mrs Baker Oramorph
// 2.5mg") they end the name. Many more are caught by drugSuffixes.
var drugWords = setOf(`oramorph zomorph shortec longtec abstral instanyl buscopan
	levomepromazine midazolam haloperidol haldol dexamethasone movicol laxido cosmocol
	senna senokot fentanyl durogesic butrans butec transtec reletrans matrifen mezolar
	fencino sevodyne hapoctasin bupeaze oxynorm oxycontin sevredol mst morphine diamorphine
	alfentanil rapifen nozinan hypnovel buccolam epistatus kwells scopoderm hyoscine
	glycopyrronium robinul cyclizine valoid domperidone motilium metoclopramide maxolon
	ondansetron zofran olanzapine zyprexa quetiapine seroquel risperidone lorazepam ativan
	diazepam valium clonazepam rivotril phenobarbital temazepam zopiclone melatonin
	circadin furosemide lasix bumetanide spironolactone digoxin paracetamol naproxen
	ibuprofen codeine co-codamol cocodamol kapake tramadol zapain tramacet oxycodone
	targinact palexia tapentadol methadone ketamine hydromorphone palladone actiq effentora
	pecfent lyrica pregabalin gabapentin amitriptyline mirtazapine sertraline citalopram
	keppra levetiracetam epilim tegretol octreotide sandostatin omeprazole lansoprazole
	ranitidine gaviscon docusate dulcolax bisacodyl lactulose fybogel picolax prednisolone
	hydrocortisone fludrocortisone florinef eliquis apixaban edoxaban lixiana xarelto
	rivaroxaban clexane enoxaparin fragmin dalteparin heparin warfarin insulin lantus
	levemir humulin novorapid metformin gliclazide fortisip calogen ensure fresubin
	nutilis difflam corsodyl biotene nystan nystatin daktarin fluconazole trimethoprim
	nitrofurantoin augmentin tazocin teicoplanin metronidazole naloxone narcan
	stemetil prochlorperazine kemadrin madopar sinemet co-careldopa rotigotine neupro
	budesonide salbutamol ventolin atrovent ipratropium`)

// drugSuffixes end generic drug names: "Levomepromazine", "Alfentanil".
// They count only for words on none of the name lists.
var drugSuffixes = []string{"morph", "phine", "tanil", "azepam", "azolam", "peridol",
	"promazine", "azine", "etron", "prazole", "asone", "olone", "pril", "olol", "statin",
	"sartan", "cillin", "mycin", "floxacin", "parin", "xaban", "gliptin", "gliflozin",
	"tidine", "codone", "adol", "pentin", "gabalin", "triptyline", "oxetine", "apine",
	"idone", "pramide", "izine", "amide", "ronium"}

// isDrugWord reports whether w is a drug name.
func isDrugWord(w string) bool {
	if inSetFold(drugWords, trimPossessive(w)) {
		return true
	}
	if nameClass(w) != 0 || len(w) < 7 {
		return false
	}
	l := strings.ToLower(w)
	for _, s := range drugSuffixes {
		if strings.HasSuffix(l, s) {
			return true
		}
	}
	return false
}

// stateWords say how a person is or feels. After a relation or role word
// they are not a name, though some are also first names ("dtr Happy with
// the plan", "Son - Keen for her to come home", "pt Restless overnight").
var stateWords = setOf(`happy glad keen free lucky early fair hasty merry calm content
	pleased grateful relieved accepting aware informed updated upset angry anxious
	tearful distressed emotional exhausted tired weary sleepy drowsy restless agitated
	settled unsettled comfortable uncomfortable peaceful rousable unrousable responsive
	unresponsive confused delirious alert orientated oriented chatty quiet withdrawn
	jaundiced breathless nauseous clammy mottled cyanosed pale grey weak frail cachectic
	febrile pyrexial hypoxic incontinent constipated bedbound mobile immobile stable
	unstable deteriorating improving dying present absent here there keen sad low
	frightened scared worried shocked surprised coping struggling fine well unwell poorly
	supportive involved visiting staying sleeping resting eating drinking vomiting`)

// stateSuffixes end adjectives and participles ("Tearful", "Agitated",
// "Unresponsive"); they count only for words on none of the name lists.
var stateSuffixes = []string{"ful", "less", "ous", "ive", "able", "ible", "ated", "ised", "ized", "iced"}

// isStateWord reports whether w says how someone is rather than naming
// them.
func isStateWord(w string) bool {
	if inSetFold(stateWords, w) {
		return true
	}
	if nameClass(w) != 0 || len(w) < 6 {
		return false
	}
	l := strings.ToLower(w)
	for _, s := range stateSuffixes {
		if strings.HasSuffix(l, s) {
			return true
		}
	}
	return false
}

// faithWords name a faith or its people; some are also first names
// ("Christian faith is very important"). With no cue they are a name only
// with a surname after them.
var faithWords = setOf(`christian catholic muslim sikh hindu jewish buddhist humanist
	anglican methodist baptist quaker pentecostal orthodox protestant jain parsi`)

// serviceHeads end the name of a service, team or tool: "Lymphoedema
// Service", "Frailty Team", "Twilight Nurses", "Amber Care Bundle". After a
// word cue or with no cue, the capitalised words before one are not a
// name.
var serviceHeads = setOf(`team teams service services unit units nurses nursing office
	officer officers hub bureau desk line helpline framework bundle scale form response
	department directorate network partnership alliance association institute programme
	pathway register clinic clinics group forum panel board`)

// placeHeads end the name of a ward or a building, which is often named
// after a person ("Victoria Ward", "Mary Seacole Wing"). They are also
// surnames ("dtr Sally Ward"), so they count only for a name with no cue.
var placeHeads = setOf(`ward wards wing lodge suite`)

// serviceAfter reports whether the capitalised word after words[last] is a
// service head ("Frailty Team"), or for a name with no cue (bare) a ward
// or building head ("Victoria Ward"), so words[last] is part of its name.
func serviceAfter(text string, words []word, last int, bare bool) bool {
	k := last + 1
	if k >= len(words) || !spaceGap(text[words[last].end:words[k].start], 1, 1) {
		return false
	}
	w := text[words[k].start:words[k].end]
	if !isCapitalised(w) || isAllCaps(w) {
		return false
	}
	if inSetFold(serviceHeads, w) {
		return true
	}
	// "Mary Ward rang" is a person.
	return bare && inSetFold(placeHeads, w) && !(k+1 < len(words) && spaceGap(text[words[k].end:words[k+1].start], 1, 1) &&
		inSetFold(personVerbs, text[words[k+1].start:words[k+1].end]))
}

// personVerbs after "Name Ward" show a person, not a ward: "Mary Ward rang".
var personVerbs = setOf(`rang said says came visited called phoned asked wants wanted is was has had
	will would told arrived left agreed died`)

// dayAbbrevs are short day names, also surnames or words ("Sun", "Sat").
var dayAbbrevs = setOf(`mon tue tues wed thu thur thurs fri sat sun`)

// dayTimes follow a short day name: "Sun am", "Sat pm".
var dayTimes = setOf(`am pm morning afternoon evening eve night nights`)

// dayTimeAt reports whether words[k] is a short day name that reads as a
// time: before am, pm or the like ("Mrs Hopkirk Sun am"), or before a dash
// or a digit ("Mon–Fri", "Fri 1400").
func dayTimeAt(text string, words []word, k int) bool {
	if !inSetFold(dayAbbrevs, text[words[k].start:words[k].end]) {
		return false
	}
	rest := text[words[k].end:]
	if strings.HasPrefix(rest, "–") || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "/") {
		return true
	}
	r := strings.TrimLeft(rest, " ")
	if len(rest)-len(r) != 1 || r == "" {
		return false
	}
	if isDigit(r[0]) {
		return true
	}
	return k+1 < len(words) && words[k+1].start == len(text)-len(r) && inSetFold(dayTimes, text[words[k+1].start:words[k+1].end])
}

// roleCueWords are the cue words that name a role rather than a relation.
// As a heading ("GP: ...", "DN - ...") they may start a note-form clause.
var roleCueWords = setOf(`hca hcsw csw cns dn dns ot sw anp acp physio physiotherapist
	rn sn chaplain volunteer pharmacist salt counsellor keyworker consultant registrar
	sho spr gp imca advocate interpreter dietitian dietician pt patient`)

// headingGap reports whether gap is a heading's ":", "-", "–" or "=".
func headingGap(gap string) bool {
	g := strings.TrimLeft(gap, " \t")
	return g != "" && (g[0] == ':' || g[0] == '-' || g[0] == '=' || strings.HasPrefix(g, "–"))
}

// clauseAfter reports whether words[k] is followed by a space and a
// lower-case word: "Will review funding", "Hope is fading".
func clauseAfter(text string, words []word, k int) bool {
	if k+1 >= len(words) || !spaceGap(text[words[k].end:words[k+1].start], 1, 2) {
		return false
	}
	return !isCapitalised(text[words[k+1].start:words[k+1].end])
}

// groupWords follow a surname that names a family: "the Pinkney family".
var groupWords = setOf(`family families household twins boys girls kids children sisters brothers`)

// articleBefore reports whether words[k] follows "the", "a" or "an", and is
// not followed by a family word: "remove the Kara", "a Christian burial".
func articleBefore(text string, words []word, k, last int) bool {
	if k == 0 || !spaceGap(text[words[k-1].end:words[k].start], 1, 1) {
		return false
	}
	switch a := text[words[k-1].start:words[k-1].end]; {
	case strings.EqualFold(a, "the"), strings.EqualFold(a, "a"), strings.EqualFold(a, "an"):
	default:
		return false
	}
	if last+1 < len(words) && inSetFold(groupWords, text[words[last+1].start:words[last+1].end]) {
		return false
	}
	return true
}

// noteFormAfterCue reports whether the word after the word cue at words[i]
// starts a note-form clause rather than being a name: after a role used as
// a heading, a first name that is also a word and a lower-case word ("GP:
// May visit tomorrow", "DN - Will call Mon"), or after a comma, a name
// that is also a word before an acronym ("with wife, Sky TV on").
func noteFormAfterCue(text string, words []word, i int) bool {
	if i+1 >= len(words) {
		return false
	}
	gap := text[words[i].end:words[i+1].start]
	next := text[words[i+1].start:words[i+1].end]
	if nameClass(next)&(nmWordName|nmCommon) == 0 {
		return false
	}
	if headingGap(gap) && inSetFold(roleCueWords, text[words[i].start:words[i].end]) {
		return clauseAfter(text, words, i+1)
	}
	if strings.HasPrefix(gap, ",") && i+2 < len(words) && spaceGap(text[words[i+1].end:words[i+2].start], 1, 1) {
		return isAllCaps(text[words[i+2].start:words[i+2].end])
	}
	return false
}
