package flows

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds a case's outcome record: a short, optional record of
// what happened, made when a team reflects after a death and editable by
// anyone in the team, so that what mattered to people can be read beside
// where they died, what was planned and how often they were admitted
// (docs/outcomes.md). It holds no one's words and no one's id, and keeps
// dates only to the week.

// OutcomeNotKnown is the answer "not known", which every field allows.
const OutcomeNotKnown = "not_known"

// OutcomeUnknown is a number not known (admissions, bed-days).
const OutcomeUnknown = -1

// The audit log's actions for outcome records: who recorded or changed
// one, and which fields (never their values).
const (
	AuditOutcome = "outcome_recorded"
	// AuditOutcomesShown is an outcome report printed on the command line.
	AuditOutcomesShown = "outcomes_shown"
)

// ActionOutcome is the "Record what happened" button after a reflection
// after a death; its value is the case's id.
const ActionOutcome = "outcome"

// Outcome is what happened to one person the team cared for, as far as
// the team knows it. Every field may be not known. Weeks are ISO weeks
// ("2026-W45") in the team's timezone: no date of death or birth is kept.
type Outcome struct {
	ID     int64
	TeamID string
	// CaseID is the case the record belongs to; 0 once the retention
	// purge has unlinked it, when it is kept only for counting.
	CaseID int64
	// DiedWeek is the week they died; "" when not known.
	DiedWeek string
	// RecordedWeek and UpdatedWeek are the weeks the record was first made
	// and last changed.
	RecordedWeek string
	UpdatedWeek  string

	PreferredPlace  string // a place (OutcomePlaces) or not_known
	DiedAt          string // a place or not_known
	CarePlan        string // yes, no or not_known: an advance care plan, ReSPECT or DNACPR decision in place
	PlanShared      string // yes, no or not_known: that plan shared with out-of-hours services
	JICMeds         string // yes, no or not_known: anticipatory medicines in place before needed
	Admissions      int    // unplanned hospital admissions in the last 90 days; OutcomeUnknown when not known
	BedDays         int    // days in hospital in the last 90 days; OutcomeUnknown when not known
	InformalSupport string // none, some, strong or not_known
	CarerStrain     string // yes, no or not_known: a main family carer under strain
}

// Week is the week the record counts in: the week they died, or when that
// is not known, the week it was first recorded.
func (o Outcome) Week() string {
	if o.DiedWeek != "" {
		return o.DiedWeek
	}
	return o.RecordedWeek
}

// NewOutcome is an empty record of a case: every field not known.
func NewOutcome(teamID string, caseID int64, week string) Outcome {
	o := Outcome{TeamID: teamID, CaseID: caseID, RecordedWeek: week, UpdatedWeek: week,
		Admissions: OutcomeUnknown, BedDays: OutcomeUnknown}
	o.normalise()
	return o
}

// normalise gives every empty field its "not known".
func (o *Outcome) normalise() {
	for _, p := range []*string{&o.PreferredPlace, &o.DiedAt, &o.CarePlan, &o.PlanShared, &o.JICMeds, &o.InformalSupport, &o.CarerStrain} {
		if *p == "" {
			*p = OutcomeNotKnown
		}
	}
	if o.Admissions < 0 {
		o.Admissions = OutcomeUnknown
	}
	if o.BedDays < 0 {
		o.BedDays = OutcomeUnknown
	}
}

// OutcomeChoice is one answer a field allows: its stored value and how it
// is said.
type OutcomeChoice struct {
	Value string
	Label string
}

// OutcomePlaces are the places someone may wish to die, or die.
var OutcomePlaces = []OutcomeChoice{
	{"home", "home"}, {"care_home", "a care home"}, {"hospice", "a hospice"}, {"hospital", "hospital"},
	{"other", "somewhere else"}, {OutcomeNotKnown, "not known"},
}

var (
	outcomeYesNo   = []OutcomeChoice{{"yes", "yes"}, {"no", "no"}, {OutcomeNotKnown, "not known"}}
	outcomeSupport = []OutcomeChoice{{"none", "none"}, {"some", "some"}, {"strong", "strong"}, {OutcomeNotKnown, "not known"}}
)

// OutcomeField is one fact of an outcome record: its key (as typed in the
// console, `:outcome Kestrel died_at home`), the question, and the answers
// it allows (Choices; nil for a number from 0 to Max, or for the week).
type OutcomeField struct {
	Key      string
	Question string
	// Short is how the fact is named in a list of the record.
	Short   string
	Choices []OutcomeChoice
	Max     int
	// Radio marks a choice shown as radio buttons in Slack's form (few,
	// short answers); the others are menus.
	Radio bool
}

// Options are the answers a form offers for the field, in order: "not
// known" first, then for the week of death the weeks given, for a number
// 0 to Max, and otherwise the field's choices (which hold their own "not
// known").
func (f OutcomeField) Options(weeks []OutcomeChoice) []OutcomeChoice {
	switch {
	case f.Key == OutcomeDiedWeek:
		return append([]OutcomeChoice{{Value: OutcomeNotKnown, Label: "not known"}}, weeks...)
	case f.Choices == nil:
		out := []OutcomeChoice{{Value: OutcomeNotKnown, Label: "not known"}}
		for n := 0; n <= f.Max; n++ {
			out = append(out, OutcomeChoice{Value: strconv.Itoa(n), Label: strconv.Itoa(n)})
		}
		return out
	}
	return f.Choices
}

// Keys of the outcome fields.
const (
	OutcomeDiedWeek        = "died_week"
	OutcomePreferredPlace  = "preferred_place"
	OutcomeDiedAt          = "died_at"
	OutcomeCarePlan        = "care_plan"
	OutcomePlanShared      = "plan_shared"
	OutcomeJICMeds         = "jic_meds"
	OutcomeAdmissions      = "admissions"
	OutcomeBedDays         = "bed_days"
	OutcomeInformalSupport = "informal_support"
	OutcomeCarerStrain     = "carer_strain"
)

// OutcomeFields are the facts of an outcome record, in the order they are
// asked.
var OutcomeFields = []OutcomeField{
	{Key: OutcomeDiedWeek, Question: "The week they died", Short: "week they died"},
	{Key: OutcomePreferredPlace, Question: "Where they wished to die, if they said", Short: "wished to die at", Choices: OutcomePlaces},
	{Key: OutcomeDiedAt, Question: "Where they died", Short: "died at", Choices: OutcomePlaces},
	{Key: OutcomeCarePlan, Question: "An advance care plan, or a ReSPECT or DNACPR decision, in place before they died", Short: "plan in place", Choices: outcomeYesNo, Radio: true},
	{Key: OutcomePlanShared, Question: "That plan shared with out-of-hours services", Short: "plan shared with out-of-hours", Choices: outcomeYesNo, Radio: true},
	{Key: OutcomeJICMeds, Question: "Anticipatory (just-in-case) medicines in place before they were needed", Short: "just-in-case medicines in place", Choices: outcomeYesNo, Radio: true},
	{Key: OutcomeAdmissions, Question: "Unplanned hospital admissions in their last 90 days", Short: "unplanned admissions, last 90 days", Max: 30},
	{Key: OutcomeBedDays, Question: "Days in hospital in their last 90 days", Short: "bed-days, last 90 days", Max: 90},
	{Key: OutcomeInformalSupport, Question: "Support from family, friends and community", Short: "informal support", Choices: outcomeSupport, Radio: true},
	{Key: OutcomeCarerStrain, Question: "A main family carer under strain", Short: "main carer under strain", Choices: outcomeYesNo, Radio: true},
}

// OutcomeFieldByKey finds a field by its key, forgiving hyphens and letter
// case.
func OutcomeFieldByKey(key string) (OutcomeField, bool) {
	key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(key)), "-", "_")
	i := slices.IndexFunc(OutcomeFields, func(f OutcomeField) bool { return f.Key == key })
	if i < 0 {
		return OutcomeField{}, false
	}
	return OutcomeFields[i], true
}

// Value is a field's stored value as text: a choice's value, a number, a
// week, or not_known.
func (o Outcome) Value(key string) string {
	num := func(n int) string {
		if n < 0 {
			return OutcomeNotKnown
		}
		return strconv.Itoa(n)
	}
	switch key {
	case OutcomeDiedWeek:
		if o.DiedWeek == "" {
			return OutcomeNotKnown
		}
		return o.DiedWeek
	case OutcomePreferredPlace:
		return o.PreferredPlace
	case OutcomeDiedAt:
		return o.DiedAt
	case OutcomeCarePlan:
		return o.CarePlan
	case OutcomePlanShared:
		return o.PlanShared
	case OutcomeJICMeds:
		return o.JICMeds
	case OutcomeAdmissions:
		return num(o.Admissions)
	case OutcomeBedDays:
		return num(o.BedDays)
	case OutcomeInformalSupport:
		return o.InformalSupport
	case OutcomeCarerStrain:
		return o.CarerStrain
	}
	return ""
}

// Shown is a field's value as people read it: "a hospice", "2", "week of
// Mon 3 Nov 2026", "not known".
func (o Outcome) Shown(key string) string {
	v := o.Value(key)
	if v == OutcomeNotKnown {
		return "not known"
	}
	f, _ := OutcomeFieldByKey(key)
	for _, c := range f.Choices {
		if c.Value == v {
			return c.Label
		}
	}
	if key == OutcomeDiedWeek {
		if mon, ok := ISOWeekStart(v); ok {
			return "week of " + mon.Format("Mon 2 Jan 2006")
		}
	}
	return v
}

// notKnownWords are the ways of saying "not known".
var notKnownWords = []string{"not_known", "not known", "notknown", "unknown", "nk", "n/k", "dont know", "don't know", "?"}

// SetOutcomeValue sets one field of o from what a person typed or chose,
// with now the time it is set (for "this week", "3 weeks ago") in loc. It
// returns an error wrapping ErrInvalid, saying in people's words what is
// allowed, when the value is not one the field takes.
func SetOutcomeValue(o *Outcome, key, value string, now time.Time, loc *time.Location) error {
	f, ok := OutcomeFieldByKey(key)
	if !ok {
		return fmt.Errorf("%w: there is no fact %q in an outcome record; the facts are %s", ErrInvalid, key, outcomeKeyList())
	}
	v := strings.ToLower(strings.TrimSpace(value))
	v = strings.Join(strings.Fields(v), " ")
	notKnown := slices.Contains(notKnownWords, v) || slices.Contains(notKnownWords, strings.ReplaceAll(v, "_", " "))
	switch {
	case f.Key == OutcomeDiedWeek:
		return setDiedWeek(o, v, notKnown, now, loc)
	case f.Choices == nil:
		return setOutcomeNumber(o, f, v, notKnown)
	}
	chosen, err := outcomeChoice(f, v, notKnown)
	if err != nil {
		return err
	}
	field := outcomeChoiceField(o, f.Key)
	if field == nil {
		return fmt.Errorf("the fact %q has choices but no field to keep them", f.Key)
	}
	*field = chosen
	return nil
}

func setDiedWeek(o *Outcome, v string, notKnown bool, now time.Time, loc *time.Location) error {
	if notKnown {
		o.DiedWeek = ""
		return nil
	}
	w, err := ParseOutcomeWeek(v, now, loc)
	if err != nil {
		return err
	}
	o.DiedWeek = w
	return nil
}

// setOutcomeNumber sets a counted fact (admissions, bed-days).
func setOutcomeNumber(o *Outcome, f OutcomeField, v string, notKnown bool) error {
	n := OutcomeUnknown
	if !notKnown {
		var err error
		n, err = strconv.Atoi(v)
		if err != nil || n < 0 || n > f.Max {
			return fmt.Errorf("%w: %s is a number from 0 to %d, or not_known", ErrInvalid, f.Short, f.Max)
		}
	}
	if f.Key == OutcomeAdmissions {
		o.Admissions = n
	} else {
		o.BedDays = n
	}
	return nil
}

// outcomeChoice is the choice of f that v names (its value, its value with
// spaces, or its label), or OutcomeNotKnown.
func outcomeChoice(f OutcomeField, v string, notKnown bool) (string, error) {
	if notKnown {
		return OutcomeNotKnown, nil
	}
	for _, c := range f.Choices {
		if v == c.Value || v == strings.ReplaceAll(c.Value, "_", " ") || v == strings.ToLower(c.Label) ||
			strings.ReplaceAll(v, "-", "_") == c.Value {
			return c.Value, nil
		}
	}
	var allowed []string
	for _, c := range f.Choices {
		allowed = append(allowed, c.Value)
	}
	return "", fmt.Errorf("%w: %s is one of %s", ErrInvalid, f.Short, strings.Join(allowed, ", "))
}

// outcomeChoiceField is the field of o that holds the fact key, one of
// the facts with choices.
func outcomeChoiceField(o *Outcome, key string) *string {
	return map[string]*string{
		OutcomePreferredPlace:  &o.PreferredPlace,
		OutcomeDiedAt:          &o.DiedAt,
		OutcomeCarePlan:        &o.CarePlan,
		OutcomePlanShared:      &o.PlanShared,
		OutcomeJICMeds:         &o.JICMeds,
		OutcomeInformalSupport: &o.InformalSupport,
		OutcomeCarerStrain:     &o.CarerStrain,
	}[key]
}

func outcomeKeyList() string {
	keys := make([]string, len(OutcomeFields))
	for i, f := range OutcomeFields {
		keys[i] = f.Key
	}
	return strings.Join(keys, ", ")
}

// ISOWeekKey is the ISO week of t in loc: "2026-W45".
func ISOWeekKey(t time.Time, loc *time.Location) string {
	y, w := t.In(loc).ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// ISOWeekStart is the Monday a week key ("2026-W45") starts on, as a date
// at midnight UTC; false for anything that is not a week key.
func ISOWeekStart(key string) (time.Time, bool) {
	ys, ws, ok := strings.Cut(key, "-W")
	if !ok || len(ys) != 4 || len(ws) != 2 {
		return time.Time{}, false
	}
	y, err1 := strconv.Atoi(ys)
	w, err2 := strconv.Atoi(ws)
	if err1 != nil || err2 != nil || y < 1900 || w < 1 || w > 53 {
		return time.Time{}, false
	}
	// 4 January is always in week 1.
	jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, time.UTC)
	mon := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
	if yy, ww := mon.ISOWeek(); yy != y || ww != w {
		return time.Time{}, false // week 53 of a year that has 52
	}
	return mon, true
}

// AddISOWeeks is the week n weeks after key (before, for n < 0).
func AddISOWeeks(key string, n int) string {
	mon, ok := ISOWeekStart(key)
	if !ok {
		return key
	}
	return ISOWeekKey(mon.AddDate(0, 0, 7*n), time.UTC)
}

// ISOWeekMonth is the month a week belongs to for exports ("2026-11"):
// the month of its Thursday, as the ISO week's year is its Thursday's.
func ISOWeekMonth(key string) string {
	mon, ok := ISOWeekStart(key)
	if !ok {
		return ""
	}
	return mon.AddDate(0, 0, 3).Format("2006-01")
}

// ParseOutcomeWeek reads the week someone died: a week key (2026-W45),
// "this week", "last week" or "N weeks ago" (with now in loc). A date is
// refused: only the week is kept. So is a week still to come.
func ParseOutcomeWeek(v string, now time.Time, loc *time.Location) (string, error) {
	v = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), "_", " ")
	this := ISOWeekKey(now, loc)
	var week string
	switch {
	case v == "this week":
		week = this
	case v == "last week":
		week = AddISOWeeks(this, -1)
	case strings.HasSuffix(v, " weeks ago") || strings.HasSuffix(v, " week ago"):
		n, err := strconv.Atoi(strings.Fields(v)[0])
		if err != nil || n < 0 || n > 520 {
			return "", fmt.Errorf("%w: say how many weeks ago as a number, e.g. 3 weeks ago", ErrInvalid)
		}
		week = AddISOWeeks(this, -n)
	default:
		up := strings.ToUpper(v)
		if _, ok := ISOWeekStart(up); !ok {
			return "", fmt.Errorf("%w: only the week is kept, never a date: say this week, last week, 3 weeks ago, or the week as 2026-W45", ErrInvalid)
		}
		week = up
	}
	if week > this {
		return "", fmt.Errorf("%w: that week has not come yet", ErrInvalid)
	}
	return week, nil
}

// OutcomeStore keeps outcome records.
type OutcomeStore interface {
	// SaveOutcome creates the record of o.CaseID, or replaces every field
	// of the one it has, and returns it as stored. It returns ErrNotFound
	// if the case does not exist.
	SaveOutcome(ctx context.Context, o Outcome) (Outcome, error)
	// OutcomeByCase returns the case's record, or ErrNotFound.
	OutcomeByCase(ctx context.Context, caseID int64) (Outcome, error)
	outcomeLister
}

// outcomeLister lists a team's outcome records: what a report counts and
// an export carries.
type outcomeLister interface {
	// ListOutcomes returns the team's records, those the retention purge
	// has unlinked from their case too, by week then id.
	ListOutcomes(ctx context.Context, teamID string) ([]Outcome, error)
}

// OutcomeEdit is a change to a case's outcome record: a console line
// (one fact) or Slack's form (every fact).
type OutcomeEdit struct {
	Actor
	// Channel is where to answer; "" answers in a direct message.
	Channel string
	// CaseID names the case (the form's); else Case, its pseudonym.
	CaseID int64
	Case   string
	// Values are the facts given, by field key.
	Values map[string]string
}

// EditOutcome records what happened for a case, creating its record on
// first use: anyone in the team may. Each value is checked before
// anything is stored; the change is recorded in the audit log by field
// name, never by value.
func (e *Engine) EditOutcome(ctx context.Context, ed OutcomeEdit) ([]Reply, error) {
	return inTx(ctx, e.store, e.outcomesOn, func(oc *outcomes) ([]Reply, error) { return oc.edit(ctx, ed) })
}

// edit is EditOutcome, the outcomes part's own.
func (oc *outcomes) edit(ctx context.Context, ed OutcomeEdit) ([]Reply, error) {
	var replies []Reply
	if _, _, err := oc.member(ctx, oc.st, ed.Actor); err != nil {
		return replies, err
	}
	cs, refused, err := oc.outcomeCase(ctx, ed.Actor, ed.Channel, ed.CaseID, ed.Case)
	if err != nil || refused != nil {
		replies = refused
		return replies, err
	}
	team, err := oc.st.GetTeam(ctx, ed.TeamID)
	if err != nil {
		return replies, fmt.Errorf("loading team: %w", err)
	}
	loc, now := oc.location(team), oc.clock()
	week := ISOWeekKey(now, loc)
	o, err := oc.st.OutcomeByCase(ctx, cs.ID)
	created := isNotFound(err)
	switch {
	case created:
		o = NewOutcome(ed.TeamID, cs.ID, week)
	case err != nil:
		return replies, fmt.Errorf("loading the outcome record: %w", err)
	}
	keys := make([]string, 0, len(ed.Values))
	for k := range ed.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	values := map[string]string{}
	for _, k := range keys {
		f, ok := OutcomeFieldByKey(k)
		if !ok {
			replies = []Reply{oc.outcomeNotice(ed.Actor, ed.Channel, "Which fact?",
				fmt.Sprintf("There is no %q in an outcome record; the facts are %s. Nothing was changed.", k, outcomeKeyList()))}
			return replies, nil
		}
		values[f.Key] = ed.Values[k]
	}
	var changed []string
	for _, f := range OutcomeFields {
		v, ok := values[f.Key]
		if !ok {
			continue
		}
		before := o.Value(f.Key)
		if err := SetOutcomeValue(&o, f.Key, v, now, loc); err != nil {
			replies = []Reply{oc.outcomeNotice(ed.Actor, ed.Channel, "That can't go in the record as it is.",
				strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")+". Nothing was changed.")}
			return replies, nil
		}
		if o.Value(f.Key) != before {
			changed = append(changed, f.Key)
		}
	}
	if len(changed) == 0 && !created {
		replies = []Reply{oc.outcomeRecord(ed.Actor, ed.Channel, cs, o, "Nothing changed: the record of "+cs.Label+" already says so.")}
		return replies, nil
	}
	o.UpdatedWeek = week
	if o, err = oc.st.SaveOutcome(ctx, o); err != nil {
		return replies, fmt.Errorf("saving the outcome record: %w", err)
	}
	detail := fmt.Sprintf("case %d", cs.ID)
	if created {
		detail += ", new record"
	}
	if len(changed) > 0 {
		detail += ": " + strings.Join(changed, ", ")
	}
	if err := oc.audit(ctx, oc.st, AuditEntry{TeamID: ed.TeamID, Actor: ed.UserID, Action: AuditOutcome, Detail: detail}); err != nil {
		return replies, err
	}
	oc.log.DebugContext(ctx, "outcome recorded", "case", cs.ID, "fields", len(changed))
	replies = []Reply{oc.outcomeRecord(ed.Actor, ed.Channel, cs, o, "Recorded what happened for "+cs.Label+".")}
	return replies, nil
}

// OutcomeFor returns a case's record for the form, or a new, empty one
// (not stored) when it has none; ErrNotFound when the team has no such
// case. A case is named by id, or when that is 0, by its pseudonym.
func (e *Engine) OutcomeFor(ctx context.Context, teamID string, caseID int64, label string) (Case, Outcome, error) {
	return e.outcomesOn(e.store).outcomeFor(ctx, teamID, caseID, label)
}

// outcomeFor is OutcomeFor, the outcomes part's own.
func (oc *outcomes) outcomeFor(ctx context.Context, teamID string, caseID int64, label string) (Case, Outcome, error) {
	var cs Case
	var err error
	if caseID != 0 {
		cs, err = oc.st.GetCase(ctx, caseID)
	} else {
		cs, err = oc.st.CaseByLabel(ctx, teamID, CleanText(label))
	}
	if err != nil {
		return Case{}, Outcome{}, err
	}
	if cs.TeamID != teamID {
		return Case{}, Outcome{}, fmt.Errorf("case %d: %w", cs.ID, ErrNotFound)
	}
	o, err := oc.st.OutcomeByCase(ctx, cs.ID)
	if isNotFound(err) {
		team, terr := oc.st.GetTeam(ctx, teamID)
		if terr != nil {
			return Case{}, Outcome{}, terr
		}
		return cs, NewOutcome(teamID, cs.ID, ISOWeekKey(oc.clock(), oc.location(team))), nil
	}
	return cs, o, err
}

// outcomeCase finds the case an edit names, in the actor's team, or the
// notice saying there is none.
func (oc *outcomes) outcomeCase(ctx context.Context, a Actor, channel string, id int64, label string) (Case, []Reply, error) {
	var cs Case
	var err error
	if id != 0 {
		cs, err = oc.st.GetCase(ctx, id)
		if err == nil && cs.TeamID != a.TeamID {
			err = ErrNotFound
		}
	} else {
		label = CleanText(label)
		if label == "" {
			return Case{}, []Reply{oc.outcomeNotice(a, channel, "Whose record?", "Give the pseudonym the team uses, for example /reflect outcome Kestrel.")}, nil
		}
		cs, err = oc.st.CaseByLabel(ctx, a.TeamID, label)
	}
	if isNotFound(err) {
		return Case{}, []Reply{oc.outcomeNotice(a, channel, "There is no such case.",
			"An outcome record belongs to a case the team has reflected on: /reflect cases lists them. Nothing was changed.")}, nil
	}
	if err != nil {
		return Case{}, nil, fmt.Errorf("finding the case: %w", err)
	}
	return cs, nil, nil
}

// outcomeNotice is a notice to the person, or a direct message when there
// is no channel (Slack's form from the Home tab).
func (oc *outcomes) outcomeNotice(a Actor, channel, title, text string) Reply {
	r := notice(channel, a.UserID, title, text)
	if channel == "" {
		r.Kind = Direct
	}
	return r
}

// outcomeRecord shows a case's record to the person, fact by fact.
func (oc *outcomes) outcomeRecord(a Actor, channel string, cs Case, o Outcome, title string) Reply {
	r := oc.outcomeNotice(a, channel, title, "")
	r.Parts = OutcomeParts(o)
	r.Parts = append(r.Parts, Part{Text: "It belongs to the case and holds nobody's words; anyone in the team can change it " +
		"(/reflect outcome " + cs.Label + "). Read beside the stories in /reflect outcomes and the digest, never as a measure of anyone."})
	return r
}

// OutcomeParts lists a record's facts, one part each.
func OutcomeParts(o Outcome) []Part {
	parts := make([]Part, 0, len(OutcomeFields))
	for _, f := range OutcomeFields {
		parts = append(parts, Part{Label: upperFirst(f.Short), Text: o.Shown(f.Key)})
	}
	return parts
}

// outcomeCommand handles /reflect outcome NAME: the case's record, and how
// to change it (in Slack the adapter opens the form before this).
func (e *Engine) outcomeCommand(ctx context.Context, c Command, label string) ([]Reply, error) {
	return e.outcomesOn(e.store).show(ctx, c, label)
}

// show is outcomeCommand, the outcomes part's own.
func (oc *outcomes) show(ctx context.Context, c Command, label string) ([]Reply, error) {
	if _, _, err := oc.member(ctx, oc.st, c.Actor); err != nil {
		return nil, err
	}
	cs, refused, err := oc.outcomeCase(ctx, c.Actor, c.Channel, 0, label)
	if err != nil || refused != nil {
		return refused, err
	}
	_, o, err := oc.outcomeFor(ctx, c.TeamID, cs.ID, "")
	if err != nil {
		return nil, err
	}
	r := oc.outcomeRecord(c.Actor, c.Channel, cs, o, "What happened: "+cs.Label)
	r.Parts = append(r.Parts, Part{Label: "To change a fact", Text: "In Slack, /reflect outcome " + cs.Label +
		" opens a form. In the console, one line a fact: :outcome " + cs.Label + " FACT VALUE, for example :outcome " + cs.Label +
		" died_at home. The facts: " + outcomeKeyList() + "; every one takes not_known."})
	return []Reply{r}, nil
}

// outcomeOffer is what ends a reflection after a death: the offer to
// record what happened, with a button in Slack.
func outcomeOffer(cs Case) ([]Part, Button) {
	return []Part{{Label: "Record what happened", Text: "When the team is ready, a short record of where " + cs.Label +
			" died and what was in place, read beside the stories each quarter. Every question allows not known. " +
			"In Slack, the button below or /reflect outcome " + cs.Label + " opens it; in the console, one line a fact: :outcome " +
			cs.Label + " FACT VALUE (:outcome " + cs.Label + " lists the facts)."}},
		Button{Label: "Record what happened", Action: ActionOutcome, Value: strconv.FormatInt(cs.ID, 10)}
}

// OutcomeWeeks are the weeks a form offers for the week someone died: this
// week and the n-1 before it, in the team's timezone, newest first, with
// a week already recorded that is older kept at the end.
func (e *Engine) OutcomeWeeks(ctx context.Context, teamID string, n int, recorded string) ([]OutcomeChoice, error) {
	return e.outcomesOn(e.store).weeks(ctx, teamID, n, recorded)
}

// weeks is OutcomeWeeks, the outcomes part's own.
func (oc *outcomes) weeks(ctx context.Context, teamID string, n int, recorded string) ([]OutcomeChoice, error) {
	team, err := oc.st.GetTeam(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("loading team: %w", err)
	}
	this := ISOWeekKey(oc.clock(), oc.location(team))
	out := make([]OutcomeChoice, 0, n+1)
	for i := range n {
		w := AddISOWeeks(this, -i)
		mon, _ := ISOWeekStart(w)
		label := "week of " + mon.Format("Mon 2 Jan 2006")
		switch i {
		case 0:
			label = "this week (from " + mon.Format("Mon 2 Jan") + ")"
		case 1:
			label = "last week (from " + mon.Format("Mon 2 Jan") + ")"
		}
		out = append(out, OutcomeChoice{Value: w, Label: label})
	}
	if recorded != "" && !slices.ContainsFunc(out, func(c OutcomeChoice) bool { return c.Value == recorded }) {
		if mon, ok := ISOWeekStart(recorded); ok {
			out = append(out, OutcomeChoice{Value: recorded, Label: "week of " + mon.Format("Mon 2 Jan 2006")})
		}
	}
	return out, nil
}
