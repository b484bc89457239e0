package flows

import (
	"context"
	"fmt"
	"time"
)

// Export is every record a team (or one person) has in What Matters, in the
// shape CONTRACT.md documents. All text in it is the stored, scrubbed text.
type Export struct {
	ExportedAt  time.Time          `json:"exported_at"`
	User        string             `json:"user,omitempty"`
	Cases       []ExportCase       `json:"cases"`
	Reflections []ExportReflection `json:"reflections"`
	// Themes holds each exported answer's reading against the codebook:
	// its labels, capability tags and key phrases with their quotes, as the
	// recurring themes of digests are made from them. Digests holds the
	// record of each digest made (counts only; a team's, not a person's,
	// so a --user export has none). Sessions holds the learning sessions
	// with their replies and agreed actions (for one person: the sessions
	// they facilitated or took part in, with only their replies and the
	// actions they recorded or own). All are always present, empty when
	// there are none.
	Themes   []ExportCodes   `json:"themes"`
	Digests  []ExportDigest  `json:"digests"`
	Sessions []ExportSession `json:"sessions"`
	// Outcomes holds each case's outcome record, dated to the month only;
	// OutcomeFigures each team's figures for the last quarter beside the
	// one before, as the digest shows them (numbers under 3 as "fewer
	// than 3"). Both are a team's, not a person's, so a --user export has
	// none.
	Outcomes       []ExportOutcome `json:"outcomes"`
	OutcomeFigures []OutcomeReport `json:"outcome_figures"`
}

// ExportOutcome is a case's outcome record in an export. Its weeks are
// given as months: Month is the month it counts in (of the death, or of
// its recording when the week of death is not known, as MonthOf says).
type ExportOutcome struct {
	ID              int64  `json:"id"`
	TeamID          string `json:"team_id"`
	CaseID          *int64 `json:"case_id"`
	Month           string `json:"month"`
	MonthOf         string `json:"month_of"`
	RecordedMonth   string `json:"recorded_month"`
	PreferredPlace  string `json:"preferred_place"`
	DiedAt          string `json:"died_at"`
	CarePlan        string `json:"care_plan"`
	PlanShared      string `json:"plan_shared"`
	JICMeds         string `json:"jic_meds"`
	Admissions      *int   `json:"admissions"`
	BedDays         *int   `json:"bed_days"`
	InformalSupport string `json:"informal_support"`
	CarerStrain     string `json:"carer_strain"`
}

// ExportSession is a learning session in an export.
type ExportSession struct {
	ID          int64                `json:"id"`
	TeamID      string               `json:"team_id"`
	Channel     string               `json:"channel"`
	Facilitator string               `json:"facilitator"`
	Template    string               `json:"template"`
	Subject     string               `json:"subject"`
	Minutes     int                  `json:"minutes"`
	Timed       bool                 `json:"timed"`
	Status      SessionStatus        `json:"status"`
	Outcome     string               `json:"outcome,omitempty"`
	CreatedAt   time.Time            `json:"created_at"`
	StartedAt   *time.Time           `json:"started_at"`
	EndedAt     *time.Time           `json:"ended_at"`
	Quotes      []ExportSessionQuote `json:"quotes"`
	Replies     []ExportSessionReply `json:"replies"`
	Actions     []ExportAction       `json:"actions"`
}

// ExportSessionQuote is a digest quote a session was seeded with.
type ExportSessionQuote struct {
	Text       string `json:"text"`
	Discipline string `json:"discipline"`
}

// ExportSessionReply is a reply in a session's thread.
type ExportSessionReply struct {
	ID         int64     `json:"id"`
	Stage      string    `json:"stage"`
	Author     string    `json:"author"`
	Discipline string    `json:"discipline"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
}

// ExportAction is an agreed action.
type ExportAction struct {
	ID        int64      `json:"id"`
	Stage     string     `json:"stage"`
	Text      string     `json:"text"`
	Author    string     `json:"author"`
	Owner     string     `json:"owner"`
	Due       string     `json:"due"`
	DoneAt    *time.Time `json:"done_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// ExportCodes is one answer's codes in an export.
type ExportCodes struct {
	AnswerID int64  `json:"answer_id"`
	TeamID   string `json:"team_id"`
	Codes
}

// ExportDigest is the record of one digest made.
type ExportDigest struct {
	ID        int64         `json:"id"`
	TeamID    string        `json:"team_id"`
	WeekKey   string        `json:"week,omitempty"`
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Weeks     int           `json:"weeks"`
	Channel   string        `json:"channel"`
	Coder     string        `json:"coder"`
	Summary   DigestSummary `json:"summary"`
	CreatedAt time.Time     `json:"created_at"`
	PostedAt  *time.Time    `json:"posted_at"`
}

// ExportCase is a case in an export.
type ExportCase struct {
	ID        int64     `json:"id"`
	TeamID    string    `json:"team_id"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
}

// ExportReflection is a reflection in an export, with its answers.
type ExportReflection struct {
	ID        int64          `json:"id"`
	TeamID    string         `json:"team_id"`
	CaseID    *int64         `json:"case_id"`
	Template  string         `json:"template"`
	Status    Status         `json:"status"`
	Channel   string         `json:"channel"`
	StartedBy string         `json:"started_by"`
	CreatedAt time.Time      `json:"created_at"`
	ClosedAt  *time.Time     `json:"closed_at"`
	Answers   []ExportAnswer `json:"answers"`
}

// ExportAnswer is an answer in an export. A withdrawn answer keeps its place
// and times but no text.
type ExportAnswer struct {
	ID          int64      `json:"id"`
	Stage       string     `json:"stage"`
	Author      string     `json:"author"`
	Discipline  string     `json:"discipline"`
	Text        string     `json:"text"`
	FollowUp    bool       `json:"follow_up"`
	CreatedAt   time.Time  `json:"created_at"`
	EditedAt    *time.Time `json:"edited_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// BuildExport gathers the given teams' records (every team when teamIDs is
// empty). With a user id, only that person's contributions are included:
// their answers, the reflections they started or answered, and those
// reflections' cases.
func BuildExport(ctx context.Context, s Store, teamIDs []string, user string, now time.Time) (Export, error) {
	return buildExport(ctx, s, teamIDs, user, now)
}

// buildExport is BuildExport over only what an export reads: the rights
// part's, and the command line's.
func buildExport(ctx context.Context, s exportSource, teamIDs []string, user string, now time.Time) (Export, error) {
	ex := Export{ExportedAt: now.UTC(), User: user, Cases: []ExportCase{}, Reflections: []ExportReflection{},
		Themes: []ExportCodes{}, Digests: []ExportDigest{}, Sessions: []ExportSession{},
		Outcomes: []ExportOutcome{}, OutcomeFigures: []OutcomeReport{}}
	if len(teamIDs) == 0 {
		teams, err := s.ListTeams(ctx)
		if err != nil {
			return ex, fmt.Errorf("listing teams: %w", err)
		}
		for _, t := range teams {
			teamIDs = append(teamIDs, t.ID)
		}
	}
	for _, team := range teamIDs {
		if err := exportTeam(ctx, s, team, user, &ex); err != nil {
			return ex, err
		}
		if user == "" {
			if err := exportOutcomes(ctx, s, team, now, &ex); err != nil {
				return ex, err
			}
		}
	}
	return ex, nil
}

func exportTeam(ctx context.Context, s exportSource, team, user string, ex *Export) error {
	reflections, err := s.ListReflections(ctx, team)
	if err != nil {
		return fmt.Errorf("listing reflections: %w", err)
	}
	answers, err := s.ListTeamAnswers(ctx, team)
	if err != nil {
		return fmt.Errorf("listing answers: %w", err)
	}
	byReflection := map[int64][]ExportAnswer{}
	for _, a := range answers {
		if user != "" && a.Author != user {
			continue
		}
		byReflection[a.ReflectionID] = append(byReflection[a.ReflectionID], ExportAnswer{
			ID: a.ID, Stage: a.Stage, Author: a.Author, Discipline: a.Discipline, Text: a.Text,
			FollowUp: a.FollowUp, CreatedAt: a.CreatedAt, EditedAt: optTime(a.EditedAt), WithdrawnAt: optTime(a.WithdrawnAt),
		})
	}
	wanted := map[int64]bool{}
	for _, r := range reflections {
		as := byReflection[r.ID]
		if user != "" && r.StartedBy != user && len(as) == 0 {
			continue
		}
		if as == nil {
			as = []ExportAnswer{}
		}
		er := ExportReflection{ID: r.ID, TeamID: r.TeamID, Template: r.Template, Status: r.Status, Channel: r.Channel,
			StartedBy: r.StartedBy, CreatedAt: r.CreatedAt, ClosedAt: optTime(r.ClosedAt), Answers: as}
		if r.CaseID != 0 {
			id := r.CaseID
			er.CaseID = &id
			wanted[id] = true
		}
		ex.Reflections = append(ex.Reflections, er)
	}
	coded, err := s.ListCodedAnswers(ctx, team, time.Time{}, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return fmt.Errorf("listing codes: %w", err)
	}
	for _, a := range coded {
		if a.Codes == nil || (user != "" && a.Author != user) {
			continue
		}
		ex.Themes = append(ex.Themes, ExportCodes{AnswerID: a.ID, TeamID: team, Codes: *a.Codes})
	}
	if user == "" {
		digests, err := s.ListDigests(ctx, team)
		if err != nil {
			return fmt.Errorf("listing digests: %w", err)
		}
		for _, d := range digests {
			ex.Digests = append(ex.Digests, ExportDigest{ID: d.ID, TeamID: d.TeamID, WeekKey: d.WeekKey, From: d.From, To: d.To,
				Weeks: d.Weeks, Channel: d.Channel, Coder: d.Coder, Summary: d.Summary, CreatedAt: d.CreatedAt, PostedAt: optTime(d.PostedAt)})
		}
	}
	if err := exportSessions(ctx, s, team, user, ex); err != nil {
		return err
	}
	cases, err := s.ListCases(ctx, team)
	if err != nil {
		return fmt.Errorf("listing cases: %w", err)
	}
	for _, c := range cases {
		if user != "" && !wanted[c.ID] {
			continue
		}
		ex.Cases = append(ex.Cases, ExportCase(c))
	}
	return nil
}

func exportSessions(ctx context.Context, s exportSource, team, user string, ex *Export) error {
	sessions, err := s.ListSessions(ctx, team)
	if err != nil {
		return fmt.Errorf("listing sessions: %w", err)
	}
	for _, x := range sessions {
		es := ExportSession{ID: x.ID, TeamID: x.TeamID, Channel: x.Channel, Facilitator: x.Facilitator, Template: x.Template,
			Subject: x.Subject, Minutes: x.Minutes, Timed: x.Timed, Status: x.Status, Outcome: x.Outcome, CreatedAt: x.CreatedAt,
			StartedAt: optTime(x.StartedAt), EndedAt: optTime(x.EndedAt),
			Quotes: []ExportSessionQuote{}, Replies: []ExportSessionReply{}, Actions: []ExportAction{}}
		if user == "" {
			quotes, err := s.ListSessionQuotes(ctx, x.ID)
			if err != nil {
				return fmt.Errorf("listing session quotes: %w", err)
			}
			for _, q := range quotes {
				es.Quotes = append(es.Quotes, ExportSessionQuote{Text: q.Text, Discipline: q.Discipline})
			}
		}
		replies, err := s.ListSessionReplies(ctx, x.ID)
		if err != nil {
			return fmt.Errorf("listing session replies: %w", err)
		}
		for _, r := range replies {
			if user != "" && r.Author != user {
				continue
			}
			es.Replies = append(es.Replies, ExportSessionReply{ID: r.ID, Stage: r.Stage, Author: r.Author,
				Discipline: r.Discipline, Text: r.Text, CreatedAt: r.CreatedAt})
		}
		actions, err := s.ListSessionActions(ctx, x.ID)
		if err != nil {
			return fmt.Errorf("listing actions: %w", err)
		}
		for _, a := range actions {
			if user != "" && a.Author != user && a.Owner != user {
				continue
			}
			es.Actions = append(es.Actions, ExportAction{ID: a.ID, Stage: a.Stage, Text: a.Text, Author: a.Author,
				Owner: a.Owner, Due: a.Due, DoneAt: optTime(a.DoneAt), CreatedAt: a.CreatedAt})
		}
		if user != "" && x.Facilitator != user && len(es.Replies) == 0 && len(es.Actions) == 0 {
			continue
		}
		ex.Sessions = append(ex.Sessions, es)
	}
	return nil
}

// exportOutcomes adds a team's outcome records, by month, and its figures
// for the quarter ending now.
func exportOutcomes(ctx context.Context, s exportSource, team string, now time.Time, ex *Export) error {
	t, err := s.GetTeam(ctx, team)
	if err != nil {
		return fmt.Errorf("loading team: %w", err)
	}
	loc, err := time.LoadLocation(t.Timezone)
	if err != nil || t.Timezone == "" {
		loc = time.UTC
	}
	rep, _, err := outcomeFiguresReport(ctx, s, team, loc, now, 1)
	if err != nil {
		return err
	}
	all, err := s.ListOutcomes(ctx, team)
	if err != nil {
		return fmt.Errorf("listing outcome records: %w", err)
	}
	if len(all) == 0 {
		return nil
	}
	ex.OutcomeFigures = append(ex.OutcomeFigures, rep)
	count := func(n int) *int {
		if n < 0 {
			return nil
		}
		return &n
	}
	for _, o := range all {
		eo := ExportOutcome{ID: o.ID, TeamID: o.TeamID, Month: ISOWeekMonth(o.Week()), MonthOf: "death",
			RecordedMonth: ISOWeekMonth(o.RecordedWeek), PreferredPlace: o.PreferredPlace, DiedAt: o.DiedAt,
			CarePlan: o.CarePlan, PlanShared: o.PlanShared, JICMeds: o.JICMeds, Admissions: count(o.Admissions),
			BedDays: count(o.BedDays), InformalSupport: o.InformalSupport, CarerStrain: o.CarerStrain}
		if o.DiedWeek == "" {
			eo.MonthOf = "recording"
		}
		if o.CaseID != 0 {
			id := o.CaseID
			eo.CaseID = &id
		}
		ex.Outcomes = append(ex.Outcomes, eo)
	}
	return nil
}
