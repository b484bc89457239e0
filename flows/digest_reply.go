package flows

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// quotesShown is how many quotes a digest shows per recurring theme.
const quotesShown = 2

// discussButtons is how many recurring themes offer "Discuss in a session",
// and themesShown how many recurring themes a post shows (the strongest;
// it says how many more there are, and JSON carries them all).
const (
	discussButtons = 3
	themesShown    = 5
	emergingShown  = 3
)

// shortLabel cuts a button's label to n characters.
func shortLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// DigestReply is a digest as a post in channel: the headline, each
// recurring theme with its evidence and quotes (only those visible says
// may be shown there), how the stories read against the codebook beside
// the four weeks before, the capabilities spoken to and silent, emerging
// themes, a question for the next learning session, and which coder read
// the stories. Themes are offered as prompts for discussion.
func DigestReply(d Digest, channel string, visible func(Quote) bool) Reply {
	if visible == nil {
		visible = func(Quote) bool { return true }
	}
	b := digestPost{d: d, visible: visible, r: Reply{Kind: Post, Channel: channel, Title: digestTitle(d)}}
	if d.Empty() {
		b.add(Part{Text: "A quiet week: no reflections were shared in this period. That happens, and it is fine."})
		b.add(Part{Text: "When there is a moment, /reflect NAME starts one about a person you are caring for; a few lines about what matters to them is enough."})
		b.add(Part{Label: "A question to carry into the week", Text: d.Question})
		b.actions()
		b.outcomes()
		return b.r
	}
	b.headline()
	b.recurring()
	b.directions()
	b.capabilities()
	b.emerging()
	b.actions()
	b.outcomes()
	b.add(Part{Label: "A question for your next learning session", Text: d.Question})
	b.add(Part{Text: coderFootnote(d)})
	return b.r
}

// digestTitle names the team and the period, in the team's timezone.
func digestTitle(d Digest) string {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		loc = time.UTC
	}
	period := fmt.Sprintf("%s to %s", d.From.In(loc).Format("Mon 2 Jan"), d.To.In(loc).Format("Mon 2 Jan 2006"))
	if d.TeamName != "" {
		return d.TeamName + ": what recurred, " + period
	}
	return "What recurred in your reflections, " + period
}

// digestPost builds a digest's post, section by section.
type digestPost struct {
	d       Digest
	visible func(Quote) bool
	r       Reply
}

func (b *digestPost) add(p Part) { b.r.Parts = append(b.r.Parts, p) }

// quotes adds up to n of a theme's quotes that may be shown here.
func (b *digestPost) quotes(t Theme, n int) {
	shown := 0
	for _, q := range t.Quotes {
		if shown == n {
			return
		}
		if b.visible(q) {
			b.add(Part{Text: q.Shown(), Quote: true, By: q.Discipline})
			shown++
		}
	}
}

func (b *digestPost) headline() {
	d := b.d
	head := fmt.Sprintf("%s on %s, from %s.", count(d.Reflections, "reflection"), count(d.Cases, "case"), count(d.Contributors, "person"))
	if len(d.Disciplines) > 0 {
		var ds []string
		for _, c := range d.Disciplines {
			ds = append(ds, fmt.Sprintf("%s %d", c.Name, c.N))
		}
		head += " Disciplines: " + strings.Join(ds, ", ") + "."
	}
	b.add(Part{Text: head + " These themes are offered as prompts for discussion, not findings."})
}

// restCases says how the themes from shown on stand against the last one
// shown. Themes are ordered by the cases they are the subject of, then by
// all their cases, so a theme left out is the subject of as many cases or
// fewer: "fewer" only when each is.
func restCases(rec []Theme, shown int) string {
	for _, t := range rec[shown:] {
		if t.SubjectCases >= rec[shown-1].SubjectCases {
			return "each the subject of as many cases or fewer"
		}
	}
	return "each the subject of fewer cases"
}

// inCases says in how many cases a theme came up, and, where some of them
// only named it in passing, in how many it was the subject.
func inCases(t Theme) string {
	s := "in " + count(t.Cases, "case")
	switch {
	case t.SubjectCases == 0 && t.ID != "":
		s += " (named only in passing)"
	case t.SubjectCases < t.Cases:
		s += fmt.Sprintf(" (the subject in %d, named in passing in %d)", t.SubjectCases, t.Cases-t.SubjectCases)
	}
	return s
}

// recurring adds the strongest recurring themes, each with its counts and
// quotes, and names the rest. Themes that answers in two cases or more are
// about come first (Digest.Recurring's order); those that are the subject
// of one case at most, and only named in passing in the others, are named
// on a line of their own rather than shown, with quotes, as if stories
// were about them: unless no theme is the subject of two cases, when the
// strongest are shown as they are, their counts saying how they came up.
func (b *digestPost) recurring() {
	rec := b.d.Recurring
	if len(rec) == 0 {
		b.add(Part{Label: "Recurring themes", Text: "Nothing recurred across two or more cases from two or more people this time."})
		return
	}
	var aside []Theme
	if cut := slices.IndexFunc(rec, func(t Theme) bool { return t.SubjectCases < 2 }); cut > 0 {
		rec, aside = rec[:cut], rec[cut:]
	}
	b.shownThemes(rec)
	if len(aside) > 0 {
		b.add(Part{Text: fmt.Sprintf("Also came up in two cases or more, mostly in passing (the subject of one at most): %s.", themeList(aside))})
	}
}

// shownThemes adds the first themesShown themes of rec, each with its
// counts and quotes, and names the rest.
func (b *digestPost) shownThemes(rec []Theme) {
	for i, t := range rec {
		if i == themesShown {
			b.add(Part{Text: fmt.Sprintf("And %d more, %s: %s.", len(rec)-themesShown, restCases(rec, themesShown), themeList(rec[themesShown:]))})
			return
		}
		label := ""
		if i == 0 {
			label = "Recurring themes"
		}
		b.add(Part{Label: label, Text: fmt.Sprintf("%s: %s, from %s%s.", t.Label, inCases(t), count(t.People, "person"), disciplines(t))})
		if i < discussButtons {
			b.r.Buttons = append(b.r.Buttons, Button{Label: shortLabel("Discuss “"+t.Label+"” in a session", 75), Action: ActionDiscuss, Value: t.Label})
		}
		b.quotes(t, quotesShown)
	}
}

// directions adds how the stories read against each direction, beside the
// four weeks before.
func (b *digestPost) directions() {
	var lines []string
	for _, dr := range b.d.Directions {
		if dr.Of == 0 && dr.PrevOf == 0 {
			continue
		}
		lines = append(lines, directionLine(dr))
	}
	if len(lines) > 0 {
		b.add(Part{Label: "How the stories read", Text: strings.Join(lines, "\n")})
	}
}

func directionLine(dr DirectionReading) string {
	if dr.Of == 0 {
		return fmt.Sprintf("%s: no answer touched on it this time, against %d of %d in the four weeks before.", upperFirst(dr.Phrase), dr.PrevToward, dr.PrevOf)
	}
	line := fmt.Sprintf("%s: %d of %s", upperFirst(dr.Phrase), dr.Toward, count(dr.Of, "answer"))
	if dr.PrevOf > 0 {
		line += fmt.Sprintf(", %s %d of %d in the four weeks before", trendWord(dr), dr.PrevToward, dr.PrevOf)
	} else {
		line += " (nothing to compare with in the four weeks before)"
	}
	return line + "."
}

func (b *digestPost) capabilities() {
	var spoken []string
	for _, c := range b.d.Spoken {
		spoken = append(spoken, fmt.Sprintf("%s (%d)", CapabilityName(c.Name), c.N))
	}
	capText := "Spoken to: " + orNone(spoken) + "."
	if len(b.d.Silent) > 0 {
		var silent []string
		for _, c := range b.d.Silent {
			silent = append(silent, CapabilityName(c))
		}
		capText += "\nSilent: " + strings.Join(silent, ", ") + "."
	}
	b.add(Part{Label: "The six capabilities", Text: capText})
}

func (b *digestPost) emerging() {
	em := b.d.Emerging
	for i, t := range em {
		if i == emergingShown {
			b.add(Part{Text: fmt.Sprintf("And %d more.", len(em)-emergingShown)})
			return
		}
		label := ""
		if i == 0 {
			label = "Emerging: recurring words outside the theme catalogue"
		}
		b.add(Part{Label: label, Text: fmt.Sprintf("“%s”: in %s, from %s.", t.Label, count(t.Cases, "case"), count(t.People, "person"))})
		b.quotes(t, 1)
	}
}

func (b *digestPost) actions() {
	if b.d.ActionsAgreed > 0 {
		b.add(Part{Label: "Learning sessions", Text: fmt.Sprintf("Actions agreed: %d, done: %d.", b.d.ActionsAgreed, b.d.ActionsDone)})
	}
}

func (b *digestPost) outcomes() {
	if b.d.Outcomes != nil && !b.d.Outcomes.Empty() {
		parts, buttons := OutcomeSectionParts(*b.d.Outcomes)
		b.r.Parts = append(b.r.Parts, parts...)
		b.r.Buttons = append(b.r.Buttons, buttons...)
	}
}

func coderFootnote(d Digest) string {
	// Coder is one coder's name ("offline", "model"), or several joined
	// with "and" when the period's answers were read by more than one.
	s := "Read by the " + d.Coder + " coder"
	if strings.Contains(d.Coder, " and ") {
		s += "s"
	}
	s += fmt.Sprintf("; every quote checked word for word against what was written; %s dropped", count(d.QuotesDropped, "quote"))
	if d.QuotesDropped > 0 {
		s += " because the model gave words that were not in the answer"
	}
	s += "."
	if len(d.ReadOffline) > 0 {
		// Which answers, and why: each reason with its count.
		n, order := map[string]int{}, []string{}
		for _, r := range d.ReadOffline {
			if n[r.Reason] == 0 {
				order = append(order, r.Reason)
			}
			n[r.Reason]++
		}
		var why []string
		for _, r := range order {
			why = append(why, fmt.Sprintf("%d %s", n[r], r))
		}
		s += fmt.Sprintf(" %s read by the offline coder in the model's place (%s).", count(len(d.ReadOffline), "answer"), strings.Join(why, "; "))
	} else if d.Uncoded > 0 {
		s += fmt.Sprintf(" %s not yet coded by the job, read offline for now.", count(d.Uncoded, "answer"))
	}
	switch {
	case d.Grouping == "stems":
		s += " Themes grouped by their words' stems only: the model's embeddings could not be had this time."
	case d.Grouping != "":
		s += " Themes grouped by their words' stems and by the model's embeddings, so differently worded phrases of one meaning are joined."
	}
	return s
}

func disciplines(t Theme) string {
	if len(t.Disciplines) == 0 || t.People < 3 {
		return ""
	}
	return " (" + strings.Join(t.Disciplines, ", ") + ")"
}

func trendWord(dr DirectionReading) string {
	now := float64(dr.Toward) / float64(max(dr.Of, 1))
	before := float64(dr.PrevToward) / float64(max(dr.PrevOf, 1))
	switch {
	case now > before+0.05:
		return "up from"
	case now < before-0.05:
		return "down from"
	}
	return "about the same as"
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if noun == "person" {
		return fmt.Sprintf("%d people", n)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// themeList names themes by their labels.
func themeList(ts []Theme) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Label
	}
	return strings.Join(names, "; ")
}
