package flows

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"whatmatters/prompts"
)

// Learning sessions: a facilitator opens one (from the Slack form, or
// /reflect session in the console); the bot posts one session message in
// the channel, then each stage's question in its thread, keeping time.
// Replies in the thread are stored against the stage being discussed;
// replies that start with "action:" are agreed actions. At the end the bot
// offers the team a synthesis. The bot keeps time and the record: the
// facilitator leads.

// Session defaults and limits.
const (
	DefaultSessionMinutes = 30
	MinSessionMinutes     = 5
	MaxSessionMinutes     = 240
	// SessionExtension is what "five more minutes" adds.
	SessionExtension = 5 * time.Minute
	// sessionWarning is how long before a timed stage moves on (or a
	// session ends) the warning is posted.
	sessionWarning = time.Minute
	// lateSession is how late a scheduled session may still be opened.
	lateSession = 2 * time.Hour
	// maxSubjectRunes caps a session's subject.
	maxSubjectRunes = 80
)

// The controls on a session's message; the same words typed in the
// session's thread (start, next, more, pause, resume, end) by a facilitator
// do the same.
const (
	ActionSessionStart  = "session_start"
	ActionSessionNext   = "session_next"
	ActionSessionMore   = "session_more"
	ActionSessionPause  = "session_pause"
	ActionSessionResume = "session_resume"
	ActionSessionEnd    = "session_end"
)

// sessionWords maps the words typed in a thread or after /reflect session
// to controls.
var sessionWords = map[string]string{
	"start": ActionSessionStart, "next": ActionSessionNext, "more": ActionSessionMore,
	"pause": ActionSessionPause, "resume": ActionSessionResume, "end": ActionSessionEnd,
}

// SessionOpens reports whether /reflect session ARGS asks for a new
// session with nothing more said than a subject: not a control ("next"),
// a schedule ("every …"), the names setting, or flags. In Slack such a
// command opens the session form instead.
func SessionOpens(args string) bool {
	fields := strings.Fields(args)
	if len(fields) == 1 && SessionControlWord(fields[0]) != "" {
		return false
	}
	if len(fields) > 0 {
		switch strings.ToLower(fields[0]) {
		case "every", "names":
			return false
		}
	}
	return !strings.Contains(args, "--")
}

// SessionControlWord returns the control a word names ("next", "pause"…),
// or "".
func SessionControlWord(word string) string {
	return sessionWords[strings.ToLower(strings.TrimSpace(word))]
}

// SessionButton is the value of a button on a session's message: the
// session and the stage it was shown at, so a button pressed twice, or one
// shown for an earlier stage, moves nothing on.
func SessionButton(s Session) string {
	return strconv.FormatInt(s.ID, 10) + ":" + s.Stage
}

// ParseSessionButton reads a SessionButton value; a value that does not
// parse gives id 0, which names no session.
func ParseSessionButton(v string) (id int64, stage string) { return ParseReflectionButton(v) }

// SessionStart is what the session form (or /reflect session) gives.
type SessionStart struct {
	Actor
	Channel  string
	Template string // a template key: case, after_death, theme, or any in prompts/
	// Subject is the case's pseudonym (for a template about one person) or
	// the theme to discuss.
	Subject string
	Minutes int  // 0 means DefaultSessionMinutes
	Manual  bool // stages move on only when the facilitator says
	// Quotes seed the session with a digest theme's quotes ("Discuss in a
	// session"): already scrubbed, attributed by discipline.
	Quotes []SessionQuote
	// NotTheirName confirms that a new case's pseudonym, a word also on the
	// scrubber's name lists, is not the person's name (NotTheirName).
	NotTheirName bool
}

// SessionCommand is a control pressed on a session's message, or typed.
type SessionCommand struct {
	Channel   string // where to answer with a notice
	SessionID int64
	Control   string // one of the ActionSession* names
	// Stage is the stage the control was shown for ("" when unknown): a
	// next or more pressed for an earlier stage changes nothing.
	Stage string
}

func (k *kernel) sessionTemplate(key string) (prompts.Template, error) {
	return k.template(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "-", "_"))
}

// StartSession opens a learning session in a channel: it returns the
// session's message (a Post with Session set) for the adapter to post and
// anchor with SessionAnchored, which asks the first stage. Only
// facilitators, leads and admins may; anyone else gets a kind refusal,
// before anything else is said about what they asked. A channel with a
// session not yet ended gets no second one: the refusal links to it.
func (e *Engine) StartSession(ctx context.Context, st SessionStart) ([]Reply, error) {
	if ok, err := e.MayFacilitate(ctx, st.Actor); err != nil {
		return nil, err
	} else if !ok {
		return []Reply{facilitateRefused(st.Channel, st.UserID)}, nil
	}
	tpl, err := e.sessionTemplate(st.Template)
	if err != nil {
		return []Reply{notice(st.Channel, st.UserID, "Which template?", "I don't know the template "+strconv.Quote(st.Template)+". /reflect templates lists them. Nothing was started.")}, nil
	}
	minutes := st.Minutes
	if minutes == 0 {
		minutes = DefaultSessionMinutes
	}
	if minutes < MinSessionMinutes || minutes > MaxSessionMinutes {
		return []Reply{notice(st.Channel, st.UserID, "How long should the session be?",
			fmt.Sprintf("Give its length in minutes, from %d to %d. Nothing was started.", MinSessionMinutes, MaxSessionMinutes))}, nil
	}
	subject, verdict, refusal, err := e.openingsOn(e.store).sessionSubject(ctx, st, tpl)
	if err != nil || refusal != nil {
		return refusal, err
	}
	var replies []Reply
	err = e.store.InTx(ctx, func(s Store) error {
		var err error
		replies, err = e.openingsOn(s).openSession(ctx, st, tpl, subject, minutes, verdict)
		return err
	})
	return replies, err
}

// sessionSubject checks a session's subject: for a case review, a
// pseudonym the rule accepts (or confirms); for a theme, the words
// scrubbed and cut to length. A refusal says why nothing was started.
func (op *openings) sessionSubject(ctx context.Context, st SessionStart, tpl prompts.Template) (string, pseudonymVerdict, []Reply, error) {
	subject := CleanText(st.Subject)
	var verdict pseudonymVerdict
	if tpl.NeedsCase {
		var confirmed bool
		subject, confirmed = takeNotTheirName(subject)
		if subject == "" {
			return "", verdict, []Reply{notice(st.Channel, st.UserID, "Which person is the session about?",
				"Give the pseudonym the team uses, for example /reflect session case Kestrel. Nothing was started.")}, nil
		}
		verdict = op.judgeTeamPseudonym(ctx, op.st, st.TeamID, subject, confirmed || st.NotTheirName)
		if verdict.problem != "" {
			command := "/reflect session " + strings.ReplaceAll(tpl.Key, "_", "-") + " " + subject
			return "", verdict, []Reply{pseudonymRefusal(st.Channel, st.UserID, verdict, subject, command, "")}, nil
		}
		return subject, verdict, nil, nil
	}
	if subject == "" {
		return "", verdict, nil, nil
	}
	keep, err := op.caseWords(ctx, op.st, st.TeamID)
	if err != nil {
		return "", verdict, nil, err
	}
	subject, _ = op.scrub(subject, keep...)
	if r := []rune(subject); len(r) > maxSubjectRunes {
		subject = string(r[:maxSubjectRunes])
	}
	return subject, verdict, nil, nil
}

// openSession opens the session in s, StartSession's transaction: unless
// the person may not run sessions (read again, in the transaction) or one
// is open in the channel already. It makes the case of a new pseudonym
// (recording its confirmation), keeps the theme's quotes (scrubbed) and
// audits the session.
func (op *openings) openSession(ctx context.Context, st SessionStart, tpl prompts.Template, subject string, minutes int, verdict pseudonymVerdict) ([]Reply, error) {
	m, created, err := op.member(ctx, op.st, st.Actor)
	if err != nil {
		return nil, err
	}
	if !op.mayFacilitate(st.Actor, m) {
		return []Reply{facilitateRefused(st.Channel, st.UserID)}, nil
	}
	if open, err := op.st.OpenSessionInChannel(ctx, st.TeamID, st.Channel); err == nil {
		return []Reply{alreadyRunning(open, st.Channel, st.UserID)}, nil
	} else if !isNotFound(err) {
		return nil, fmt.Errorf("finding open session: %w", err)
	}
	now := op.clock()
	if tpl.NeedsCase {
		if err := op.sessionCase(ctx, st, subject, verdict, now); err != nil {
			return nil, err
		}
	}
	quotes := make([]SessionQuote, 0, len(st.Quotes))
	for _, q := range st.Quotes {
		text, _ := op.scrub(CleanText(q.Text))
		if text != "" {
			quotes = append(quotes, SessionQuote{AnswerID: q.AnswerID, Text: text, Discipline: q.Discipline})
		}
	}
	sess, err := op.st.CreateSession(ctx, Session{TeamID: st.TeamID, Channel: st.Channel, Facilitator: st.UserID,
		Template: tpl.Key, Subject: subject, Minutes: minutes, Timed: !st.Manual, Status: SessionRunning,
		CreatedAt: now, UpdatedAt: now}, quotes)
	if err != nil {
		return nil, fmt.Errorf("creating session: %w", err)
	}
	if err := op.audit(ctx, op.st, AuditEntry{TeamID: st.TeamID, Actor: st.UserID, Action: AuditSession,
		Detail: fmt.Sprintf("session %d, %s, %d minutes, %s", sess.ID, tpl.Key, minutes, timedWord(sess.Timed))}); err != nil {
		return nil, err
	}
	team, err := op.st.GetTeam(ctx, st.TeamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	root := sessionMessage(sess, tpl, op.location(team), op.clock())
	root.Kind, root.Session = Post, sess.ID
	replies := []Reply{root}
	if created && m.Discipline == "" {
		replies = append(replies, askDiscipline(st.Channel, st.UserID))
	}
	return replies, nil
}

// sessionCase finds or makes a case review's case; a confirmed pseudonym
// is recorded when it makes a new case.
func (op *openings) sessionCase(ctx context.Context, st SessionStart, subject string, verdict pseudonymVerdict, now time.Time) error {
	confirming := false
	if len(verdict.names) > 0 {
		_, err := op.st.CaseByLabel(ctx, st.TeamID, subject)
		confirming = isNotFound(err)
	}
	cs, _, err := op.findOrCreateCase(ctx, op.st, st.TeamID, subject, now)
	if err != nil || !confirming {
		return err
	}
	return op.confirmedNotTheirName(ctx, op.st, st.Actor, cs, verdict)
}

func timedWord(timed bool) string {
	if timed {
		return "timed"
	}
	return "manual"
}

func alreadyRunning(open Session, channel, user string) Reply {
	r := notice(channel, user, "A learning session is already open in this channel.",
		"One session at a time in a channel: this one was not started. Join the open one, or end it first.")
	if open.Thread != "" {
		r.Parts = append(r.Parts, Part{Label: "The open session", Link: &MessageLink{Channel: open.Channel, Message: open.Thread}})
	}
	return r
}

// SessionAnchored records the id of a session's message, so replies in its
// thread find it. A session started from the form starts its clock now:
// it returns the update of the session message (with the time left) and
// the first stage's question in the thread. A scheduled session waits for
// its facilitator's start. Anchoring again with the same id does nothing.
func (e *Engine) SessionAnchored(ctx context.Context, sessionID int64, thread string) ([]Reply, error) {
	return inTx(ctx, e.store, e.sessionsOn, func(ses *sessions) ([]Reply, error) { return ses.anchored(ctx, sessionID, thread) })
}

// anchored is SessionAnchored, the sessions part's own.
func (ses *sessions) anchored(ctx context.Context, sessionID int64, thread string) ([]Reply, error) {
	var replies []Reply
	sess, err := ses.st.GetSession(ctx, sessionID)
	if err != nil {
		return replies, fmt.Errorf("loading session: %w", err)
	}
	if sess.Thread != "" {
		return replies, nil // anchored already: a retried post
	}
	sess.Thread = thread
	tpl, loc, err := ses.sessionContext(ctx, sess)
	if err != nil {
		return replies, err
	}
	if sess.Status == SessionRunning && sess.StartedAt.IsZero() {
		ses.begin(&sess, tpl, ses.clock())
		replies = []Reply{sessionUpdate(sess, tpl, loc, ses.clock()), ses.stageQuestion(ctx, sess, tpl, loc)}
	}
	sess.DueAt = sessionDue(sess)
	return replies, ses.st.UpdateSession(ctx, sess)
}

func (ses *sessions) sessionContext(ctx context.Context, sess Session) (prompts.Template, *time.Location, error) {
	tpl, err := ses.template(sess.Template)
	if err != nil {
		return tpl, nil, err
	}
	team, err := ses.st.GetTeam(ctx, sess.TeamID)
	if err != nil {
		return tpl, nil, fmt.Errorf("loading team: %w", err)
	}
	return tpl, ses.location(team), nil
}

// stageLength is how long each stage of a timed session lasts: the
// session's length shared equally.
func stageLength(sess Session, tpl prompts.Template) time.Duration {
	return time.Duration(sess.Minutes) * time.Minute / time.Duration(max(len(tpl.Stages), 1))
}

// begin starts the session's clock at its first stage.
func (ses *sessions) begin(sess *Session, tpl prompts.Template, now time.Time) {
	sess.Status = SessionRunning
	sess.Stage = tpl.Stages[0].Key
	sess.StartedAt = now
	sess.EndsAt = now.Add(time.Duration(sess.Minutes) * time.Minute)
	sess.PausedAt = time.Time{}
	if sess.Timed {
		sess.StageDeadline = now.Add(stageLength(*sess, tpl))
	}
	noShortWarning(sess, now)
	sess.DueAt = sessionDue(*sess)
}

// noShortWarning marks the warning of a stage (or of a session without
// stage deadlines) that starts at start as not owed when it lasts less
// than two minutes: a warning a minute before the end of a stage of a
// minute or so would come with its question. Five more minutes make the
// stage long enough, and its new deadline gets its warning.
func noShortWarning(sess *Session, start time.Time) {
	if d := sess.deadline(); d.Sub(start) < 2*sessionWarning {
		sess.WarnedFor = d
	}
}

// deadline is when the session next moves on by itself: a timed session's
// stage deadline, or the end of a session without one.
func (s Session) deadline() time.Time {
	if s.Timed && s.Status != SessionWaiting {
		return s.StageDeadline
	}
	return s.EndsAt
}

// sessionDue is when the session next has something to do, or zero.
func sessionDue(s Session) time.Time {
	if s.Thread == "" && s.Status != SessionWaiting {
		return time.Time{} // not posted yet: nothing to post into
	}
	switch s.Status {
	case SessionWaiting:
		return s.EndsAt
	case SessionRunning:
		d := s.deadline()
		if d.IsZero() {
			return time.Time{}
		}
		if !s.WarnedFor.Equal(d) {
			return d.Add(-sessionWarning)
		}
		return d
	}
	return time.Time{}
}

// SessionsDue does what is due at the engine's clock for every session and
// schedule: the one-minute warning, a timed stage moving on, a session's
// end with its synthesis (or a kind note when nobody took part), a
// scheduled session's day-before reminder and its opening. Each session
// and schedule is decided under its own lock, with what is due read again
// under it, so several instances calling this at once do each thing once.
// It returns the replies to deliver and when anything is next due (zero
// when nothing is), for the adapter to call again then.
func (e *Engine) SessionsDue(ctx context.Context) ([]Reply, time.Time, error) {
	now := e.clock()
	var replies []Reply
	ids, err := e.sessionsOn(e.store).due(ctx, now)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("listing due sessions: %w", err)
	}
	for _, id := range ids {
		err := e.store.InTx(ctx, func(s Store) error {
			more, err := e.sessionsOn(s).sessionTick(ctx, id)
			replies = append(replies, more...)
			return err
		})
		if err != nil {
			return replies, time.Time{}, fmt.Errorf("session %d: %w", id, err)
		}
	}
	sids, err := e.schedulesOn(e.store).due(ctx, now)
	if err != nil {
		return replies, time.Time{}, fmt.Errorf("listing due schedules: %w", err)
	}
	for _, id := range sids {
		err := e.store.InTx(ctx, func(s Store) error {
			more, err := e.schedulesOn(s).scheduleTick(ctx, id)
			replies = append(replies, more...)
			return err
		})
		if err != nil {
			return replies, time.Time{}, fmt.Errorf("session schedule %d: %w", id, err)
		}
	}
	next, err := e.schedulesOn(e.store).nextDue(ctx)
	if err != nil {
		return replies, time.Time{}, err
	}
	return replies, next, nil
}

// due lists the sessions, in every team, with something due at or
// before t.
func (ses *sessions) due(ctx context.Context, t time.Time) ([]int64, error) {
	return ses.st.DueSessions(ctx, t)
}

// due lists the schedules with something due at or before t.
func (sch *schedules) due(ctx context.Context, t time.Time) ([]int64, error) {
	return sch.st.DueSessionSchedules(ctx, t)
}

// nextDue is the earliest time any session or schedule has something to
// do, or the zero time. The store reads both in one query; schedules,
// which open sessions, ask it.
func (sch *schedules) nextDue(ctx context.Context) (time.Time, error) {
	return sch.st.NextSessionDue(ctx)
}

// sessionTick does what is due for one session, locked.
func (ses *sessions) sessionTick(ctx context.Context, id int64) ([]Reply, error) {
	sess, err := ses.st.GetSession(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	now := ses.clock()
	if due := sessionDue(sess); due.IsZero() || due.After(now) {
		// Done by another instance meanwhile, or changed by a control.
		if !sess.DueAt.Equal(due) {
			sess.DueAt = due
			return nil, ses.st.UpdateSession(ctx, sess)
		}
		return nil, nil
	}
	tpl, loc, err := ses.sessionContext(ctx, sess)
	if err != nil {
		return nil, err
	}
	var replies []Reply
	for range 50 { // catch up after downtime, one step at a time
		due := sessionDue(sess)
		if due.IsZero() || due.After(now) {
			break
		}
		if sess.Status == SessionWaiting {
			more, err := ses.endSession(ctx, &sess, tpl, loc, now)
			if err != nil {
				return nil, err
			}
			return append(replies, more...), nil
		}
		d := sess.deadline()
		if now.Before(d) {
			// The one-minute warning.
			sess.WarnedFor = d
			what := "One minute left on this stage."
			if !sess.Timed || tpl.StageIndex(sess.Stage) == len(tpl.Stages)-1 {
				what = "One minute left in this session."
			}
			replies = append(replies, Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread,
				Title: what, Parts: []Part{{Text: "The facilitator can give five more minutes, or move on now."}}})
			sess.DueAt = sessionDue(sess)
			continue
		}
		if !sess.Timed || tpl.StageIndex(sess.Stage) >= len(tpl.Stages)-1 {
			more, err := ses.endSession(ctx, &sess, tpl, loc, d)
			if err != nil {
				return nil, err
			}
			return append(replies, more...), nil
		}
		// A timed stage moves on at its deadline; the next keeps to the
		// schedule even if this runs late.
		ses.nextStage(&sess, tpl, d, d.Add(stageLength(sess, tpl)))
		replies = append(replies, sessionUpdate(sess, tpl, loc, ses.clock()), ses.stageQuestion(ctx, sess, tpl, loc))
	}
	return replies, ses.st.UpdateSession(ctx, sess)
}

// nextStage moves the session to its next stage, due to move on at
// deadline (for a timed session).
func (ses *sessions) nextStage(sess *Session, tpl prompts.Template, now, deadline time.Time) {
	i := tpl.StageIndex(sess.Stage)
	sess.Stage = tpl.Stages[i+1].Key
	if sess.Timed {
		sess.StageDeadline = deadline
		left := len(tpl.Stages) - (i + 2)
		sess.EndsAt = deadline.Add(time.Duration(left) * stageLength(*sess, tpl))
		noShortWarning(sess, now)
	}
	sess.UpdatedAt = now
	sess.DueAt = sessionDue(*sess)
}

// endSession ends the session and returns its closing posts: the
// synthesis, or a kind note when nobody took part.
func (ses *sessions) endSession(ctx context.Context, sess *Session, tpl prompts.Template, loc *time.Location, at time.Time) ([]Reply, error) {
	replies, err := ses.st.ListSessionReplies(ctx, sess.ID)
	if err != nil {
		return nil, fmt.Errorf("listing session replies: %w", err)
	}
	actions, err := ses.st.ListSessionActions(ctx, sess.ID)
	if err != nil {
		return nil, fmt.Errorf("listing actions: %w", err)
	}
	wasWaiting := sess.Status == SessionWaiting
	sess.Status, sess.Stage, sess.EndedAt, sess.PausedAt = SessionEnded, "", at, time.Time{}
	sess.DueAt = time.Time{}
	var out []Reply
	if len(replies) == 0 && len(actions) == 0 {
		sess.Outcome = OutcomeQuiet
		text := "Nobody added to this session, so there is nothing to sum up, and that is fine: some weeks are like that. The next one is a fresh start."
		if wasWaiting {
			text = "This session wasn't started, so it has closed at its time with nothing to sum up. That is fine: the next one is a fresh start."
		}
		out = append(out, Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: "This session has ended quietly.",
			Parts: []Part{{Text: text}}})
	} else {
		sess.Outcome = OutcomeSynthesis
		team, err := ses.st.GetTeam(ctx, sess.TeamID)
		if err != nil {
			return nil, fmt.Errorf("loading team: %w", err)
		}
		names := map[string]string{}
		if team.SessionNames {
			ms, err := ses.st.ListMembers(ctx, sess.TeamID)
			if err != nil {
				return nil, fmt.Errorf("listing members: %w", err)
			}
			for _, m := range ms {
				names[m.UserID] = m.Name
			}
		}
		out = append(out, ses.synthesis(ctx, *sess, tpl, loc, replies, actions, team.SessionNames, names))
	}
	if sess.Thread != "" {
		out = append([]Reply{sessionUpdate(*sess, tpl, loc, ses.clock())}, out...)
	}
	if err := ses.st.UpdateSession(ctx, *sess); err != nil {
		return nil, fmt.Errorf("ending session: %w", err)
	}
	ses.log.DebugContext(ctx, "session ended", "session", sess.ID, "outcome", sess.Outcome, "replies", len(replies), "actions", len(actions))
	return out, nil
}

// SessionControl carries out a control on a session: start, next, more,
// pause, resume or end. Only facilitators, leads and admins may; a
// facilitator other than the session's takes it over. A control on an
// ended session, a second press, or a stage control for a stage already
// left changes nothing and says so, privately.
func (e *Engine) SessionControl(ctx context.Context, a Actor, c SessionCommand) ([]Reply, error) {
	return inTx(ctx, e.store, e.sessionsOn, func(ses *sessions) ([]Reply, error) { return ses.control(ctx, a, c) })
}

// control is SessionControl, the sessions part's own.
func (ses *sessions) control(ctx context.Context, a Actor, c SessionCommand) ([]Reply, error) {
	var replies []Reply
	sess, err := ses.st.GetSession(ctx, c.SessionID)
	if isNotFound(err) || (err == nil && sess.TeamID != a.TeamID) {
		replies = []Reply{notice(c.Channel, a.UserID, "That session no longer exists.", "Nothing was changed.")}
		return replies, nil
	}
	if err != nil {
		return replies, fmt.Errorf("loading session: %w", err)
	}
	replies, err = ses.sessionControl(ctx, sess, a, c)
	return replies, err
}

func (ses *sessions) sessionControl(ctx context.Context, sess Session, a Actor, c SessionCommand) ([]Reply, error) {
	channel := c.Channel
	if channel == "" {
		channel = sess.Channel
	}
	m, err := memberOf(ctx, ses.st, a)
	if err != nil {
		return nil, err
	}
	if !ses.mayFacilitate(a, m) {
		return []Reply{facilitateRefused(channel, a.UserID)}, nil
	}
	if _, _, err := ses.member(ctx, ses.st, a); err != nil {
		return nil, err
	}
	if sess.Status == SessionEnded {
		return []Reply{notice(channel, a.UserID, "This session has ended.", "Nothing was changed. Start another with /reflect session.")}, nil
	}
	if c.Stage != "" && c.Stage != sess.Stage && (c.Control == ActionSessionNext || c.Control == ActionSessionMore) {
		return []Reply{notice(channel, a.UserID, "The session has already moved on.", "Nothing was changed.")}, nil
	}
	tpl, loc, err := ses.sessionContext(ctx, sess)
	if err != nil {
		return nil, err
	}
	control, ok := sessionControls[c.Control]
	if !ok {
		return nil, fmt.Errorf("%w: unknown session control %q", ErrInvalid, c.Control)
	}
	st := &sessionStep{ses: ses, ctx: ctx, sess: sess, tpl: tpl, loc: loc, now: ses.clock(), channel: channel, user: a.UserID}
	if sess.Facilitator != a.UserID {
		st.sess.Facilitator = a.UserID
		st.out = append(st.out, Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: "A new facilitator",
			Parts: []Part{{Text: "is facilitating this session now.", Users: []string{a.UserID}}}})
	}
	out, save, err := control(st)
	if err != nil || !save {
		return out, err
	}
	st.sess.UpdatedAt = st.now
	st.sess.DueAt = sessionDue(st.sess)
	return out, ses.st.UpdateSession(ctx, st.sess)
}

// sessionStep is one control of a session in progress: the session as it
// will be saved, and what is said.
type sessionStep struct {
	ses           *sessions
	ctx           context.Context
	sess          Session
	tpl           prompts.Template
	loc           *time.Location
	now           time.Time
	channel, user string // where the control came from, and whose it is
	out           []Reply
}

// say posts in the session's thread.
func (st *sessionStep) say(title, text string) {
	r := Reply{Kind: Post, Channel: st.sess.Channel, Thread: st.sess.Thread, Title: title}
	if text != "" {
		r.Parts = []Part{{Text: text}}
	}
	st.out = append(st.out, r)
}

// done returns what was said, with the session's message brought up to
// date, for the session to be saved.
func (st *sessionStep) done() ([]Reply, bool, error) {
	return append(st.out, sessionUpdate(st.sess, st.tpl, st.loc, st.ses.clock())), true, nil
}

// ask moves on to the session's current stage: its message, and its question.
func (st *sessionStep) ask() ([]Reply, bool, error) {
	return append(st.out, sessionUpdate(st.sess, st.tpl, st.loc, st.ses.clock()), st.ses.stageQuestion(st.ctx, st.sess, st.tpl, st.loc)), true, nil
}

// unchanged tells the person, privately, why nothing was changed.
func (st *sessionStep) unchanged(title string) ([]Reply, bool, error) {
	return []Reply{notice(st.channel, st.user, title, "Nothing was changed.")}, false, nil
}

// end ends the session (which saves it).
func (st *sessionStep) end() ([]Reply, bool, error) {
	more, err := st.ses.endSession(st.ctx, &st.sess, st.tpl, st.loc, st.now)
	return append(st.out, more...), false, err
}

// sessionControls are what each control does: the replies, and whether
// the session is to be saved.
var sessionControls = map[string]func(*sessionStep) ([]Reply, bool, error){
	ActionSessionStart: func(st *sessionStep) ([]Reply, bool, error) {
		if st.sess.Status != SessionWaiting {
			return st.unchanged("This session has started already.")
		}
		if st.sess.Thread == "" {
			return st.unchanged("The session's message isn't posted yet: try again in a moment.")
		}
		st.ses.begin(&st.sess, st.tpl, st.now)
		return st.ask()
	},
	ActionSessionNext: func(st *sessionStep) ([]Reply, bool, error) {
		switch st.sess.Status {
		case SessionWaiting:
			return st.unchanged("This session hasn't started yet: start it first.")
		case SessionPaused:
			return st.unchanged("This session is paused: resume it first.")
		}
		if st.tpl.StageIndex(st.sess.Stage) >= len(st.tpl.Stages)-1 {
			return st.end()
		}
		st.ses.nextStage(&st.sess, st.tpl, st.now, st.now.Add(stageLength(st.sess, st.tpl)))
		return st.ask()
	},
	ActionSessionMore: func(st *sessionStep) ([]Reply, bool, error) {
		sess := &st.sess
		if sess.Status == SessionWaiting {
			return st.unchanged("This session hasn't started yet: start it first.")
		}
		if sess.Timed {
			sess.StageDeadline = sess.StageDeadline.Add(SessionExtension)
		}
		sess.EndsAt = sess.EndsAt.Add(SessionExtension)
		what := "Five more minutes for this session, until " + clockText(sess.EndsAt, st.loc, sess.Status == SessionPaused) + "."
		if sess.Timed {
			what = "Five more minutes on this stage, until " + clockText(sess.StageDeadline, st.loc, sess.Status == SessionPaused) + "."
		}
		st.say(what, "")
		return st.done()
	},
	ActionSessionPause: func(st *sessionStep) ([]Reply, bool, error) {
		if st.sess.Status != SessionRunning {
			return st.unchanged("This session isn't running, so there is nothing to pause.")
		}
		st.sess.Status, st.sess.PausedAt = SessionPaused, st.now
		st.say("Paused.", "The clock has stopped; the facilitator resumes when the team is ready. Replies are still kept.")
		return st.done()
	},
	ActionSessionResume: func(st *sessionStep) ([]Reply, bool, error) {
		sess := &st.sess
		if sess.Status != SessionPaused {
			return st.unchanged("This session isn't paused.")
		}
		shift := st.now.Sub(sess.PausedAt)
		if !sess.StageDeadline.IsZero() {
			sess.StageDeadline = sess.StageDeadline.Add(shift)
		}
		if !sess.WarnedFor.IsZero() {
			sess.WarnedFor = sess.WarnedFor.Add(shift)
		}
		sess.EndsAt = sess.EndsAt.Add(shift)
		sess.Status, sess.PausedAt = SessionRunning, time.Time{}
		st.say("Resumed.", "")
		return st.done()
	},
	ActionSessionEnd: func(st *sessionStep) ([]Reply, bool, error) { return st.end() },
}

// clockText is a time of day in the team's timezone; paused times are
// only provisional.
func clockText(t time.Time, loc *time.Location, paused bool) string {
	s := t.In(loc).Format("15:04")
	if paused {
		s += " (plus the pause)"
	}
	return s
}

// sessionMessage is the session's message as it stands.
func sessionMessage(sess Session, tpl prompts.Template, loc *time.Location, now time.Time) Reply {
	title := "Learning session: " + tpl.Name
	if sess.Subject != "" {
		title += ": " + sess.Subject
	}
	r := Reply{Kind: Post, Channel: sess.Channel, Title: title}
	if sess.Facilitator != "" {
		r.Parts = append(r.Parts, Part{Label: "Facilitator", Users: []string{sess.Facilitator}})
	} else {
		r.Parts = append(r.Parts, Part{Label: "Facilitator", Text: "none at the moment: any facilitator can take over with the buttons."})
	}
	i := tpl.StageIndex(sess.Stage)
	stage := func() string {
		return fmt.Sprintf("Stage %d of %d · %s", i+1, len(tpl.Stages), tpl.Stages[max(i, 0)].Title)
	}
	var status string
	switch sess.Status {
	case SessionWaiting:
		status = "Waiting for the facilitator to start it"
		if !sess.EndsAt.IsZero() {
			status += "; it closes at " + clockText(sess.EndsAt, loc, false) + " if it hasn't started"
		}
		status += "."
	case SessionRunning:
		if sess.StartedAt.IsZero() {
			status = "Starting…"
			break
		}
		if sess.Timed {
			status = fmt.Sprintf("%s · moves on at %s (%s left).", stage(), clockText(sess.StageDeadline, loc, false), minutesLeft(sess.StageDeadline.Sub(now)))
		} else {
			status = fmt.Sprintf("%s · moves on when the facilitator says · the session ends at %s (%s left).", stage(), clockText(sess.EndsAt, loc, false), minutesLeft(sess.EndsAt.Sub(now)))
		}
	case SessionPaused:
		left := sess.deadline().Sub(sess.PausedAt)
		status = fmt.Sprintf("%s · paused at %s, with %s left.", stage(), clockText(sess.PausedAt, loc, false), minutesLeft(left))
	case SessionEnded:
		status = "Ended at " + clockText(sess.EndedAt, loc, false) + "."
		if sess.Outcome == OutcomeSynthesis {
			status += " What the team said is in the thread, for your discussion."
		}
	}
	r.Parts = append(r.Parts, Part{Label: "Now", Text: status})
	if sess.Status != SessionEnded {
		how := "Stages move on by the clock; the facilitator can move on sooner, add five minutes or pause."
		if !sess.Timed {
			how = "Stages move on when the facilitator says."
		}
		r.Parts = append(r.Parts, Part{Text: how + " Reply in the thread to add to the stage being discussed; start a reply with action: to record an agreed action (mention who will do it, and say by when)."})
	}
	id := SessionButton(sess)
	switch sess.Status {
	case SessionWaiting:
		r.Buttons = []Button{{Label: "Start", Action: ActionSessionStart, Value: id, Style: "primary"},
			{Label: "End", Action: ActionSessionEnd, Value: id, Style: "danger"}}
	case SessionRunning:
		r.Buttons = []Button{{Label: "Next stage", Action: ActionSessionNext, Value: id, Style: "primary"},
			{Label: "Five more minutes", Action: ActionSessionMore, Value: id},
			{Label: "Pause", Action: ActionSessionPause, Value: id},
			{Label: "End", Action: ActionSessionEnd, Value: id, Style: "danger"}}
	case SessionPaused:
		r.Buttons = []Button{{Label: "Resume", Action: ActionSessionResume, Value: id, Style: "primary"},
			{Label: "Five more minutes", Action: ActionSessionMore, Value: id},
			{Label: "End", Action: ActionSessionEnd, Value: id, Style: "danger"}}
	}
	return r
}

// sessionUpdate is the Update of the session's message to how it stands.
func sessionUpdate(sess Session, tpl prompts.Template, loc *time.Location, now time.Time) Reply {
	r := sessionMessage(sess, tpl, loc, now)
	r.Kind, r.Message = Update, sess.Thread
	return r
}

func minutesLeft(d time.Duration) string {
	m := int((d + 30*time.Second) / time.Minute)
	switch {
	case d <= 0:
		return "no time"
	case m < 1:
		return "less than a minute"
	case m == 1:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

// stageQuestion asks the session's current stage in its thread; the first
// stage carries the quotes the session was seeded with.
func (ses *sessions) stageQuestion(ctx context.Context, sess Session, tpl prompts.Template, loc *time.Location) Reply {
	i := tpl.StageIndex(sess.Stage)
	st := tpl.Stages[max(i, 0)]
	title := fmt.Sprintf("Stage %d of %d · %s", i+1, len(tpl.Stages), st.Title)
	if sess.Timed {
		title += " · until " + clockText(sess.StageDeadline, loc, false)
	}
	subject := sess.Subject
	if subject == "" && !tpl.NeedsCase {
		subject = "this theme"
	}
	r := Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: title,
		Parts: []Part{{Text: prompts.Fill(st.Question, subject)}}}
	if i == 0 {
		quotes, err := ses.st.ListSessionQuotes(ctx, sess.ID)
		if err != nil {
			ses.log.WarnContext(ctx, "session: seeded quotes not read", "session", sess.ID, "err", err)
		}
		for j, q := range quotes {
			label := ""
			if j == 0 {
				label = "From the digest, for discussion"
			}
			r.Parts = append(r.Parts, Part{Label: label, Text: q.Text, Quote: true, By: disciplineOrUnknown(q.Discipline)})
		}
	}
	return r
}

// resumeSession says in a session's thread where it stands, for an adapter
// that restarted (Resume): its stage with the time left and the stage's
// question, or that it waits to start. A session whose message was never
// posted gets it posted again, to be anchored as a new one is.
func (ses *sessions) resumeSession(ctx context.Context, sess Session) ([]Reply, error) {
	tpl, loc, err := ses.sessionContext(ctx, sess)
	if err != nil {
		return nil, err
	}
	msg := sessionMessage(sess, tpl, loc, ses.clock())
	if sess.Thread == "" {
		msg.Kind, msg.Session = Post, sess.ID
		return []Reply{msg}, nil
	}
	r := Reply{Kind: Post, Channel: sess.Channel, Thread: sess.Thread, Title: "Carrying on with " + msg.Title, Buttons: msg.Buttons}
	for _, p := range msg.Parts {
		if p.Label == "Now" {
			r.Parts = append(r.Parts, p)
		}
	}
	if sess.Status != SessionWaiting && !sess.StartedAt.IsZero() {
		q := ses.stageQuestion(ctx, sess, tpl, loc)
		r.Parts = append(r.Parts, Part{Text: q.Parts[0].Text})
	}
	return []Reply{r}, nil
}

// sessionReply handles a reply in a session's thread.
func (ses *sessions) sessionReply(ctx context.Context, sess Session, m Message, text string) ([]Reply, error) {
	if control := SessionControlWord(text); control != "" {
		return ses.sessionControl(ctx, sess, m.Actor, SessionCommand{Channel: m.Channel, SessionID: sess.ID, Control: control})
	}
	switch sess.Status {
	case SessionEnded:
		return []Reply{notice(m.Channel, m.UserID, "This session has ended.", "Nothing was added. Its synthesis is in the thread; a reflection of your own starts with /reflect.")}, nil
	case SessionWaiting:
		return []Reply{notice(m.Channel, m.UserID, "This session hasn't started yet.", "Nothing was saved: the facilitator starts it, and then your replies are kept.")}, nil
	}
	if sess.StartedAt.IsZero() {
		return []Reply{notice(m.Channel, m.UserID, "This session is just starting.", "Nothing was saved: please send it again in a moment.")}, nil
	}
	if text == "" {
		return []Reply{notice(m.Channel, m.UserID, "I didn't catch any words in that, so nothing was saved.", "")}, nil
	}
	if n := len([]rune(text)); n > MaxAnswerRunes {
		return []Reply{notice(m.Channel, m.UserID, "That reply is too long to keep in one piece.",
			fmt.Sprintf("It has %d characters and I keep at most %d in one reply. Nothing was saved: please send it in two or more replies.", n, MaxAnswerRunes))}, nil
	}
	if body, ok := actionText(text); ok {
		return ses.recordAction(ctx, ses.st, sess, m.Actor, m.Channel, m.ID, body)
	}
	mem, created, err := ses.member(ctx, ses.st, m.Actor)
	if err != nil {
		return nil, err
	}
	clean, removed := ses.scrub(text)
	if _, err := ses.st.AddSessionReply(ctx, SessionReply{SessionID: sess.ID, TeamID: sess.TeamID, Stage: sess.Stage,
		Author: m.UserID, Discipline: mem.Discipline, Text: clean, MessageID: m.ID, CreatedAt: ses.clock()}); err != nil {
		return nil, fmt.Errorf("saving session reply: %w", err)
	}
	ses.log.DebugContext(ctx, "session reply saved", "session", sess.ID, "stage", sess.Stage, "chars", len([]rune(clean)), "scrubbed", removed)
	replies := []Reply{{Kind: Ack, Channel: sess.Channel, Thread: sess.Thread, User: m.UserID, Message: m.ID}}
	if len(removed) > 0 {
		replies = append(replies, scrubNotice(m.Channel, m.UserID, removed))
	}
	if created && mem.Discipline == "" {
		replies = append(replies, askDiscipline(m.Channel, m.UserID))
	}
	return replies, nil
}

// byThread finds the session of a thread, locked; ok is false when the
// thread is not a session's.
func (ses *sessions) byThread(ctx context.Context, teamID, channel, thread string) (Session, bool, error) {
	return sessionByThread(ctx, ses.st, teamID, channel, thread)
}

// sessionByThread is byThread over s: what the agreed actions part asks
// too, of a message marked as an action.
func sessionByThread(ctx context.Context, s sessionFinder, teamID, channel, thread string) (Session, bool, error) {
	if thread == "" {
		return Session{}, false, nil
	}
	sess, err := s.SessionByThread(ctx, teamID, channel, thread)
	if errors.Is(err, ErrNotFound) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("finding session: %w", err)
	}
	return sess, true, nil
}

// openIn is the session not yet ended in a channel, the latest, or
// ErrNotFound.
func (ses *sessions) openIn(ctx context.Context, teamID, channel string) (Session, error) {
	return ses.st.OpenSessionInChannel(ctx, teamID, channel)
}

// isCase reports whether the team has a case of that pseudonym: what
// /reflect session NAME reviews.
func (op *openings) isCase(ctx context.Context, teamID, label string) bool {
	_, err := op.st.CaseByLabel(ctx, teamID, label)
	return err == nil
}

// elsewhere reports whether a session's button was pressed outside the
// session's own conversation (a session of the team that lives in
// another). A session never changes channel, so this is read before its
// lock is taken.
func (ses *sessions) elsewhere(ctx context.Context, a Action) (bool, error) {
	sess, err := ses.st.GetSession(ctx, a.ReflectionID)
	if err != nil && !isNotFound(err) {
		return false, fmt.Errorf("loading session: %w", err)
	}
	return err == nil && sess.TeamID == a.TeamID && !ownConversation(a.Channel, sess.Channel), nil
}

// sessionUsage is what /reflect session takes.
const sessionUsage = "Open one with /reflect session [TEMPLATE] [CASE OR THEME] [--minutes N] [--manual], for example /reflect session case Kestrel --minutes 40, or /reflect session theme family at the bedside. Then: /reflect session next, more, pause, resume or end."

// sessionCommand handles /reflect session and its words. Someone who may
// not run sessions gets the same kind refusal whatever they typed (the
// names setting, for leads and admins, answers for itself).
func (e *Engine) sessionCommand(ctx context.Context, c Command, args string) ([]Reply, error) {
	fields := strings.Fields(args)
	if len(fields) == 0 || !strings.EqualFold(fields[0], "names") {
		if ok, err := e.MayFacilitate(ctx, c.Actor); err != nil {
			return nil, err
		} else if !ok {
			return []Reply{facilitateRefused(c.Channel, c.UserID)}, nil
		}
	}
	if len(fields) == 0 {
		return []Reply{notice(c.Channel, c.UserID, "A learning session: which template, and about what?", sessionUsage)}, nil
	}
	if control := SessionControlWord(fields[0]); control != "" && len(fields) == 1 {
		return e.controlOpenSession(ctx, c, control)
	}
	switch strings.ToLower(fields[0]) {
	case "every":
		return e.scheduleSession(ctx, c, fields[1:])
	case "names":
		return e.sessionNames(ctx, c, fields[1:])
	}
	st, problem := e.parseSessionStart(c, fields)
	if problem != nil {
		return []Reply{*problem}, nil
	}
	if st.Template == "" {
		// /reflect session NAME: a case review when the team has a case of
		// that name, else a theme to discuss.
		st.Template = "theme"
		if st.Subject != "" {
			if e.openingsOn(e.store).isCase(ctx, c.TeamID, st.Subject) {
				st.Template = "case"
			}
		}
	}
	return e.StartSession(ctx, st)
}

// controlOpenSession runs a control word (next, pause, end…) on the
// session open in the command's channel.
func (e *Engine) controlOpenSession(ctx context.Context, c Command, control string) ([]Reply, error) {
	sess, err := e.sessionsOn(e.store).openIn(ctx, c.TeamID, c.Channel)
	if isNotFound(err) {
		return []Reply{notice(c.Channel, c.UserID, "No session is open in this channel.", sessionUsage)}, nil
	}
	if err != nil {
		return nil, err
	}
	return e.SessionControl(ctx, c.Actor, SessionCommand{Channel: c.Channel, SessionID: sess.ID, Control: control})
}

// sessionNames sets whether syntheses name people (leads and admins).
func (e *Engine) sessionNames(ctx context.Context, c Command, args []string) ([]Reply, error) {
	if len(args) != 1 || (!strings.EqualFold(args[0], "on") && !strings.EqualFold(args[0], "off")) {
		return []Reply{notice(c.Channel, c.UserID, "Names on or off?", "/reflect session names on lets a session's synthesis name people beside their discipline; off (the default) attributes by discipline only.")}, nil
	}
	on := strings.EqualFold(args[0], "on")
	return e.changeTeamSettings(ctx, c, func(team *Team) ([]Reply, string) {
		team.SessionNames = on
		if on {
			return []Reply{notice(c.Channel, c.UserID, "Session syntheses will name people beside their discipline.", "/reflect session names off changes it back.")}, "session names on"
		}
		return []Reply{notice(c.Channel, c.UserID, "Session syntheses will attribute by discipline only.", "")}, "session names off"
	})
}

// parseSessionStart reads /reflect session's words and flags into a
// session to start (its template, when the first word names one, and its
// subject), or the notice saying what was wrong.
func (e *Engine) parseSessionStart(c Command, fields []string) (SessionStart, *Reply) {
	st := SessionStart{Actor: c.Actor, Channel: c.Channel}
	var words []string
	for i := 0; i < len(fields); i++ {
		switch f := strings.ToLower(fields[i]); {
		case f == "--manual":
			st.Manual = true
		case f == NotTheirName || f == "—not-their-name" || f == "–not-their-name":
			st.NotTheirName = true
		case f == "--minutes" && i+1 < len(fields):
			n, err := strconv.Atoi(fields[i+1])
			if err != nil || n <= 0 {
				r := notice(c.Channel, c.UserID, "How many minutes?", sessionUsage)
				return st, &r
			}
			st.Minutes = n
			i++
		case strings.HasPrefix(f, "--"):
			r := notice(c.Channel, c.UserID, "I don't know "+fields[i]+".", sessionUsage)
			return st, &r
		default:
			words = append(words, fields[i])
		}
	}
	if len(words) > 0 {
		if tpl, err := e.sessionTemplate(words[0]); err == nil {
			st.Template, words = tpl.Key, words[1:]
		}
	}
	st.Subject = strings.Join(words, " ")
	return st, nil
}
