package offline

import "strings"

// speech reports quoted words that are someone's speech, not scare quotes:
// a quote of one word, or a short quote right after an article ("the
// 'right moment'"), is a label.
func (d *doc) speech() bool {
	for i := 0; i < len(d.toks); {
		if !d.toks[i].quoted || d.toks[i].synthetic {
			i++
			continue
		}
		j := i
		for j < len(d.toks) && d.toks[j].quoted {
			j++
		}
		n := j - i
		scare := false
		if i > 0 && n <= 3 {
			switch d.toks[i-1].w {
			case "the", "a", "an", "our", "this", "that", "their", "so", "called":
				scare = true
			}
		}
		if n >= 2 && !scare {
			return true
		}
		i = j
	}
	return false
}

// hasVoice finds the person's or a relative's own words: speech verbs not
// said by a professional or by the writer's team, nor only reporting a
// wish, a refusal or a request (reportedWish).
func (d *doc) hasVoice() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cVoice == 0 {
			continue
		}
		if d.reportedWish(i) {
			continue
		}
		ok := true
		for k := i - 1; k >= 0 && k >= i-2 && d.toks[k].clause == t.clause; k-- {
			u := &d.toks[k]
			if u.cat&(cService|cForm) != 0 && u.cat&lexOwnLife == 0 || u.w == "we" || u.w == "we've" || u.w == "i" || u.w == "i've" || u.w == "we'd" {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// reportedWish reports a speech verb at i that only carries a wish, a
// refusal or a request told in the writer's words: "the person's or a
// relative's own words, quoted or closely reported in their voice" are
// stories toward, but "a one-line wish" is none, and "he's said he doesn't
// want to talk about any of it", "says no to everything we offer", "keeps
// asking for her mum", "that's what she said she wanted" give the wish or
// the refusal, not their words.
func (d *doc) reportedWish(i int) bool {
	start, end := i, i
	for start > 0 && d.toks[start-1].cat&cVoice != 0 {
		start--
	}
	for end+1 < len(d.toks) && d.toks[end+1].cat&cVoice != 0 {
		end++
	}
	if start > 0 && d.toks[start-1].w == "what" {
		return true
	}
	if end+1 < len(d.toks) && d.toks[end+1].clause == d.toks[i].clause {
		switch d.toks[end+1].w {
		case "for", "where", "what", "no":
			return true
		}
	}
	for k := end + 1; k < len(d.toks) && k <= end+4 && d.toks[k].clause == d.toks[i].clause; k++ {
		switch d.toks[k].w {
		case "want", "wants", "wanted":
			return true
		}
	}
	return false
}

// perfectAux before a past participle make it a present state ("has
// moved in"), not a moment told.
var perfectAux = map[string]bool{"has": true, "have": true, "had": true, "he's": true, "she's": true, "they've": true, "'s": true}

// pastWords are common past-tense verbs a "when" clause tells a moment
// with; words ending in -ed count too.
var pastWords = map[string]bool{
	"went": true, "came": true, "saw": true, "brought": true, "held": true, "sat": true,
	"said": true, "told": true, "got": true, "was": true, "were": true, "took": true,
	"gave": true, "made": true, "found": true, "heard": true, "had": true, "met": true,
	"left": true, "ran": true, "sang": true, "began": true, "knew": true, "thought": true,
	"felt": true, "wore": true, "put": true, "rang": true, "drove": true, "stood": true,
	"walked": true, "arrived": true, "visited": true, "asked": true, "opened": true,
}

// hasMoment finds a particular moment or scene: a moment marker in a
// sentence that is not mostly record, or a "when" clause told in the past.
func (d *doc) hasMoment() bool {
	for _, s := range d.sentences {
		var m momentReading
		for i := s[0]; i < s[1]; i++ {
			m.read(d, i, s[1])
		}
		if m.found() {
			return true
		}
	}
	return false
}

// momentReading is what hasMoment gathers from one sentence, word by word.
type momentReading struct {
	rec, content int  // content words, and those of them that are record
	moment       bool // a moment marker, or a "when" clause told in the past
	own          bool // someone from the person's own life, not negated
	day          bool // a day told ("on Saturday", "yesterday")
	past         bool // a verb in the simple past
	chrono       bool // a chronology or a future ("will")
}

// read takes word i of a sentence ending at end.
func (m *momentReading) read(d *doc, i, end int) {
	t := &d.toks[i]
	if t.cat&lexOwnLife != 0 && t.cat&(cNOK|cLabel) == 0 && !d.negated(i) {
		m.own = true
	}
	m.day = m.day || d.dayTold(i)
	m.chrono = m.chrono || t.cat&cChrono != 0 || t.w == "will"
	m.past = m.past || d.simplePast(i)
	if t.cat&cFunction == 0 {
		m.content++
		if t.cat&lexRecord != 0 && t.cat&(lexDescribing|lexOwnLife) == 0 {
			m.rec++
		}
	}
	if t.cat&cMoment != 0 || t.cat&cWhen != 0 && d.whenPast(i, end) {
		m.moment = true
	}
}

// found reports a moment in a sentence that is not mostly record. "A
// particular moment or scene ('when I got there on Sunday he was…')" is
// also someone from their own life doing something on a day told ("The
// lads from his old band played in the garden for him on Saturday", "Her
// husband came in on the Saturday").
func (m *momentReading) found() bool {
	moment := m.moment || m.own && m.day && m.past && !m.chrono
	return moment && !(m.rec >= 2 && m.rec*3 >= m.content*2)
}

// dayTold reports word i as a day told: a day after "on", "the", "at",
// "by" or "last", or "yesterday".
func (d *doc) dayTold(i int) bool {
	t := &d.toks[i]
	if t.w == "yesterday" {
		return true
	}
	if t.cat&cDay == 0 || i == 0 || d.toks[i-1].cat&cDay != 0 {
		return false
	}
	switch d.toks[i-1].w {
	case "on", "the", "at", "by", "last":
		return true
	}
	return false
}

// simplePast reports word i as a verb in the simple past that is not a
// care event ("asked" and "offered" are requests; "has gone" is not the
// simple past).
func (d *doc) simplePast(i int) bool {
	t := &d.toks[i]
	if t.cat&(cChrono|cClinical|cReactive|cService) != 0 || t.w == "asked" || t.w == "offered" {
		return false
	}
	if !pastWords[t.w] && !(strings.HasSuffix(t.w, "ed") && len(t.w) > 4) {
		return false
	}
	return i == 0 || !perfectAux[d.toks[i-1].w]
}

// whenPast reports whether "when" at i opens a clause told in the past
// ("when his grandson brought the baby in"), not a condition ("when she
// deteriorates"), a question ("what to do when"), or a time of life ("when
// she was young" is history).
func (d *doc) whenPast(i, end int) bool {
	if i > 0 {
		switch d.toks[i-1].w {
		case "knew", "know", "knows", "do", "to", "what", "about", "ask", "asked", "remember", "or":
			return false
		}
	}
	for k := i + 1; k < end && k <= i+5; k++ {
		t := &d.toks[k]
		if t.cat&(cHypothetical|cClinical|cReactive|cChrono) != 0 || t.w == "will" || t.w == "comes" || t.w == "needs" {
			return false
		}
		if k == i+1 && (t.w == "something" || t.w == "anything" || t.w == "it" || t.w == "things") {
			return false
		}
		if t.w == "was" && k+1 < end && (d.toks[k+1].w == "young" || d.toks[k+1].w == "little" || d.toks[k+1].w == "a") {
			return false
		}
		if pastWords[t.w] || (strings.HasSuffix(t.w, "ed") && len(t.w) > 4) {
			return true
		}
	}
	return false
}

// hasWish finds something the person or their family wants, not the team.
func (d *doc) hasWish() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.all&cWish == 0 {
			continue
		}
		if t.quoted {
			return true
		}
		team := false
		for k := i - 1; k >= 0 && k >= i-2 && d.toks[k].clause == t.clause; k-- {
			u := d.toks[k]
			if u.w == "we" || u.w == "i" || u.w == "team" || u.cat&cService != 0 && u.cat&lexOwnLife == 0 {
				team = true
			}
		}
		if !team {
			return true
		}
	}
	return false
}

// recognises reports words about the last phase of life, leaving out a
// fear of it ("not scared of dying") and a process named as its object
// ("monitor for deterioration").
func (d *doc) recognises() bool {
	for i := range d.toks {
		if d.toks[i].all&cRecognise == 0 {
			continue
		}
		if i > 0 && (d.toks[i-1].w == "of" || d.toks[i-1].w == "for") {
			continue
		}
		return true
	}
	return false
}

// hasStem reports whether any word of the answer has the stem.
func (d *doc) hasStem(s string) bool {
	for i := range d.toks {
		if d.toks[i].s == s {
			return true
		}
	}
	return false
}

// strongBereave reports bereavement and carer-support words that speak to
// those close by themselves.
func (d *doc) strongBereave() bool {
	for i := range d.toks {
		t := &d.toks[i]
		if t.all&cBereave != 0 && t.all&cService == 0 {
			return true
		}
	}
	return false
}

// refusalWords make a run of refusal words the person's refusal ("refused
// the carers", "won't let the DNs in"), not a service failing or resented
// ("didn't turn up", "third agency").
var refusalWords = map[string]bool{
	"refused": true, "refuses": true, "refusing": true, "refuse": true, "declined": true, "declines": true,
	"declining": true, "decline": true, "won't": true, "wont": true, "wouldn't": true,
}

// refusalOnly reports services refused by the person, every run of
// refusal words being a refusal, not a failure or a resentment.
func (d *doc) refusalOnly() bool {
	found := false
	for i := range d.toks {
		t := &d.toks[i]
		if t.cat&cRefuse == 0 || i > 0 && d.toks[i-1].cat&cRefuse != 0 && d.toks[i-1].clause == t.clause {
			continue
		}
		ok := false
		for j := i; j < len(d.toks) && d.toks[j].cat&cRefuse != 0 && d.toks[j].clause == t.clause; j++ {
			ok = ok || refusalWords[d.toks[j].w]
		}
		if !ok {
			return false
		}
		found = true
	}
	return found
}
