package flows

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// actionText reports whether a session reply records an agreed action
// ("action: …"), and the words after the prefix.
func actionText(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if len(t) < len("action:") || !strings.EqualFold(t[:len("action:")], "action:") {
		return "", false
	}
	return strings.TrimSpace(t[len("action:"):]), true
}

var (
	// A Slack mention, <@U123> or <@U123|name>.
	slackMention = regexp.MustCompile(`<@([^>|\s]+)(?:\|[^>]*)?>`)
	// A mention typed as @name (the console, where people have names).
	plainMention = regexp.MustCompile(`(^|\s)@([\p{L}\p{N}._-]+)`)
	dueWeekday   = regexp.MustCompile(`(?i)\bby\s+(?:next\s+)?([a-z]{3,9})\b`)
	dueDayMonth  = regexp.MustCompile(`(?i)\bby\s+(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b`)
	dueMonthDay  = regexp.MustCompile(`(?i)\bby\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?\b`)
	dueISO       = regexp.MustCompile(`\bby\s+(\d{4})-(\d{2})-(\d{2})\b`)
	dueTomorrow  = regexp.MustCompile(`(?i)\b(?:by\s+)?tomorrow\b`)
	dueToday     = regexp.MustCompile(`(?i)\b(?:by\s+)?(?:today|end of (?:the )?day)\b`)
	dueNextWeek  = regexp.MustCompile(`(?i)\bby\s+(?:the\s+)?(?:end of\s+(?:the\s+)?)?next\s+week\b`)
)

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// dueReader reads one way of saying when an action is due: the day, as
// YYYY-MM-DD, from the phrase's submatches, or "" when the words match
// but name no day ("by 31 February", "by sunset").
type dueReader struct {
	re  *regexp.Regexp
	day func(m []string, today time.Time, loc *time.Location) string
}

var dueReaders = []dueReader{
	{dueISO, func(m []string, _ time.Time, loc *time.Location) string {
		t, err := time.ParseInLocation("2006-01-02", m[1]+"-"+m[2]+"-"+m[3], loc)
		if err != nil {
			return ""
		}
		return t.Format("2006-01-02")
	}},
	{dueDayMonth, func(m []string, today time.Time, loc *time.Location) string {
		return dayOfMonth(m[1], m[2], today, loc)
	}},
	{dueMonthDay, func(m []string, today time.Time, loc *time.Location) string {
		return dayOfMonth(m[2], m[1], today, loc)
	}},
	{dueWeekday, func(m []string, today time.Time, _ *time.Location) string {
		w, err := ParseWeekday(m[1])
		if err != nil {
			return ""
		}
		// The next such day after today: "by Friday" said on a Friday
		// means a week from now.
		n := (int(w) - int(today.Weekday()) + 7) % 7
		if n == 0 {
			n = 7
		}
		return today.AddDate(0, 0, n).Format("2006-01-02")
	}},
	{dueNextWeek, func(_ []string, today time.Time, _ *time.Location) string {
		return today.AddDate(0, 0, 7).Format("2006-01-02")
	}},
	{dueTomorrow, func(_ []string, today time.Time, _ *time.Location) string {
		return today.AddDate(0, 0, 1).Format("2006-01-02")
	}},
	{dueToday, func(_ []string, today time.Time, _ *time.Location) string { return today.Format("2006-01-02") }},
}

// dayOfMonth is the next day d of month mon from today on (this year's,
// or next year's once it has passed), or "" when there is no such day.
func dayOfMonth(d, mon string, today time.Time, loc *time.Location) string {
	n, _ := strconv.Atoi(d)
	month := months[strings.ToLower(mon[:3])]
	t := time.Date(today.Year(), month, n, 0, 0, 0, 0, loc)
	if t.Month() != month {
		return "" // 31 February
	}
	if t.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
		t = t.AddDate(1, 0, 0)
	}
	return t.Format("2006-01-02")
}

// ParseAction reads an agreed action: its owner (the first person
// mentioned, as <@U…> in Slack or @name in the console) and its due day
// ("by Friday", "by 3 March", "tomorrow", "by 2026-03-12"), counted from
// now in loc, both taken out of the text. A due day is when the action is
// due, not an identifier: it is kept as the action's date, and never
// reaches the scrubber as words. due is YYYY-MM-DD or "".
func ParseAction(text string, loc *time.Location, now time.Time) (rest, owner, due string) {
	if m := slackMention.FindStringSubmatch(text); m != nil {
		owner = m[1]
	} else if m := plainMention.FindStringSubmatch(text); m != nil {
		owner = m[2]
	}
	rest = slackMention.ReplaceAllString(text, "")
	rest = plainMention.ReplaceAllString(rest, "$1")
	rest = strings.Join(strings.Fields(rest), " ")
	today := now.In(loc)
	for _, r := range dueReaders {
		at := r.re.FindStringSubmatchIndex(rest)
		if at == nil {
			continue
		}
		m := make([]string, len(at)/2)
		for i := range m {
			if at[2*i] >= 0 {
				m[i] = rest[at[2*i]:at[2*i+1]]
			}
		}
		if due = r.day(m, today, loc); due != "" {
			rest = rest[:at[0]] + " " + rest[at[1]:]
			break
		}
	}
	return tidyAction(rest), owner, due
}

// tidyAction is an action's words once its owner and due day are taken
// out: single spaces, no space before punctuation, nothing dangling at the
// end ("call the family, by Friday." becomes "call the family.").
func tidyAction(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, p := range []string{",", ".", ";", ":", "!", "?"} {
		s = strings.ReplaceAll(s, " "+p, p)
	}
	for {
		t := strings.TrimRight(s, " ,;:-–—")
		if strings.HasSuffix(t, ",.") || strings.HasSuffix(t, ";.") {
			t = t[:len(t)-2] + "."
		}
		if t == s {
			return s
		}
		s = t
	}
}

// recordAction stores an agreed action said in a session's thread, or a
// message there marked as one: what the sessions part (a reply) and the
// agreed actions part (MarkAction) share, over s.
func (k *kernel) recordAction(ctx context.Context, s actionRecorder, sess Session, a Actor, channel, messageID, body string) ([]Reply, error) {
	team, err := s.GetTeam(ctx, sess.TeamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	loc := k.location(team)
	// The due day is read, and taken out of the words, before scrubbing,
	// which would take a full date for an identifier.
	rest, owner, due := ParseAction(body, loc, k.clock())
	clean, removed := k.scrub(rest)
	if strings.TrimSpace(clean) == "" {
		return []Reply{notice(channel, a.UserID, "What is the action?", "Say what will be done after action:, for example: action: @sam to call the family by Friday. Nothing was saved.")}, nil
	}
	if owner == "" {
		return []Reply{notice(channel, a.UserID, "Who will do it?",
			"Mention the person the action is for, so it is theirs to see and to mark done: for example action: @sam to call the family by Friday. Nothing was saved yet: send it again with them named.")}, nil
	}
	if _, _, err := k.member(ctx, s, a); err != nil {
		return nil, err
	}
	act, err := s.AddSessionAction(ctx, SessionAction{SessionID: sess.ID, TeamID: sess.TeamID, Stage: sess.Stage,
		Text: clean, Author: a.UserID, Owner: owner, Due: due, MessageID: messageID, CreatedAt: k.clock()})
	if err != nil {
		return nil, fmt.Errorf("saving action: %w", err)
	}
	r := Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: "Agreed action noted",
		Parts: []Part{actionPart(act, loc)}}
	replies := []Reply{r}
	if len(removed) > 0 {
		replies = append(replies, scrubNotice(channel, a.UserID, removed))
	}
	return replies, nil
}

// actionPart shows an action: its text, owner and due day.
func actionPart(a SessionAction, loc *time.Location) Part {
	text := a.Text
	if a.Due != "" {
		if t, err := time.ParseInLocation("2006-01-02", a.Due, loc); err == nil {
			text += " · by " + t.Format("Mon 2 Jan")
		}
	}
	if !a.DoneAt.IsZero() {
		text += " · done"
	}
	p := Part{Text: text}
	if a.Owner != "" {
		p.Text += " · for"
		p.Users = []string{a.Owner}
	}
	return p
}

// MarkAction records a message of a session's thread as an agreed action
// (the "Mark as agreed action" message shortcut): m is the message, with
// its writer as m.Actor; by is who marked it. Anyone in the team may.
func (e *Engine) MarkAction(ctx context.Context, by Actor, m Message) ([]Reply, error) {
	return inTx(ctx, e.store, e.actionsOn, func(ac *agreedActions) ([]Reply, error) { return ac.markAction(ctx, by, m) })
}

// markAction is MarkAction, the agreed actions part's own.
func (ac *agreedActions) markAction(ctx context.Context, by Actor, m Message) ([]Reply, error) {
	var replies []Reply
	sess, ok, err := sessionByThread(ctx, ac.st, m.TeamID, m.Channel, m.Thread)
	if err != nil {
		return replies, err
	}
	if !ok || by.TeamID != m.TeamID {
		replies = []Reply{notice(m.Channel, by.UserID, "Only replies in a learning session's thread can be agreed actions.", "Nothing was saved.")}
		return replies, nil
	}
	if sess.Status == SessionWaiting || sess.Status == SessionEnded && sess.Thread == "" {
		replies = []Reply{notice(m.Channel, by.UserID, "This session isn't running.", "Nothing was saved.")}
		return replies, nil
	}
	text := CleanText(m.Text)
	if body, ok := actionText(text); ok {
		text = body
	}
	replies, err = ac.recordAction(ctx, ac.st, sess, m.Actor, m.Channel, m.ID, text)
	for i := range replies {
		if replies[i].Kind == Notice {
			replies[i].User = by.UserID
		}
	}
	return replies, err
}

// ActionItem is an agreed action with where it was agreed, for a person's
// list of actions (App Home).
type ActionItem struct {
	SessionAction
	Channel  string
	Thread   string
	Session  string // the session's title: its template and subject
	AgreedOn time.Time
}

// MyActions returns the actions the actor owns in their team, from every
// conversation: open ones first, by due day (undated last), then those
// done, most recent first. What is shown somewhere is filtered by where
// (actionsCommand, Home).
func (e *Engine) MyActions(ctx context.Context, a Actor) ([]ActionItem, error) {
	return e.actionsOn(e.store).myActions(ctx, a)
}

// myActions is MyActions, the agreed actions part's own.
func (ac *agreedActions) myActions(ctx context.Context, a Actor) ([]ActionItem, error) {
	all, err := ac.st.ListTeamActions(ctx, a.TeamID)
	if err != nil {
		return nil, fmt.Errorf("listing actions: %w", err)
	}
	sessions := map[int64]Session{}
	var items []ActionItem
	for _, act := range all {
		if act.Owner != a.UserID || act.Text == "" {
			continue
		}
		sess, ok := sessions[act.SessionID]
		if !ok {
			if sess, err = ac.st.GetSession(ctx, act.SessionID); err != nil {
				return nil, fmt.Errorf("loading session: %w", err)
			}
			sessions[act.SessionID] = sess
		}
		title := sess.Template
		if tpl, ok := ac.templates.Get(sess.Template); ok {
			title = tpl.Name
		}
		if sess.Subject != "" {
			title += ": " + sess.Subject
		}
		items = append(items, ActionItem{SessionAction: act, Channel: sess.Channel, Thread: sess.Thread, Session: title, AgreedOn: act.CreatedAt})
	}
	sort.SliceStable(items, func(i, j int) bool {
		x, y := items[i], items[j]
		if x.DoneAt.IsZero() != y.DoneAt.IsZero() {
			return x.DoneAt.IsZero()
		}
		if !x.DoneAt.IsZero() {
			return x.DoneAt.After(y.DoneAt)
		}
		if (x.Due == "") != (y.Due == "") {
			return x.Due != ""
		}
		return x.Due < y.Due
	})
	return items, nil
}

// ActionDone marks an agreed action done. Only its owner, or a facilitator,
// lead or admin of the team, may, and only in the conversation where it was
// agreed; from the Home tab (no channel), only its owner, for an action the
// Home tab shows. Marking it twice changes nothing. With a channel the
// replies are notices there; without one there are none, and a refusal is
// ErrForbidden, an action the Home tab does not show ErrNotFound
// (HomeActionRefused says so to the person).
func (e *Engine) ActionDone(ctx context.Context, a Actor, channel string, actionID int64) ([]Reply, error) {
	var home func(string) bool
	if channel == "" {
		home = e.homeShows(ctx, a)
	}
	return inTx(ctx, e.store, e.actionsOn, func(ac *agreedActions) ([]Reply, error) { return ac.actionDone(ctx, a, channel, actionID, home) })
}

// actionDone is ActionDone, the agreed actions part's own: home is what the Home
// tab shows, when there is no channel.
func (ac *agreedActions) actionDone(ctx context.Context, a Actor, channel string, actionID int64, home func(string) bool) ([]Reply, error) {
	var replies []Reply
	say := func(title, text string) {
		if channel != "" {
			replies = []Reply{notice(channel, a.UserID, title, text)}
		}
	}
	act, err := ac.st.GetSessionAction(ctx, actionID)
	if err != nil && !isNotFound(err) {
		return replies, fmt.Errorf("loading action: %w", err)
	}
	here := err == nil && act.TeamID == a.TeamID
	if here {
		sess, err := ac.st.GetSession(ctx, act.SessionID)
		if err != nil {
			return replies, fmt.Errorf("loading the action's session: %w", err)
		}
		if channel == "" {
			here = home(sess.Channel)
		} else {
			here = ownConversation(channel, sess.Channel)
		}
	}
	if !here {
		// An action of another conversation is answered as one that
		// does not exist: nothing of it is told here.
		if channel == "" {
			return replies, fmt.Errorf("action %d: %w", actionID, ErrNotFound)
		}
		say(fmt.Sprintf("There is no action %d in this channel.", actionID),
			"Nothing was changed. /reflect actions here lists yours agreed in this channel; an action agreed in another channel is marked done there.")
		return replies, nil
	}
	m, err := memberOf(ctx, ac.st, a)
	if err != nil {
		return replies, err
	}
	if act.Owner != a.UserID && (channel == "" || !ac.mayFacilitate(a, m)) {
		if channel == "" {
			return replies, fmt.Errorf("marking action %d done: %w", actionID, ErrForbidden)
		}
		say("Only the person the action is for, or a facilitator, can mark it done.", "Nothing was changed.")
		return replies, nil
	}
	if _, _, err := ac.member(ctx, ac.st, a); err != nil {
		return replies, err
	}
	if !act.DoneAt.IsZero() {
		say("That action is marked done already.", "Nothing was changed.")
		return replies, nil
	}
	act.DoneAt, act.DoneBy = ac.clock(), a.UserID
	if err := ac.st.UpdateSessionAction(ctx, act); err != nil {
		return replies, err
	}
	say("Marked done: "+act.Text, "Thank you.")
	return replies, nil
}

// HomeActionRefused is the direct message for a Mark done pressed on the
// Home tab that ActionDone refused (ErrForbidden) or did not find there
// (ErrNotFound).
func HomeActionRefused(user string) Reply {
	return direct(user, "I couldn't mark that action done from your Home tab.",
		"Nothing was changed. Your Home tab shows your own actions from public channels, as they stand now; an action agreed in another channel is marked done there, with /reflect actions.")
}

// actionsCommand handles /reflect actions and /reflect actions done ID, in
// the channel the command was typed in: only the actions agreed there.
func (e *Engine) actionsCommand(ctx context.Context, c Command, args string) ([]Reply, error) {
	fields := strings.Fields(args)
	if len(fields) == 2 && strings.EqualFold(fields[0], "done") {
		id, err := strconv.ParseInt(strings.TrimPrefix(fields[1], "#"), 10, 64)
		if err != nil {
			return []Reply{notice(c.Channel, c.UserID, "Which action?", "Give its number from /reflect actions, for example /reflect actions done 4.")}, nil
		}
		return e.ActionDone(ctx, c.Actor, c.Channel, id)
	}
	return e.actionsOn(e.store).listActions(ctx, c)
}

// listActions is /reflect actions: the actor's actions agreed in the
// command's channel. The agreed actions part's own.
func (ac *agreedActions) listActions(ctx context.Context, c Command) ([]Reply, error) {
	items, err := ac.myActions(ctx, c.Actor)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return []Reply{notice(c.Channel, c.UserID, "No agreed actions are yours.", "Actions agreed in learning sessions with you named show here.")}, nil
	}
	items = slices.DeleteFunc(items, func(it ActionItem) bool { return !ownConversation(c.Channel, it.Channel) })
	if len(items) == 0 {
		// Theirs, but of other channels: where is not said here.
		return []Reply{notice(c.Channel, c.UserID, "None of your agreed actions was agreed in this channel.",
			"Each channel lists the actions agreed in its own learning sessions: type /reflect actions there. Those of public channels are on your Home tab too.")}, nil
	}
	team, err := ac.st.GetTeam(ctx, c.TeamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	r := Reply{Kind: Notice, Channel: c.Channel, User: c.UserID, Title: "Your agreed actions in this channel"}
	for _, it := range items {
		p := actionPart(it.SessionAction, ac.location(team))
		p.Label, p.Users = fmt.Sprintf("#%d, from %s", it.ID, it.Session), nil
		p.Text = strings.TrimSuffix(p.Text, " · for")
		r.Parts = append(r.Parts, p)
	}
	r.Parts = append(r.Parts, Part{Text: "/reflect actions done NUMBER marks one done."})
	return []Reply{r}, nil
}

// actionCounts counts the team's actions agreed in [from, to) and how many
// of those are done.
func actionCounts(ctx context.Context, s actionLister, teamID string, from, to time.Time) (agreed, done int, err error) {
	all, err := s.ListTeamActions(ctx, teamID)
	if err != nil {
		return 0, 0, fmt.Errorf("listing actions: %w", err)
	}
	for _, a := range all {
		if a.CreatedAt.Before(from) || !a.CreatedAt.Before(to) {
			continue
		}
		agreed++
		if !a.DoneAt.IsZero() {
			done++
		}
	}
	return agreed, done, nil
}
