package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"whatmatters/flows"
	"whatmatters/inbox"
)

// Dialogs in the adapter: a task/fetch is answered in the HTTP response
// with the form, built from read-only state; a task/submit is checked
// (DialogProblems, then the engine's own checks, both read-only) and, when
// it can go on, recorded in the inbox like any activity and answered at
// once; its step runs in order with the rest of its key.

// kindSubmit is a dialog submission's delivery kind.
const kindSubmit = kindPrefix + "submit"

// submitted is a dialog submission as the inbox keeps it.
type submitted struct {
	In  Inbound    `json:"in"`
	Sub Submission `json:"sub"`
}

// dialog answers a task/fetch or a task/submit.
func (a *Adapter) dialog(ctx context.Context, act *Activity) (InvokeResponse, error) {
	in := ReadInbound(act, "")
	where, why := whereFrom(act)
	if why != "" || act.From == nil || act.From.AADObjectID == "" {
		return DialogClosed("Sorry, I couldn't tell where that came from. Nothing was changed."), nil
	}
	in.TeamID, in.TenantID, in.ServiceURL, in.Channel = where.TeamID, where.TenantID, where.ServiceURL, where.Channel
	in.ConversationType, in.ChannelType, in.DedupKey = where.ConversationType, where.ChannelType, where.DedupKey
	in.UserID, in.TeamsUserID = act.From.AADObjectID, act.From.ID
	in.Thread = replyChainRoot(act)
	in, err := a.personTeam(ctx, in)
	if err != nil {
		return InvokeResponse{}, err
	}
	actor := flows.Actor{TeamID: in.TeamID, UserID: in.UserID}
	eng := a.engineOn(a.delivery.Store())
	if act.Name == InvokeTaskFetch {
		open, err := ReadDialogOpen(act)
		if err != nil {
			a.log.WarnContext(ctx, "teams: a dialog that cannot be opened", "err", err)
			return DialogClosed("Sorry, that form is not one I know. Nothing was changed."), nil
		}
		d, err := a.dialogState(ctx, eng, actor, open.Dialog, open.Value, !open.Personal && open.Channel != "")
		if err != nil {
			return DialogClosed(err.Error()), nil
		}
		return DialogFetch(d)
	}
	sub, err := ReadSubmission(act)
	var problems *DialogProblems
	switch {
	case errors.As(err, &problems):
		d, derr := a.dialogState(ctx, eng, actor, sub.Dialog, sub.Value, !sub.Personal && sub.OpenedIn != "")
		if derr != nil {
			return DialogClosed(derr.Error()), nil
		}
		return DialogFix(d, sub, problems.Problems)
	case err != nil:
		a.log.WarnContext(ctx, "teams: a dialog submission that cannot be read", "err", err)
		return DialogClosed("Sorry, I couldn't read that form. Nothing was changed."), nil
	}
	if sub.Dialog == DialogWrite {
		if p := eng.FormProblems(sub.FormSubmission(actor)); len(p) > 0 {
			d, derr := a.dialogState(ctx, eng, actor, sub.Dialog, sub.Value, true)
			if derr != nil {
				return DialogClosed(derr.Error()), nil
			}
			return DialogFix(d, sub, FormFields(p))
		}
	}
	if err := a.remember(ctx, act, in); err != nil {
		return InvokeResponse{}, err
	}
	in.Kind = InboundCommand
	in.OrderKey = in.orderKey()
	if sub.Channel != "" && sub.Channel != in.Channel {
		in.OrderKey = ChannelKey(in.TeamID, sub.Channel)
	}
	payload, err := json.Marshal(submitted{In: in, Sub: sub})
	if err != nil {
		return InvokeResponse{}, fmt.Errorf("teams: encoding a submission for the inbox: %w", err)
	}
	if err := a.delivery.Accept(ctx, inbox.Delivery{ID: in.DedupKey, Kind: kindSubmit, Key: in.OrderKey, Payload: payload}); err != nil {
		return InvokeResponse{}, err
	}
	return DialogAccepted(sub.Dialog), nil
}

// closing is a dialog that closes with a message for the person rather
// than opening: it cannot be used where it was opened, or its state could
// not be read.
type closing string

func (c closing) Error() string { return string(c) }

// errNotHere closes a dialog that cannot be used where it was opened.
const errNotHere = closing("This form needs a channel of your team: open it from the channel where the reflection or session is to happen. Nothing was changed.")

const (
	errCannotOpen = closing("Sorry, I couldn't open that form just now. Please try again.")
)

// dialogState gathers what a dialog shows, from read-only state.
func (a *Adapter) dialogState(ctx context.Context, eng *flows.Engine, actor flows.Actor, id DialogID, value string, inChannel bool) (Dialog, error) {
	d := Dialog{ID: id, Value: value, InChannel: inChannel}
	switch id {
	case DialogStart:
		if !inChannel {
			if d.Channels = a.teamChannels(ctx, actor.TeamID); len(d.Channels) == 0 {
				return d, errNotHere
			}
		}
		h, err := eng.Home(ctx, actor)
		if err != nil {
			return d, errCannotOpen
		}
		d.Templates = h.Templates
	case DialogWrite:
		if !inChannel {
			if d.Channels = a.teamChannels(ctx, actor.TeamID); len(d.Channels) == 0 {
				return d, errNotHere
			}
		}
		f, err := eng.FormFor(value)
		if err != nil {
			return d, closing("Sorry, that kind of reflection is not one I know. Nothing was changed.")
		}
		d.Form = f
	case DialogSession:
		if !inChannel {
			return d, errNotHere
		}
		d.SessionTemplates = eng.SessionTemplates()
	case DialogSettings:
		st, err := eng.SettingsFor(ctx, actor)
		if err != nil {
			return d, closing("Sorry, I couldn't read your settings just now. Please try again.")
		}
		d.Settings = st
		d.Channels = a.teamChannels(ctx, actor.TeamID)
	case DialogOutcome:
		caseID, _ := strconv.ParseInt(value, 10, 64)
		c, o, err := eng.OutcomeFor(ctx, actor.TeamID, caseID, "")
		if err != nil {
			return d, closing("Sorry, that case is not one I can find. Nothing was changed.")
		}
		d.Case, d.Outcome = c, o
		if d.Weeks, err = eng.OutcomeWeeks(ctx, actor.TeamID, 8, o.RecordedWeek); err != nil {
			return d, errCannotOpen
		}
	default:
		return d, closing("Sorry, that form is not one I can open in Teams. Nothing was changed.")
	}
	return d, nil
}

// teamChannels are the team's channels a dialog may offer (those the bot
// has been told of, by name), private ones marked so the dialog leaves
// them out.
func (a *Adapter) teamChannels(ctx context.Context, teamID string) []ChannelChoice {
	cs, err := a.convs.TeamChannels(ctx, Platform, teamID)
	if err != nil {
		a.log.WarnContext(ctx, "teams: the team's channels could not be listed", "err", err)
		return nil
	}
	out := make([]ChannelChoice, 0, len(cs))
	for _, c := range cs {
		name := c.Name
		if name == "" {
			name = "a channel of the team"
		}
		out = append(out, ChannelChoice{ID: c.ID, Name: name, Private: c.ChannelType == ChannelPrivate})
	}
	return out
}

// runSubmission is a recorded submission's step.
func (a *Adapter) runSubmission(ctx context.Context, eng *flows.Engine, rec submitted) ([]flows.Reply, error) {
	in, sub := rec.In, rec.Sub
	actor := flows.Actor{TeamID: in.TeamID, UserID: in.UserID}
	switch sub.Dialog {
	case DialogStart:
		return eng.Command(ctx, flows.Command{Actor: actor, Channel: sub.Channel, Text: sub.StartCommand()})
	case DialogWrite:
		return eng.SubmitForm(ctx, sub.FormSubmission(actor))
	case DialogSession:
		minutes, _ := strconv.Atoi(sub.Fields[FieldMinutes])
		return eng.StartSession(ctx, flows.SessionStart{Actor: actor, Channel: sub.Channel, Template: sub.Fields[FieldTemplate],
			Subject: sub.Fields[FieldSubject], Minutes: minutes, Manual: sub.Fields[FieldPace] == PaceManual})
	case DialogSettings:
		return a.saveSettings(ctx, eng, actor, sub)
	case DialogOutcome:
		caseID, _ := strconv.ParseInt(sub.Value, 10, 64)
		values := map[string]string{}
		for _, f := range flows.OutcomeFields {
			if v, ok := sub.Fields[f.Key]; ok {
				values[f.Key] = v
			}
		}
		channel := sub.OpenedIn
		if sub.Personal {
			channel = ""
		}
		return eng.EditOutcome(ctx, flows.OutcomeEdit{Actor: actor, Channel: channel, CaseID: caseID, Values: values})
	}
	return nil, fmt.Errorf("teams: submission of dialog %s: %w", ident(string(sub.Dialog)), flows.ErrInvalid)
}

// saveSettings saves the settings dialog: the discipline, and for those
// who may (the team's part was shown), the weekly digest's channel and
// time and the facilitators, as Slack's settings form does.
func (a *Adapter) saveSettings(ctx context.Context, eng *flows.Engine, actor flows.Actor, sub Submission) ([]flows.Reply, error) {
	if d := sub.Fields[FieldDiscipline]; d != "" || !sub.TeamPart {
		if err := eng.SetDiscipline(ctx, actor, d); err != nil {
			return nil, err
		}
	}
	var replies []flows.Reply
	if sub.TeamPart {
		day, derr := strconv.Atoi(sub.Fields[FieldDigestDay])
		hour, herr := strconv.Atoi(sub.Fields[FieldDigestHour])
		if derr != nil || herr != nil || day < 0 || day > 6 || hour < 0 || hour > 23 {
			return nil, fmt.Errorf("%w: settings without a digest day or hour", flows.ErrInvalid)
		}
		r, err := eng.SetDigestSchedule(ctx, actor, flows.DigestSchedule{Channel: sub.Fields[FieldDigestChannel],
			Day: time.Weekday(day), Hour: hour})
		if err != nil {
			return nil, err
		}
		replies = append(replies, r...)
		if r, err = eng.SetFacilitators(ctx, actor, sub.Facilitators); err != nil {
			return nil, err
		}
		replies = append(replies, r...)
	}
	if d := sub.Fields[FieldDiscipline]; d != "" {
		// Said only of what was done: the team's part says for itself
		// what it changed, or that it was refused.
		replies = append(replies, flows.Reply{Kind: flows.Notice, User: actor.UserID, Title: "Your discipline is saved: " + d + "."})
	}
	return replies, nil
}
