package scrub

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// cueMode says how a name is introduced.
type cueMode int

const (
	notCue   cueMode = iota
	titleCue         // Mrs, Dr, Nurse...: the name may be in capitals
	wordCue          // son, wife, called...: the name may follow a comma
)

// titles maps each title (lower case) to whether it is an abbreviation that
// may take a trailing dot.
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": false, "mx": true, "dr": true,
	"prof": true, "fr": true, "sr": true, "rev": true, "revd": true, "mstr": true,
	"mister": false, "missus": false, "doctor": false, "professor": false,
	"nurse": false, "sister": false, "father": false, "reverend": false,
	"pastor": false, "rabbi": false, "imam": false, "lady": false, "sir": false,
	"dame": false, "matron": false, "granthi": false, "giani": false, "pandit": false,
}

// relationWords are words after which a capitalised word is taken to be a
// name: "her son David", "a neighbour, Pat,", "a man called Jim".
const relationWords = `son daughter wife husband partner brother mum mother dad
	grandson granddaughter grandchild grandmother grandfather grandma grandad granddad
	grandpa granny nan nana nanna nephew niece cousin aunt auntie aunty uncle friend
	neighbour neighbor carer fiance fiancé fiancee fiancée stepson stepdaughter
	stepmother stepfather widow widower boyfriend girlfriend twin goddaughter godson
	son-in-law daughter-in-law brother-in-law sister-in-law mother-in-law father-in-law
	called named nicknamed
	sons daughters brothers sisters wives husbands partners grandsons granddaughters
	grandkids grandchildren nieces nephews cousins friends neighbours carers
	dtr dtrs dau sis bro bros gdtr gdau gson nok pt patient husb hubby sil dil bil
	hca hcsw csw cns dn dns ot sw anp acp physio physiotherapist rn sn chaplain
	volunteer pharmacist salt counsellor keyworker consultant registrar sho spr gp
	imca advocate interpreter dietitian dietician
	thanks thx ta cheers told rang phoned asked met`

// stopWordList holds capitalised words that follow a title or cue without being
// a name: "Dr On call", "Nurse Practitioner", "the Dr. She came".
const stopWordList = `a about after again all also am an and another any are as at
	be because been before being both but by can cannot could did do does doing done
	during each either even every for from had has have having he her here hers him
	his how however i i'm i've i'll i'd i’m i’ve i’ll i’d if in into is it its just later let me mine my neither no nor
	not now of off on once only onto or other our ours out over per shall she should
	since so some such than that the their theirs them then there these they this
	those though through thus till to today tomorrow tonight too under until up upon
	us very was we were what when where whether which while who whom whose why with
	without would yesterday yet you your yours
	said says say saying came come comes coming went go goes going arrived arrives
	visited visits rang rings phoned phones called calls asked asks told tells
	explained explains saw sees see seen spoke speaks felt feels thought thinks
	knew knows agreed agrees left leaves stayed stays gave gives prescribed
	reviewed reviews suggested suggests wrote writes noted notes noticed helped
	helps sat sits held holds took takes made makes got gets kept keeps tried
	tries wanted wants needed needs hoped hopes offered offers sang sings
	was were is are has had did will
	team rounds round bank practitioner practitioners specialist specialists lead
	leads manager managers associate associates consultant consultants registrar
	registrars fellow doctor doctors nurse nurses gp gps locum student students
	trainee junior senior staff duty night nights day days evening morning
	afternoon weekend office clinic surgery hospice hospital unit
	department service services verification verified charge colleague colleagues
	community district macmillan palliative chaplain chaplaincy support care
	clinical practice patient patients matron sister father mother mum dad son daughter wife
	husband partner brother friend neighbour who's
	monday tuesday wednesday thursday friday saturday sunday
	yes no ok okay please thanks thank hello hi next first last new old good great
	lovely well sadly unfortunately hmm oh ah
	mr mrs ms miss mx dr prof fr rev revd reverend pastor rabbi imam lady sir dame
	switchboard security reception pharmacy ambulance police social adult
	safeguarding emergency urgent out-of-hours ooh continuing health nhs
	english welsh scottish irish british
	parkinson's parkinsons alzheimer's alzheimers crohn's crohns hodgkin's hodgkins
	huntington's huntingtons addison's addisons cushing's cushings raynaud's raynauds
	paget's pagets kaposi's hashimoto's sjogren's sjögren's meniere's ménière's
	guillain-barre guillain-barré cheyne-stokes creutzfeldt-jakob lewy barrett's
	non-hodgkin's non-hodgkin barthel waterlow braden karnofsky abbey rockwood apgar
	rankin norton mallampati
	christmas easter boxing whitsun diwali eid hanukkah ramadan xmas
	temp sats obs meds bloods
	review reviews cover input visit referral referrals assessment prescriber
	prescribers walkround walkrounds handover handovers led call bleep rota
	advisor advisors adviser advisers escort escorts educator educators facilitator
	navigator coordinator co-ordinator
	st saint google lloyds superdrug
	dog dogs cat cats pet pets puppy kitten budgie parrot horse pony rabbit hamster
	tortoise`

// contStopWordList holds words that may be a surname straight after a title
// ("Mrs Ward") but end a name after its first word ("Dr Patel Ward 7").
const contStopWordList = `ward bay bed room side unit floor wing block level
	street road lane avenue close house home hospice hospital surgery`

// particleWords are lower-case words that may sit inside a name before a
// capitalised word: "Dr van der Berg", "Mrs Anna de Souza".
const particleWords = `van von der den de del della di da du la le ter ten bin binti ibn al el`

// setOf returns the set of whitespace-separated words in s.
func setOf(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// findNames marks names: the one or two capitalised words (with initials
// and particles) after a title, a relation or role word or a verb of
// speaking ("Mrs Ellis", "dtr Sue", "HCA Priya", "spoke to Mike"), a
// capitalised word before a relation in brackets or after a possessive
// ("Jean (wife)", "Jim's daughter"), after "@" or a numbered grade ("F1
// Ahmed"), names on the team's list, words on the embedded first-name and
// surname lists that are not common English words, and further capitalised
// uses in the same text of any name word found. The cue itself is kept.
func findNames(text string, toks tokens, list *nameList, ss *spanSet) {
	if list != nil {
		findListedNames(text, list, ss)
	}
	n := nameScan{text: text, words: splitWords(text, make([]word, 0, len(text)/5+1))}
	n.cuedNames(toks, ss)
	n.otherNames(ss)
	if n.found != nil {
		findRepeatedNames(text, n.words, n.found, ss)
	}
}

// nameScan is findNames's pass over the words of one text. The spans found
// are passed to its methods, not held, so that they stay on the stack.
type nameScan struct {
	text  string
	words []word
	found []string // name words found, looked for again by findRepeatedNames
}

// mark marks a name from words[first] to words[last] (ending at end) and,
// if it was free, remembers its words.
func (n *nameScan) mark(ss *spanSet, start, end, first, last int) {
	if !ss.add(start, end, Name) {
		return
	}
	for k := first; k <= last; k++ {
		w := n.text[n.words[k].start:n.words[k].end]
		if utf8.RuneCountInString(w) < 2 || !isCapitalised(w) || lexHas(w, lexStop|lexContStop|lexRelation) {
			continue
		}
		n.found = append(n.found, trimPossessive(w))
	}
}

// cuedNames marks the names after a title, a relation or role word or a
// two-word cue, and the further names of a list after one cue.
func (n *nameScan) cuedNames(toks tokens, ss *spanSet) {
	text, words := n.text, n.words
	ti := 0
	for i := 0; i+1 < len(words); i++ {
		var f uint16
		f, ti = wordClasses(text, toks, words[i], ti)
		if f&(lexTitle|lexRelation) == 0 && !twoWordCue(text, words, i) {
			continue
		}
		mode := cueAt(text, words, i, f)
		if mode == notCue || cueVetoed(text, words, i, mode) {
			continue
		}
		capsOnly := mode == titleCue && isAllCaps(text[words[i].start:words[i].end])
		start, end, last := nameFrom(text, words, i+1, mode, capsOnly)
		if end <= start || namesThing(text, words, last) || mode == wordCue && serviceAfter(text, words, last, false) {
			continue
		}
		n.mark(ss, start, end, i+1, last)
		i = n.listAfter(ss, last)
	}
}

// wordClasses returns the lexicon classes of w: from its token when the
// word is plain letters, otherwise looked up. ti is where to start looking
// among the tokens; the index reached is returned for the next word.
func wordClasses(text string, toks tokens, w word, ti int) (uint16, int) {
	for ti < len(toks.starts) && toks.starts[ti] < w.start {
		ti++
	}
	if ti < len(toks.starts) && toks.starts[ti] == w.start && plainWord(text, w) {
		return toks.flags[ti], ti
	}
	return lookupWord(text[w.start:w.end]), ti
}

// cueVetoes are the rules by which a title or cue at words[i] does not
// introduce the word after it, one row each. A row with mode notCue holds
// after any cue.
var cueVetoes = []struct {
	mode cueMode
	veto func(text string, words []word, i int) bool
}{
	// A pet's name: "the dog called Biscuit".
	{notCue, func(text string, words []word, i int) bool { return petBefore(text, words, i+1) }},
	// A brand, character or charity: "Dr Martens", "Father Christmas".
	{notCue, keptPhraseAt},
	// The same after a cue: "spoke to Marie Curie".
	{notCue, func(text string, words []word, i int) bool { return keptPhraseAt(text, words, i+1) }},
	// A compound: "Nurse Led", "the Sister Ward office".
	{titleCue, compoundAfterTitle},
	// A note-form clause: "GP: May visit tomorrow".
	{wordCue, noteFormAfterCue},
}

// cueVetoed reports whether a row of cueVetoes holds for the cue of the
// given mode at words[i].
func cueVetoed(text string, words []word, i int, mode cueMode) bool {
	for _, v := range cueVetoes {
		if (v.mode == notCue || v.mode == mode) && v.veto(text, words, i) {
			return true
		}
	}
	return false
}

// namesThing reports whether the words after a name ending at words[last]
// show that it names an organisation ("Poole Hospital") or a condition,
// device or event ("Foley catheter", "Carol service"), not a person.
func namesThing(text string, words []word, last int) bool {
	return orgAfter(text, words, last) || thingAfter(text, words[last].start, words[last].end)
}

// listAfter marks the further names of a list after one cue ("thanks Priya
// and Kofi", "sons Gareth, Dennis and Alan") whose first name ends at
// words[last], and returns the index of the list's last word.
func (n *nameScan) listAfter(ss *spanSet, last int) int {
	text, words := n.text, n.words
	for last+1 < len(words) && listGap(text[words[last].end:words[last+1].start], trimPossessive(text[words[last].start:words[last].end]) != text[words[last].start:words[last].end]) {
		k, ok := n.nextInList(last)
		if !ok {
			break
		}
		start, end, l := nameFrom(text, words, k, wordCue, false)
		if end <= start || namesThing(text, words, l) || serviceAfter(text, words, l, false) {
			break
		}
		n.mark(ss, start, end, k, l)
		last = l
	}
	return last
}

// nextInList returns the index of the word that may be the next name of a
// list after words[last]: the next word after a comma, "&", "+" or "/",
// or the word after "and". ok is false when there is none or it cannot be
// a name after a cue.
func (n *nameScan) nextInList(last int) (k int, ok bool) {
	text, words := n.text, n.words
	k = last + 1
	if strings.EqualFold(text[words[k].start:words[k].end], "and") {
		if k+1 >= len(words) || !spaceGap(text[words[k].end:words[k+1].start], 1, 2) {
			return 0, false
		}
		k++
	} else if spaceGap(text[words[last].end:words[k].start], 1, 2) {
		return 0, false // only "and" follows a bare space
	}
	return k, cuedNameWord(text[words[k].start:words[k].end])
}

// otherNames marks names with a cue of another shape ("@Mike", "F1 Ahmed",
// "Jean (wife)", "Jim's daughter") and names on the embedded lists with no
// cue ("Barbara held his hand"), each with a surname straight after it.
func (n *nameScan) otherNames(ss *spanSet) {
	text, words := n.text, n.words
	for k := 0; k < len(words); k++ {
		if !n.nameStartAt(ss, k) {
			continue
		}
		last := n.surnameAfter(ss, k)
		cued := symbolCueBefore(text, words[k].start) || relationAfter(text, words, last)
		if !nameByShapeOrList(text, words, k, last, cued) || namesThing(text, words, last) || serviceAfter(text, words, last, !cued) {
			continue
		}
		end := words[last].start + len(trimPossessive(text[words[last].start:words[last].end]))
		n.mark(ss, words[k].start, end, k, last)
		k = last
	}
}

// nameStartAt reports whether words[k] may start a name with no cue word
// before it: a free capitalised word of two letters or more that is not an
// acronym, a pet's name, a kept phrase, or a stop, title, relation or
// month word.
func (n *nameScan) nameStartAt(ss *spanSet, k int) bool {
	text, words := n.text, n.words
	w := text[words[k].start:words[k].end]
	if !isCapitalised(w) || isAllCaps(w) || !ss.free(words[k].start, words[k].end) || petBefore(text, words, k) {
		return false
	}
	f := lookupWord(w)
	return f&(lexStop|lexTitle|lexContStop|lexRelation|lexMonth) == 0 && utf8.RuneCountInString(w) >= 2 && !keptPhraseAt(text, words, k)
}

// surnameAfter returns the index of the last word of a name starting at
// words[k]: the next word if it is a free surname one space after a word
// that is not a possessive, else k.
func (n *nameScan) surnameAfter(ss *spanSet, k int) int {
	text, words := n.text, n.words
	w := text[words[k].start:words[k].end]
	if w == trimPossessive(w) && k+1 < len(words) && spaceGap(text[words[k].end:words[k+1].start], 1, 1) &&
		surnameWord(text[words[k+1].start:words[k+1].end]) && ss.free(words[k+1].start, words[k+1].end) {
		return k + 1
	}
	return k
}

// nameByShapeOrList reports whether words[k] to words[last] is a name:
// after a cue of another shape (cued), a word that can be a name after a
// cue; with no cue, and not after a place word or an article, a word on
// the name lists (a faith word only with a surname), or a surname on the
// lists after a word that is not a common English or place word.
func nameByShapeOrList(text string, words []word, k, last int, cued bool) bool {
	w := text[words[k].start:words[k].end]
	if cued {
		return cuedNameWord(w)
	}
	if placeBefore(text, words, k) || articleBefore(text, words, k, last) {
		return false
	}
	return listedNameWord(w) && (last > k || !inSetFold(faithWords, w)) ||
		last > k && listedNameWord(text[words[last].start:words[last].end]) && nameClass(w)&nmCommon == 0 && !placeWords[strings.ToLower(w)]
}

// cuedNameWord reports whether w, after a cue, can be a name: capitalised,
// not an acronym, not a word that is never a name, and either not a common
// English word or a name that is also one ("dtr Hope").
func cuedNameWord(w string) bool {
	if !isCapitalised(w) || isAllCaps(w) || lexHas(w, lexTitle) || isStateWord(w) || isDrugWord(w) {
		return false
	}
	c := nameClass(w)
	if lexHas(w, lexStop) {
		return c&nmWordName != 0
	}
	return c&nmCommon == 0 || c&(nmWordName|nmFirst|nmSurname) != 0
}

// listedNameWord reports whether w, with no cue, is a name: on the
// first-name or surname list and not a common English word. Names that
// are also words (Hope, Will, May) need a cue.
func listedNameWord(w string) bool {
	c := nameClass(w)
	return c&(nmFirst|nmSurname) != 0 && c&(nmCommon|nmWordName) == 0
}

// surnameWord reports whether w, straight after a name, is its surname:
// capitalised, not an acronym, not a cue or stop word, and either on the
// lists or not a common English word.
func surnameWord(w string) bool {
	if !isCapitalised(w) || isAllCaps(w) || lexHas(w, lexStop|lexTitle|lexContStop|lexRelation) || orgWords[strings.ToLower(w)] {
		return false
	}
	c := nameClass(w)
	return c&nmCommon == 0 || c&(nmSurname|nmWordSurname) != 0
}

// listGap reports whether gap joins two names in a list: ", ", " & ",
// " + ", " / " or a space before "and". After a possessive the list ends.
func listGap(gap string, possessive bool) bool {
	if possessive {
		return false
	}
	g := strings.TrimLeft(gap, " \t")
	switch {
	case g == "":
		return spaceGap(gap, 1, 2) // before "and"
	case g[0] == ',' || g[0] == '&' || g[0] == '+' || g[0] == '/':
		return spaceGap(g[1:], 1, 2)
	}
	return false
}

// orgWords follow the name of a place of care or an organisation:
// "Poole Hospital", "Westbourne Surgery", "Mapleton Court Care Home".
var orgWords = setOf(`hospital hospitals hospice hospices surgery practice healthcare trust
	court care home homes nursing medical health clinic centre center pharmacy
	foundation university college school church chapel council infirmary
	society charity ltd limited funeral crematorium cemetery house`)

// orgAfter reports whether one of the next three capitalised words after
// words[last] names an organisation ("Poole Hospital", "Weymouth Community
// Hospital"), so the words before it are part of the organisation's name.
func orgAfter(text string, words []word, last int) bool {
	for k := last + 1; k < len(words) && k <= last+3; k++ {
		if !spaceGap(text[words[k-1].end:words[k].start], 1, 2) {
			return false
		}
		w := text[words[k].start:words[k].end]
		if !isCapitalised(w) {
			return false
		}
		if orgWords[strings.ToLower(w)] {
			return true
		}
	}
	return false
}

// keptPhrases look like a name, or a title and a name, and stay: the end of
// life care charities named after people, and brands and characters that
// come up in conversation ("his Dr Martens", "the Mr Men books").
var keptPhrases = [][2]string{
	{"marie", "curie"}, {"sue", "ryder"}, {"winston's", "wish"}, {"winston’s", "wish"},
	{"dr", "martens"}, {"doc", "martens"}, {"dr", "who"}, {"doctor", "who"},
	{"dr", "pepper"}, {"dr", "oetker"}, {"dr", "scholl"}, {"dr", "scholl's"}, {"dr", "seuss"},
	{"mr", "men"}, {"mr", "kipling"}, {"mr", "tumble"}, {"mr", "bean"}, {"mr", "blobby"},
	{"mr", "muscle"}, {"mr", "sheen"}, {"mr", "motivator"},
	{"father", "christmas"}, {"father", "time"}, {"mother", "nature"},
	{"sister", "act"}, {"lady", "chapel"}, {"lady", "grey"}, {"earl", "grey"},
}

// keptPhraseFirst holds the first words of keptPhrases.
var keptPhraseFirst = func() map[string]bool {
	m := make(map[string]bool)
	for _, p := range keptPhrases {
		m[p[0]] = true
	}
	return m
}()

// keptPhraseAt reports whether a kept phrase starts at words[k].
func keptPhraseAt(text string, words []word, k int) bool {
	if k+1 >= len(words) || !spaceGap(text[words[k].end:words[k+1].start], 1, 2) && text[words[k].end:words[k+1].start] != ". " {
		return false
	}
	a, b := text[words[k].start:words[k].end], text[words[k+1].start:words[k+1].end]
	if !inSetFold(keptPhraseFirst, a) {
		return false
	}
	for _, p := range keptPhrases {
		if strings.EqualFold(a, p[0]) && strings.EqualFold(b, p[1]) {
			return true
		}
	}
	return false
}

// roleTitles are the titles that are also job or role words, and so also
// start compounds: "Nurse Led", "Sister Station", "Matron Cover".
var roleTitles = setOf(`nurse sister matron father lady sir dame`)

// compoundAfterTitle reports whether the title at words[i] starts a
// compound or phrase rather than a name: a capitalised common English word
// after an article and a title ("the Sister Ward office", "a Nurse Led
// clinic"; but after Mr, Mrs, Dr and the like not a common word that is
// also a surname: "the Dr Brown clinic"), or after a role title a common
// word that is not also a first name or a surname ("Nurse Call", "Lady
// Chapel"; but "Sister Wood", "Nurse Young", "Sister Hope" are names).
func compoundAfterTitle(text string, words []word, i int) bool {
	if i+1 >= len(words) {
		return false
	}
	w := text[words[i+1].start:words[i+1].end]
	if !isCapitalised(w) || utf8.RuneCountInString(w) < 2 {
		return false // an initial or a particle: "Sister A Smith", "Nurse van Dyk"
	}
	c := nameClass(w)
	if c&nmCommon == 0 {
		return false
	}
	role := inSetFold(roleTitles, text[words[i].start:words[i].end])
	if i > 0 && spaceGap(text[words[i-1].end:words[i].start], 1, 2) && (role || c&nmWordSurname == 0) {
		switch a := text[words[i-1].start:words[i-1].end]; {
		case strings.EqualFold(a, "the"), strings.EqualFold(a, "a"), strings.EqualFold(a, "an"):
			return true
		}
	}
	return role && c&(nmFirst|nmSurname|nmWordName|nmWordSurname) == 0
}

// conditionHeads follow an eponym, also after a possessive: "Bell's
// palsy", "Hartmann's procedure", "Barthel score".
var conditionHeads = setOf(`palsy syndrome disease procedure operation sign signs test
	manoeuvre maneuver position criteria classification score scale scales tumour tumor`)

// deviceHeads follow an eponym or a maker's name: "Foley catheter",
// "Hickman line", "Graseby driver". After a first name they are the
// person's ("Doris catheter out"), so they do not count there.
var deviceHeads = setOf(`catheter catheters line lines mask masks airway airways tube tubes
	needle needles pump pumps driver drivers stockings`)

// thingHeads follow a name-like word that names an event or a thing, never
// a person: "Carol service", "Holly wreath".
var thingHeads = setOf(`service services singers concert wreath wreaths`)

// deviceMakers are makers' names of syringe drivers and pumps, some of
// them also first names: "Niki T34", "McKinley T34 pump".
var deviceMakers = setOf(`niki mckinley graseby cme alaris`)

// thingHeadClasses are the classes of word that, after a name-like word,
// show it names a thing, one row each, and whether they still do after a
// possessive and after a first name (after a first name, a device is the
// person's: "Doris catheter out", unless the name is a maker's: "Niki
// driver").
var thingHeadClasses = []struct {
	heads      map[string]bool
	possessive bool // still a thing after a possessive: "Bell's palsy"
	firstName  bool // still a thing after a first name: "Carol service"
	maker      bool // still a thing after a first name that is a maker's name
}{
	{thingHeads, false, true, false},
	{conditionHeads, true, false, false},
	{deviceHeads, false, false, true},
}

// thingAfter reports whether the name-like word at text[start:p] names a
// condition, a device or an event rather than a person, by the word after
// it: "Foley catheter", "Bell's palsy", "Carol service", or a model number
// after a maker's name ("Niki T34").
func thingAfter(text string, start, p int) bool {
	w := text[start:p]
	t := trimPossessive(w)
	possessive := len(t) < len(w)
	if p >= len(text) || text[p] != ' ' {
		return false
	}
	q := p + 1
	if !possessive && inSetFold(deviceMakers, t) && modelNumberAt(text, q) {
		return true
	}
	e := q
	for e < len(text) && 'a' <= text[e] && text[e] <= 'z' {
		e++
	}
	if e == q || e < len(text) && isLetterRune(runeAt(text, e)) {
		return false
	}
	h := text[q:e]
	first := nameClass(t)&nmFirst != 0
	for _, c := range thingHeadClasses {
		if c.heads[h] {
			return (!possessive || c.possessive) && (!first || c.firstName || c.maker && inSetFold(deviceMakers, t))
		}
	}
	return false
}

// modelNumberAt reports whether a model number starts at q: one to three
// capitals and two or three digits ("T34"), then no letter or digit.
func modelNumberAt(text string, q int) bool {
	n := upperRun(text[q:])
	if n < 1 || n > 3 {
		return false
	}
	d := 0
	for q+n+d < len(text) && isDigit(text[q+n+d]) {
		d++
	}
	return d >= 2 && d <= 3 && (q+n+d == len(text) || !isWordRune(runeAt(text, q+n+d)))
}

// inSetFold reports whether w, in lower case, is in set, without
// allocating for short ASCII words.
func inSetFold(set map[string]bool, w string) bool {
	var buf [24]byte
	if k := foldKey(buf[:], w); k != nil {
		return set[string(k)]
	}
	return set[strings.ToLower(w)]
}

// upperRun returns how many ASCII capitals s starts with.
func upperRun(s string) int {
	n := 0
	for n < len(s) && 'A' <= s[n] && s[n] <= 'Z' {
		n++
	}
	return n
}

// placeWords come before a place rather than a person: "in Sydney", "from
// Derry", "St Mary's", "Christmas Eve".
var placeWords = setOf(`in from at near to into outside via st saint christmas new`)

// placeBefore reports whether the word before words[k] shows that a
// capitalised word with no cue names a place or a day, not a person.
func placeBefore(text string, words []word, k int) bool {
	if k == 0 {
		return false
	}
	gap := text[words[k-1].end:words[k].start]
	if !spaceGap(gap, 1, 2) && gap != ". " && gap != "." {
		return false
	}
	return placeWords[strings.ToLower(text[words[k-1].start:words[k-1].end])]
}

// petNouns come before a pet's name, which stays: "the dog Biscuit", "cat
// called Tigger", "dog (Max)".
var petNouns = setOf(`dog dogs cat cats pet puppy pup kitten budgie parrot horse pony rabbit hamster tortoise`)

// petBefore reports whether words[k] is a pet's name.
func petBefore(text string, words []word, k int) bool {
	for j, n := k-1, 0; j >= 0 && n < 2; j, n = j-1, n+1 {
		w := strings.ToLower(text[words[j].start:words[j].end])
		if petNouns[w] {
			return true
		}
		if w != "called" && w != "named" {
			return false
		}
	}
	return false
}

// symbolCueBefore reports whether the word at p follows "@" or a numbered
// grade such as "F1", "FY2", "ST3", "CT1".
func symbolCueBefore(text string, p int) bool {
	if p > 0 && text[p-1] == '@' {
		return p < 2 || !isWordRune(runeBefore(text, p-1))
	}
	i := p
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') && p-i < 2 {
		i--
	}
	if i == p || i < 2 || !isDigit(text[i-1]) {
		return false
	}
	e := i
	for i > 0 && isDigit(text[i-1]) {
		i--
	}
	if e-i > 1 {
		return false
	}
	s := i
	for s > 0 && isLetterByte(text[s-1]) {
		s--
	}
	if s > 0 && isWordRune(runeBefore(text, s)) {
		return false
	}
	switch strings.ToUpper(text[s:i]) {
	case "F", "FY", "ST", "CT", "SPR", "STR":
		return true
	}
	return false
}

// relationAfter reports whether words[last] is followed by a relation word
// in brackets ("Jean (wife)", "Sue (dtr)") or, as a possessive, by a
// relation word ("Jim's daughter").
func relationAfter(text string, words []word, last int) bool {
	if last+1 >= len(words) {
		return false
	}
	w := text[words[last].start:words[last].end]
	gap := text[words[last].end:words[last+1].start]
	next := text[words[last+1].start:words[last+1].end]
	if !lexHas(next, lexRelation) || lexHas(next, lexStop) && !isRelationNoun(next) {
		return false
	}
	if trimPossessive(w) != w {
		return spaceGap(gap, 1, 2)
	}
	g := strings.TrimLeft(gap, " \t")
	return strings.HasPrefix(g, "(") && spaceGap(g[1:], 0, 1) && len(gap)-len(g) <= 2
}

// isRelationNoun reports whether w is a family or care relation rather than
// a verb cue such as "told".
func isRelationNoun(w string) bool {
	switch strings.ToLower(w) {
	case "called", "named", "nicknamed", "thanks", "thx", "ta", "cheers", "told", "rang", "phoned", "asked", "met":
		return false
	}
	return true
}

// plainWord reports whether w is all ASCII letters.
func plainWord(text string, w word) bool {
	for i := w.start; i < w.end; i++ {
		if !isLetterByte(text[i]) {
			return false
		}
	}
	return true
}

// twoWordCue reports whether words[i] ends a two-word cue: "known as",
// "name is", "name was", "names are".
func twoWordCue(text string, words []word, i int) bool {
	if i == 0 {
		return false
	}
	w := text[words[i].start:words[i].end]
	p := text[words[i-1].start:words[i-1].end]
	if !spaceGap(text[words[i-1].end:words[i].start], 1, 2) {
		return false
	}
	switch {
	case strings.EqualFold(w, "as"):
		return strings.EqualFold(p, "known")
	case strings.EqualFold(w, "is"), strings.EqualFold(w, "was"), strings.EqualFold(w, "are"):
		// "name is Bunny", "NOK is Derek"
		return strings.EqualFold(p, "name") || strings.EqualFold(p, "names") || lexHas(p, lexRelation) && isRelationNoun(p)
	case strings.EqualFold(w, "to"), strings.EqualFold(w, "with"):
		// "spoke to Mike", "handed over to Dawn", "sat with Dolores"
		return speechVerbs[strings.ToLower(p)]
	case strings.EqualFold(w, "you"):
		return strings.EqualFold(p, "thank")
	}
	return false
}

// speechVerbs come before "to" or "with" and a name: "spoke to Mike".
var speechVerbs = setOf(`spoke speak speaking spoken talked talking talk chatted chatting
	over handover handed passed sat sitting explained explaining introduced`)

// cueAt reports whether words[i], whose lexicon classes are f, introduces
// a name.
func cueAt(text string, words []word, i int, f uint16) cueMode {
	w := text[words[i].start:words[i].end]
	if len(w) < 2 || len(w) > 15 {
		return notCue
	}
	if f&lexTitle != 0 {
		if gapOK(text[words[i].end:words[i+1].start], f&lexTitleAbbrev != 0, false) {
			return titleCue
		}
		return notCue
	}
	cue := f&lexRelation != 0 || twoWordCue(text, words, i)
	if cue && (gapOK(text[words[i].end:words[i+1].start], false, true) || cueGap(text[words[i].end:words[i+1].start])) {
		return wordCue
	}
	return notCue
}

// cueGap reports whether the text between a word cue and a name is one
// of the shapes "son: Mike", "Wife (Jean)", "NOK = Ray", "NOK - Ray".
func cueGap(gap string) bool {
	g := strings.TrimLeft(gap, " \t")
	if len(gap)-len(g) > 2 || g == "" {
		return false
	}
	switch {
	case g[0] == ':' || g[0] == '=' || g[0] == '-' || g[0] == '(':
		g = g[1:]
	case strings.HasPrefix(g, "–"):
		g = g[len("–"):]
	default:
		return false
	}
	return spaceGap(g, 0, 2)
}

// gapOK reports whether the text between a cue and the next word is a
// plain gap: one to three spaces, after a dot for an abbreviated title or a
// comma for a relation word.
func gapOK(gap string, dot, comma bool) bool {
	if dot && strings.HasPrefix(gap, ".") {
		return spaceGap(gap[1:], 0, 3)
	} else if comma && strings.HasPrefix(gap, ",") {
		gap = gap[1:]
	}
	return spaceGap(gap, 1, 3)
}

// spaceGap reports whether gap is between lo and hi spaces, tabs or
// no-break spaces.
func spaceGap(gap string, lo, hi int) bool {
	n := 0
	for _, r := range gap {
		if r != ' ' && r != '\t' && r != '\u00a0' && r != '\u202f' {
			return false
		}
		n++
	}
	return lo <= n && n <= hi
}

// nameFrom reads the name starting at words[k], after a cue of the given
// mode. capsOnly says the title was written in capitals ("MRS"), so the
// name must be too. It returns the byte range of the name and the index of
// its last word; end <= start if there is none.
func nameFrom(text string, words []word, k0 int, mode cueMode, capsOnly bool) (start, end, last int) {
	r := nameReader{text: text, words: words, mode: mode, capsOnly: capsOnly}
	start, end, last = words[k0].start, -1, k0-1
	for k := k0; k < len(words); k++ {
		if k > k0 && !r.gapGoesOn(k) {
			break
		}
		w := text[words[k].start:words[k].end]
		if r.skipsPrefix(k, w) {
			continue
		}
		r.prevInitial = false
		if !r.takesWord(k, w) {
			break
		}
		r.nWords++
		trimmed := trimPossessive(w)
		end, last = words[k].start+len(trimmed), k
		if r.nWords == 2 || len(trimmed) < len(w) {
			break // two words, or a possessive, end a name
		}
	}
	if r.nWords == 0 {
		return r.initialsOnly(k0)
	}
	return start, end, last
}

// nameReader is what nameFrom has read of a name so far.
type nameReader struct {
	text        string
	words       []word
	mode        cueMode
	capsOnly    bool
	nWords      int  // name words read (at most two)
	nInitials   int  // initials before the first name word
	nParticles  int  // particles: van, de, al...
	prevInitial bool // the last word read was an initial
}

// gapGoesOn reports whether the gap before words[k] keeps the name going:
// one or two spaces, or after an initial a dot ("J.Smith", "J. Smith").
func (r *nameReader) gapGoesOn(k int) bool {
	gap := r.text[r.words[k-1].end:r.words[k].start]
	if spaceGap(gap, 1, 2) {
		return true
	}
	return r.prevInitial && (gap == "." || strings.HasPrefix(gap, ".") && spaceGap(gap[1:], 1, 2))
}

// skipsPrefix reads w, at words[k], if it is an initial before the first
// name word (up to three: "Mrs J. R. Smith") or a particle (up to three:
// "Dr van der Berg"; after a title also St or Saint before a capitalised
// word: "Mrs St John"), and reports whether it did.
func (r *nameReader) skipsPrefix(k int, w string) bool {
	switch {
	case r.nWords == 0 && r.nInitials < 3 && isInitial(w):
		r.nInitials++
		r.prevInitial = true
		return true
	case r.nParticles < 3 && !isCapitalised(w) && lexHas(w, lexParticle), r.saintAt(k, w):
		r.nParticles++
		r.prevInitial = false
		return true
	}
	return false
}

// saintAt reports whether w, at words[k], is St or Saint starting a name
// after a title ("Mrs St John").
func (r *nameReader) saintAt(k int, w string) bool {
	return r.mode == titleCue && r.nWords == 0 && r.nParticles == 0 && (w == "St" || w == "Saint") &&
		k+1 < len(r.words) && isCapitalised(r.text[r.words[k+1].start:r.words[k+1].end])
}

// takesWord reports whether w, at words[k], is the next word of the name.
func (r *nameReader) takesWord(k int, w string) bool {
	f := lookupWord(w)
	if f&lexStop != 0 && r.mode == wordCue && r.nWords == 0 && nameClass(w)&nmWordName != 0 && f&lexTitle == 0 {
		f &^= lexStop // "son Will", "dtr May"
	}
	// Capitalised, and not a stop word or a title. An acronym is not a
	// name ("Mrs Ellis DOB", "NOK GP"), unless the title is in capitals
	// too ("MRS JONES"), when every word of the name must be.
	if !isCapitalised(w) || f&(lexStop|lexTitle) != 0 || r.capsOnly != isAllCaps(w) {
		return false
	}
	// A second word is not a ward or street word, a relation, a drug or a
	// short day name before a time ("Dr Patel Ward 7", "Mrs Ellis Oramorph").
	if r.nWords > 0 && (f&(lexContStop|lexRelation) != 0 || isDrugWord(w) || dayTimeAt(r.text, r.words, k)) {
		return false
	}
	if r.mode != wordCue {
		return true
	}
	// After a word cue, a common English word is not a name unless it is
	// also a first name ("dtr Hope"), nor is a second word that is not a
	// likely surname.
	if r.nWords == 0 {
		return cuedNameWord(w)
	}
	return surnameWord(w)
}

// initialsOnly returns the name made of the initials read at words[k0]
// when no name word follows them ("Mrs B."): a name after a title not in
// capitals, unless the letter is I or A. end <= start if there is none.
func (r *nameReader) initialsOnly(k0 int) (start, end, last int) {
	if r.nInitials > 0 && r.mode == titleCue && !r.capsOnly {
		if w := r.text[r.words[k0].start:r.words[k0].end]; w != "I" && w != "A" {
			return r.words[k0].start, r.words[k0+r.nInitials-1].end, k0 + r.nInitials - 1
		}
	}
	return 0, -1, k0 - 1
}

// isInitial reports whether w is a single capital letter.
func isInitial(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && isCapitalised(w) && r != utf8.RuneError
}

// trimPossessive drops a trailing 's or ’s.
func trimPossessive(w string) string {
	for _, s := range [...]string{"'s", "’s", "'S", "’S"} {
		if len(w) > len(s)+1 && strings.HasSuffix(w, s) {
			return w[:len(w)-len(s)]
		}
	}
	return w
}

// findRepeatedNames marks capitalised words elsewhere in the text that
// equal a name word already found after a title or relation word ("Mrs
// Edith Marsh ... Edith said"). Adjacent ones become one name.
func findRepeatedNames(text string, words []word, found []string, ss *spanSet) {
	start, end := -1, -1
	flush := func() {
		if start >= 0 {
			ss.add(start, end, Name)
		}
		start = -1
	}
	for _, wd := range words {
		w := text[wd.start:wd.end]
		t := trimPossessive(w)
		if !isCapitalised(w) || !equalFoldAny(t, found) || !ss.free(wd.start, wd.start+len(t)) {
			flush()
			continue
		}
		if start >= 0 && spaceGap(text[end:wd.start], 1, 2) {
			end = wd.start + len(t)
		} else {
			flush()
			start, end = wd.start, wd.start+len(t)
		}
		if len(t) < len(w) {
			flush()
		}
	}
	flush()
}

// equalFoldAny reports whether w equals any of list, ignoring case.
func equalFoldAny(w string, list []string) bool {
	for _, x := range list {
		if strings.EqualFold(w, x) {
			return true
		}
	}
	return false
}

// nameList is a team's list of names, ready to search for.
type nameList struct {
	entries  []nameEntry    // longest first
	fallback *regexp.Regexp // entries whose first word is not plain ASCII
}

// nameEntry is one name on the list.
type nameEntry struct {
	first string         // its first word in lower-case ASCII
	re    *regexp.Regexp // the whole name, anchored, any case, any spacing
}

// compileNameList prepares the team's list of names; it returns nil for an
// empty list.
func compileNameList(names []string) (*nameList, error) {
	var nl nameList
	var fallback []string
	sorted := append([]string(nil), names...)
	sort.SliceStable(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, n := range sorted {
		f := strings.Fields(n)
		if len(f) == 0 || len(f) == 1 && utf8.RuneCountInString(f[0]) < 2 {
			continue
		}
		first := f[0]
		for i := range f {
			f[i] = regexp.QuoteMeta(f[i])
		}
		pat := strings.Join(f, `[\s\x{00a0}]{1,3}`)
		if !isASCII(first) || len(n) > window/2 {
			fallback = append(fallback, pat)
			continue
		}
		re, err := regexp.Compile(`^(?i)` + pat)
		if err != nil {
			return nil, err
		}
		nl.entries = append(nl.entries, nameEntry{strings.ToLower(first), re})
	}
	if len(fallback) > 0 {
		re, err := regexp.Compile(`(?i)(?:` + strings.Join(fallback, "|") + `)`)
		if err != nil {
			return nil, err
		}
		nl.fallback = re
	}
	if len(nl.entries) == 0 && nl.fallback == nil {
		return nil, nil
	}
	return &nl, nil
}

// isASCII reports whether s is plain ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII returns s with ASCII letters in lower case; other bytes are
// kept, so offsets stay the same.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// findListedNames marks whole-word matches of the team's list.
func findListedNames(text string, nl *nameList, ss *spanSet) {
	markListed(text, nl, ss, Name)
}

// markListed marks whole-word matches of a list as kind k; the empty kind
// protects them from every rule.
func markListed(text string, nl *nameList, ss *spanSet, k Kind) {
	if len(nl.entries) > 0 {
		lower := lowerASCII(text)
		for _, e := range nl.entries {
			for i := 0; i < len(lower); {
				j := strings.Index(lower[i:], e.first)
				if j < 0 {
					break
				}
				pos := i + j
				i = pos + 1
				if isWordRune(runeBefore(text, pos)) {
					continue
				}
				if m := matchAt(e.re, text, pos); m != nil && wordBoundaries(text, m[0], m[1]) {
					ss.add(m[0], m[1], k)
				}
			}
		}
	}
	if nl.fallback == nil {
		return
	}
	for p := 0; p < len(text); {
		m := nl.fallback.FindStringIndex(text[p:])
		if m == nil {
			return
		}
		start, end := p+m[0], p+m[1]
		if end > start && wordBoundaries(text, start, end) && ss.add(start, end, k) {
			p = end
			continue
		}
		_, w := utf8.DecodeRuneInString(text[start:])
		p = start + w
	}
}
