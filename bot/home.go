package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// Home is what one person's Home tab shows.
type Home struct {
	UserID         string
	Discipline     string
	Recent         []HomeReflection // newest first
	Cases          []HomeCase
	DigestHeadline string // empty when the team has no digest yet
	AwayUntil      string // as the person should read it; empty when not away
	CheckInSnoozed bool
	// Actions are the actions agreed in learning sessions that the person
	// owns, open ones first.
	Actions []HomeAction
	// External is true for someone from another organisation (Slack
	// Connect): the tab lists nothing of the team's.
	External bool
}

// HomeAction is one agreed action the person owns.
type HomeAction struct {
	ID      int64
	Text    string
	Due     string // YYYY-MM-DD, or empty
	Done    bool
	Session string
	Channel string
}

// HomeReflection is one of the person's recent reflections.
type HomeReflection struct {
	ID      int64
	Title   string
	Status  string // "in_progress", "complete" or "abandoned"
	When    time.Time
	Channel string
}

// HomeCase is one of the team's cases.
type HomeCase struct {
	Label         string
	LastReflected time.Time
	Count         int
}

// How much of each list the Home tab shows, so that the whole view stays
// well within Slack's 100 blocks; the rest is counted, not listed.
const (
	homeMaxRecent  = 20
	homeMaxCases   = 40
	homeMaxActions = 15
)

// channelID matches the conversation ids the Home tab links to.
var channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{2,}$`)

// HomeView builds the Home tab for one person: a button to start a
// reflection, their recent reflections, the team's cases, the latest
// digest's headline and their settings, with a button to change them (for
// someone from another organisation, a word on why nothing of the team's
// is listed, and their settings). All
// text is escaped; long lists are cut to their newest entries, and the
// view never has more than 100 blocks. Buttons: action_id "wm_home_start",
// "wm_home_form" and "wm_home_settings".
func HomeView(h Home) slack.HomeTabViewRequest {
	var b []slack.Block
	add := func(blocks ...slack.Block) { b = append(b, blocks...) }
	text := func(id, s string) slack.Block {
		return slack.NewSectionBlock(mrkdwn(s), nil, nil, slack.SectionBlockOptionBlockID(id))
	}

	add(slack.NewHeaderBlock(plain("What Matters"), slack.HeaderBlockOptionBlockID("wm_home_header")))
	intro := "Reflect together on what matters to the people you care for. Start a reflection here, or type `/reflect` in a team channel."
	if userID.MatchString(h.UserID) {
		intro = "Welcome, <@" + h.UserID + ">. " + intro
	}
	add(text("wm_home_intro", intro))
	start := slack.NewButtonBlockElement("wm_home_start", "start", plain("Start a reflection"))
	start.Style = slack.StylePrimary
	form := slack.NewButtonBlockElement("wm_home_form", "form", plain("Write it in a form"))
	add(slack.NewActionBlock("wm_home_start", start, form))

	if h.External {
		add(slack.NewDividerBlock(), text("wm_home_external",
			"You're here from another organisation, so this team's cases, reflections and digests aren't listed for you here. "+
				"Take part in the threads of the channels you share with the team; `/reflect actions` in one of them lists your actions agreed there."))
		add(slack.NewDividerBlock(), text("wm_home_settings_title", "*Your settings*"))
		add(text("wm_home_settings_text", settingsText(h)))
		settings := slack.NewButtonBlockElement("wm_home_settings", "settings", plain("Change settings"))
		add(slack.NewActionBlock("wm_home_settings", settings))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "wm_home", Blocks: slack.Blocks{BlockSet: b}}
	}

	add(slack.NewDividerBlock(), text("wm_home_recent", "*Your recent reflections*"))
	if len(h.Recent) == 0 {
		add(text("wm_home_recent_none", "Nothing yet. Reflections you start or add to will appear here."))
	}
	for i, r := range h.Recent[:min(len(h.Recent), homeMaxRecent)] {
		add(text(fmt.Sprintf("wm_home_r%d_%d", i, r.ID), recentLine(r)))
	}
	if more := len(h.Recent) - homeMaxRecent; more > 0 {
		add(slack.NewContextBlock("wm_home_recent_more", mrkdwn(fmt.Sprintf("and %d older, in their threads", more))))
	}

	add(slack.NewDividerBlock(), text("wm_home_cases", "*Your team's cases*"))
	if len(h.Cases) == 0 {
		add(text("wm_home_cases_none", "No cases yet. A case begins the first time someone types `/reflect NAME`."))
	}
	add(slack.NewContextBlock("wm_home_cases_where", mrkdwn("Those reflected on in public channels. A private channel's cases are listed there, with `/reflect cases`.")))
	for i, c := range h.Cases[:min(len(h.Cases), homeMaxCases)] {
		add(text(fmt.Sprintf("wm_home_c%d", i), caseLine(c)))
	}
	if more := len(h.Cases) - homeMaxCases; more > 0 {
		add(slack.NewContextBlock("wm_home_cases_more", mrkdwn(fmt.Sprintf("and %d more", more))))
	}

	if len(h.Actions) > 0 {
		add(slack.NewDividerBlock(), text("wm_home_actions", "*Your agreed actions*"))
		for i, a := range h.Actions[:min(len(h.Actions), homeMaxActions)] {
			line := escapeShort(a.Text, 300)
			if a.Due != "" {
				line += " · due " + a.Due
			}
			if channelID.MatchString(a.Channel) {
				line += " · <#" + a.Channel + ">"
			}
			if a.Session != "" {
				line += "\n_" + escapeShort(a.Session, 150) + "_"
			}
			if a.Done {
				add(text(fmt.Sprintf("wm_home_a%d", i), "~"+strings.TrimSpace(escapeShort(a.Text, 300))+"~ done"))
				continue
			}
			done := slack.NewButtonBlockElement(homeActionDone, strconv.FormatInt(a.ID, 10), plain("Done"))
			add(slack.NewSectionBlock(mrkdwn(line), nil, slack.NewAccessory(done), slack.SectionBlockOptionBlockID(fmt.Sprintf("wm_home_a%d", i))))
		}
	}

	add(slack.NewDividerBlock(), text("wm_home_digest", "*Latest digest*"))
	if strings.TrimSpace(h.DigestHeadline) == "" {
		add(text("wm_home_digest_none", "No digest yet. After the team's first week of reflections, the headline of the latest digest will appear here."))
	} else {
		add(text("wm_home_digest_text", escapeShort(strings.TrimSpace(h.DigestHeadline), 2500)))
	}

	add(slack.NewDividerBlock(), text("wm_home_settings_title", "*Your settings*"))
	add(text("wm_home_settings_text", settingsText(h)))
	settings := slack.NewButtonBlockElement("wm_home_settings", "settings", plain("Change settings"))
	add(slack.NewActionBlock("wm_home_settings", settings))

	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, CallbackID: "wm_home", Blocks: slack.Blocks{BlockSet: b}}
}

// recentLine shows one reflection: its title, then its status, date and
// channel.
func recentLine(r HomeReflection) string {
	title := strings.TrimSpace(r.Title)
	if title == "" {
		title = "Untitled reflection"
	}
	facts := []string{statusWords(r.Status)}
	if !r.When.IsZero() {
		facts = append(facts, slackDate(r.When))
	}
	if channelID.MatchString(r.Channel) {
		facts = append(facts, "in <#"+r.Channel+">")
	}
	return emphasize(escapeShort(title, 300), "*") + "\n" + strings.Join(facts, " · ")
}

// caseLine shows one case: its label, how often it was reflected on, and
// when last.
func caseLine(c HomeCase) string {
	label := strings.TrimSpace(c.Label)
	if label == "" {
		label = "Unnamed case"
	}
	var times string
	switch {
	case c.Count <= 0:
		times = "not reflected on yet"
	case c.Count == 1:
		times = "reflected on once"
	default:
		times = fmt.Sprintf("reflected on %d times", c.Count)
	}
	line := emphasize(escapeShort(label, 300), "*") + " · " + times
	if !c.LastReflected.IsZero() && c.Count > 0 {
		line += ", last " + slackDate(c.LastReflected)
	}
	return line
}

func statusWords(s string) string {
	switch s {
	case "in_progress":
		return "in progress"
	case "complete":
		return "complete"
	case "abandoned":
		return "cancelled"
	case "":
		return "status unknown"
	}
	return escapeShort(strings.ReplaceAll(s, "_", " "), 50)
}

// slackDate shows a date in the reader's own time zone (Slack formats it),
// with the UTC date for clients that cannot.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty}|%s>", t.Unix(), t.UTC().Format("2 Jan 2006"))
}

func settingsText(h Home) string {
	discipline := "not set yet"
	if d := strings.TrimSpace(h.Discipline); d != "" {
		discipline = escapeShort(d, 200)
	}
	away := "not away"
	if a := strings.TrimSpace(h.AwayUntil); a != "" {
		away = "away until " + escapeShort(a, 100)
	}
	checkIn := "on"
	if h.CheckInSnoozed {
		checkIn = "snoozed"
	}
	return "Discipline: " + discipline + "\nAvailability: " + away + "\nWeekly check-in: " + checkIn
}
