package offline

import "whatmatters/flows"

// This file holds the coder's rules as data: what is counted in an answer
// (wordCounts), the facts read from the counts and categories (countFacts,
// categoryFacts, answerFacts), and, for each direction and capability tag,
// the decision rules of docs/codebook.md as ordered rows (the first row that
// matches gives the label; none if no row does). Adding a rule is adding a
// row. The cue words of each category are the lexicon's (cues.go).

// A count is one of the counts feats keeps of an answer's words.
type count uint8

const (
	nWords          count = iota // words
	nCore                        // pronouns, articles, auxiliaries (coreFunction)
	nContent                     // words that are not function words
	nRecord                      // content words of the record register only
	nClinical                    // clinical words, not negated
	nClinicalInTeam              // clinical and patient words, not negated
	nReactive                    // reactive and assessment words
	nAssess                      // assessment words
	nEvents                      // runs of care events
	nServices                    // services, interventions and medicines, not negated
	nPersonState                 // words of the person's clinical state, and events that happened to them
	nTickboxRuns                 // runs of tick-box phrases
	nDates                       // days, dates and numbers
	nCareEvents                  // runs of care events that are not only the death
	numCounts
)

// A wordPattern matches one word by its categories and its neighbours.
type wordPattern struct {
	any        lexCat          // the word has one of these (0: any word)
	all        lexCat          // and all of these
	none       lexCat          // and none of these
	words      map[string]bool // and is one of these words (nil: any)
	notNegated bool            // and does not follow a negation in its clause
	runStart   bool            // and the word before it has none of any: one count per run
	notRefused bool            // and its clause refuses nothing ("refused the night sitters")
	notWords   map[string]bool // and is none of these words
}

func (p *wordPattern) matches(d *doc, i int) bool {
	t := &d.toks[i]
	if p.any != 0 && t.cat&p.any == 0 || t.cat&p.all != p.all || t.cat&p.none != 0 {
		return false
	}
	if p.words != nil && !p.words[t.w] || p.notWords[t.w] {
		return false
	}
	if p.runStart && i > 0 && d.toks[i-1].cat&p.any != 0 {
		return false
	}
	if p.notRefused && d.clauseHas(t.clause, cRefuse) {
		return false
	}
	return !p.notNegated || !d.negated(i)
}

// A wordCount adds one to its count for each word that matches one of its
// patterns.
type wordCount struct {
	count count
	when  []wordPattern
}

func (wc *wordCount) matches(d *doc, i int) bool {
	for k := range wc.when {
		if wc.when[k].matches(d, i) {
			return true
		}
	}
	return false
}

var wordCounts = []wordCount{
	{nWords, []wordPattern{{}}},
	{nCore, []wordPattern{{words: coreFunction}}},
	{nContent, []wordPattern{{none: cFunction | cNegate}}},
	// Services refused are not "inputs from services": "He refused the
	// night sitters and the hospice bed" is a plain sentence, not a record.
	{nRecord, []wordPattern{{any: lexRecord, none: cFunction | cNegate | lexDescribing | lexOwnLife, notRefused: true}}},
	{nClinical, []wordPattern{{any: cClinical, notNegated: true}}},
	{nClinicalInTeam, []wordPattern{{any: cClinical | cPatient, notNegated: true}}},
	{nReactive, []wordPattern{{any: cReactive | cAssess}}},
	{nAssess, []wordPattern{{any: cAssess}}},
	{nEvents, []wordPattern{{any: cChrono, runStart: true}}},
	{nServices, []wordPattern{{any: lexServices, notNegated: true}}},
	{nPersonState, []wordPattern{{any: cClinical | cPatient | cChrono | cAssess, notNegated: true}, {all: cReactive | cService}}},
	{nTickboxRuns, []wordPattern{{any: cTickbox, runStart: true}}},
	{nDates, []wordPattern{{any: cDay | cNumber}}},
	// "Events dealt with as they came (call-outs, crises, admissions,
	// trips to ED, firefighting)": the death itself ("she died in her own
	// room with her son holding one hand") is not one of them.
	{nCareEvents, []wordPattern{{any: cChrono, runStart: true, notWords: deathWords}}},
}

// A fact is one thing the decision rules read of an answer, one bit each.
type fact uint64

const (
	// Who is in the answer and where help comes from (peopleFacts).
	fOwnLife       fact = 1 << iota // someone from the person's own life, not negated
	fNamedOwnLife                   // someone from their own life named as more than a bare label
	fClearPerson                    // a clear instance: someone with something about them
	fProblemPerson                  // a relative described only as a problem
	fNegPeople                      // "no family", "no NOK"
	fOwnLifeAround                  // someone from their own life around them, not gone or estranged
	fSupportPerson                  // someone from their own life gives help, care or company
	fCommunitySrc                   // a community resource put forward (befriending, the vicar)
	fRelCare                        // care given as a relationship
	fServiceHelp                    // a service, intervention or medicine put forward as help
	fServiceAny                     // a service named at all
	fFormHelp                       // a form that holds a plan, not failing
	fWentWrong                      // a sentence tells a failure ("weren't in", "failed")
	fFailing                        // services refused, failing, or a care failure told
	fFixOutside                     // a fix or plan outside the failing clauses
	fFailingOnly                    // failing, with no fix put forward
	fStrainPerson                   // how someone close is doing
	fQuestion                       // the answer asks something
	fHomeCompany                    // someone from their own life named only in being at home with them

	// What the answer holds (answerFacts, categoryFacts).
	fVoice         // the person's or a relative's own words
	fMoment        // a particular moment or scene
	fFormPlan      // a form named as done or planned
	fStrongPlan    // a plan word that is not a form
	fWish          // something the person or their family wants
	fRecognises    // the last phase of life recognised
	fPlanWord      // the word "plan"
	fStrongBereave // bereavement or carer support, not a service's
	fNobody        // "nobody", "lives alone", "on his own"
	fHistory       // a remembered piece of the person's history
	fExperience    // what an experience was like or meant
	fLesson        // a lesson drawn, hindsight
	fHypothetical  // what may happen
	fTeamTalk      // the team and its processes
	fUnsure        // the writer does not know yet
	fIntent        // a plan or fix, however weak
	fReason        // explaining why

	// The register (registerFacts).
	fTelegraphic  // note form
	fMostlyRecord // mostly the words of a record
	fChronology   // a sequence of care events

	// Thresholds on counts (countFacts).
	fReactive       // reacting or assessing
	fReactive2      // more than once
	fClinical       // a clinical word
	fClinical3      // three or more
	fClinicalInTeam // a clinical or patient word
	fPersonState    // the person's clinical state or events
	fServices2      // two or more services
	fTickbox        // a tick-box phrase
	fTickbox2       // two runs or more
	fFewContent     // four content words at most
	fTwoContent     // two content words or more
	fRecordWord     // a word of the record register
	fEvents         // a care event
	fEightWords     // eight words or more

	fHistoryWeak // a trait or role from their past, a span of years (categoryFacts)
	fTwoCore     // two pronouns, articles or auxiliaries or more: sentences, not a list of traits (countFacts)
	fCareEvents  // a care event that is not only the death (countFacts)
	fRefusal     // services refused by the person, and nothing else failing (answerFacts)
	fActOnMay    // a plan or fix word beside what may happen, not inside the worry (answerFacts)
)

// countFacts are facts of a count at least min and at most max (-1: no
// bound).
var countFacts = []struct {
	fact     fact
	count    count
	min, max int
}{
	{fReactive, nReactive, 1, -1},
	{fReactive2, nReactive, 2, -1},
	{fClinical, nClinical, 1, -1},
	{fClinical3, nClinical, 3, -1},
	{fClinicalInTeam, nClinicalInTeam, 1, -1},
	{fPersonState, nPersonState, 1, -1},
	{fServices2, nServices, 2, -1},
	{fTickbox, nTickboxRuns, 1, -1},
	{fTickbox2, nTickboxRuns, 2, -1},
	{fFewContent, nContent, 0, 4},
	{fTwoContent, nContent, 2, -1},
	{fRecordWord, nRecord, 1, -1},
	{fEvents, nEvents, 1, -1},
	{fEightWords, nWords, 8, -1},
	{fTwoCore, nCore, 2, -1},
	{fCareEvents, nCareEvents, 1, -1},
}

// categoryFacts are facts of a category present in the answer (quoted
// words' record categories left out).
var categoryFacts = []struct {
	fact fact
	any  lexCat
}{
	{fNobody, cNobody},
	{fHistory, cHistory},
	{fExperience, cExperience},
	{fLesson, cLesson},
	{fHypothetical, cHypothetical},
	{fTeamTalk, cTeam},
	{fUnsure, cUnsure},
	{fIntent, cIntent | cFix},
	{fReason, cReason},
	{fStrongPlan, cOwnPlan},
	{fHistoryWeak, cHistoryWeak},
}

// answerFacts are facts read from the answer's words in order (evidence.go).
var answerFacts = []struct {
	fact fact
	test func(*doc) bool
}{
	{fVoice, (*doc).speech},
	{fVoice, (*doc).hasVoice},
	{fMoment, (*doc).hasMoment},
	{fFormPlan, (*doc).formPlanned},
	{fStrongPlan, (*doc).planOutsideForms},
	{fWish, (*doc).hasWish},
	{fRecognises, (*doc).recognises},
	{fPlanWord, func(d *doc) bool { return d.hasStem("plan") }},
	{fStrongBereave, (*doc).strongBereave},
	{fRefusal, (*doc).refusalOnly},
	{fActOnMay, (*doc).actsOnWhatMayHappen},
}

// A rule gives its label (or its tag) when the answer's stage and facts
// match it.
type rule struct {
	stages []string // the stages it applies at (nil: every stage)
	except []string // stages it does not apply at
	all    fact     // every one of these facts
	any    fact     // at least one of these (0: no condition)
	none   fact     // none of these
	has    lexCat   // a word of one of these categories (0: no condition)
	hasQ   lexCat   // the same, quoted words' categories counted
	label  flows.Label
	tag    string
}

// Stages that ask about the person (what matters, why, who is around, what
// we hoped for): there a plan is rare, and an answer that only describes
// the person is off the subject of planning.
var personStages = []string{"what_matters", "why", "whos_around", "hoped"}

// Stages that ask about the team's own work (looking ahead, why the
// difference, what we learn): there a clinical word is usually the object
// of a team action, not a description of the person.
var teamStages = []string{"looking_ahead", "difference", "learn"}

func at(stages ...string) []string { return stages }

const (
	toward = flows.Toward
	away   = flows.Away
	none   = flows.None
)

// relationshipRules: seeing the person on their own, as a patient (away),
// or through the people and places around them (toward).
var relationshipRules = []rule{
	// "In a whos_around answer, naming people from the person's own life
	// (not only services) as being around them is enough." "A whos_around
	// or those_close answer that names only services or processes is
	// away, and so is a bare 'no one' or 'no NOK'."
	{stages: at("whos_around"), any: fClearPerson | fNamedOwnLife, label: toward},
	{stages: at("whos_around"), any: fServiceAny | fNegPeople | fNobody | fOwnLife, label: away},
	{stages: at("whos_around"), has: cNOK | cPaidCarer, label: away},
	{stages: at("whos_around"), label: none},
	{stages: at("those_close"), any: fClearPerson | fSupportPerson, label: toward},
	{stages: at("those_close"), any: fServiceAny | fOwnLife | fNegPeople | fNobody, label: away},
	{stages: at("those_close"), has: cBereave | cLabel | cNOK | cTickbox, label: away},
	{stages: at("those_close"), label: none},
	// "The person appears only as a patient (diagnosis, symptoms,
	// function, risks, medicines, inputs from services), and anyone else
	// appears, if at all, only as a bare label"; "a sequence of care
	// events with nothing of what it was like for anyone": a relative
	// who only turns up in a clipped chain of care events ("OOH called x3
	// over the weekend, agitation, midaz given each time. Son rang 111 at
	// 3am", "Pt settled. Wife asleep in chair", "Died on AMU after 14 hrs
	// in ED. Family arrived after.") is one more step of the chain, with
	// nothing about the bond, how they are or what they do for the
	// person. Not where the stage asks about the person (a wish list is
	// "everyday words") nor at the team's stages (a list there is "a bare
	// task").
	{except: at("what_matters", "why", "hoped", "looking_ahead", "difference", "learn"), all: fOwnLife | fTelegraphic | fPersonState, any: fReactive | fCareEvents | fClinical, none: fStrainPerson | fSupportPerson | fHomeCompany | fVoice | fMoment | fHistory | fExperience | fTeamTalk | fQuestion | fLesson, label: away},
	// "At least one person, pet or community from the person's own life
	// appears as part of that life, with something about the bond."
	{all: fClearPerson, label: toward},
	// "… with something about … what they do together": someone from the
	// person's own life giving help, care or company ("his brother and
	// the two lads with him", "Wife has her sister").
	{any: fSupportPerson | fHomeCompany, none: fProblemPerson, label: toward},
	{stages: at("what_matters", "hoped"), all: fNamedOwnLife, label: toward},
	// "Anyone else appears, if at all, only as a bare label ('NOK dtr',
	// 'family informed')": a relative named only as present or aware, in
	// the register of a record ("PPD home. Symptoms controlled. Family
	// present."), leaves the person "only as a patient".
	{except: teamStages, all: fOwnLife | fMostlyRecord, has: cLabel | cNOK, none: fNamedOwnLife | fTeamTalk | fQuestion, label: away},
	// "On subject when the answer describes the person, their situation or
	// their care"; away when "the person appears only as a patient
	// (diagnosis, symptoms, function, risks, medicines, inputs from
	// services)": a clipped list of record phrases about their care ("GSF
	// reg'd March. ACP done, DNACPR, PPC home, JIC issued", and where the
	// stage asks what was hoped for, "PPD home, no hospital, symptom
	// control") sees them only in the terms of their care. A list in
	// everyday words ("independence. own bed. PPD home") is "everyday
	// words" (none); at the team's stages a list is the team's own tasks
	// ("a bare task such as 'review Tues'": none).
	{except: teamStages, all: fTelegraphic | fTickbox2, none: fNamedOwnLife | fClearPerson | fSupportPerson, label: away},
	// "A relative as a problem only is away."
	{all: fProblemPerson, label: away},
	// "Noticing isolation with care is toward": no one visits, and the
	// writer sits with them, hears their story or asks for company for
	// them ("no visitors at all, I sat with him at lunch and he told me
	// about his time in the navy").
	{all: fNobody, any: fRelCare | fMoment | fVoice | fHistory, label: toward},
	// The person described in their own words, a moment, their history or
	// what they enjoy is not seen "only as a patient".
	{any: fVoice | fMoment | fHistory | fExperience, label: none},
	{has: cLiveWell | cRelCare, label: none},
	{stages: teamStages, all: fClinicalInTeam, label: away},
	// "Anyone else appears, if at all, only as a bare label": a relative
	// named only as the one a service is for ("Carers assessment for the
	// wife, refer to Crossroads for a sitter").
	{stages: teamStages, all: fOwnLife | fServiceHelp, none: fTeamTalk | fQuestion | fStrongPlan | fLesson, label: away},
	{stages: teamStages, label: none},
	// "The person appears only as a patient (diagnosis, symptoms,
	// function, risks, medicines, inputs from services)."
	{all: fPersonState, label: away},
	{all: fServices2, none: fTeamTalk | fQuestion, label: away},
	{all: fOwnLife | fServiceAny, none: fTeamTalk | fQuestion, label: away},
	{all: fTickbox | fFewContent, has: cLabel | cNOK, none: fTeamTalk | fQuestion, label: away},
	// "A bare 'no one' or 'no NOK' with nothing more said about it",
	// beside inputs from services, leaves the person "only as a patient"
	// ("Lives alone, no support. SW referral made").
	{all: fNobody | fServiceHelp, none: fTeamTalk | fQuestion, label: away},
}

// storyRules: recording facts (away) or telling stories (toward).
var storyRules = []rule{
	// "A particular moment or scene; the person's or a relative's own
	// words; a piece of their history; the writer's account of an
	// experience together with what it was like."
	{any: fVoice | fMoment | fHistory | fExperience, label: toward},
	// "A piece of their history remembered because it explains something
	// now": the why stage asks for the story behind what matters, so a
	// piece of their past told there in sentences ("He drove the 22 for
	// thirty years, knew every stop") is that history; "a trait in
	// general words ('a proud man') is none", so not a list of traits
	// ("ex-miner, proud, never asked anyone for anything in his life").
	{stages: at("why"), all: fHistoryWeak | fEightWords | fTwoCore, none: fTelegraphic | fMostlyRecord, label: toward},
	// "The register of a record, with no moment and no voice … a sequence
	// of care events."
	{any: fChronology | fMostlyRecord | fTickbox2, label: away},
	{all: fTickbox | fFewContent, label: away},
	// "A sequence of care events with nothing of what it was like for
	// anyone"; "judge the answer as a whole: mostly record is away": where
	// the stage asks what happened or who is on the writer's mind, the
	// person's state with the events dealt with as they came ("Called out
	// Sat night and again Sun for breathlessness, nebs and oramorph both
	// times", "admissions in six weeks, each one via 999") is the record,
	// even in sentences; someone close shown helping is "a description of
	// people … in ordinary words".
	{stages: at("what_happened", "happened", "on_your_mind"), all: fPersonState, any: fReactive | fCareEvents, none: fSupportPerson | fQuestion, label: away},
	// "A clipped list of wishes ('no hosp. PPC home. dog.') is away."
	{all: fTelegraphic | fRecordWord | fTwoContent, label: away},
}

// communityRules: help located in services (away) or in relationships and
// community (toward).
var communityRules = []rule{
	// "whos_around answers that name people from the person's own life
	// locate support in relationships: toward."
	// "Care given as a human relationship, where the relationship is the
	// point (time spent with someone …), also counts", at whos_around as
	// elsewhere.
	{stages: at("whos_around"), any: fSupportPerson | fCommunitySrc | fOwnLifeAround | fRelCare, label: toward},
	{stages: at("whos_around"), all: fServiceHelp, label: away},
	{stages: at("whos_around"), label: none},
	// "At least one source of support, company or meaning is found in
	// relationships or community … Care given as a human relationship."
	{any: fSupportPerson | fCommunitySrc | fRelCare, label: toward},
	// "A statement of what matters … on its own is off subject": where the
	// stage asks what matters or was hoped for, "being at home with her
	// husband and the cat" says where she wants to be, not where support
	// comes from; elsewhere it is company.
	{except: at("what_matters", "hoped"), all: fHomeCompany, label: toward},
	{stages: at("those_close"), all: fClearPerson, has: cSupport, none: fServiceHelp, label: toward},
	// "A statement of what matters, a life history or a feeling on its
	// own is off subject": the hoped stage asks what was hoped for the
	// person and what mattered to them, so a hope put in the words of a
	// service ("PPD home. Avoid admission", "we hadn't got as far as
	// hoping anything, he was only referred 4 days before") states what
	// mattered, not where support came from. Support from people close
	// (the rows above) is still toward.
	{stages: at("hoped"), label: none},
	// "A statement of what matters, a life history or a feeling on its
	// own is off subject": where the stage asks what matters or why, an
	// answer told in sentences is that statement or that history, and a
	// service named in it ("not going back on NIV", "he'd hate someone
	// else emptying his catheter") is part of what matters, not support
	// put forward. Only an answer in the register of a record ("symptom
	// control, avoid admission, DNACPR discussed + signed") lists where
	// care comes from.
	{stages: at("what_matters", "why"), none: fTelegraphic | fMostlyRecord | fTickbox, label: none},
	// "Services named only as refused, resented or failing, with no help
	// put forward, are none."
	{all: fServiceHelp, none: fFailingOnly, label: away},
	// "Help, support and plans are found only in services, interventions,
	// organisations, referrals, packages, equipment, medicines, forms or
	// processes" ("ACP done, ReSPECT completed"); where the stage asks
	// what matters to the person, a form names their wish, off subject.
	{except: personStages, all: fFormHelp, none: fFailingOnly, label: away},
}

// anticipationRules: reacting to what happened (away) or planning ahead and
// learning together (toward).
var anticipationRules = []rule{
	{stages: personStages, any: fFormPlan | fStrongPlan | fLesson, label: toward},
	{stages: personStages, any: fReactive | fClinical3, label: away},
	{stages: personStages, label: none},
	// "A plan or conversation made ahead of need … a lesson drawn for
	// next time." "A form listed as done is planning ahead: toward."
	{any: fFormPlan | fStrongPlan | fLesson, label: toward},
	// "What may happen, named together with what to do about it."
	// A worry with no action names what may happen and nothing to do
	// about it (actsOnWhatMayHappen).
	{all: fHypothetical | fIntent | fActOnMay, none: fReactive, label: toward},
	// "Sooner", "earlier", with a lesson, a reason or a plan.
	{has: cEarly, any: fLesson | fReason | fIntent, none: fFailing, label: toward},
	{stages: at("learn"), has: cIntent | cFix | cReason | cEarly, none: fUnsure, label: toward},
	// "Working out why, as a team, is toward."
	{stages: at("difference"), all: fReason, none: fFailing, label: toward},
	{stages: at("looking_ahead"), all: fIntent, none: fReactive | fUnsure, label: toward},
	{stages: at("those_close", "on_your_mind"), has: cIntentStrong, none: fReactive | fUnsure, label: toward},
	{any: fVoice | fMoment, none: fReactive2 | fClinical | fFailing | fChronology, label: none},
	// "An answer … that only describes the person is usually off
	// subject": at on_your_mind, a diagnosis named only to say who
	// someone is ("Ahmed, 19, lymphoma. … His course mates bring the
	// lecture notes in"), with no event, assessment or service, is not
	// the course of care.
	{stages: at("on_your_mind"), all: fClinical, none: fReactive | fChronology | fEvents | fClinical3 | fServiceAny | fFailing | fWentWrong, label: none},
	// "Events dealt with as they came … assessments, diagnoses and
	// results; a plan that only waits and reacts; an account of what went
	// wrong with no lesson drawn."
	{any: fReactive | fChronology | fClinical, label: away},
	// "Services named only as refused … are none" on community, where
	// "the answer does not put services forward"; on anticipation the
	// person's refusal ("Declined the hospice day unit, says it's for old
	// people") is neither an event dealt with as it came ("call-outs,
	// crises, admissions, trips to ED, firefighting") nor a plan.
	{all: fRefusal, none: fCareEvents | fWentWrong, label: none},
	{all: fFailing, any: fServiceAny | fEvents, label: away},
	// "An account of what went wrong with no lesson drawn" ("no package
	// available so he stayed in hospital").
	{all: fFailing, has: cWentWrong, label: away},
	// "A failure without a lesson is away ('the JICs weren't in, so the
	// out-of-hours GP sent him in')."
	{all: fWentWrong, any: fServiceAny | fEvents, label: away},
	// Care events told as they came ("SD set up Tuesday, settled since");
	// a death told on its own is not an event "dealt with as it came".
	{all: fCareEvents, label: away},
	{all: fTickbox, has: cMed | cIntervention, label: away},
}

// tagRules: a capability tag is given when one of its rows matches. Tags
// come in flows.Capabilities' order.
var tagRules = []rule{
	{tag: "recognise", all: fRecognises},
	// "In what_matters and hoped answers, whatever is offered as the
	// answer counts."
	{tag: "what_matters", stages: at("what_matters", "hoped")},
	{tag: "what_matters", all: fWish},
	{tag: "what_matters", stages: at("why"), any: fVoice | fHistory | fExperience},
	{tag: "what_matters", stages: at("why"), all: fEightWords, none: fPersonState},
	{tag: "live_well", except: at("those_close"), hasQ: cLiveWell},
	{tag: "anticipate", hasQ: cForm | cPlan},
	{tag: "anticipate", all: fPlanWord},
	{tag: "comfort", hasQ: cComfort},
	{tag: "those_close", all: fStrainPerson},
	{tag: "those_close", all: fStrongBereave},
	{tag: "those_close", stages: at("those_close"), all: fOwnLife},
	{tag: "those_close", stages: at("those_close"), hasQ: cBereave},
}
