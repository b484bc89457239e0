package offline

import (
	"sort"
	"strings"
)

// lexCat is a set of lexicon categories, one bit each. A lexicon entry can
// belong to several ("syringe driver" is an intervention and a comfort
// word); the offline coder reads the categories, never the words.
type lexCat uint64

// The lexicon's categories. They follow the codebook's vocabulary: what
// puts an answer on a direction's subject, what marks a clear instance of
// the direction, what marks the tendency, and what each capability is about.
const (
	cPerson       lexCat = 1 << iota // someone from the person's own life: kin, friends, neighbours
	cNOK                             // next of kin as a label
	cPet                             // an animal in the person's life
	cCommunity                       // a group or place of their community: church, club, pub, volunteers
	cService                         // a service, team or professional
	cIntervention                    // equipment and procedures
	cMed                             // medicines, doses and routes
	cForm                            // forms, registers and planning records
	cClinical                        // diagnoses, symptoms, function, observations
	cReactive                        // events handled as they came, and waiting plans
	cAssess                          // assessments and test results
	cChrono                          // care events that make a chronology
	cDay                             // days and dates
	cPlan                            // planning ahead and shared understanding
	cLesson                          // lessons drawn, hindsight
	cTeam                            // the team and its processes
	cComfort                         // comfort in the last days
	cRecognise                       // recognising the last phase of life
	cWish                            // wants, wishes, preferences
	cLiveWell                        // activities, pleasures, roles
	cStrain                          // how those close are doing
	cBereave                         // bereavement and support of those close
	cSupport                         // someone giving help, care or company
	cRelCare                         // care given as a relationship
	cLabel                           // bare-label words: aware, informed, present
	cProblem                         // a relative described as a problem
	cRefuse                          // a service refused, resented or failing
	cFix                             // a service fix put forward
	cVoice                           // speech: said, told me, her words
	cMoment                          // a particular moment or scene
	cHistory                         // a remembered piece of the person's history
	cFeeling                         // the writer's own feeling or view
	cNegate                          // no, not, nobody, none
	cNobody                          // nobody, no family, alone
	cHome                            // home and other places wished for
	cTickbox                         // tick-box phrases of the record register
	cGeneric                         // generic care words, poor key phrases
	cExperience                      // what an experience was like or meant
	cQuestion                        // asking the team something
	cPaidCarer                       // paid carers
	cFamilyCarer                     // a relative or friend as carer
	cHypothetical                    // what may happen: if, in case, when the time comes
	cWentWrong                       // an account of something that went wrong
	cFunction                        // everyday function words (for note-form detection)
	cIntent                          // a weak plan: will, arrange, book, check
	cReason                          // explaining why: because, meant that, led to
	cEarly                           // earlier, sooner, too late
	cSeq                             // sequence words of a chronology: then, later, next day
	cHistoryWeak                     // a trait or role from their past: ex-postie, retired teacher
	cWhen                            // "when" opening a clause that may be a moment
	cNumber                          // a number, dose or date (set by the tokenizer, not listed)
	cPlace                           // a place of community life: pub, church, club, allotment
	cCommRes                         // a community resource: befriending, volunteers, compassionate neighbours, faith leaders
	cUnsure                          // the writer does not know yet
	cPatient                         // the patient as a patient: pt, patient
	cIntentStrong                    // a plain intention about what comes next: will, going to, need to, maybe
	cProcess                         // a referral, leaflet or scheme that puts help in services (community only)
	cOwnPlan                         // the person's own affairs put in order: a will, a funeral plan (anticipation only)
)

// lexEntry is one compiled lexicon entry: its words as keys (a stem, or
// "=word" for an exact word) and its categories.
type lexEntry struct {
	keys []string
	cat  lexCat
}

// lexicon is the compiled lexicon: entries by their first key, longest
// first, so that matching takes the longest entry at each word.
type lexicon struct {
	byFirst map[string][]lexEntry
	// byExact holds the entries whose first word is matched exactly, by
	// that word.
	byExact map[string][]lexEntry
	// fuzzy maps each one-letter deletion of a long single-word stem to
	// that stem's categories, to catch common one-letter typos.
	fuzzy map[string]lexCat
	// single holds the categories of single-word stems, for the fuzzy
	// lookup and for key phrase weights.
	single map[string]lexCat
}

// lexFuzzyMinLen is the shortest stem the typo matcher will correct: shorter
// words are one letter away from too many ordinary words.
const lexFuzzyMinLen = 7

// lexFuzzyBlock lists ordinary words one letter from a lexicon word, which
// must not be read as a typo of it ("laughter" is not "daughter").
var lexFuzzyBlock = map[string]bool{
	"laughter": true, "slaughter": true, "bother": true, "gather": true, "rather": true,
	"brothel": true, "another": true, "smother": true, "further": true, "feather": true,
	"leather": true, "weather": true, "whether": true, "together": true, "mothers": true,
	"caravan": true, "chatter": true, "platter": true, "letters": true, "matters": true,
	"mattered": true, "married": true, "carried": true, "hurried": true, "worried": true,
	"started": true, "starter": true, "stopped": true, "dressed": true, "pressed": true,
	"blessed": true, "stressed": true, "visitor": true, "visited": true, "planned": true,
	"planner": true, "painter": true, "pointed": true, "printed": true, "pointer": true,
	"dealing": true, "healing": true, "feeling": true, "ceiling": true, "calling": true,
	"falling": true, "telling": true, "selling": true, "willing": true, "filling": true,
	"killing": true, "sitting": true, "setting": true, "getting": true, "putting": true,
	"cutting": true, "hitting": true, "waiting": true, "writing": true, "reading": true,
	"leading": true, "heading": true, "wedding": true, "bedding": true, "nothing": true,
	"singing": true, "bringing": true, "ringing": true, "kidding": true, "bidding": true,
	"meaning": true, "morning": true, "warning": true, "earning": true, "turning": true,
	"burning": true, "learned": true, "learner": true, "cleaner": true, "clearer": true,
	"cheaper": true, "sleeper": true, "keeper": true, "deeper": true, "hospital": true,
	"capital": true, "general": true, "funeral": true, "mineral": true, "several": true,
	"natural": true, "neutral": true, "central": true, "council": true, "counsel": true,
	"country": true, "cousins": true, "friendly": true, "friendship": true,
}

// compileLexicon turns lexiconSource into a lexicon. It runs once.
func compileLexicon() *lexicon {
	lx := &lexicon{byFirst: map[string][]lexEntry{}, fuzzy: map[string]lexCat{}, single: map[string]lexCat{}}
	merged := map[string]int{} // joined keys -> index in byFirst[first]
	for _, src := range lexiconSource {
		for _, raw := range strings.Split(src.words, "|") {
			raw = strings.TrimSpace(raw)
			if raw == "" {
				continue
			}
			exact := strings.HasPrefix(raw, "=")
			raw = strings.TrimPrefix(raw, "=")
			ws := lexEntryWords(raw)
			if len(ws) == 0 {
				continue
			}
			keys := make([]string, len(ws))
			for i, w := range ws {
				if exact {
					keys[i] = "=" + w
				} else {
					keys[i] = Stem(w)
				}
			}
			joined := strings.Join(keys, " ")
			if i, ok := merged[joined]; ok {
				lx.byFirst[keys[0]][i].cat |= src.cat
			} else {
				merged[joined] = len(lx.byFirst[keys[0]])
				lx.byFirst[keys[0]] = append(lx.byFirst[keys[0]], lexEntry{keys: keys, cat: src.cat})
			}
			if len(keys) == 1 && !exact {
				lx.single[keys[0]] |= src.cat
			}
		}
	}
	lx.byExact = map[string][]lexEntry{}
	for k, es := range lx.byFirst {
		sort.SliceStable(es, func(i, j int) bool { return len(es[i].keys) > len(es[j].keys) })
		if strings.HasPrefix(k, "=") {
			// Keyed by the bare word, so matching needs no string built.
			lx.byExact[k[1:]] = es
			delete(lx.byFirst, k)
			continue
		}
		lx.byFirst[k] = es
	}
	for s, c := range lx.single {
		if len(s) < lexFuzzyMinLen || !lexIsLetters(s) {
			continue
		}
		for _, d := range lexDeletions(s) {
			lx.fuzzy[d] |= c
		}
		lx.fuzzy[s] |= c
	}
	return lx
}

// lexEntryWords splits a lexicon entry into words the way answers are split,
// except that a few symbols that carry meaning in notes ("a&e", "h@h",
// "++") are kept as words of their own.
func lexEntryWords(raw string) []string {
	switch raw {
	case "++", "plus plus":
		return []string{"plusplus"}
	}
	raw = strings.NewReplacer("&", " ", "@", " ", "-", " ").Replace(raw)
	return Words(raw)
}

// lexDeletions lists the strings made by deleting one letter of s.
func lexDeletions(s string) []string {
	out := make([]string, 0, len(s))
	for i := range len(s) {
		out = append(out, s[:i]+s[i+1:])
	}
	return out
}

func lexIsLetters(s string) bool {
	for i := range len(s) {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// fuzzyCat returns the categories of the lexicon word that stem s is most
// likely a one-letter typo of, or 0.
func (lx *lexicon) fuzzyCat(s string, w string) lexCat {
	if len(s) < lexFuzzyMinLen || !lexIsLetters(s) || lexFuzzyBlock[w] || lexFuzzyBlock[s] {
		return 0
	}
	if c, ok := lx.fuzzy[s]; ok {
		return c
	}
	for i := range len(s) {
		if c, ok := lx.fuzzy[s[:i]+s[i+1:]]; ok {
			return c
		}
	}
	return 0
}
