package teams

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"whatmatters/flows"
)

// The home card. Teams has no App Home: a person's home is their 1:1 chat
// with the bot, holding one card the adapter keeps current (sent once, then
// updated in place). HomeCard renders the engine's flows.Home as that card,
// with what Slack's Home tab shows (bot/home.go): buttons to start a
// reflection or write one in a form, the person's recent reflections, the
// team's cases, their agreed actions (each with Done), the latest digest,
// their settings (with a button to change them) and their data rights (my
// data, forget me).
//
// Buttons that open a form are Action.Submit task/fetch buttons
// (DialogButton: Action.Execute cannot open a dialog); buttons that act are
// Action.Execute with the Action.Submit fallback cards.go uses, verb and
// data.action one of the Home* names below, read back by
// Activity.CardAction. Everything people wrote or named (titles, pseudonyms,
// actions, session names, channel names) goes into TextRuns through plain,
// as in cards.go: no Markdown, no links, no mentions.

// The home card's own actions (Action.Execute verbs), beside the dialogs it
// opens (DialogStart, DialogWrite with the case template, DialogSettings).
const (
	// HomeActionDone marks one of the person's agreed actions done; the
	// value is the action's id (flows.Engine.ActionDone).
	HomeActionDone = "home_action_done"
	// HomeMyData runs "/reflect my-data" for the person, in their 1:1 chat.
	HomeMyData = "home_my_data"
	// HomeForgetMe runs "/reflect forget-me", which only asks for the
	// confirmation (flows' forget_me button) and deletes nothing.
	HomeForgetMe = "home_forget_me"
	// HomeRefresh renders the card again (nothing else).
	HomeRefresh = "home_refresh"
)

// HomeCommand is what follows "/reflect" for a home button that runs a
// command (HomeMyData, HomeForgetMe); false for any other action.
func HomeCommand(action string) (string, bool) {
	switch action {
	case HomeMyData:
		return "my-data", true
	case HomeForgetMe:
		return "forget-me", true
	}
	return "", false
}

// How much of each list the home card shows at most; the rest is counted.
// Fewer are shown when the card would not fit. (flows.Home lists at most
// 10 recent reflections; Slack's tab shows 20, 40 and 15.)
const (
	homeMaxRecent  = 20
	homeMaxCases   = 30
	homeMaxActions = 10
)

// HomeMaxBytes is the most the home card may take, counted in UTF-16 as
// Teams counts a message: 40 KB, the limit Teams documented before its
// current "about 100 KB, keep under 80 KB", so within both. It is larger
// than MaxCardBytes (28 KB, from Power Automate's Teams connector, which a
// bot does not go through) because the home holds lists: a busy home (10
// reflections, 30 cases, 10 actions, short texts) measures about 35 KB.
const HomeMaxBytes = 40 << 10

// The home card's parts, beside the dialog card's.
type homeBox struct {
	Type      string `json:"type"`
	ID        string `json:"id,omitempty"`
	Items     []any  `json:"items"`
	Separator bool   `json:"separator,omitempty"`
	Spacing   string `json:"spacing,omitempty"`
	Style     string `json:"style,omitempty"`
}

type homeActions struct {
	Type    string `json:"type"`
	ID      string `json:"id,omitempty"`
	Actions []any  `json:"actions"`
	Spacing string `json:"spacing,omitempty"`
}

type homeCardJSON struct {
	Type    string     `json:"type"`
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Body    []any      `json:"body"`
	MSTeams *cardTeams `json:"msteams,omitempty"`
}

// homeLimits are how many of each list are shown.
type homeLimits struct{ recent, cases, actions int }

// HomeCard renders h as the home card, as of now (for whether the person is
// away or has snoozed the check-in). opt.ChannelName names channels (a
// channel without a name is not shown), opt.MaxBytes overrides the size
// limit (HomeMaxBytes, counted in UTF-16 as Teams counts) and opt.Marker
// becomes the first element's id. When the card would be over the limit,
// the longest texts are shortened (fitTexts, as RenderCard does) and, if
// that is not enough, the lists are cut to fewer entries, each cut counted
// ("and 12 more"); it fails only when even the shortest lists cannot fit.
func HomeCard(h flows.Home, now time.Time, opt CardOptions) (json.RawMessage, error) {
	limit := opt.MaxBytes
	if limit == 0 {
		limit = HomeMaxBytes
	}
	lim := homeLimits{recent: homeMaxRecent, cases: homeMaxCases, actions: homeMaxActions}
	for {
		out, err := homeFit(h, now, opt, lim, limit)
		if err == nil || !errors.Is(err, errHomeTooBig) {
			return out, err
		}
		if lim.recent <= 3 && lim.cases <= 3 && lim.actions <= 3 {
			return nil, errors.New("teams: the home card does not fit in a Teams card")
		}
		lim = homeLimits{recent: max(lim.recent/2, 3), cases: max(lim.cases/2, 3), actions: max(lim.actions/2, 3)}
	}
}

var errHomeTooBig = errors.New("teams: home card too big")

// homeFit renders the card with lists of lim, shortening texts when
// needed; errHomeTooBig when that is not enough.
func homeFit(h flows.Home, now time.Time, opt CardOptions, lim homeLimits, limit int) (json.RawMessage, error) {
	rec := &homeBuilder{h: h, now: now, opt: opt, lim: lim}
	out, err := rec.render()
	if err != nil {
		return nil, err
	}
	if utf16Bytes(out) <= limit {
		return out, nil
	}
	texts := rec.texts
	bare := &homeBuilder{h: h, now: now, opt: opt, lim: lim, replace: make([]string, len(texts)), cut: true}
	empty, err := bare.render()
	if err != nil {
		return nil, err
	}
	budget := limit - utf16Bytes(empty)
	// Shortening below a quarter of the card leaves too little to read:
	// show fewer entries instead.
	for budget > limit/4 {
		cut := &homeBuilder{h: h, now: now, opt: opt, lim: lim, replace: fitTexts(texts, budget), cut: true}
		out, err := cut.render()
		if err != nil {
			return nil, err
		}
		size := utf16Bytes(out)
		if size <= limit {
			return out, nil
		}
		budget -= size - limit + 256
	}
	return nil, errHomeTooBig
}

// homeBuilder builds the card. Every variable text passes through txt, in
// the same order each time: recorded on the first rendering, replaced by
// its shortened version on the next.
type homeBuilder struct {
	h       flows.Home
	now     time.Time
	opt     CardOptions
	lim     homeLimits
	texts   []string
	replace []string
	cut     bool
	body    []any
}

func (b *homeBuilder) txt(s string) string {
	if b.replace != nil {
		i := len(b.texts)
		b.texts = append(b.texts, s)
		if i < len(b.replace) {
			return b.replace[i]
		}
		return s
	}
	b.texts = append(b.texts, s)
	return s
}

func homeRun(s string) dlgRun { return dlgRun{Type: "TextRun", Text: plain(s)} }

func homeRuns(rs ...dlgRun) dlgText { return dlgText{Type: "RichTextBlock", Inlines: rs} }

func (b *homeBuilder) section(id, title string, items ...any) {
	head := homeRuns(dlgRun{Type: "TextRun", Text: title, Weight: "bolder", Size: "medium"})
	b.body = append(b.body, homeBox{Type: "Container", ID: id, Separator: true, Spacing: "large",
		Items: append([]any{head}, items...)})
}

func homeSubtle(s string) dlgText {
	return homeRuns(dlgRun{Type: "TextRun", Text: plain(s), IsSubtle: true, Size: "small"})
}

// execute is an Action.Execute button with its Action.Submit fallback,
// as cards.go renders the engine's buttons.
func homeExecute(title, action, value, style string) cardAction {
	data := &cardData{Action: action, Value: value}
	return cardAction{Type: "Action.Execute", Title: title, Verb: action, Data: data, Style: style,
		Fallback: &cardAction{Type: "Action.Submit", Title: title, Data: data}}
}

func (b *homeBuilder) render() (json.RawMessage, error) {
	b.texts, b.body = nil, nil
	h := b.h
	b.body = append(b.body,
		homeRuns(dlgRun{Type: "TextRun", Text: "What Matters", Weight: "bolder", Size: "large"}),
		homeRuns(homeRun("Reflect together on what matters to the people you care for. Start a reflection here, "+
			"or say reflect after @mentioning me in a team's channel.")),
		homeActions{Type: "ActionSet", ID: "home_start", Actions: []any{
			homeWithStyle(DialogButton("Start a reflection", DialogStart, ""), "positive"),
			DialogButton("Write it in a form", DialogWrite, "case"),
		}},
	)
	if h.External {
		b.section("home_external", "From another organisation",
			homeRuns(homeRun("You're here from another organisation, so this team's cases, reflections and digests aren't listed for you here. "+
				"Take part in the reply chains of the channels you share with the team; reflect actions there lists your actions agreed there.")))
	} else {
		b.recent()
		b.cases()
		b.actions()
		b.digest()
	}
	b.settings()
	b.rights()
	if b.cut {
		b.body = append(b.body, homeSubtle(CutNote))
	}
	if b.opt.Marker != "" {
		first := b.body[0].(dlgText)
		first.ID = b.opt.Marker
		b.body[0] = first
	}
	return dlgEncode(homeCardJSON{Type: "AdaptiveCard", Schema: cardSchema, Version: CardVersion, Body: b.body,
		MSTeams: &cardTeams{Width: "Full"}})
}

func homeWithStyle(button any, style string) any {
	if d, ok := button.(dialogButton); ok {
		d.Style = style
		return d
	}
	return button
}

// channelShown is " in #name", or "" when the channel has no name to show.
func (b *homeBuilder) channelShown(id string) string {
	if b.opt.ChannelName == nil || id == "" {
		return ""
	}
	name := strings.TrimPrefix(strings.TrimSpace(b.opt.ChannelName(id)), "#")
	if name == "" {
		return ""
	}
	return "#" + b.txt(name)
}

func homeDate(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

func homeMore(n int, what string) dlgText { return homeSubtle(fmt.Sprintf("and %d %s", n, what)) }

func (b *homeBuilder) recent() {
	h := b.h
	var items []any
	if len(h.Recent) == 0 {
		items = append(items, homeRuns(homeRun("Nothing yet. Reflections you start or add to will appear here.")))
	}
	for _, r := range h.Recent[:min(len(h.Recent), b.lim.recent)] {
		title := strings.TrimSpace(r.Title)
		if title == "" {
			title = "Untitled reflection"
		}
		facts := []string{homeStatus(r.Status)}
		if !r.When.IsZero() {
			facts = append(facts, homeDate(r.When))
		}
		if ch := b.channelShown(r.Channel); ch != "" {
			facts = append(facts, "in "+ch)
		}
		line := homeRuns(dlgRun{Type: "TextRun", Text: plain(b.txt(title)), Weight: "bolder"},
			dlgRun{Type: "TextRun", Text: plain(" · " + strings.Join(facts, " · ")), IsSubtle: true})
		line.ID = "home_r_" + strconv.FormatInt(r.ID, 10)
		items = append(items, line)
	}
	if n := len(h.Recent) - b.lim.recent; n > 0 {
		items = append(items, homeMore(n, "older, in their reply chains"))
	}
	b.section("home_recent", "Your recent reflections", items...)
}

func homeStatus(s flows.Status) string {
	switch s {
	case flows.StatusInProgress:
		return "in progress"
	case flows.StatusComplete:
		return "complete"
	case flows.StatusAbandoned:
		return "cancelled"
	}
	return "status unknown"
}

func (b *homeBuilder) cases() {
	h := b.h
	items := []any{homeSubtle("Those reflected on in the channels this home may show. A channel's own cases are listed there, with reflect cases.")}
	if len(h.Cases) == 0 {
		items = append(items, homeRuns(homeRun("No cases yet. A case begins the first time someone says reflect NAME.")))
	}
	for _, c := range h.Cases[:min(len(h.Cases), b.lim.cases)] {
		label := strings.TrimSpace(c.Label)
		if label == "" {
			label = "Unnamed case"
		}
		var times string
		switch {
		case c.Reflections <= 0:
			times = "not reflected on yet"
		case c.Reflections == 1:
			times = "reflected on once"
		default:
			times = fmt.Sprintf("reflected on %d times", c.Reflections)
		}
		if !c.LastReflected.IsZero() && c.Reflections > 0 {
			times += ", last " + homeDate(c.LastReflected)
		}
		items = append(items, homeRuns(dlgRun{Type: "TextRun", Text: plain(b.txt(label)), Weight: "bolder"}, homeRun(" · "+times)))
	}
	if n := len(h.Cases) - b.lim.cases; n > 0 {
		items = append(items, homeMore(n, "more"))
	}
	b.section("home_cases", "Your team's cases", items...)
}

func (b *homeBuilder) actions() {
	h := b.h
	if len(h.Actions) == 0 {
		return
	}
	var items []any
	for _, a := range h.Actions[:min(len(h.Actions), b.lim.actions)] {
		id := strconv.FormatInt(a.ID, 10)
		var facts []string
		if a.Due != "" {
			facts = append(facts, "due "+b.txt(a.Due))
		}
		if ch := b.channelShown(a.Channel); ch != "" {
			facts = append(facts, ch)
		}
		if a.Session != "" {
			facts = append(facts, b.txt(a.Session))
		}
		text := b.txt(strings.TrimSpace(a.Text))
		box := homeBox{Type: "Container", ID: "home_a_" + id}
		if !a.DoneAt.IsZero() {
			box.Items = []any{homeRuns(dlgRun{Type: "TextRun", Text: plain(text), IsSubtle: true}, homeRun(" · done"))}
		} else {
			box.Items = []any{homeRuns(homeRun(text))}
			if len(facts) > 0 {
				box.Items = append(box.Items, homeSubtle(strings.Join(facts, " · ")))
			}
			box.Items = append(box.Items, homeActions{Type: "ActionSet", Actions: []any{homeExecute("Done", HomeActionDone, id, "")}})
		}
		items = append(items, box)
	}
	if n := len(h.Actions) - b.lim.actions; n > 0 {
		items = append(items, homeMore(n, "more: say reflect actions to me to see them all"))
	}
	b.section("home_actions", "Your agreed actions", items...)
}

func (b *homeBuilder) digest() {
	h := b.h
	var items []any
	if strings.TrimSpace(h.DigestHeadline) == "" {
		items = append(items, homeRuns(homeRun("No digest yet. After the team's first week of reflections, the headline of the latest digest will appear here.")))
	} else {
		items = append(items, homeRuns(homeRun(b.txt(strings.TrimSpace(h.DigestHeadline)))))
		if len(h.DigestThemes) > 0 {
			items = append(items, homeRuns(dlgRun{Type: "TextRun", Text: "Recurring: ", Weight: "bolder"},
				homeRun(b.txt(strings.Join(h.DigestThemes, "; ")))))
		}
	}
	b.section("home_digest", "Latest digest", items...)
}

func (b *homeBuilder) settings() {
	h := b.h
	discipline := "not set yet"
	if d := strings.TrimSpace(h.Discipline); d != "" {
		discipline = b.txt(d)
	}
	away := "not away"
	if h.AwayUntil.After(b.now) {
		away = "away until " + h.AwayUntil.UTC().Format("Monday 2 January 2006")
	}
	checkIn := "on"
	if h.SnoozedUntil.After(b.now) {
		checkIn = "snoozed"
	}
	quotes := "may quote your words, by discipline, never by name"
	if h.NoQuotes {
		quotes = "never quote your words"
	}
	line := func(label, value string) dlgText {
		return homeRuns(dlgRun{Type: "TextRun", Text: label + ": ", Weight: "bolder"}, homeRun(value))
	}
	b.section("home_settings", "Your settings",
		line("Discipline", discipline),
		line("Availability", away),
		line("Weekly check-in", checkIn),
		line("Digests", quotes),
		homeActions{Type: "ActionSet", ID: "home_settings_actions", Actions: []any{DialogButton("Change settings", DialogSettings, "")}},
	)
}

func (b *homeBuilder) rights() {
	b.section("home_data", "Your data",
		homeRuns(homeRun("Everything you have contributed is yours to see and to delete. "+
			"Get my data sends it to you here; Forget me explains what would be deleted and asks you to confirm.")),
		homeActions{Type: "ActionSet", ID: "home_data_actions", Actions: []any{
			homeExecute("Get my data", HomeMyData, "", ""),
			homeExecute("Forget me…", HomeForgetMe, "", "destructive"),
		}},
	)
}
