package flows

import (
	"context"
	"fmt"
)

// Who may do what is decided here, in one place, from three things:
//
//   - The person's own organisation. Someone from another organisation
//     (Slack Connect: Actor.External) is never an admin here, whatever they
//     are at home, and the operator's list of facilitators
//     (WHATMATTERS_FACILITATORS) does not reach them: only a role stored
//     for them in this team, by its own leads or admins, counts.
//   - Their role in this team. Leads and workspace admins change the
//     team's settings; facilitators, leads and admins run learning
//     sessions.
//   - The conversation a thing lives in. A control (a button, next or
//     skip, a session's five more minutes or end, marking an action done)
//     acts only in the conversation its reflection, session or action
//     belongs to; what is listed in a conversation (the cases, the
//     actions) comes only from that conversation; the App Home lists only
//     what public channels hold, and nothing of the team's cases for
//     someone from another organisation. A thing of another conversation
//     is answered as if it were not there: nothing of it is told.
//
// Every refusal is a private, kind message that says what to do instead,
// and changes nothing: nothing is stored and nothing is audited.

// standing is what one person may do in one team.
type standing struct {
	admin       bool // a workspace admin or owner of the installation's own organisation
	lead        bool
	facilitator bool
}

// standingOf is the actor's standing in their team, m being their member
// record there (the zero Member when they have none).
func (k *kernel) standingOf(a Actor, m Member) standing {
	st := standing{lead: m.Role == RoleLead, facilitator: m.Facilitator}
	if !a.External {
		st.admin = a.Admin
		st.facilitator = st.facilitator || k.facilitators[a.UserID]
	}
	return st
}

// memberOf is the actor's member record in their team (the zero Member
// when they have none), read without making one: deciding what someone
// may do records nothing of them (Engine.member records them, and the
// team, once they are let do it).
func memberOf(ctx context.Context, s kernelStore, a Actor) (Member, error) {
	m, err := s.GetMember(ctx, a.TeamID, a.UserID)
	if err != nil && !isNotFound(err) {
		return Member{}, fmt.Errorf("loading member: %w", err)
	}
	return m, nil
}

// mayChangeSettings reports whether the actor may change team settings:
// admins and the team's leads.
func (k *kernel) mayChangeSettings(a Actor, m Member) bool {
	st := k.standingOf(a, m)
	return st.admin || st.lead
}

// mayFacilitate reports whether the actor may start and run learning
// sessions: the team's facilitators (stored, or listed in the engine's
// Facilitators), its leads, and workspace admins.
func (k *kernel) mayFacilitate(a Actor, m Member) bool {
	st := k.standingOf(a, m)
	return st.admin || st.lead || st.facilitator
}

// settingsRefused is the refusal of a change to the team's settings.
func settingsRefused(a Actor, channel string) Reply {
	if a.External {
		return notice(channel, a.UserID, "This team's settings are changed by its own leads and admins.",
			"Nothing was changed. You're here from another organisation, so a role you hold there doesn't carry over: ask one of this team's leads if something should change.")
	}
	return notice(channel, a.UserID, "Only the team's leads and workspace admins can change team settings.",
		"Nothing was changed. Ask a lead, or an admin can make you one with whatmatters lead --team TEAM --user YOU.")
}

// facilitatorsRefused is the refusal of a change to the team's
// facilitators; with no channel (the settings form) a direct message.
func facilitatorsRefused(a Actor, channel string) Reply {
	r := settingsRefused(a, channel)
	r.Title = "Only the team's leads and workspace admins can choose facilitators."
	if channel == "" {
		r.Kind = Direct
	}
	return r
}

// ownConversation reports whether a control given, or a list asked for, in
// channel concerns a thing that lives in home: only in its own
// conversation.
func ownConversation(channel, home string) bool { return channel != "" && channel == home }

// homeShows returns which conversations the actor's Home tab may draw on:
// public channels (the engine's ChannelPrivacy; a channel it cannot tell
// counts as private), and none for someone from another organisation.
func (k *kernel) homeShows(ctx context.Context, a Actor) func(channel string) bool {
	if a.External {
		return func(string) bool { return false }
	}
	return k.shownIn(ctx, a.TeamID, "")
}

// sessionGone is the answer to a session's control used outside the
// session's conversation: the one given for a session that no longer
// exists, so that nothing of it is told there.
func sessionGone(channel, user string) Reply {
	return notice(channel, user, "That session no longer exists.", "Nothing was changed.")
}

// NotAMember is the refusal, in a direct message, of a post into a channel
// the person chose (in a form, or with a button) but is not a member of:
// the adapter asks Slack before the step, and the engine is not asked.
func NotAMember(user string) Reply {
	return direct(user, "You're not a member of that channel, so I can't post there for you.",
		"Nothing was posted or changed. Choose a channel you're in, or ask someone in that channel to start it there.")
}

// MembershipUnknown is NotAMember when Slack could not say whether the
// person is in the channel (most often, the bot is not in it).
func MembershipUnknown(user string) Reply {
	return direct(user, "I couldn't check that you're a member of that channel, so I haven't posted there.",
		"Nothing was posted or changed. If I'm not in that channel yet, invite me with /invite @What Matters, then try again.")
}
