package flows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Command is a /reflect slash command: Text is what followed /reflect.
type Command struct {
	Actor
	Channel string
	Text    string
}

// subcommand is what /reflect understands after one of its words: the
// words that call it (the first is the one help shows), what it does
// (run, given the word as typed in lower case and the rest of the line),
// and its lines of help. This table is the one place a subcommand is
// added: Command dispatches by it and HelpReply lists it.
type subcommand struct {
	words []string
	run   func(e *Engine, ctx context.Context, c Command, word, rest string) ([]Reply, error)
	help  []usage
}

// usage is one line of help: what follows /reflect, and what it does.
type usage struct{ name, args, help string }

var subcommands []subcommand

func init() {
	// Set here rather than in the declaration: the runs refer to methods
	// that, through HelpReply, refer back to the table.
	subcommands = []subcommand{
		{words: []string{""}, run: runStart("case"),
			help: []usage{{"", "", "start a case reflection here, with a pseudonym chosen for you"},
				{"NAME", "", "start a case reflection about the person the team calls NAME (a pseudonym, never a real name)"}}},
		// Always a pseudonym, even one that is also a subcommand's word. Not
		// in help, so that "cases" is no near miss of it.
		{words: []string{"case"}, run: runStart("case")},
		{words: []string{"after-death"}, run: runAfterDeath,
			help: []usage{{"after-death", "NAME", "reflect together after NAME has died"}}},
		{words: []string{"check-in"}, run: runCheckIn,
			help: []usage{{"check-in", "", "a light one-question check-in: who has been on your mind this week?"},
				{"check-in every", "DAY HH:MM", "post the check-in in this channel every week (or: /reflect check-in off)"}}},
		{words: []string{"snooze", "away", "back"}, run: func(e *Engine, ctx context.Context, c Command, word, rest string) ([]Reply, error) {
			return e.setAway(ctx, c, word, rest)
		}, help: []usage{{"snooze", "", "not this week: leave me out of the next check-in"},
			{"away until", "YYYY-MM-DD", "leave me out of check-ins until that day (/reflect back undoes both)"}}},
		{words: []string{"timezone"}, run: withRest((*Engine).setTimezone),
			help: []usage{{"timezone", "ZONE", "the team's timezone, e.g. Europe/London; check-ins follow its clocks"}}},
		{words: []string{"quotes"}, run: withRest((*Engine).setQuotes),
			help: []usage{{"quotes", "on|off", "whether digests may quote your words (by discipline, never by name)"}}},
		{words: []string{"my-data"}, run: func(e *Engine, ctx context.Context, c Command, _, _ string) ([]Reply, error) {
			return e.MyData(ctx, c.Actor, c.Channel)
		}, help: []usage{{"my-data", "", "get everything you have contributed, as a file in a direct message"}}},
		{words: []string{"forget-me"}, run: runForgetMe,
			help: []usage{{"forget-me", "", "delete everything you have contributed (asks you to confirm)"}}},
		{words: []string{"cases"}, run: func(e *Engine, ctx context.Context, c Command, _, _ string) ([]Reply, error) {
			return e.listCases(ctx, c)
		}, help: []usage{{"cases", "", "list the team's cases and when each was last reflected on"}}},
		{words: []string{"digest"}, run: withRest((*Engine).digestCommand),
			help: []usage{{"digest", "[WEEKS]", "what recurred in the team's reflections over the last week (or WEEKS weeks), shown to you"},
				{"digest every", "DAY HH:00", "post the weekly digest in this channel (leads and admins; /reflect digest off stops it)"}}},
		{words: []string{"template", "templates"}, run: runTemplate,
			help: []usage{{"template", "KEY [NAME]", "start a reflection from any template (/reflect templates lists them)"}}},
		{words: []string{"form"}, run: runForm,
			help: []usage{{"form", "[KEY]", "write a whole reflection in one form instead of a conversation (in Slack)"}}},
		{words: []string{"settings"}, run: func(e *Engine, ctx context.Context, c Command, _, _ string) ([]Reply, error) {
			// In Slack the adapter opens the settings form before this is reached.
			return e.showSettings(ctx, c)
		}, help: []usage{{"settings", "", "your discipline and, for leads and admins, where and when the weekly digest goes out (a form in Slack)"}}},
		{words: []string{"discipline"}, run: runDiscipline,
			help: []usage{{"discipline", "ROLE", "tell me your discipline (nurse, doctor, chaplain, social worker…), shown beside your answers"}}},
		{words: []string{"session", "sessions"}, run: withRest((*Engine).sessionCommand),
			help: []usage{{"session", "[TEMPLATE] [CASE OR THEME] [--minutes N] [--manual]", "open a learning session here (facilitators; a form in Slack): stages in its thread, on a timer or when you say"},
				{"session", "start|next|more|pause|resume|end", "run the open session in this channel (facilitators; the same buttons are on the session's message)"},
				{"session every", "[N] DAY HH:MM [TEMPLATE]", "open a learning session here every N weeks, with a reminder the day before (/reflect session every off stops it)"},
				{"session names", "on|off", "whether a session's synthesis names people beside their discipline (leads and admins; off by default)"}}},
		{words: []string{"facilitator", "facilitators"}, run: func(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
			who, onOff, _ := strings.Cut(rest, " ")
			return e.ChangeFacilitator(ctx, c.Actor, c.Channel, who, !strings.EqualFold(strings.TrimSpace(onOff), "off"))
		}, help: []usage{{"facilitator", "@PERSON [off]", "make someone a facilitator of the team, or no longer one (leads and admins)"}}},
		{words: []string{"actions", "action"}, run: withRest((*Engine).actionsCommand),
			help: []usage{{"actions", "[done NUMBER]", "your agreed actions from learning sessions, or mark one done"}}},
		{words: []string{"outcome"}, run: withRest((*Engine).outcomeCommand),
			help: []usage{{"outcome", "NAME", "what happened to NAME after a death: where they died, what was in place (a form in Slack; anyone in the team)"}}},
		{words: []string{"outcomes"}, run: withRest((*Engine).outcomesCommand),
			help: []usage{{"outcomes", "[QUARTERS]", "the last quarter's outcomes beside the stories, and the quarter before, shown to you"}}},
		{words: []string{"help", "-h", "--help", "?"}, run: func(_ *Engine, _ context.Context, c Command, _, _ string) ([]Reply, error) {
			return []Reply{HelpReply(c.Channel, c.UserID)}, nil
		}, help: []usage{{"help", "", "this list"}}},
	}
}

// withRest adapts a subcommand method that takes the rest of the line.
func withRest(m func(*Engine, context.Context, Command, string) ([]Reply, error)) func(*Engine, context.Context, Command, string, string) ([]Reply, error) {
	return func(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
		return m(e, ctx, c, rest)
	}
}

// runStart starts a reflection from the template, about whoever the rest
// of the line names (a pseudonym chosen for them when it names nobody).
func runStart(template string) func(*Engine, context.Context, Command, string, string) ([]Reply, error) {
	return func(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
		return e.start(ctx, c, template, rest)
	}
}

func runAfterDeath(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
	if rest == "" {
		return []Reply{notice(c.Channel, c.UserID, "Who is this reflection about?", "Give the pseudonym the team uses, for example: /reflect after-death Kestrel")}, nil
	}
	return e.start(ctx, c, "after_death", rest)
}

func runCheckIn(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
	if rest == "" {
		return e.start(ctx, c, "check_in", "")
	}
	return e.scheduleCheckIn(ctx, c, rest)
}

func runForgetMe(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
	if strings.EqualFold(rest, "confirm") {
		return e.ForgetMe(ctx, c.Actor, c.Channel)
	}
	return e.askForgetMe(ctx, c.Actor, c.Channel)
}

func runForm(_ *Engine, _ context.Context, c Command, _, _ string) ([]Reply, error) {
	// In Slack the adapter opens the form before this is reached.
	return []Reply{notice(c.Channel, c.UserID, "The form opens in Slack.",
		"Here, write the reflection question by question: /reflect NAME.")}, nil
}

func runTemplate(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
	key, label, _ := strings.Cut(rest, " ")
	key = strings.ReplaceAll(strings.ToLower(key), "-", "_")
	tpl, ok := e.templates.Get(key)
	if !ok {
		return []Reply{e.templateList(c, key)}, nil
	}
	// Without a label, a template about one person gets a pseudonym.
	return e.start(ctx, c, tpl.Key, strings.TrimSpace(label))
}

func runDiscipline(e *Engine, ctx context.Context, c Command, _, rest string) ([]Reply, error) {
	if err := e.SetDiscipline(ctx, c.Actor, rest); err != nil {
		if errors.Is(err, ErrInvalid) {
			return []Reply{notice(c.Channel, c.UserID, "Which discipline?", "Say your role in a word or two, never a name, for example: /reflect discipline district nurse. Nothing was changed.")}, nil
		}
		return nil, err
	}
	return []Reply{notice(c.Channel, c.UserID, "Thanks: your answers will show as "+CleanText(rest)+".", "")}, nil
}

// subcommandFor returns the subcommand a word calls, if any.
func subcommandFor(word string) (subcommand, bool) {
	for _, sc := range subcommands {
		if slices.Contains(sc.words, word) {
			return sc, true
		}
	}
	return subcommand{}, false
}

// HelpReply lists every subcommand, for one person.
func HelpReply(channel, user string) Reply {
	parts := []Part{{Text: "Reflections happen in a thread: I ask one question at a time, and anyone in the channel can answer by replying in the thread. Say skip, next, done or cancel in the thread at any point."}}
	for _, sc := range subcommands {
		for _, u := range sc.help {
			line := "/reflect"
			if u.name != "" {
				line += " " + u.name
			}
			if u.args != "" {
				line += " " + u.args
			}
			parts = append(parts, Part{Label: line, Text: u.help})
		}
	}
	return Reply{Kind: Notice, Channel: channel, User: user, Title: "What Matters: /reflect", Parts: parts}
}

func notice(channel, user, title, text string) Reply {
	r := Reply{Kind: Notice, Channel: channel, User: user, Title: title}
	if text != "" {
		r.Parts = []Part{{Text: text}}
	}
	return r
}

// Command handles /reflect and its subcommands.
func (e *Engine) Command(ctx context.Context, c Command) ([]Reply, error) {
	text := CleanText(c.Text)
	word, rest, _ := strings.Cut(text, " ")
	rest = strings.TrimSpace(rest)
	if sc, ok := subcommandFor(strings.ToLower(word)); ok {
		return sc.run(e, ctx, c, strings.ToLower(word), rest)
	}
	if looksLikeSubcommand(word, rest) {
		h := HelpReply(c.Channel, c.UserID)
		h.Title = fmt.Sprintf("I don't know /reflect %s. Here is what I can do:", word)
		h.Parts = append(h.Parts, Part{Text: "If " + word + " is the pseudonym of the person you want to reflect on, use /reflect case " + word + "."})
		return []Reply{h}, nil
	}
	return e.start(ctx, c, "case", text)
}

// looksLikeSubcommand tells an unknown subcommand from a pseudonym: flags,
// lower-case hyphenated words, near-misses of a known subcommand, and long
// sentences are taken as commands that went wrong, not as names.
func looksLikeSubcommand(word, rest string) bool {
	lw := strings.ToLower(word)
	if strings.HasPrefix(word, "-") || strings.HasPrefix(word, "/") {
		return true
	}
	if strings.Contains(word, "-") && word == lw {
		return true
	}
	if word != lw {
		// People write pseudonyms with a capital; a lower-case near miss of
		// a subcommand is far more likely a slip of the keyboard.
		return len(strings.Fields(rest)) > 3
	}
	for _, sc := range subcommands {
		for _, u := range sc.help {
			if u.name == "" || u.name == "NAME" {
				continue
			}
			allowed := 1
			if len(u.name) > 5 {
				allowed = 2
			}
			if d := editDistance(lw, u.name); d > 0 && d <= allowed {
				return true
			}
		}
	}
	return len(strings.Fields(rest)) > 3
}

// editDistance is the optimal string alignment distance between two short
// words: insertions, deletions, substitutions and swaps of neighbours each
// count one, so "hepl" is one away from "help".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// listCases answers /reflect cases with the cases of the channel it was
// typed in: a case reflected on only elsewhere is not named here.
func (e *Engine) listCases(ctx context.Context, c Command) ([]Reply, error) {
	cases, err := e.casesShown(ctx, e.store, c.TeamID, func(ch string) bool { return ownConversation(c.Channel, ch) })
	if err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return []Reply{notice(c.Channel, c.UserID, "No cases have been reflected on in this channel yet.",
			"Start one with /reflect NAME, where NAME is a pseudonym the team chooses. Each channel lists only its own cases.")}, nil
	}
	reply := Reply{Kind: Notice, Channel: c.Channel, User: c.UserID, Title: fmt.Sprintf("Cases reflected on in this channel (%d)", len(cases))}
	for _, cs := range cases {
		line := "no reflections yet"
		if cs.Reflections > 0 {
			line = fmt.Sprintf("%d reflection%s, last on %s", cs.Reflections, plural(cs.Reflections), cs.LastReflected.Format("2 Jan 2006"))
		}
		reply.Parts = append(reply.Parts, Part{Label: cs.Label, Text: line})
	}
	return []Reply{reply}, nil
}

// templateList names every template, for an unknown or missing key.
func (e *Engine) templateList(c Command, key string) Reply {
	title := "The reflection templates"
	if key != "" {
		title = fmt.Sprintf("There is no template called %q. These are the ones I know:", key)
	}
	r := Reply{Kind: Notice, Channel: c.Channel, User: c.UserID, Title: title}
	for _, k := range e.templates.Keys() {
		tpl, _ := e.templates.Get(k)
		usage := "/reflect template " + k
		if tpl.NeedsCase {
			usage += " NAME"
		}
		r.Parts = append(r.Parts, Part{Label: usage, Text: tpl.Name + ": " + tpl.About})
	}
	return r
}
