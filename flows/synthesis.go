package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"whatmatters/prompts"
	"whatmatters/scrub"
)

// directionNames says in people's words what reading toward each direction
// of the codebook means.
var directionNames = map[string]string{
	DirRelationships: "seeing the person through their relationships and context",
	DirStories:       "telling stories, not only facts",
	DirCommunity:     "relationships and community, beyond services",
	DirAnticipation:  "thinking ahead and learning together",
}

// maxSynthesisQuotes caps the replies shown per stage; the rest are
// counted.
const maxSynthesisQuotes = 12

// Synthesis is the closing post of a session, offered to the team for
// discussion, never as findings: for each stage what the team said,
// attributed by discipline (and by name when the team chose that), the
// codebook reading of the session by the engine's coder (the digest's
// offline coder by default), and the agreed actions with their owners and
// days.
func (e *Engine) Synthesis(ctx context.Context, sess Session, tpl prompts.Template, loc *time.Location,
	replies []SessionReply, actions []SessionAction, withNames bool, names map[string]string) Reply {
	return e.sessionsOn(e.store).synthesis(ctx, sess, tpl, loc, replies, actions, withNames, names)
}

// synthesis is Synthesis, the sessions part's own.
func (ses *sessions) synthesis(ctx context.Context, sess Session, tpl prompts.Template, loc *time.Location,
	replies []SessionReply, actions []SessionAction, withNames bool, names map[string]string) Reply {
	r := Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: "For your discussion: what the team said in this session"}
	add := func(p Part) { r.Parts = append(r.Parts, p) }
	people := map[string]bool{}
	for _, x := range replies {
		people[x.Author] = true
	}
	add(Part{Text: fmt.Sprintf("%s from %s, gathered stage by stage. This is offered back to the team to discuss and correct: your own words, not findings or a judgement.",
		countWord(len(replies), "reply", "replies"), count(len(people), "person"))})
	for _, st := range tpl.Stages {
		var said []SessionReply
		for _, x := range replies {
			if x.Stage == st.Key && x.Text != "" {
				said = append(said, x)
			}
		}
		if len(said) == 0 {
			add(Part{Label: st.Title, Text: "Nothing was written at this stage."})
			continue
		}
		for i, x := range said {
			if i == maxSynthesisQuotes {
				add(Part{Text: fmt.Sprintf("and %s more in the thread.", countWord(len(said)-i, "reply", "replies"))})
				break
			}
			label := ""
			if i == 0 {
				label = st.Title
			}
			by := disciplineOrUnknown(x.Discipline)
			if withNames && names[x.Author] != "" {
				by = names[x.Author] + ", " + strings.TrimPrefix(by, "discipline not given")
				by = strings.TrimSuffix(by, ", ")
			}
			quote, cut := quotable(x.Text)
			switch {
			case quote == "":
				add(Part{Label: label, Text: "(details removed)", By: by})
			case cut:
				add(Part{Label: label, Text: quote, Quote: true, By: by + "; details removed"})
			default:
				add(Part{Label: label, Text: quote, Quote: true, By: by})
			}
		}
	}
	if reading := ses.sessionReading(ctx, sess, replies); reading != "" {
		add(Part{Label: "How it reads against the codebook", Text: reading})
	}
	if len(actions) == 0 {
		add(Part{Label: "Agreed actions", Text: "None were recorded. Start a reply with action: to add one."})
	}
	for i, a := range actions {
		p := actionPart(a, loc)
		if i == 0 {
			p.Label = "Agreed actions"
		}
		add(p)
	}
	add(Part{Text: "What did this miss, or get wrong? Say so in the thread: the team's reading is the one that counts."})
	return r
}

// sessionReading reads the session's replies with the engine's coder and
// says, per direction and capability, how many spoke to it; "" when there
// is no coder or nothing to read.
func (ses *sessions) sessionReading(ctx context.Context, sess Session, replies []SessionReply) string {
	if ses.reader == nil {
		return ""
	}
	toward, away := map[string]int{}, map[string]int{}
	caps := map[string]int{}
	coders := map[string]bool{}
	n := 0
	for _, x := range replies {
		if x.Text == "" {
			continue
		}
		c, err := ses.reader.Code(ctx, CodeInput{Template: sess.Template, Stage: x.Stage, Text: x.Text})
		if err != nil {
			continue
		}
		n++
		coders[c.Coder] = true
		for _, d := range Directions {
			switch c.Direction(d) {
			case Toward:
				toward[d]++
			case Away:
				away[d]++
			}
		}
		for _, t := range c.Capabilities {
			caps[t]++
		}
	}
	if n == 0 {
		return ""
	}
	var lines []string
	for _, d := range Directions {
		if toward[d] == 0 && away[d] == 0 {
			continue
		}
		line := fmt.Sprintf("%s: %d of %s toward", upperFirst(directionNames[d]), toward[d], countWord(n, "reply", "replies"))
		if away[d] > 0 {
			line += fmt.Sprintf(", %d leaning the other way", away[d])
		}
		lines = append(lines, line+".")
	}
	var spoken, silent []string
	for _, t := range Capabilities {
		if caps[t] > 0 {
			spoken = append(spoken, fmt.Sprintf("%s (%d)", CapabilityName(t), caps[t]))
		} else {
			silent = append(silent, CapabilityName(t))
		}
	}
	lines = append(lines, "Capabilities spoken to: "+orNone(spoken)+".")
	if len(silent) > 0 {
		lines = append(lines, "Not spoken to: "+strings.Join(silent, ", ")+".")
	}
	var names []string
	for c := range coders {
		names = append(names, c)
	}
	who := "the codebook coder"
	if len(names) == 1 && names[0] != "" {
		who = "the " + names[0] + " coder"
	}
	lines = append(lines, "Read by "+who+", which can miss what matters: a prompt for talking, not a score.")
	return strings.Join(lines, "\n")
}

// mentionPlaceholder is what the scrubber stores for a Slack mention of a
// colleague.
var mentionPlaceholder = scrub.Mention.Placeholder()

// detailPlaceholders are what the scrubber stores for every other kind of
// identifier it removes: "[NHS number]", "[date]", "[name]"…
var detailPlaceholders = func() []string {
	var out []string
	for _, k := range scrub.AllKinds() {
		if k != scrub.Mention {
			out = append(out, k.Placeholder())
		}
	}
	return out
}()

// quotable returns what of a stored reply may be quoted as the person's
// words: a sentence holding a placeholder for a removed identifier ("NHS
// number [NHS number], date of birth [date].") is left out, marked "…",
// and a mention of a colleague is shown as "…". cut reports that anything
// was; the quote is "" when nothing but removed details was said.
func quotable(text string) (quote string, cut bool) {
	if !strings.Contains(text, "[") {
		return text, false
	}
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		var kept []string
		for _, sentence := range sentences(line) {
			elided := strings.ReplaceAll(sentence, mentionPlaceholder, "…")
			if elided != sentence {
				cut = true
			}
			if slices.ContainsFunc(detailPlaceholders, func(p string) bool { return strings.Contains(elided, p) }) {
				cut = true
				if len(kept) == 0 || kept[len(kept)-1] != "…" {
					kept = append(kept, "…")
				}
				continue
			}
			kept = append(kept, elided)
		}
		lines[i] = strings.Join(kept, " ")
	}
	quote = strings.TrimSpace(strings.Join(lines, "\n"))
	if !strings.ContainsFunc(quote, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
		return "", cut
	}
	return quote, cut
}

// sentences splits a line after each full stop, question mark or
// exclamation mark that a space follows, keeping the marks.
func sentences(line string) []string {
	var out []string
	start := 0
	for i, r := range line {
		if (r == '.' || r == '!' || r == '?') && i+1 < len(line) && line[i+1] == ' ' {
			if s := strings.TrimSpace(line[start : i+1]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(line[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func countWord(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
