package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"whatmatters/flows"
	"whatmatters/inbox"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

const teamsURL = "https://smba.trafficmanager.net/emea/"

// channelConversation is a Teams channel's conversation, updated at t0 plus
// the given minutes.
func channelConversation(id, team string, minutes int) inbox.Conversation {
	return inbox.Conversation{
		Platform: "teams", ID: id, ServiceURL: teamsURL, TenantID: "tenant-1", TeamID: team, GroupID: "group-of-" + team,
		Type: "channel", ChannelType: "standard", UpdatedAt: t0.Add(time.Duration(minutes) * time.Minute),
	}
}

// personalConversation is a person's 1:1 chat with the bot in a tenant.
func personalConversation(id, tenant, user string, minutes int) inbox.Conversation {
	return inbox.Conversation{
		Platform: "teams", ID: id, ServiceURL: teamsURL, TenantID: tenant, TeamID: tenant,
		Type: "personal", UserID: user, TeamsUserID: "29:" + user,
		UpdatedAt: t0.Add(time.Duration(minutes) * time.Minute),
	}
}

// storedConversation is c as the database gives it back.
func storedConversation(c inbox.Conversation) inbox.Conversation {
	c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Microsecond)
	return c
}

func TestConversationRoundTrip(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		_, err := db.Conversation(ctx, "teams", "19:abc@thread.tacv2")
		wantErr(t, err, flows.ErrNotFound)

		c := channelConversation("19:abc@thread.tacv2", "team-1", 0)
		c.ChannelType = "shared"
		if err := db.RememberConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.Conversation(ctx, "teams", c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storedConversation(c), got); diff != "" {
			t.Errorf("Conversation (-want +got):\n%s", diff)
		}
		if got.UpdatedAt.Location() != time.UTC {
			t.Errorf("UpdatedAt in %v, want UTC", got.UpdatedAt.Location())
		}
		// The id is the platform's: another platform's conversation of the
		// same id is another record.
		_, err = db.Conversation(ctx, "slack", c.ID)
		wantErr(t, err, flows.ErrNotFound)

		// A zero UpdatedAt means now.
		before := time.Now().Add(-time.Second)
		p := personalConversation("a:1on1", "tenant-1", "user-a", 0)
		p.UpdatedAt = time.Time{}
		if err := db.RememberConversation(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err = db.Conversation(ctx, "teams", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.UpdatedAt.Before(before) || got.UpdatedAt.After(time.Now().Add(time.Second)) {
			t.Errorf("UpdatedAt = %v, want about now", got.UpdatedAt)
		}
		got.UpdatedAt = time.Time{}
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("1:1 chat (-want +got):\n%s", diff)
		}
	})
}

func TestRememberConversationKeepsWhatALaterActivityLacks(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		first := personalConversation("a:1on1", "tenant-1", "user-a", 0)
		if err := db.RememberConversation(ctx, first); err != nil {
			t.Fatal(err)
		}
		// A later activity carries only the id and a new service URL.
		const moved = "https://smba.trafficmanager.net/amer/"
		later := inbox.Conversation{Platform: "teams", ID: first.ID, ServiceURL: moved, UpdatedAt: t0.Add(time.Hour)}
		if err := db.RememberConversation(ctx, later); err != nil {
			t.Fatal(err)
		}
		got, err := db.Conversation(ctx, "teams", first.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := storedConversation(first)
		want.ServiceURL = moved
		want.UpdatedAt = storedConversation(later).UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after a sparser activity (-want +got):\n%s", diff)
		}

		// A field given again replaces the stored one.
		again := first
		again.TeamsUserID = "29:renamed"
		again.ChannelType = "private"
		again.UpdatedAt = t0.Add(2 * time.Hour)
		if err := db.RememberConversation(ctx, again); err != nil {
			t.Fatal(err)
		}
		got, err = db.Conversation(ctx, "teams", first.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storedConversation(again), got); diff != "" {
			t.Errorf("after a fuller activity (-want +got):\n%s", diff)
		}

		// A channel's team and group stay when a later activity (a reply
		// without the team's details) lacks them.
		channel := channelConversation("19:general", "team-1", 0)
		sparse := inbox.Conversation{Platform: "teams", ID: channel.ID, ServiceURL: teamsURL, Type: "channel", UpdatedAt: t0.Add(time.Hour)}
		for _, c := range []inbox.Conversation{channel, sparse} {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		got, err = db.Conversation(ctx, "teams", channel.ID)
		if err != nil {
			t.Fatal(err)
		}
		want = storedConversation(channel)
		want.UpdatedAt = storedConversation(sparse).UpdatedAt
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("channel after a sparser activity (-want +got):\n%s", diff)
		}
	})
}

func TestRememberConversationRefuses(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		good := channelConversation("19:abc@thread.tacv2", "team-1", 0)
		for name, edit := range map[string]func(*inbox.Conversation){
			"no platform":              func(c *inbox.Conversation) { c.Platform = "" },
			"no id":                    func(c *inbox.Conversation) { c.ID = "" },
			"no service URL":           func(c *inbox.Conversation) { c.ServiceURL = "" },
			"http":                     func(c *inbox.Conversation) { c.ServiceURL = "http://smba.trafficmanager.net/emea/" },
			"http to a LAN":            func(c *inbox.Conversation) { c.ServiceURL = "http://10.0.0.5:3978/" },
			"loopback-like name":       func(c *inbox.Conversation) { c.ServiceURL = "http://localhost.example.com/" },
			"another scheme":           func(c *inbox.Conversation) { c.ServiceURL = "ftp://smba.trafficmanager.net/" },
			"another scheme, loopback": func(c *inbox.Conversation) { c.ServiceURL = "ftp://127.0.0.1/" },
			"no scheme":                func(c *inbox.Conversation) { c.ServiceURL = "smba.trafficmanager.net/emea/" },
			"no host":                  func(c *inbox.Conversation) { c.ServiceURL = "https:///emea/" },
			"user information":         func(c *inbox.Conversation) { c.ServiceURL = "https://user:secret@smba.trafficmanager.net/" },
			"unparsable":               func(c *inbox.Conversation) { c.ServiceURL = "https://smba.trafficmanager.net/%zz" },
			"NUL in a field":           func(c *inbox.Conversation) { c.TenantID = "ten\x00ant" },
			"invalid UTF-8 in id":      func(c *inbox.Conversation) { c.ID = "19:\xff" },
			"http under uppercase":     func(c *inbox.Conversation) { c.ServiceURL = "HTTP://example.org/" },
		} {
			c := good
			edit(&c)
			err := db.RememberConversation(ctx, c)
			if !errors.Is(err, flows.ErrInvalid) {
				t.Errorf("%s: RememberConversation = %v, want flows.ErrInvalid", name, err)
			}
			if c.ID != "" {
				if _, err := db.Conversation(ctx, c.Platform, c.ID); !errors.Is(err, flows.ErrNotFound) && !errors.Is(err, flows.ErrInvalid) {
					t.Errorf("%s: refused conversation stored anyway (%v)", name, err)
				}
			}
		}
		urls, err := db.ConversationServiceURLs(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if len(urls) != 0 {
			t.Errorf("service URLs after refusals only: %q, want none", urls)
		}

		// https anywhere, and http to a loopback host (a test's connector).
		for i, u := range []string{
			teamsURL,
			"HTTPS://smba.trafficmanager.net/amer/",
			"http://127.0.0.1:3978/",
			"http://[::1]:3978/connector/",
			"http://localhost:3978",
			"http://LocalHost/",
		} {
			c := good
			c.ID = "19:ok" + string(rune('a'+i))
			c.ServiceURL = u
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Errorf("RememberConversation with %s: %v", u, err)
			}
		}
	})
}

func TestPersonalConversation(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		_, err := db.PersonalConversation(ctx, "teams", "tenant-1", "user-a")
		wantErr(t, err, flows.ErrNotFound)

		older := personalConversation("a:old", "tenant-1", "user-a", 0)
		newer := personalConversation("a:new", "tenant-1", "user-a", 30)
		for _, c := range []inbox.Conversation{
			newer, older,
			personalConversation("b:1on1", "tenant-1", "user-b", 60),      // someone else
			personalConversation("a:elsewhere", "tenant-2", "user-a", 90), // another tenant
		} {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		// A group chat updated later, with the person's id on it, is not
		// their 1:1 chat.
		group := personalConversation("g:group", "tenant-1", "user-a", 120)
		group.Type = "groupChat"
		if err := db.RememberConversation(ctx, group); err != nil {
			t.Fatal(err)
		}
		got, err := db.PersonalConversation(ctx, "teams", "tenant-1", "user-a")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storedConversation(newer), got); diff != "" {
			t.Errorf("PersonalConversation (-want +got):\n%s", diff)
		}
		got, err = db.PersonalConversation(ctx, "teams", "tenant-2", "user-a")
		if err != nil || got.ID != "a:elsewhere" {
			t.Errorf("in tenant-2: %q, %v; want a:elsewhere", got.ID, err)
		}
		// The older chat updated again is now the one.
		older.UpdatedAt = t0.Add(45 * time.Minute)
		if err := db.RememberConversation(ctx, older); err != nil {
			t.Fatal(err)
		}
		got, err = db.PersonalConversation(ctx, "teams", "tenant-1", "user-a")
		if err != nil || got.ID != "a:old" {
			t.Errorf("after the older chat's update: %q, %v; want a:old", got.ID, err)
		}
		_, err = db.PersonalConversation(ctx, "teams", "tenant-3", "user-a")
		wantErr(t, err, flows.ErrNotFound)
		// No tenant given (a scheduled step's direct message knows only
		// the person): their most recent chat in any tenant.
		got, err = db.PersonalConversation(ctx, "teams", "", "user-a")
		if err != nil || got.ID != "a:elsewhere" {
			t.Errorf("in any tenant: %q, %v; want a:elsewhere, the most recent", got.ID, err)
		}
		_, err = db.PersonalConversation(ctx, "slack", "tenant-1", "user-a")
		wantErr(t, err, flows.ErrNotFound)
		// No one is not a person whose chat could be found.
		_, err = db.PersonalConversation(ctx, "teams", "tenant-1", "")
		wantErr(t, err, flows.ErrInvalid)
	})
}

func TestTeamConversation(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		_, err := db.TeamConversation(ctx, "teams", "team-1")
		wantErr(t, err, flows.ErrNotFound)

		general := channelConversation("19:general", "team-1", 10)
		planning := channelConversation("19:planning", "team-1", 20)
		planning.ServiceURL = "https://smba.trafficmanager.net/amer/"
		other := channelConversation("19:other", "team-2", 30)
		for _, c := range []inbox.Conversation{planning, general, other} {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.TeamConversation(ctx, "teams", "team-1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storedConversation(planning), got); diff != "" {
			t.Errorf("TeamConversation (-want +got):\n%s", diff)
		}
		// A later activity in general makes it the most recent.
		general.UpdatedAt = t0.Add(40 * time.Minute)
		if err := db.RememberConversation(ctx, general); err != nil {
			t.Fatal(err)
		}
		got, err = db.TeamConversation(ctx, "teams", "team-1")
		if err != nil || got.ID != general.ID || got.ServiceURL != teamsURL {
			t.Errorf("after general's update: %q at %q, %v; want %q at %q", got.ID, got.ServiceURL, err, general.ID, teamsURL)
		}
		got, err = db.TeamConversation(ctx, "teams", "team-2")
		if err != nil || got.ID != other.ID {
			t.Errorf("team-2: %q, %v; want %q", got.ID, err, other.ID)
		}
		_, err = db.TeamConversation(ctx, "slack", "team-1")
		wantErr(t, err, flows.ErrNotFound)
		_, err = db.TeamConversation(ctx, "teams", "")
		wantErr(t, err, flows.ErrInvalid)
	})
}

func TestConversationServiceURLs(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		urls, err := db.ConversationServiceURLs(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if len(urls) != 0 {
			t.Errorf("service URLs of an empty database: %q", urls)
		}
		const amer = "https://smba.trafficmanager.net/amer/"
		a := channelConversation("19:a", "team-1", 0)
		b := channelConversation("19:b", "team-2", 1)
		c := personalConversation("a:1on1", "tenant-1", "user-a", 2)
		c.ServiceURL = amer
		d := channelConversation("19:d", "team-3", 3)
		d.ServiceURL = amer
		e := channelConversation("C0123", "T0123", 4)
		e.Platform = "elsewhere"
		e.ServiceURL = "https://elsewhere.example/"
		for _, x := range []inbox.Conversation{a, b, c, d, e} {
			if err := db.RememberConversation(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		urls, err = db.ConversationServiceURLs(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{teamsURL, amer}, urls, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("service URLs (-want +got):\n%s", diff)
		}
		// A URL replaced is no longer trusted once no conversation has it.
		a.ServiceURL, b.ServiceURL = amer, amer
		for _, x := range []inbox.Conversation{a, b} {
			if err := db.RememberConversation(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		urls, err = db.ConversationServiceURLs(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{amer}, urls); diff != "" {
			t.Errorf("service URLs after moves (-want +got):\n%s", diff)
		}
	})
}

func TestForgetConversationsOf(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		keep := []inbox.Conversation{
			channelConversation("19:general", "team-1", 0),
			personalConversation("b:1on1", "tenant-1", "user-b", 1),      // someone else
			personalConversation("a:elsewhere", "tenant-2", "user-a", 2), // another tenant
		}
		forget := []inbox.Conversation{
			personalConversation("a:1on1", "tenant-1", "user-a", 3),
			personalConversation("a:again", "tenant-1", "user-a", 4),
		}
		for _, c := range append(append([]inbox.Conversation(nil), keep...), forget...) {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.ForgetConversationsOf(ctx, "teams", "tenant-1", "user-a")
		if err != nil {
			t.Fatal(err)
		}
		if n != len(forget) {
			t.Errorf("ForgetConversationsOf = %d, want %d", n, len(forget))
		}
		for _, c := range forget {
			_, err := db.Conversation(ctx, "teams", c.ID)
			wantErr(t, err, flows.ErrNotFound)
		}
		_, err = db.PersonalConversation(ctx, "teams", "tenant-1", "user-a")
		wantErr(t, err, flows.ErrNotFound)
		for _, c := range keep {
			got, err := db.Conversation(ctx, "teams", c.ID)
			if err != nil {
				t.Fatalf("%s after forgetting user-a: %v", c.ID, err)
			}
			if diff := cmp.Diff(storedConversation(c), got); diff != "" {
				t.Errorf("%s after forgetting user-a (-want +got):\n%s", c.ID, diff)
			}
		}
		n, err = db.ForgetConversationsOf(ctx, "teams", "tenant-1", "user-a")
		if err != nil || n != 0 {
			t.Errorf("forgetting again = %d, %v; want 0", n, err)
		}
		// No tenant given (forgotten everywhere): their chat in the other
		// tenant goes too, and no one else's.
		n, err = db.ForgetConversationsOf(ctx, "teams", "", "user-a")
		if err != nil || n != 1 {
			t.Errorf("forgetting in every tenant = %d, %v; want 1 (a:elsewhere)", n, err)
		}
		if _, err := db.Conversation(ctx, "teams", "b:1on1"); err != nil {
			t.Errorf("someone else's chat after forgetting user-a everywhere: %v", err)
		}
		// An empty user id would match every channel's record: refused.
		_, err = db.ForgetConversationsOf(ctx, "teams", "tenant-1", "")
		wantErr(t, err, flows.ErrInvalid)
		if _, err := db.Conversation(ctx, "teams", "19:general"); err != nil {
			t.Errorf("the channel after a refused forget: %v", err)
		}
	})
}

// conversations is what the Teams adapter asks of the Store a transaction
// is bound to.
type conversations interface {
	RememberConversation(ctx context.Context, c inbox.Conversation) error
	Conversation(ctx context.Context, platform, id string) (inbox.Conversation, error)
	ForgetConversationsOf(ctx context.Context, platform, tenantID, userID string) (int, error)
}

func TestConversationsInTx(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		kept := channelConversation("19:kept", "team-1", 0)
		if err := db.RememberConversation(ctx, kept); err != nil {
			t.Fatal(err)
		}
		undo := errors.New("undo")
		c := personalConversation("a:1on1", "tenant-1", "user-a", 1)
		moved := kept
		moved.ServiceURL = "https://smba.trafficmanager.net/amer/"
		moved.UpdatedAt = t0.Add(time.Hour)
		err := db.InTx(ctx, func(s flows.Store) error {
			tx, ok := s.(conversations)
			if !ok {
				return fmt.Errorf("a transaction's Store (%T) keeps no conversations", s)
			}
			if err := tx.RememberConversation(ctx, c); err != nil {
				return err
			}
			if err := tx.RememberConversation(ctx, moved); err != nil {
				return err
			}
			// The transaction sees its own writes.
			if got, err := tx.Conversation(ctx, "teams", c.ID); err != nil || got.UserID != c.UserID {
				return fmt.Errorf("inside the transaction: %+v, %w", got, err)
			}
			return undo
		})
		if !errors.Is(err, undo) {
			t.Fatalf("InTx = %v, want %v", err, undo)
		}
		_, err = db.Conversation(ctx, "teams", c.ID)
		wantErr(t, err, flows.ErrNotFound)
		got, err := db.Conversation(ctx, "teams", kept.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(storedConversation(kept), got); diff != "" {
			t.Errorf("after rollback (-want +got):\n%s", diff)
		}
		urls, err := db.ConversationServiceURLs(ctx, "teams")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{teamsURL}, urls); diff != "" {
			t.Errorf("service URLs after rollback (-want +got):\n%s", diff)
		}

		// Committed, the writes stand; a forget rolled back forgets nothing.
		if err := db.InTx(ctx, func(s flows.Store) error {
			return s.(conversations).RememberConversation(ctx, c)
		}); err != nil {
			t.Fatal(err)
		}
		err = db.InTx(ctx, func(s flows.Store) error {
			n, err := s.(conversations).ForgetConversationsOf(ctx, "teams", "tenant-1", "user-a")
			if err != nil || n != 1 {
				return fmt.Errorf("forgetting inside the transaction: %d, %w", n, err)
			}
			return undo
		})
		if !errors.Is(err, undo) {
			t.Fatalf("InTx = %v, want %v", err, undo)
		}
		if _, err := db.PersonalConversation(ctx, "teams", "tenant-1", "user-a"); err != nil {
			t.Errorf("the 1:1 chat after a forget rolled back: %v", err)
		}
	})
}

// TeamChannels lists the team's channels by name, keeps a name a later
// activity does not repeat, and lists no chat and no other team's channel.
func TestTeamChannels(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		general := channelConversation("19:general", "team-1", 10)
		general.Name = "General"
		ward := channelConversation("19:ward7", "team-1", 20)
		ward.Name = "Ward 7"
		unnamed := channelConversation("19:unnamed", "team-1", 30)
		other := channelConversation("19:other", "team-2", 40)
		chat := personalConversation("a:chat", "team-1", "user-a", 50)
		chat.TeamID = "team-1"
		for _, c := range []inbox.Conversation{ward, general, unnamed, other, chat} {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		// A later activity that does not say the channel's name keeps it.
		general.Name, general.UpdatedAt = "", t0.Add(time.Hour)
		if err := db.RememberConversation(ctx, general); err != nil {
			t.Fatal(err)
		}
		got, err := db.TeamChannels(ctx, "teams", "team-1")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range got {
			names = append(names, c.ID+"="+c.Name)
		}
		if want := []string{"19:unnamed=", "19:general=General", "19:ward7=Ward 7"}; !slices.Equal(names, want) {
			t.Errorf("TeamChannels = %v; want %v", names, want)
		}
		_, err = db.TeamChannels(ctx, "teams", "")
		wantErr(t, err, flows.ErrInvalid)
	})
}

// PersonTeam is the team, among those whose channels the platform told of
// in the tenant, whose member record of the person changed last; none
// before they are a member of any.
func TestPersonTeam(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		_, err := db.PersonTeam(ctx, "teams", "tenant-1", "user-a")
		wantErr(t, err, flows.ErrNotFound)
		for i, c := range []inbox.Conversation{channelConversation("19:a", "team-1", 10), channelConversation("19:b", "team-2", 20)} {
			if err := db.RememberConversation(ctx, c); err != nil {
				t.Fatal(err)
			}
			if _, err := db.EnsureTeam(ctx, flows.Team{ID: c.TeamID, Name: fmt.Sprint("team ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		// A member of another tenant's team, or of a team no channel of
		// the platform names, does not count.
		if _, err := db.EnsureTeam(ctx, flows.Team{ID: "T0SLACK"}); err != nil {
			t.Fatal(err)
		}
		for _, team := range []string{"team-1", "T0SLACK", "team-2"} {
			if _, err := db.SaveMember(ctx, flows.Member{TeamID: team, UserID: "user-a"}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.PersonTeam(ctx, "teams", "tenant-1", "user-a")
		if err != nil || got != "team-2" {
			t.Errorf("PersonTeam = %q, %v; want team-2, the last changed", got, err)
		}
		_, err = db.PersonTeam(ctx, "teams", "tenant-2", "user-a")
		wantErr(t, err, flows.ErrNotFound)
	})
}
