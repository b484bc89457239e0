package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DigestMaker builds digests and draws their trend charts; the themes
// package provides one. flows owns this interface so that it needs nothing
// of themes.
// DigestSource is what a digest reads: the team, its members (for who
// asked not to be quoted), its cases (whose pseudonyms are never themes)
// and its coded answers. Store satisfies it.
type DigestSource interface {
	GetTeam(ctx context.Context, id string) (Team, error)
	ListMembers(ctx context.Context, teamID string) ([]Member, error)
	ListCases(ctx context.Context, teamID string) ([]Case, error)
	AnswerLister
}

// AnswerLister lists a team's coded answers: all the stories beside the
// outcomes read (StoryReader). Store satisfies it.
type AnswerLister interface {
	ListCodedAnswers(ctx context.Context, teamID string, from, to time.Time) ([]CodedAnswer, error)
}

type DigestMaker interface {
	// BuildDigest builds the digest req asks for, reading through s. It
	// returns ErrNotFound for an unknown team.
	BuildDigest(ctx context.Context, s DigestSource, req DigestRequest) (Digest, error)
	// Chart draws the digest's trend as a PNG.
	Chart(d Digest) ([]byte, error)
}

// DigestRequest says which digest to build: the team's, for the Weeks
// weeks ending at To, from the answers given in channels Shown allows (nil
// allows every channel: the operator's command line). Everything a digest
// carries (themes, phrases, quotes and counts) comes from those answers, so
// what was said in a private channel stays there.
type DigestRequest struct {
	TeamID string
	Weeks  int
	To     time.Time
	Shown  func(channel string) bool
}

// ChannelPrivacy reports whether a channel is private, so that a quote from
// a private channel is never shown in another channel. An error means the
// answer is unknown, and the quote is treated as private.
type ChannelPrivacy func(ctx context.Context, teamID, channel string) (bool, error)

// maxDigestWeeks bounds /reflect digest WEEKS.
const maxDigestWeeks = 52

// lateDigest is how late a weekly digest may still go out: after a longer
// outage the week's digest is skipped rather than posted days late.
const lateDigest = 24 * time.Hour

// capabilityNames say the capabilities in people's words.
var capabilityNames = map[string]string{
	"recognise":    "recognising the last months of life",
	"what_matters": "what matters to the person",
	"live_well":    "living well in their own way",
	"anticipate":   "planning ahead and sharing wishes",
	"comfort":      "comfort",
	"those_close":  "those close to the person",
}

// CapabilityName is a capability tag in people's words.
func CapabilityName(tag string) string {
	if n, ok := capabilityNames[tag]; ok {
		return n
	}
	return tag
}

// digestCommand handles /reflect digest [WEEKS], /reflect digest every DAY
// HH:00 and /reflect digest off.
func (e *Engine) digestCommand(ctx context.Context, c Command, args string) ([]Reply, error) {
	fields := strings.Fields(strings.ToLower(args))
	if len(fields) > 0 && (fields[0] == "every" || fields[0] == "off") {
		return e.scheduleDigest(ctx, c, fields)
	}
	weeks := 1
	if len(fields) == 1 {
		n, err := strconv.Atoi(strings.TrimSuffix(fields[0], "w"))
		if err != nil || n < 1 || n > maxDigestWeeks {
			return []Reply{notice(c.Channel, c.UserID, "How many weeks?",
				fmt.Sprintf("Say, for example, /reflect digest 4 for the last four weeks (1 to %d). Nothing was changed.", maxDigestWeeks))}, nil
		}
		weeks = n
	} else if len(fields) > 1 {
		return []Reply{notice(c.Channel, c.UserID, "I didn't follow that.",
			"/reflect digest shows the last week's digest; /reflect digest 4 the last four weeks; /reflect digest every monday 09:00 posts it weekly in this channel.")}, nil
	}
	if e.digests == nil {
		return []Reply{notice(c.Channel, c.UserID, "Digests are not available here.", "")}, nil
	}
	return e.digestsOn(e.store).onDemand(ctx, c, weeks)
}

// onDemand is /reflect digest's digest, shown to the person: the digests
// part's own.
func (dg *digests) onDemand(ctx context.Context, c Command, weeks int) ([]Reply, error) {
	if _, _, err := dg.member(ctx, dg.st, c.Actor); err != nil {
		return nil, err
	}
	shown := dg.shownIn(ctx, c.TeamID, c.Channel)
	d, err := dg.digests.BuildDigest(ctx, dg.st, DigestRequest{TeamID: c.TeamID, Weeks: weeks, To: dg.clock(), Shown: shown})
	if err != nil {
		return nil, fmt.Errorf("building digest: %w", err)
	}
	if d.ActionsAgreed, d.ActionsDone, err = actionCounts(ctx, dg.st, d.TeamID, d.From, d.To); err != nil {
		return nil, err
	}
	if d.Outcomes, err = dg.reports().outcomeReportFor(ctx, d, shown); err != nil {
		return nil, err
	}
	r := DigestReply(d, c.Channel, visibleQuotes(shown))
	r.Kind, r.User = Notice, c.UserID
	return []Reply{r}, nil
}

// scheduleDigest sets or stops the weekly digest in the command's channel.
func (e *Engine) scheduleDigest(ctx context.Context, c Command, fields []string) ([]Reply, error) {
	usage := "Say, for example, /reflect digest every monday 09:00 (the hour, in the team's timezone), or /reflect digest off."
	return e.changeTeamSettings(ctx, c, func(team *Team) ([]Reply, string) {
		switch {
		case len(fields) == 1 && fields[0] == "off":
			team.DigestChannel = ""
			return []Reply{notice(c.Channel, c.UserID, "The weekly digest is off.", "Turn it on again with /reflect digest every DAY HH:00; /reflect digest still shows it to you on demand.")}, "digest off"
		case len(fields) == 3 && fields[0] == "every":
			day, err := ParseWeekday(fields[1])
			if err != nil {
				return []Reply{notice(c.Channel, c.UserID, "Which day?", usage)}, ""
			}
			h, m, err := ParseClock(fields[2])
			if err != nil || m != 0 {
				return []Reply{notice(c.Channel, c.UserID, "Which hour?", "The digest goes out on the hour. "+usage)}, ""
			}
			team.DigestChannel, team.DigestDay, team.DigestHour = c.Channel, day, h
			return []Reply{notice(c.Channel, c.UserID, "The weekly digest is set.", "In this channel. "+e.digestWhen(*team))},
				fmt.Sprintf("digest every %s %02d:00 in %s", day, h, c.Channel)
		}
		return []Reply{notice(c.Channel, c.UserID, "When should the digest come?", usage)}, ""
	})
}

// visibleQuotes is which quotes may be shown where shown says which
// channels' answers may be: the digest draws only on those already, and
// its post checks each quote again by the same rule.
func visibleQuotes(shown func(string) bool) func(Quote) bool {
	return func(q Quote) bool { return shown(q.Channel) }
}

// shownIn returns which answers' channels a digest shown in channel may
// draw on: that channel itself, and channels that are not private. Channel
// "" (the App Home, a person's own view) draws on public channels only. A
// channel whose privacy cannot be told is taken as private. Answers of no
// channel (the console) are shown anywhere.
func (k *kernel) shownIn(ctx context.Context, teamID, channel string) func(string) bool {
	private := map[string]bool{}
	return func(ch string) bool {
		if ch == channel || ch == "" {
			return true
		}
		if k.privacy == nil {
			return true
		}
		p, seen := private[ch]
		if !seen {
			var err error
			if p, err = k.privacy(ctx, teamID, ch); err != nil {
				k.log.WarnContext(ctx, "digest: channel privacy unknown; its answers are left out", "channel", ch, "err", err)
				p = true
			}
			private[ch] = p
		}
		return !p
	}
}

// PreparedDigest is a digest built and ready to be owed to a channel:
// built outside any transaction, since reading, drawing and asking Slack
// which channels are private take a while.
type PreparedDigest struct {
	Digest  Digest
	Channel string
	// WeekKey is the scheduled week's key; empty for a digest on demand.
	WeekKey string
	Visible func(Quote) bool
	Chart   []byte
	// By is who asked for an on-demand digest ("cli"), or "scheduler".
	By string
	// OutcomeChart is the chart of the quarter's outcomes beside the
	// stories, posted after the digest; nil when it has no outcomes.
	OutcomeChart []byte
}

// DueDigests builds the weekly digest of every team whose digest time has
// come this week and that has not had it. Each covers the seven days
// before its due time, so when the job runs does not change it. OweDigests
// then records and owes them.
func (e *Engine) DueDigests(ctx context.Context) ([]PreparedDigest, error) {
	if e.digests == nil {
		return nil, nil
	}
	return e.digestsOn(e.store).due(ctx)
}

// due is DueDigests, the digests part's own.
func (dg *digests) due(ctx context.Context) ([]PreparedDigest, error) {
	teams, err := dg.st.ListTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing teams: %w", err)
	}
	now := dg.clock()
	var out []PreparedDigest
	for _, t := range teams {
		if t.DigestChannel == "" {
			continue
		}
		due, key := digestDue(dg.location(t), t, now)
		if now.Sub(due) > lateDigest {
			continue
		}
		// One team's trouble must not keep the others' digests back: it is
		// logged, and tried again at the job's next run.
		done, err := dg.recorded(ctx, t.ID, key)
		if err != nil {
			dg.log.ErrorContext(ctx, "digest: could not check the week's record", "team", t.ID, "err", err)
			continue
		}
		if done {
			continue
		}
		p, err := dg.prepare(ctx, t.ID, t.DigestChannel, 1, due)
		if err != nil {
			dg.log.ErrorContext(ctx, "digest: could not build", "team", t.ID, "err", err)
			continue
		}
		p.WeekKey, p.By = key, "scheduler"
		out = append(out, p)
	}
	return out, nil
}

// Digest builds the team's digest of the weeks weeks ending now, over every
// channel, with its learning-session actions: the operator's view, for
// `whatmatters digest`. Digests shown in Slack are built by the same steps,
// limited to what their channel may show.
func (e *Engine) Digest(ctx context.Context, teamID string, weeks int) (Digest, error) {
	if e.digests == nil {
		return Digest{}, fmt.Errorf("%w: digests are not configured", ErrInvalid)
	}
	return e.digestsOn(e.store).digest(ctx, teamID, weeks)
}

// digest is Digest, the digests part's own.
func (dg *digests) digest(ctx context.Context, teamID string, weeks int) (Digest, error) {
	d, err := dg.digests.BuildDigest(ctx, dg.st, DigestRequest{TeamID: teamID, Weeks: weeks, To: dg.clock()})
	if err != nil {
		return Digest{}, err
	}
	if d.ActionsAgreed, d.ActionsDone, err = actionCounts(ctx, dg.st, teamID, d.From, d.To); err != nil {
		return d, err
	}
	d.Outcomes, err = dg.reports().outcomeReportFor(ctx, d, nil)
	return d, err
}

// Chart draws a digest's trend chart (PNG).
func (e *Engine) Chart(d Digest) ([]byte, error) {
	if e.digests == nil {
		return nil, fmt.Errorf("%w: digests are not configured", ErrInvalid)
	}
	return e.digests.Chart(d)
}

// PrepareDigest builds a digest of the last weeks weeks for the team's
// digest channel (or the channel given), whatever the schedule: for
// `whatmatters digest --post`.
func (e *Engine) PrepareDigest(ctx context.Context, teamID, channel string, weeks int) (PreparedDigest, error) {
	if e.digests == nil {
		return PreparedDigest{}, fmt.Errorf("%w: digests are not configured", ErrInvalid)
	}
	return e.digestsOn(e.store).prepareFor(ctx, teamID, channel, weeks)
}

// prepareFor is PrepareDigest, the digests part's own.
func (dg *digests) prepareFor(ctx context.Context, teamID, channel string, weeks int) (PreparedDigest, error) {
	team, err := dg.st.GetTeam(ctx, teamID)
	if err != nil {
		return PreparedDigest{}, fmt.Errorf("loading team: %w", err)
	}
	if channel == "" {
		channel = team.DigestChannel
	}
	if channel == "" {
		return PreparedDigest{}, fmt.Errorf("%w: team %s has no digest channel: set one in Slack with /reflect digest every DAY HH:00, or pass --channel", ErrInvalid, teamID)
	}
	p, err := dg.prepare(ctx, teamID, channel, weeks, dg.clock())
	p.By = "cli"
	return p, err
}

func (dg *digests) prepare(ctx context.Context, teamID, channel string, weeks int, to time.Time) (PreparedDigest, error) {
	shown := dg.shownIn(ctx, teamID, channel)
	d, err := dg.digests.BuildDigest(ctx, dg.st, DigestRequest{TeamID: teamID, Weeks: weeks, To: to, Shown: shown})
	if err != nil {
		return PreparedDigest{}, err
	}
	if d.ActionsAgreed, d.ActionsDone, err = actionCounts(ctx, dg.st, teamID, d.From, d.To); err != nil {
		return PreparedDigest{}, err
	}
	if d.Outcomes, err = dg.reports().outcomeReportFor(ctx, d, shown); err != nil {
		return PreparedDigest{}, err
	}
	visible := visibleQuotes(shown)
	chart, err := dg.digests.Chart(d)
	if err != nil {
		dg.log.WarnContext(ctx, "digest: chart not drawn; posting without it", "team", teamID, "err", err)
	}
	p := PreparedDigest{Digest: d, Channel: channel, Visible: visible, Chart: chart}
	if d.Outcomes != nil {
		if p.OutcomeChart, err = dg.outcomeChart(*d.Outcomes); err != nil {
			dg.log.WarnContext(ctx, "digest: outcome chart not drawn; posting without it", "team", teamID, "err", err)
		}
	}
	return p, nil
}

// OweDigests records prepared digests and returns their posts. A weekly
// digest is recorded under a lock on its team with its week's key, and
// skipped if that week's is recorded already, so several instances (or a
// retried job) post it once.
func (e *Engine) OweDigests(ctx context.Context, ps []PreparedDigest) ([]Reply, error) {
	var replies []Reply
	for _, p := range ps {
		err := e.store.InTx(ctx, func(s Store) error {
			more, err := e.digestsOn(s).owe(ctx, p)
			replies = append(replies, more...)
			return err
		})
		if err != nil {
			return replies, fmt.Errorf("digest for team %s: %w", p.Digest.TeamID, err)
		}
	}
	return replies, nil
}

// owe records one prepared digest and returns its posts, under a lock on
// its team: OweDigests' step, the digests part's own.
func (dg *digests) owe(ctx context.Context, p PreparedDigest) ([]Reply, error) {
	var replies []Reply
	team, err := dg.st.GetTeam(ctx, p.Digest.TeamID) // locks the team
	if err != nil {
		return nil, err
	}
	if p.WeekKey != "" {
		if team.DigestChannel != p.Channel {
			return nil, nil // changed meanwhile; the next run sees it
		}
		if done, err := dg.recorded(ctx, team.ID, p.WeekKey); err != nil || done {
			return nil, err
		}
	}
	d := p.Digest
	rec := DigestRecord{TeamID: team.ID, WeekKey: p.WeekKey, From: d.From, To: d.To,
		Weeks: d.Weeks, Channel: p.Channel, Coder: d.Coder, Summary: d.Summary(), CreatedAt: dg.clock()}
	if p.WeekKey == "" {
		rec.OnDemandBy = p.By
	}
	rec, err = dg.st.RecordDigest(ctx, rec)
	if err != nil {
		return nil, err
	}
	r := DigestReply(d, p.Channel, p.Visible)
	r.Digest = rec.ID
	if len(p.Chart) > 0 {
		name := "what-matters-trend.png"
		if p.WeekKey != "" {
			name = "what-matters-trend-" + p.WeekKey + ".png"
		}
		r.Attachment = &Attachment{Name: name, Type: "image/png", Data: p.Chart}
	}
	replies = append(replies, r)
	if len(p.OutcomeChart) > 0 {
		replies = append(replies, outcomeChartPost(*d.Outcomes, p.Channel, p.WeekKey, p.OutcomeChart))
	}
	detail := fmt.Sprintf("%d weeks to %s; answers=%d", d.Weeks, p.Channel, d.Answers)
	if p.WeekKey != "" {
		detail = "week of " + p.WeekKey + ", " + detail
	}
	return replies, dg.audit(ctx, dg.st, AuditEntry{TeamID: team.ID, Actor: p.By, Action: AuditDigest, Detail: detail})
}

// DigestPosted records that a digest's post was accepted, and where.
func (e *Engine) DigestPosted(ctx context.Context, digestID int64, channel, messageID string) error {
	return e.digestsOn(e.store).posted(ctx, digestID, channel, messageID)
}

// posted is DigestPosted, the digests part's own.
func (dg *digests) posted(ctx context.Context, digestID int64, channel, messageID string) error {
	err := dg.st.MarkDigestPosted(ctx, digestID, channel, messageID, dg.clock())
	if errors.Is(err, ErrNotFound) {
		return nil // forgotten or purged meanwhile
	}
	return err
}

// digestDue is the last time the team's weekly digest was due, and the key
// of that week.
func digestDue(loc *time.Location, t Team, now time.Time) (time.Time, string) {
	due, err := PrevWeekly(loc, t.DigestDay, fmt.Sprintf("%02d:00", t.DigestHour), now)
	if err != nil {
		due = now
	}
	return due, due.In(loc).Format("2006-01-02")
}

// recorded reports whether the team's digest of the week key is recorded.
func (dg *digests) recorded(ctx context.Context, teamID, key string) (bool, error) {
	recs, err := dg.st.ListDigests(ctx, teamID)
	if err != nil {
		return false, fmt.Errorf("listing digests: %w", err)
	}
	for _, r := range recs {
		if r.WeekKey == key {
			return true, nil
		}
	}
	return false, nil
}

// ActionDiscuss is the "Discuss in a session" button on a digest's
// recurring theme; its value is the theme's phrase.
const ActionDiscuss = "discuss"

// ThemeQuotes returns the quotes of the latest week's digest theme named
// phrase, to seed a learning session about it: only quotes given in the
// session's own channel, so that no words leave the channel they were
// shared in (checking other channels' privacy would mean asking Slack
// inside the session's transaction). None when the theme is gone.
func (e *Engine) ThemeQuotes(ctx context.Context, teamID, channel, phrase string) ([]SessionQuote, error) {
	return e.digestsOn(e.store).themeQuotes(ctx, teamID, channel, phrase)
}

// themeQuotes is ThemeQuotes, the digests part's own.
func (dg *digests) themeQuotes(ctx context.Context, teamID, channel, phrase string) ([]SessionQuote, error) {
	// A meeting of stories and outcomes brings its lines (outcome_reply.go).
	if seeds, ok, err := dg.outcomeSeeds(ctx, teamID, channel, phrase); ok || err != nil {
		return seeds, err
	}
	if dg.digests == nil || strings.TrimSpace(phrase) == "" {
		return nil, nil
	}
	// The theme is found across the team (a catalogue label is nobody's
	// words), and only this channel's quotes are taken.
	d, err := dg.digests.BuildDigest(ctx, dg.st, DigestRequest{TeamID: teamID, Weeks: 1, To: dg.clock()})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("finding the theme's quotes: %w", err)
	}
	for _, themes := range [][]Theme{d.Recurring, d.Emerging} {
		for _, t := range themes {
			if !strings.EqualFold(t.Label, phrase) && !strings.EqualFold(t.Phrase, phrase) && t.ID != phrase {
				continue
			}
			var out []SessionQuote
			for _, q := range t.Quotes {
				if q.Channel == channel {
					out = append(out, SessionQuote{AnswerID: q.AnswerID, Text: q.Text, Discipline: q.Discipline})
				}
			}
			return out, nil
		}
	}
	return nil, nil
}
