package offline

// Categories that mark words of the record register, and words of
// everyday description.
const (
	lexOwnLife    = cPerson | cPet | cCommunity | cFamilyCarer
	lexServices   = cService | cIntervention | cMed
	lexRecord     = cService | cIntervention | cMed | cForm | cClinical | cReactive | cAssess | cChrono | cTickbox | cNumber | cNOK | cPaidCarer | cLabel | cPatient
	lexDescribing = cSupport | cStrain | cLiveWell | cHistory | cHistoryWeak | cMoment | cRelCare | cWish | cExperience
	// lexNonDescribing are words that say nothing about someone by
	// themselves: who they are (labels), what is done to them, function
	// words.
	lexNonDescribing = lexOwnLife | cNOK | cPlace | cBereave | lexServices | cForm | cClinical | cLabel | cProblem | cGeneric | cNumber |
		cTickbox | cReactive | cAssess | cDay | cNegate | cTeam | cPaidCarer | cChrono | cFunction | cSeq | cIntent | cFix |
		cVoice | cCommRes | cPatient | cHome | cUnsure
	// lexQuoteMasked are categories a quoted word does not bring to the
	// directions: an ambulance in "I'll leave in a box, not an ambulance"
	// is the person's voice, not a service put forward.
	lexQuoteMasked = lexServices | cClinical | cReactive | cAssess | cChrono | cForm | cPlan | cIntent | cIntentStrong | cTickbox |
		cNumber | cLabel | cRefuse | cWentWrong | cFix | cPatient | cHypothetical | cLesson
)

// coreFunction are pronouns, articles and auxiliaries: the words note form
// leaves out. An answer with none of them is written in note form.
var coreFunction = map[string]bool{
	"he": true, "she": true, "they": true, "i": true, "we": true, "you": true, "it": true,
	"him": true, "her": true, "them": true, "his": true, "their": true, "its": true, "my": true,
	"our": true, "your": true, "me": true, "us": true, "the": true, "a": true, "an": true,
	"is": true, "was": true, "were": true, "are": true, "be": true, "been": true, "has": true,
	"had": true, "have": true, "do": true, "does": true, "did": true, "will": true, "would": true,
	"could": true, "should": true, "can": true, "may": true, "might": true, "must": true,
	"she's": true, "he's": true, "it's": true, "they're": true, "i'm": true, "we're": true,
	"she'd": true, "he'd": true, "i'd": true, "we'd": true, "they'd": true, "i've": true,
	"we've": true, "they've": true, "she'll": true, "he'll": true, "i'll": true, "we'll": true,
	"im": true, "ive": true, "hes": true, "shes": true, "theyre": true, "thats": true,
	"that's": true, "there's": true, "this": true, "who": true, "whose": true,
}

// descriptive reports whether a word says something about someone: a
// bond, a state, a habit, their history. Labels, services, clinical words
// and speech verbs do not, nor do names or quoted words.
func (t *token) descriptive() bool {
	if t.synthetic || t.name || t.cat&(lexOwnLife|cNOK|cFunction|cLabel) != 0 {
		return false
	}
	if t.cat&lexDescribing != 0 {
		return true
	}
	return t.cat&lexNonDescribing == 0 && !hasDigit(t.w) && len(t.w) > 2 && !countWords[t.w]
}

// deathWords open a run of chronology words that tells the death itself
// ("died at home", "passed away"), not a care event.
var deathWords = map[string]bool{"died": true, "passed": true, "deceased": true, "rip": true}

// countWords say how many, not what someone is like: "two sons" is
// still a bare label.
var countWords = map[string]bool{
	"one": true, "two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "both": true, "several": true, "few": true,
}

// clause is what one clause holds.
type clause struct {
	ownLife, place, nok, negPeople bool
	descr, label, problem, support bool
	strain, bereave, service       bool
	process, form, wentWrong       bool // a process put forward (cProcess), a form holding a plan, a failure told in the sentence
	teamCare                       bool // the writer's team visiting or reviewing
	refuse, fix, relCare, commRes  bool
	history, nobodyInSentence      bool
	homeCompany                    bool // company in a wish to be at home with them ("at home with her husband")
	warmth                         bool // more than a problem: a state, history, a moment
}

// problemOnly reports a clause that has a problem and nothing warmer: "son
// demanding" without why or how he is.
func (c *clause) problemOnly() bool { return c.problem && !c.warmth }

// readClause reads clause ci.
func (d *doc) readClause(ci int) clause {
	var c clause
	from, to := d.clauses[ci][0], d.clauses[ci][1]
	for i := from; i < to; i++ {
		t := &d.toks[i]
		neg := d.negated(i)
		d.readPeople(&c, t, neg)
		c.place = c.place || t.cat&cPlace != 0
		c.descr = c.descr || t.descriptive()
		c.label = c.label || t.cat&cLabel != 0
		c.problem = c.problem || t.cat&cProblem != 0
		// "a night sitter so his wife can sleep": a word inside a service
		// is help from the service, not support from someone close ("people
		// close appear only as people who receive services ('wife needs
		// referral for respite')": community away).
		// A phrase is read from its first word: "nobody has been in touch
		// with his brother" is negated throughout.
		sup := d.runStart(i, cSupport)
		if t.cat&cSupport != 0 && t.cat&cService == 0 && !neg && !d.negated(sup) && !d.serviceAgent(i) && !d.bareWith(i) {
			if d.homeWith(sup) {
				c.homeCompany = true
			} else {
				c.support = true
			}
		}
		c.strain = c.strain || t.cat&cStrain != 0
		c.bereave = c.bereave || t.cat&cBereave != 0
		d.readServices(&c, i, neg)
		// "no time to sit with anyone": care negated is not given; "don't
		// treat him like he's dying" negates the likeness, not the care.
		rc := d.runStart(i, cRelCare)
		c.relCare = c.relCare || t.cat&cRelCare != 0 && (!d.negated(rc) || d.likeAfter(rc))
		c.commRes = c.commRes || t.cat&cCommRes != 0 && !neg
		c.history = c.history || t.cat&(cHistory|cHistoryWeak) != 0
		c.warmth = c.warmth || t.cat&(cStrain|cHistory|cMoment|cLiveWell|cRelCare|cExperience) != 0
	}
	d.readSentence(&c, ci)
	return c
}

// readServices notes in c the services, processes and forms word i puts
// forward, refuses or fixes.
func (d *doc) readServices(c *clause, i int, neg bool) {
	t := &d.toks[i]
	c.service = c.service || t.cat&lexServices != 0 && !neg
	// "ReSPECT in the house said not for admission": a service negated
	// beside a form is the form's plan (a ceiling of care), not a service
	// refused; plans "found only in … forms" are community away.
	c.refuse = c.refuse || t.cat&cRefuse != 0 || t.cat&lexServices != 0 && neg && !d.clauseHas(t.clause, cForm)
	c.process = c.process || t.cat&cProcess != 0 && !neg
	c.form = c.form || d.formAsHelp(i, neg)
	c.fix = c.fix || t.cat&(cFix|cIntent) != 0
	c.teamCare = c.teamCare || d.teamCare(i)
}

// serviceAgent reports that a service, a paid carer or the writer's team,
// and no one from the person's own life, comes before word i in its
// clause ("the hospice looked after his wife", "I'll pop in Fri and ring
// the daughter"): the help is the service's, and the person close is the
// one who receives it ("people close appear only as people who receive
// services": community away).
func (d *doc) serviceAgent(i int) bool {
	c := d.toks[i].clause
	for k := i - 1; k >= 0 && d.toks[k].clause == c; k-- {
		t := &d.toks[k]
		if t.cat&(lexServices|cPaidCarer) == 0 && (t.cat&lexOwnLife != 0 && t.cat&cSupport == 0 || t.cat&cNOK != 0) {
			// "His wife and the hospice at home team between them": the
			// help is shared.
			return false
		}
	}
	for k := i - 1; k >= 0 && d.toks[k].clause == c; k-- {
		if t := &d.toks[k]; t.cat&(lexServices|cPaidCarer) != 0 && !t.familyCarer || teamWords[t.w] {
			return true
		}
	}
	return false
}

// processBefore reports a referral, a leaflet or a scheme put forward
// (cProcess, not negated) in clause ci's sentence before the clause.
func (d *doc) processBefore(ci int) bool {
	s := d.sentences[d.clauseOf[ci]]
	for i := s[0]; i < s[1] && i < d.clauses[ci][0]; i++ {
		if d.toks[i].cat&cProcess != 0 && !d.negated(i) {
			return true
		}
	}
	return false
}

// serviceBefore reports a service or paid carer, and no one from the
// person's own life, before word i in its clause: serviceAgent without the
// writer's team ("we sat down with her daughters" is a conversation with
// them, not a service's help).
func (d *doc) serviceBefore(i int) bool {
	for k := i - 1; k >= 0 && d.toks[k].clause == d.toks[i].clause; k-- {
		t := &d.toks[k]
		if t.cat&(lexServices|cPaidCarer) == 0 && t.cat&(lexOwnLife|cNOK) != 0 {
			return false
		}
	}
	for k := i - 1; k >= 0 && d.toks[k].clause == d.toks[i].clause; k-- {
		if t := &d.toks[k]; t.cat&(lexServices|cPaidCarer) != 0 && !t.familyCarer {
			return true
		}
	}
	return false
}

// ownLifeBefore reports someone from the person's own life before word i
// in its clause ("his wife and I sat with him"): the help is shared.
func (d *doc) ownLifeBefore(i int) bool {
	for k := i - 1; k >= 0 && d.toks[k].clause == d.toks[i].clause; k-- {
		if d.toks[k].cat&lexOwnLife != 0 {
			return true
		}
	}
	return false
}

// runStart is the first word of the run of words of category cat, in word
// i's clause, that word i belongs to.
func (d *doc) runStart(i int, cat lexCat) int {
	for i > 0 && d.toks[i-1].clause == d.toks[i].clause && d.toks[i-1].cat&cat != 0 && d.toks[i].cat&cat != 0 {
		i--
	}
	return i
}

// likeAfter reports "like" within two words after word i in its clause.
func (d *doc) likeAfter(i int) bool {
	for k := i + 1; k < len(d.toks) && k <= i+2 && d.toks[k].clause == d.toks[i].clause; k++ {
		if d.toks[k].w == "like" {
			return true
		}
	}
	return false
}

// teamWords are the writer and their team as the subject of a visit.
var teamWords = map[string]bool{"we": true, "we'll": true, "we've": true, "we'd": true, "i": true, "i'll": true, "i've": true, "i'd": true}

// teamCareStems are what a team does when it visits.
var teamCareStems = map[string]bool{"visit": true, "review": true, "ring": true, "phone": true, "call": true, "pop": true, "check": true, "monitor": true, "assess": true}

// teamCare reports the writer's team, at word i, as the subject of a visit
// or a review within three words ("we'll keep visiting daily", "I'll ring
// her tomorrow", "I'll pop in Fri and ring the daughter after"): help found
// in a service, the team's own (community away), when no one from the
// person's own life comes before the team in the clause.
func (d *doc) teamCare(i int) bool {
	if !teamWords[d.toks[i].w] || d.ownLifeBefore(i) {
		return false
	}
	// "When I visited her there she wouldn't look at me" is a moment.
	if d.clauseHas(d.toks[i].clause, cWhen|cMoment) {
		return false
	}
	for k := i + 1; k < len(d.toks) && k <= i+3 && d.toks[k].clause == d.toks[i].clause; k++ {
		if teamCareStems[d.toks[k].s] && !d.negated(k) {
			return true
		}
	}
	return false
}

// readSentence notes in c what the sentence of clause ci says around it:
// that there is no one, or that something failed.
func (d *doc) readSentence(c *clause, ci int) {
	s := d.sentences[d.clauseOf[ci]]
	// "… there was no night care to be had and her husband couldn't do
	// the nights on his own, so she went into the hospice": a clause
	// opened by "so" tells what was done about the failure before it, a
	// service remedy ("add a service remedy … and it is away"), unless
	// it fails itself.
	from, to := d.clauses[ci][0], d.clauses[ci][1]
	remedy := from < to && d.toks[from].w == "so"
	for i := s[0]; i < s[1]; i++ {
		t := &d.toks[i]
		if remedy && (i < from || i >= to) {
			continue
		}
		// "he was never on his own" says he had company.
		if t.cat&cNobody != 0 && !(t.cat&cNegate == 0 && d.negated(i)) {
			c.nobodyInSentence = true
		}
		// "OOH didn't know about the DNACPR, the crew started CPR": the
		// sentence tells services failing.
		if t.cat&cWentWrong != 0 && (t.cat&cNegate != 0 || failWords[t.w]) {
			c.wentWrong = true
		}
	}
}

// failWords tell that something failed, without a negation.
var failWords = map[string]bool{
	"failed": true, "failure": true, "forgot": true, "forgotten": true, "missed": true, "mistake": true,
	"error": true, "unaware": true, "unavailable": true, "wrong": true, "missing": true,
}

// readPeople notes in c someone from the person's own life, or their next
// of kin, named by t, or named only to say there is no one ("no family").
func (d *doc) readPeople(c *clause, t *token, neg bool) {
	if t.cat&(lexOwnLife|cNOK) == 0 {
		return
	}
	if neg {
		c.negPeople = true
		return
	}
	c.ownLife = c.ownLife || t.cat&lexOwnLife != 0
	c.nok = c.nok || t.cat&cNOK != 0
}

// negated reports whether word i follows a negation in its clause ("no
// family", "no NOK", "couldn't be with him").
func (d *doc) negated(i int) bool {
	c := d.toks[i].clause
	for k := i - 1; k >= 0 && k >= i-3; k-- {
		if d.toks[k].clause != c {
			return false
		}
		if d.toks[k].cat&cNegate != 0 {
			return true
		}
	}
	return false
}

// feats are the answer-level facts the decision rules read: the categories
// present, the counts of wordCounts, and the facts of factRules and of the
// clauses.
type feats struct {
	has    lexCat // every category present, quoted words' record categories left out
	hasAll lexCat // every category present, quoted words included (for tags)
	n      [numCounts]int
	facts  fact
}

// features reads the answer-level facts of an analysed answer.
func (d *doc) features() feats {
	var f feats
	for i := range d.toks {
		t := &d.toks[i]
		if t.synthetic {
			continue
		}
		f.has |= t.cat
		f.hasAll |= t.all
		for _, wc := range wordCounts {
			if wc.matches(d, i) {
				f.n[wc.count]++
			}
		}
	}
	f.facts = d.peopleFacts()
	if d.question {
		f.facts |= fQuestion
	}
	for _, r := range answerFacts {
		if f.facts&r.fact == 0 && r.test(d) {
			f.facts |= r.fact
		}
	}
	for _, r := range categoryFacts {
		if f.has&r.any != 0 {
			f.facts |= r.fact
		}
	}
	f.facts |= f.registerFacts()
	for _, r := range countFacts {
		if n := f.n[r.count]; n >= r.min && (r.max < 0 || n <= r.max) {
			f.facts |= r.fact
		}
	}
	return f
}

// registerFacts reads the register of the answer from its counts: note
// form, mostly the words of a record, a chronology of care events.
func (f *feats) registerFacts() fact {
	var out fact
	words, core, content, record := f.n[nWords], f.n[nCore], f.n[nContent], f.n[nRecord]
	if words >= 2 && core == 0 || words >= 8 && float64(core) < 0.08*float64(words) {
		out |= fTelegraphic
	}
	if record >= 2 && float64(record) >= 0.5*float64(content) || content <= 2 && record == content && record > 0 {
		out |= fMostlyRecord
	}
	events := f.n[nEvents]
	if events >= 2 || events >= 1 && f.n[nDates] >= 2 && f.has&(cSeq|cDay) != 0 {
		out |= fChronology
	}
	return out
}

// peopleFacts reads, clause by clause, who is in the answer and where help
// comes from.
func (d *doc) peopleFacts() fact {
	infos := make([]clause, len(d.clauses))
	for ci := range d.clauses {
		infos[ci] = d.readClause(ci)
	}
	var f fact
	for ci := range infos {
		f |= d.clauseFacts(ci, infos)
	}
	if f&fFailing != 0 && f&fFixOutside == 0 {
		f |= fFailingOnly
	}
	// "they help her to the loo", "Church is where all her friends are.
	// They've been bringing flowers round": what "they" do, when people
	// from their own life are named.
	if f&fOwnLife != 0 && f&fSupportPerson == 0 && (d.theySupport() || d.theySentenceSupport() || d.heSheSentenceSupport() || d.pronounClauseSupport(infos)) {
		f |= fSupportPerson
	}
	switch company, home := d.withCompany(); {
	case company:
		f |= fSupportPerson
	case home:
		f |= fHomeCompany
	}
	if d.objectSupport() || d.havePeople() || d.otherCarer() || d.worksThrough() {
		f |= fSupportPerson
	}
	return f
}

// clauseFacts reads the facts of clause ci, with infos the clauses read.
func (d *doc) clauseFacts(ci int, infos []clause) fact {
	c := &infos[ci]
	f := c.peopleFacts() | c.serviceFacts()
	if d.clearInstance(ci, infos) {
		f |= fClearPerson
	}
	if d.givesSupport(ci, c) {
		f |= fSupportPerson
	}
	if d.closeStrain(ci, infos) {
		f |= fStrainPerson
	}
	if c.homeCompany && c.ownLife {
		f |= fHomeCompany
	}
	// "Referred to befriending service and Age UK": a community resource
	// reached only by a referral is help found in "referrals" (community
	// away), not in community.
	// The same of a list the referral governs: "Refer to hospice day
	// services, social prescriber and Age UK befriending".
	listed := !c.descr && !c.support && d.processBefore(ci)
	if c.commRes && !c.refuse && !c.process && !listed && (c.descr || c.fix || c.support || d.sentenceHasOther(ci)) {
		f |= fCommunitySrc
	}
	return f
}

// peopleFacts are the facts of who a clause names from the person's life.
func (c *clause) peopleFacts() fact {
	var f fact
	if c.negPeople {
		f |= fNegPeople
	}
	if !c.ownLife {
		return f
	}
	f |= fOwnLife
	if c.problemOnly() {
		return f | fProblemPerson
	}
	if !c.nok && !c.label {
		f |= fNamedOwnLife
	}
	if !c.nobodyInSentence && !c.nok {
		f |= fOwnLifeAround
	}
	return f
}

// serviceFacts are the facts of the services and care a clause names.
func (c *clause) serviceFacts() fact {
	var f fact
	if c.relCare {
		f |= fRelCare
	}
	// "Add a service remedy ('ask brokerage for a different agency') and
	// it is away": a referral, an assessment or a leaflet put forward is
	// a remedy, as a fix word is.
	if c.refuse {
		f |= fFailing
	} else if c.fix || c.process && !c.wentWrong {
		f |= fFixOutside
	}
	if c.service {
		f |= fServiceAny
	}
	// "Services named only as refused, resented or failing, with no help
	// put forward, are none" ("OOH didn't know about the DNACPR, the crew
	// started CPR": community none); a referral or a leaflet is help put
	// forward in services.
	if (c.service || c.process || c.teamCare) && !c.history && !c.refuse && !c.wentWrong {
		f |= fServiceHelp
	}
	if c.form && !c.history && !c.refuse && !c.wentWrong {
		f |= fFormHelp
	}
	if c.wentWrong {
		f |= fWentWrong
	}
	return f
}

// clearInstance reports a clear instance in clause ci: someone from the
// person's own life, or a place with its people, with something about
// them.
func (d *doc) clearInstance(ci int, infos []clause) bool {
	c := &infos[ci]
	if !(c.ownLife || c.place) || c.problemOnly() {
		return false
	}
	if c.descr {
		return c.ownLife || d.placeWithPeople(ci)
	}
	if !c.ownLife || c.label || ci+1 >= len(infos) {
		return false
	}
	// "His wife Irene, married 60 yrs": the clause after a bare name may
	// say what the person is to them.
	n := &infos[ci+1]
	near := d.clauseOf[ci+1] == d.clauseOf[ci] || d.clauses[ci][1]-d.clauses[ci][0] <= 4
	// "Crew called by wife, pt in resp distress", "Husband died 3 wks ago,
	// now not eating": a clause about the patient as a patient (the
	// patient named, or symptoms with nothing of what someone did or
	// went through) says nothing about the relative.
	patient := d.clauseHas(ci+1, cPatient) || d.clauseHas(ci+1, cClinical) && !d.clauseHas(ci+1, cSupport|cHistory|cHistoryWeak|cStrain)
	return near && !n.ownLife && n.descr && !n.service && !n.problemOnly() && !patient
}

// givesSupport reports someone from the person's own life (or a place of
// their community) giving help, care or company in clause ci, or a
// relative shown as their carer.
func (d *doc) givesSupport(ci int, c *clause) bool {
	if (c.ownLife || c.place) && c.support && !c.problemOnly() && !(c.nobodyInSentence && !d.nobodyApart(ci)) {
		return true
	}
	// "Nobody has been in touch with his brother who was his main carer":
	// the carer is the one no one supports.
	return c.ownLife && d.clauseHas(ci, cFamilyCarer) && (c.descr || d.clauseFamilyCarer(ci)) && !(c.nobodyInSentence && !d.nobodyApart(ci))
}

// closeStrain reports how someone close is doing, told of someone from
// their own life in clause ci.
func (d *doc) closeStrain(ci int, infos []clause) bool {
	c := &infos[ci]
	if !c.ownLife {
		return false
	}
	// "dtr does everything. She's shattered": the state may follow in the
	// same sentence, or the next one, about her.
	if c.strain || c.bereave || d.sentenceStrain(d.clauseOf[ci]) {
		return true
	}
	// "husband (not coping, bad back)": the state may follow in the next
	// clause of the sentence.
	return ci+1 < len(infos) && d.clauseOf[ci+1] == d.clauseOf[ci] && !infos[ci+1].ownLife && infos[ci+1].strain
}

// theySupport reports a support verb after "they", or before "them" ("they
// help her to the loo"), outside a clause of services.
func (d *doc) theySupport() bool {
	for i := 1; i < len(d.toks); i++ {
		if d.toks[i].cat&cSupport == 0 || d.negated(i) || d.clauseHas(d.toks[i].clause, lexServices) {
			continue
		}
		if d.toks[i-1].w == "they" || i+1 < len(d.toks) && d.toks[i+1].w == "them" && d.toks[i+1].clause == d.toks[i].clause {
			return true
		}
	}
	return false
}

// theySentenceSupport reports a sentence whose subject is "they", after a
// sentence naming people from their own life, that says what those people
// do ("Church is where all her friends are. They've been bringing flowers
// round").
func (d *doc) theySentenceSupport() bool {
	for si, s := range d.sentences {
		if si == 0 || s[0] >= s[1] || !theyWords[d.toks[s[0]].w] || !d.sentenceOwnLife(si-1) {
			continue
		}
		for i := s[0]; i < s[1]; i++ {
			if d.toks[i].cat&cSupport != 0 && !d.negated(i) && !d.clauseHas(d.toks[i].clause, lexServices) {
				return true
			}
		}
	}
	return false
}

// withCompany reports company with someone from their own life ("to watch
// the cricket with his nephew"), or, as home, only company in being at home
// with them ("being at home with her husband and the cat").
func (d *doc) withCompany() (company, home bool) {
	for i := range d.toks {
		// "Hospice bereavement team have been in touch with the
		// daughters": the service is the one with them, and the people
		// close "appear only as people who receive services".
		if d.toks[i].w != "with" || d.negated(i) || d.negated(d.runStart(i, cSupport)) || d.serviceBefore(i) || d.bareWith(i) {
			continue
		}
		// "With her two sons either side of her": a count word between
		// is still the people with her.
		end := i + 2
		if end < len(d.toks) && countWords[d.toks[end].w] {
			end++
		}
		for k := i + 1; k < len(d.toks) && k <= end && d.toks[k].clause == d.toks[i].clause; k++ {
			if d.toks[k].cat&(cPerson|cPet) != 0 && d.toks[k].cat&cGeneric == 0 && !d.clauseHas(d.toks[i].clause, cPlan|cForm|cLabel|cProblem|cHistory) {
				if d.homeWith(i) {
					home = true
				} else {
					company = true
				}
			}
		}
	}
	return company, home
}

// homeWith reports word i inside "with …" just after a home ("at home with
// her husband", "stay home with the girls"): the people are part of where
// the person wants to be. "A statement of what matters … on its own is off
// subject" for community, so where the stage asks what matters this is not
// yet support.
func (d *doc) homeWith(i int) bool {
	c := d.toks[i].clause
	for k := i; k >= 0 && k >= i-3 && d.toks[k].clause == c; k-- {
		if d.toks[k].w != "with" {
			continue
		}
		return k > 0 && d.toks[k-1].clause == c && d.toks[k-1].cat&cHome != 0
	}
	return false
}

// formAsHelp reports word i as a form that holds a plan: community away
// finds plans "only in … forms or processes" ("ACP done with GP", "DNACPR
// discussed + signed"). Not a form negated, nor one that states a wish
// ("PPD home" is what matters to the person), nor one that only says who
// someone is ("daughter has LPA").
func (d *doc) formAsHelp(i int, neg bool) bool {
	t := &d.toks[i]
	if t.cat&cForm == 0 || t.cat&cWish != 0 || neg {
		return false
	}
	// "an ACP or ReSPECT conversation" is a talk with the person, not a
	// form.
	if i+1 < len(d.toks) && d.toks[i+1].clause == t.clause && talkStems[d.toks[i+1].s] {
		return false
	}
	return !(lpaWords[t.w] && d.clauseHas(t.clause, cPerson|cNOK))
}

// talkStems are the stems of a conversation.
var talkStems = map[string]bool{"discuss": true, "convers": true, "chat": true, "talk": true}

// lpaWords name a lasting power of attorney, which says who decides, not
// a plan, when said of someone.
var lpaWords = map[string]bool{"lpa": true, "lpoa": true, "attorney": true}

// knowWords say that someone knows the person, not what they do for them.
var knowWords = map[string]bool{"knew": true, "know": true, "knows": true, "known": true, "remember": true, "remembers": true, "remembered": true}

// objectPronouns are the person as the object of what someone does.
var objectPronouns = map[string]bool{"her": true, "him": true}

// objectSupport reports someone from the person's own life doing
// something to, for or with them ("her son drives her to the hospice",
// "his brother reads to him"): community toward, "at least one source of
// support, company or meaning is found in relationships … family,
// friends, neighbours".
func (d *doc) objectSupport() bool {
	for p := range d.toks {
		t := &d.toks[p]
		if t.cat&lexOwnLife == 0 || t.cat&(cNOK|cLabel) != 0 || d.negated(p) {
			continue
		}
		// A life history is off the subject of support ("his dad died in
		// the back bedroom with the whole family round him").
		if d.clauseHas(t.clause, cHistory|cHistoryWeak|cChrono) {
			continue
		}
		verb := false
		for k := p + 1; k < len(d.toks) && k <= p+5 && d.toks[k].clause == t.clause; k++ {
			u := &d.toks[k]
			if u.cat&(lexOwnLife|cProblem|cStrain|cClinical|lexServices|cNegate|cVoice|cWish|cHistory|cHistoryWeak|cChrono|cFeeling) != 0 {
				break
			}
			if objectPronouns[u.w] && verb {
				return true
			}
			// "Every kid in town knew her": her standing among others (a
			// relationship), not help given.
			if knowWords[u.w] {
				break
			}
			verb = verb || u.cat&cFunction == 0 && !objectPronouns[u.w]
		}
	}
	return false
}

// throughVerbs are the team's verbs that can turn to someone from the
// person's own life for help ("ask the allotment lot if one of them would
// take him out", "get her pal to go with her", "use the people who
// matter to them", "tried harder through the neighbour").
var throughVerbs = map[string]bool{"ask": true, "asking": true, "get": true, "getting": true, "use": true, "using": true, "through": true, "involve": true, "involving": true}

// talkWords after the person turn "ask his son about PPC" into a
// conversation with them, not help sought from them.
var talkWords = map[string]bool{"about": true, "what": true, "whether": true, "how": true, "where": true, "who": true, "when": true}

// worksThrough reports a team action that works through someone from the
// person's own life: community toward, "an action that works through them
// ('ask her knitting group to visit', 'show his daughter how to do his
// mouth care with us')". Not a conversation with them ("ask his wife
// about what she wants"), nor a service reached through them.
func (d *doc) worksThrough() bool {
	for p := range d.toks {
		t := &d.toks[p]
		if !throughVerbs[t.w] || d.negated(p) || d.clauseHas(t.clause, cHistory|cHistoryWeak) {
			continue
		}
		for k := p + 1; k < len(d.toks) && k <= p+4 && d.toks[k].clause == t.clause; k++ {
			u := &d.toks[k]
			// "ask about pets", "get to his granddaughter's wedding":
			// a question or a journey, not someone turned to.
			if talkWords[u.w] || k == p+1 && u.w == "to" || u.cat&(lexServices|cForm) != 0 {
				break
			}
			if u.cat&lexOwnLife == 0 || u.cat&(cNOK|cLabel|cProblem) != 0 {
				continue
			}
			talk := false
			for m := k + 1; m < len(d.toks) && d.toks[m].clause == t.clause; m++ {
				if talkWords[d.toks[m].w] || d.toks[m].cat&(lexServices|cForm) != 0 {
					talk = true
					break
				}
			}
			return !talk
		}
	}
	return false
}

// subjectPronouns open a clause about someone named just before.
var subjectPronouns = map[string]bool{
	"she": true, "he": true, "they": true, "she's": true, "he's": true, "they've": true, "they're": true,
	"shes": true, "hes": true, "theyve": true, "theyre": true,
}

// pronounClauseSupport reports a clause opened by a pronoun, after a
// clause of the same sentence naming someone from the person's own life,
// that says what that someone does ("his daughter has been amazing, she's
// done all the nights"): support from relationships.
func (d *doc) pronounClauseSupport(infos []clause) bool {
	for ci := 1; ci < len(d.clauses); ci++ {
		from, to := d.clauses[ci][0], d.clauses[ci][1]
		if from >= to || d.clauseOf[ci] != d.clauseOf[ci-1] {
			continue
		}
		// "he won't let the new ones wash him": help refused is not given.
		pronoun := subjectPronouns[d.toks[from].w] && infos[ci-1].ownLife && !infos[ci].service && !infos[ci].refuse
		// "His sister ('our kid', he calls her) moved in and does all his
		// tablets": a clause opened by what someone does, its subject named
		// earlier in the sentence; the medicines are the care she gives,
		// and no service is in the clause.
		done := d.toks[from].cat&cSupport != 0 && !infos[ci].ownLife && !d.clauseHas(ci, cService) && d.sentenceOwnLifeBefore(ci, infos)
		if !pronoun && !done {
			continue
		}
		for i := from; i < to; i++ {
			if d.toks[i].cat&cSupport != 0 && d.toks[i].cat&cService == 0 && !d.negated(i) {
				return true
			}
		}
	}
	return false
}

// haveWords say that someone has people of their own.
var haveWords = map[string]bool{"has": true, "have": true, "got": true, "i've": true, "ive": true, "she's": true, "he's": true}

// possessives say whose the people are.
var possessives = map[string]bool{"my": true, "his": true, "her": true, "their": true, "our": true}

// havePeople reports someone said to have people of their own ("Wife has
// her sister and the ladies from the WI", "I've got my mates from the
// Legion"): "at least one source of support, company or meaning is found
// in relationships or community" (community toward).
func (d *doc) havePeople() bool {
	for i := range d.toks {
		if !haveWords[d.toks[i].w] || d.negated(i) {
			continue
		}
		k := i + 1
		if k < len(d.toks) && d.toks[k].w == "got" {
			k++
		}
		if k+1 >= len(d.toks) || !possessives[d.toks[k].w] || d.toks[k].clause != d.toks[i].clause {
			continue
		}
		for j := k + 1; j < len(d.toks) && j <= k+2 && d.toks[j].clause == d.toks[i].clause; j++ {
			if t := &d.toks[j]; t.cat&lexOwnLife != 0 && t.cat&(cNOK|cLabel) == 0 {
				return true
			}
		}
	}
	return false
}

// sentenceOwnLifeBefore reports someone from the person's own life in a
// clause of clause ci's sentence before it.
func (d *doc) sentenceOwnLifeBefore(ci int, infos []clause) bool {
	for k := ci - 1; k >= 0 && d.clauseOf[k] == d.clauseOf[ci]; k-- {
		if infos[k].ownLife {
			return true
		}
	}
	return false
}

// otherGender pairs a subject pronoun with the pronouns of someone of the
// other sex, who cannot be the same one.
var otherGender = map[string]map[string]bool{
	"he":    {"her": true, "hers": true},
	"he's":  {"her": true, "hers": true},
	"hes":   {"her": true, "hers": true},
	"she":   {"him": true, "his": true},
	"she's": {"him": true, "his": true},
	"shes":  {"him": true, "his": true},
}

// otherCarer reports care given by one of a couple to the other, told
// with pronouns alone ("he does all her insulin", "she does all his
// tablets"): "he" and "her" are two people, and the one who gives the care
// is "a family carer shown giving care ('his wife does all his injections
// and his crossword clues')" (community toward). Not where the sentence
// names a service, a paid carer or the writer's team, who may be the one
// caring ("the DN, she does his dressings").
func (d *doc) otherCarer() bool {
	for i := range d.toks {
		others := otherGender[d.toks[i].w]
		if others == nil || d.sentenceHas(d.toks[i].sent, cService|cPaidCarer|cTeam) {
			continue
		}
		c := d.toks[i].clause
		for k := i + 1; k < len(d.toks) && k <= i+3 && d.toks[k].clause == c; k++ {
			if d.toks[k].cat&cSupport == 0 || d.negated(k) {
				continue
			}
			for j := k; j < len(d.toks) && j <= k+3 && d.toks[j].clause == c; j++ {
				if others[d.toks[j].w] {
					return true
				}
			}
		}
	}
	return false
}

// sentenceHas reports whether sentence si holds a word of the category.
func (d *doc) sentenceHas(si int, cat lexCat) bool {
	s := d.sentences[si]
	for i := s[0]; i < s[1]; i++ {
		if d.toks[i].cat&cat != 0 {
			return true
		}
	}
	return false
}

// bareWith reports word i in a sentence of four words at most that holds
// only people, "with" and a pronoun ("Family with him." at the end of a
// record): "a relative who appears only as a label ('NOK', 'family
// aware', 'husband present')" is a bare mention, not company.
func (d *doc) bareWith(i int) bool {
	s := d.sentences[d.toks[i].sent]
	if s[1]-s[0] > 4 {
		return false
	}
	with := false
	for k := s[0]; k < s[1]; k++ {
		t := &d.toks[k]
		switch {
		case t.w == "with":
			with = true
		case t.cat&lexOwnLife == 0 && !objectPronouns[t.w] && t.w != "them":
			return false
		}
	}
	return with
}
