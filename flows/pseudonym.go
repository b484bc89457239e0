package flows

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"whatmatters/scrub"
)

// pseudonyms are neutral names offered when a team starts a reflection
// without one, or chooses one that looks like an identifier: birds and
// trees that are on none of the scrubber's name lists, so a suggestion
// always passes the pseudonym rule (TestSuggestedPseudonymsPassTheRule).
var pseudonyms = []string{
	"Kestrel", "Heron", "Godwit", "Curlew", "Plover", "Siskin", "Dunlin", "Merlin",
	"Osprey", "Redstart", "Wagtail", "Fieldfare", "Alder", "Aspen", "Hornbeam",
	"Juniper", "Larch", "Linden", "Hawthorn", "Sorrel", "Spindle", "Tamarisk",
}

// NotTheirName is the flag that confirms a pseudonym which is also a name
// on the scrubber's lists ("Hazel") is not the person's name:
// /reflect case Hazel --not-their-name. The confirmation is recorded in
// the audit log with who gave it.
const NotTheirName = "--not-their-name"

// The pseudonym rule, the same for a pseudonym typed, given in a form and
// suggested, in any case:
//
//   - a title with a name or an initial ("Mrs B", "Dr Kestrel") is
//     refused: it is how notes write a real person;
//   - initials alone ("B", "J.S.") are refused;
//   - anything the scrubber would remove from it (a number, a date, a name
//     found by a cue) is refused;
//   - a word on the scrubber's first-name or surname lists (Hazel, Rowan,
//     Bob, Patel; see scrub.ListedName) is refused unless the person
//     confirms it is not the person's name (NotTheirName); two such words
//     ("Rose Patel") read as a full name and are refused;
//   - otherwise it is accepted, up to 40 characters of letters, digits,
//     spaces, hyphens, apostrophes and dots, with at least one letter.
//
// A case the team already has is accepted as it is: the team chose it.

// pseudonymVerdict is what the rule says of a proposed pseudonym.
type pseudonymVerdict struct {
	// problem says why it is refused; "" when it is accepted.
	problem string
	// names are its words that are also names on the scrubber's lists,
	// when they are all that is wrong with it: the person may confirm it
	// is not the person's name. With the confirmation, problem is "" and
	// names still lists them.
	names []string
}

// pseudonymWords splits a pseudonym into words at spaces, hyphens and dots
// ("J.S.", "Mary-Ann").
func pseudonymWords(label string) []string {
	return strings.FieldsFunc(label, func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '.' })
}

// listedAs says which of the scrubber's name lists hold w ("a first name",
// "a surname", "a first name and a surname"), or "".
func listedAs(w string) string {
	first, surname := scrub.ListedName(w)
	switch {
	case first && surname:
		return "a first name and a surname"
	case first:
		return "a first name"
	case surname:
		return "a surname"
	}
	return ""
}

// judgePseudonym applies the pseudonym rule to label. confirmed says the
// person confirmed it is not the person's name (NotTheirName).
func (k *kernel) judgePseudonym(label string, confirmed bool) pseudonymVerdict {
	words := pseudonymWords(label)
	for i, w := range words {
		if i < len(words)-1 && scrub.IsTitle(w) {
			return pseudonymVerdict{problem: fmt.Sprintf("%s reads as a name: %s is a title, and a title with a name or an initial is how notes write a real person. A pseudonym has no title.", label, w)}
		}
	}
	initials := 0
	for _, w := range words {
		letters := 0
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters > 1 {
			initials = 0
			break
		}
		initials += letters
	}
	if initials > 0 {
		return pseudonymVerdict{problem: label + " reads as someone's initials, which can identify them. A pseudonym is a word, not initials."}
	}
	var names, why []string
	for _, w := range words {
		if as := listedAs(w); as != "" {
			names = append(names, w)
			why = append(why, w+" is also "+as)
		}
	}
	// Whatever the scrubber removes refuses the pseudonym, confirmed or
	// not, except the listed words: the rule below judges those, and says
	// why. (Kept for that second look, not the first: a kept "Jan" would
	// hide the date in "7 Jan".)
	_, removed := k.scrub(label)
	if slices.ContainsFunc(removed, func(k string) bool { return k != string(scrub.Name) }) || len(removed) > 0 && len(names) == 0 {
		return identifies(removed)
	}
	if len(removed) > 0 {
		if _, removed := k.scrub(label, names...); len(removed) > 0 {
			return identifies(removed)
		}
	}
	if n := len([]rune(label)); n > 40 {
		return pseudonymVerdict{problem: "A pseudonym is a short name, 40 characters at most."}
	}
	letters := 0
	for _, r := range label {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r), r == ' ', r == '-', r == '\'', r == '.', r == '’':
		default:
			return pseudonymVerdict{problem: fmt.Sprintf("A pseudonym can have letters, digits, spaces, hyphens and apostrophes, but not %q.", r)}
		}
	}
	if letters == 0 {
		return pseudonymVerdict{problem: "A pseudonym needs at least one letter."}
	}
	switch {
	case len(names) > 1:
		return pseudonymVerdict{problem: label + " reads as a person's full name: " + joinAnd(why) + " in the name lists the scrubber uses. A pseudonym may be one word that is also a name, once you confirm it is not the person's, but not two."}
	case len(names) == 1 && !confirmed:
		return pseudonymVerdict{names: names, problem: why[0] + " in the name lists the scrubber uses, so in the team's stories it reads as a real person's name."}
	}
	return pseudonymVerdict{names: names}
}

// identifies is the refusal of a pseudonym the scrubber would take
// something from.
func identifies(removed []string) pseudonymVerdict {
	return pseudonymVerdict{problem: "That looks like it could identify someone (it reads as " + joinKinds(removed) + "). Cases carry a pseudonym the team chooses, never a real name or number."}
}

// joinAnd joins phrases as a list: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// judgeTeamPseudonym is judgePseudonym for a team: a pseudonym the team
// already uses for a case is accepted as it is.
func (k *kernel) judgeTeamPseudonym(ctx context.Context, s caseStore, teamID, label string, confirmed bool) pseudonymVerdict {
	if label != "" {
		if _, err := s.CaseByLabel(ctx, teamID, label); err == nil {
			return pseudonymVerdict{}
		}
	}
	return k.judgePseudonym(label, confirmed)
}

// labelProblem is the pseudonym rule for a team, as one sentence or "":
// for the places that offer no confirmation of their own (a form, a
// check-in's "reflect NAME"), a word that is also a name is refused with
// the command that confirms it.
func (k *kernel) labelProblem(ctx context.Context, s caseStore, teamID, label string) string {
	v := k.judgeTeamPseudonym(ctx, s, teamID, label, false)
	if v.problem != "" && len(v.names) > 0 {
		return v.problem + " " + confirmHint(label, "/reflect case "+label)
	}
	return v.problem
}

// confirmHint tells how to confirm that a pseudonym is not the person's
// name: command is what to type before the flag.
func confirmHint(label, command string) string {
	return "If " + label + " is not their name, say so with " + command + " " + NotTheirName + " (recorded in the audit log, with your name)."
}

// ActionNotTheirName is the button on a refused pseudonym that is also a
// name: pressing it runs the refused command again (its value, what
// followed /reflect) with NotTheirName, as the person who pressed it, so
// the confirmation is one deliberate press rather than retyping.
const ActionNotTheirName = "not_their_name"

// pseudonymRefusal is the notice refusing a pseudonym, with the
// confirmation when that is all it lacks (said, and a button), and a
// suggestion unless it is "".
func pseudonymRefusal(channel, user string, v pseudonymVerdict, label, command, suggestion string) Reply {
	text := v.problem
	if len(v.names) > 0 {
		text += " " + confirmHint(label, command)
		if suggestion != "" {
			text += " Or how about " + suggestion + "?"
		}
	} else if suggestion != "" {
		text += " How about " + suggestion + "?"
	}
	r := notice(channel, user, "Please choose another pseudonym", text+" Nothing was started.")
	if len(v.names) > 0 {
		r.Buttons = []Button{{Label: shortLabel(label+" is not their name: go ahead", 75), Action: ActionNotTheirName,
			Value: strings.TrimPrefix(command, "/reflect ") + " " + NotTheirName}}
	}
	return r
}

// takeNotTheirName removes NotTheirName from what followed a command and
// reports whether it was there. Slack's clients may have turned its "--"
// into a dash.
func takeNotTheirName(text string) (string, bool) {
	fields := strings.Fields(text)
	found := false
	kept := fields[:0]
	for _, f := range fields {
		switch strings.ToLower(f) {
		case NotTheirName, "—not-their-name", "–not-their-name":
			found = true
		default:
			kept = append(kept, f)
		}
	}
	if !found {
		return text, false
	}
	return strings.Join(kept, " "), true
}

// confirmedNotTheirName records in the audit log that actor confirmed the
// new case's pseudonym, a word also on the scrubber's name lists, is not
// the person's name. The pseudonym itself is not written there: the case's
// id leads to it.
func (k *kernel) confirmedNotTheirName(ctx context.Context, s caseStore, actor Actor, cs Case, v pseudonymVerdict) error {
	var lists []string
	for _, w := range v.names {
		lists = append(lists, listedAs(w))
	}
	return k.audit(ctx, s, AuditEntry{TeamID: cs.TeamID, Actor: actor.UserID, Action: AuditPseudonym,
		Detail: fmt.Sprintf("case %d: pseudonym also %s on the scrubber's lists, confirmed not the person's name", cs.ID, joinAnd(lists))})
}

// caseWords are the words the scrubber must keep in a team's answers: its
// cases' pseudonyms, which the team chose and which may also be first
// names ("Hazel"), whichever reflection mentions them.
func (k *kernel) caseWords(ctx context.Context, s caseLister, teamID string) ([]string, error) {
	cases, err := s.ListCases(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("listing cases: %w", err)
	}
	words := make([]string, 0, len(cases))
	for _, c := range cases {
		if c.Label != "" {
			words = append(words, c.Label)
		}
	}
	return words, nil
}

// nextPseudonym returns the first neutral pseudonym not yet used by a case in
// the list, numbering them once every one is taken.
func nextPseudonym(cases []Case) string {
	used := make(map[string]bool, len(cases))
	for _, c := range cases {
		used[strings.ToLower(c.Label)] = true
	}
	for round := 1; ; round++ {
		for _, p := range pseudonyms {
			name := p
			if round > 1 {
				name = fmt.Sprintf("%s %d", p, round)
			}
			if !used[strings.ToLower(name)] {
				return name
			}
		}
	}
}
