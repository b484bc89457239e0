// Package console is the terminal adapter: it puts the flows engine in a
// terminal, or behind a piped script, one line of input at a time. It
// depends on flows alone, beside the Slack adapter (package bot).
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"whatmatters/flows"
)

// Team and Channel are where console conversations live: one team, one
// channel, so a restarted console finds what it left.
const (
	Team    = "console"
	Channel = "console"
)

// Console runs the bot in a terminal, or over a piped script: each line of
// input is what a person types, each reply is written as text.
type Console struct {
	engine *flows.Engine
	in     *bufio.Reader
	out    io.Writer
	log    *slog.Logger

	user       string
	discipline string
	thread     string // the conversation replies go to
	// last is each speaker's latest message id in the current thread, so
	// :edit and :withdraw know which answer is meant.
	last map[string]string
	seq  int64
	// shown is the text of each session message as last shown, line by
	// line, by its thread: an update shows only the lines that changed.
	shown map[string][]string

	// now is the clock sessions are timed by; wait lets time pass (:wait).
	// With the real clock, wait sleeps and a ticker runs due session work
	// between lines; with an injected clock (tests, demos), wait moves the
	// clock on.
	now  func() time.Time
	wait func(ctx context.Context, d time.Duration) error
	tick time.Duration
	// shownClock is the clock line last printed, so it is not repeated.
	shownClock string
}

// SessionTick is how often the console looks for due session work
// (a stage to move on, a warning) while waiting for input, on the real
// clock.
const SessionTick = 5 * time.Second

// SetClock makes the console read time from now and let it pass with
// advance (for :wait) instead of sleeping: tests and scripted demos drive
// a session's timers with it, without a ticker. It must be the engine's
// clock too.
func (c *Console) SetClock(now func() time.Time, advance func(time.Duration)) {
	c.now = now
	c.wait = func(_ context.Context, d time.Duration) error {
		advance(d)
		return nil
	}
	c.tick = 0
}

// SetTickingClock is SetClock with the real clock's behaviour kept: :wait
// lets time pass a tick at a time, doing the sessions' due work at each.
func (c *Console) SetTickingClock(now func() time.Time, advance func(time.Duration), tick time.Duration) {
	c.SetClock(now, advance)
	c.tick = tick
}

// New returns a console speaking as user until a line says otherwise.
func New(engine *flows.Engine, in io.Reader, out io.Writer, user string, log *slog.Logger) *Console {
	if user == "" {
		user = "you"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Console{engine: engine, in: bufio.NewReader(in), out: out, user: user, log: log,
		last: map[string]string{}, seq: time.Now().UnixNano(), shown: map[string][]string{},
		now: time.Now, wait: sleep, tick: SessionTick}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run reads lines until the end of input or until ctx is done. It returns
// nil at the end of input.
func (c *Console) Run(ctx context.Context) error {
	c.printf("What Matters console (team %q, channel #%s), speaking as %s: :as NAME [DISCIPLINE] changes that. Type /reflect help to begin; end of input (Ctrl-D) leaves.\n",
		Team, Channel, c.user)
	replies, err := c.engine.Resume(ctx, Team, Channel)
	switch {
	case errors.Is(err, flows.ErrNotFound):
	case err != nil:
		return fmt.Errorf("resuming: %w", err)
	default:
		if err := c.render(ctx, replies); err != nil {
			return err
		}
	}
	// What fell due while the console was closed: a stage to move on, a
	// session to end.
	if err := c.sessionsDue(ctx); err != nil {
		return err
	}
	lines := make(chan string)
	readErrs := make(chan error, 1)
	go func() {
		defer close(lines)
		for {
			line, err := c.in.ReadString('\n')
			if line != "" {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					readErrs <- fmt.Errorf("reading input: %w", err)
				}
				return
			}
		}
	}()
	var tick <-chan time.Time
	if c.tick > 0 {
		t := time.NewTicker(c.tick)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick:
			if err := c.sessionsDue(ctx); err != nil {
				return err
			}
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-readErrs:
					return err
				default:
					return nil
				}
			}
			if err := c.handle(ctx, strings.TrimRight(line, "\r\n")); err != nil {
				if errors.Is(err, io.EOF) {
					return nil // :quit
				}
				return err
			}
			// Time passed while the line was typed: do what fell due.
			if err := c.sessionsDue(ctx); err != nil {
				return err
			}
		}
	}
}

// waitRunning lets d pass and, on the real clock, does the sessions' due
// work as it falls due (a warning, a stage moving on) rather than all at
// once at the end.
func (c *Console) waitRunning(ctx context.Context, d time.Duration) error {
	if c.tick <= 0 {
		return c.wait(ctx, d) // an injected clock: it jumps, and the next line does what fell due
	}
	end := c.now().Add(d)
	for {
		left := end.Sub(c.now())
		if left <= 0 {
			return nil
		}
		if err := c.wait(ctx, min(left, c.tick)); err != nil {
			return err
		}
		if err := c.sessionsDue(ctx); err != nil {
			return err
		}
	}
}

// sessionsDue does the learning sessions' due work (warnings, stages moving
// on, endings, scheduled openings) and shows it, with the time.
func (c *Console) sessionsDue(ctx context.Context) error {
	replies, _, err := c.engine.SessionsDue(ctx)
	if err != nil {
		return c.failed(err)
	}
	if len(replies) == 0 {
		return nil
	}
	c.showClock()
	return c.render(ctx, replies)
}

// showClock prints the clock line unless it was the last one printed.
func (c *Console) showClock() {
	if line := c.clockLine(); line != c.shownClock {
		c.shownClock = line
		c.printf("%s\n", line)
	}
}

// clockLine shows the console's clock, in the console team's timezone.
func (c *Console) clockLine() string {
	loc := time.UTC
	if s, err := c.engine.SettingsFor(context.Background(), c.actor()); err == nil {
		if l, err := time.LoadLocation(s.Team.Timezone); err == nil {
			loc = l
		}
	}
	return "⏱ " + c.now().In(loc).Format("15:04:05 (Mon 2 Jan, MST)")
}

func (c *Console) actor() flows.Actor {
	// Whoever is at the terminal can reach the database anyway: they are
	// the console team's admin.
	return flows.Actor{TeamID: Team, UserID: c.user, Name: c.user, Admin: true}
}

// printf writes to the terminal, with every string argument passed
// through terminalText: what people wrote is shown, never obeyed.
func (c *Console) printf(format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = terminalText(v)
		case []byte:
			args[i] = terminalText(string(v))
		}
	}
	fmt.Fprintf(c.out, format, args...)
}

// terminalText returns s fit for a terminal: control characters other
// than newline and tab (an escape sequence could move the cursor or clear
// the screen), invisible formatting characters (a right-to-left override
// would reverse what follows it) and bytes that are not UTF-8 are shown as
// their escapes (\x1b, \u202e), and everything else as written.
func terminalText(s string) string {
	if strings.IndexFunc(s, unsafeInTerminal) < 0 && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeInTerminal(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// unsafeInTerminal reports whether terminalText escapes r: a control
// character other than newline and tab, an invisible formatting character
// (Unicode's Cf: bidirectional controls, zero-width characters, the soft
// hyphen) or a line or paragraph separator.
func unsafeInTerminal(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// handle acts on one line of input. Only errors the console cannot go on
// after are returned; a failed step is reported and the console carries on.
func (c *Console) handle(ctx context.Context, line string) error {
	trimmed := strings.TrimSpace(line)
	var replies []flows.Reply
	var err error
	switch {
	case trimmed == "":
		return nil
	case strings.HasPrefix(trimmed, ":"):
		return c.meta(ctx, trimmed)
	case strings.HasPrefix(trimmed, "/"):
		name, rest, _ := strings.Cut(trimmed, " ")
		if name != "/reflect" {
			c.printf("(only you) The one command here is /reflect. Try /reflect help.\n")
			return nil
		}
		replies, err = c.engine.Command(ctx, flows.Command{Actor: c.actor(), Channel: Channel, Text: rest})
	default:
		if c.thread == "" {
			c.printf("(only you) No reflection or session is open here yet. Start one with /reflect NAME, or /reflect help.\n")
			return nil
		}
		// Message ids must stay unique across restarts of the console, as
		// Slack's do: they start from the clock and count up.
		c.seq++
		id := fmt.Sprintf("console-%d", c.seq)
		c.last[c.user] = id
		replies, err = c.engine.Message(ctx, flows.Message{Actor: c.actor(), Channel: Channel, Thread: c.thread, ID: id, Text: line})
		if errors.Is(err, flows.ErrUnknownThread) {
			replies, err = nil, nil
		}
	}
	if err != nil {
		return c.failed(err)
	}
	return c.render(ctx, replies)
}

// failed reports a step that did not work. The cause goes to the log; the
// person gets a plain message.
func (c *Console) failed(err error) error {
	c.log.Error("console step failed", "err", err)
	c.printf("(only you) Sorry, that didn't work, and nothing was changed by it. The details are in the log.\n")
	return nil
}

// meta handles console-only lines: :as NAME [DISCIPLINE], :help, :quit.
func (c *Console) meta(ctx context.Context, line string) error {
	word, rest, _ := strings.Cut(line, " ")
	switch word {
	case ":as":
		name, discipline, _ := strings.Cut(strings.TrimSpace(rest), " ")
		name = flows.CleanText(name)
		if name == "" {
			c.printf("(only you) Say who is speaking: :as NAME [DISCIPLINE], for example :as sam district nurse\n")
			return nil
		}
		c.user = name
		c.discipline = strings.TrimSpace(discipline)
		if c.discipline != "" {
			if err := c.engine.SetDiscipline(ctx, c.actor(), c.discipline); err != nil {
				if errors.Is(err, flows.ErrInvalid) {
					c.printf("(only you) A discipline is a word or two, such as nurse or social worker.\n")
					return nil
				}
				return c.failed(err)
			}
			c.printf("(now speaking as %s, %s)\n", c.user, flows.CleanText(c.discipline))
			return nil
		}
		c.printf("(now speaking as %s)\n", c.user)
	case ":edit", ":withdraw":
		id := c.last[c.user]
		if id == "" || c.thread == "" {
			c.printf("(only you) You haven't written anything in this reflection yet, so there is nothing to change.\n")
			return nil
		}
		replies, err := c.engine.Edit(ctx, flows.Edit{Actor: c.actor(), Channel: Channel, Thread: c.thread,
			MessageID: id, Text: rest, Withdraw: word == ":withdraw"})
		if err != nil {
			return c.failed(err)
		}
		if len(replies) == 0 {
			c.printf("(only you) Your last message was not an answer, so there is nothing to change.\n")
			return nil
		}
		return c.render(ctx, replies)
	case ":clock", ":time":
		c.shownClock = c.clockLine()
		c.printf("%s\n", c.shownClock)
	case ":wait":
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d <= 0 || d > 24*time.Hour {
			c.printf("(only you) Say how long to wait, for example :wait 2m or :wait 90s.\n")
			return nil
		}
		if err := c.waitRunning(ctx, d); err != nil {
			return err
		}
		c.showClock()
	case ":help":
		c.printf("Console lines: /reflect … is the slash command, as in Slack; any other line is a reply in the current reflection's or session's thread; :as NAME [DISCIPLINE] changes who is speaking; :edit TEXT replaces your last answer; :withdraw takes it back; :clock shows the time and :wait 2m lets time pass (a session's timers run as it does); :outcome NAME FACT VALUE records one fact of what happened after a death (:outcome NAME shows the record); :quit leaves.\n")
	case ":outcome", ":outcomes":
		return c.outcome(ctx, rest)
	case ":quit", ":q", ":exit":
		return io.EOF
	default:
		c.printf("(only you) I don't know %s. Try :help.\n", word)
	}
	return nil
}

// render writes replies as text, posting roots and anchoring their threads.
func (c *Console) render(ctx context.Context, replies []flows.Reply) error {
	for _, r := range replies {
		switch r.Kind {
		case flows.Ack:
			c.printf("  ✓ noted\n")
			continue
		case flows.Notice:
			c.printf("(only you) %s\n", RenderText(r))
			continue
		case flows.Direct:
			c.printf("(direct message to you) %s\n", RenderText(r))
			if a := r.Attachment; a != nil {
				c.printf("--- %s ---\n%s\n--- end of %s ---\n", a.Name, a.Data, a.Name)
			}
			continue
		case flows.Update:
			c.showUpdate(r, replies)
			continue
		}
		if r.Thread != "" && r.Thread != c.thread {
			c.thread = r.Thread
			clear(c.last)
		}
		where := "#" + r.Channel
		if r.Thread != "" {
			where = "thread"
		}
		c.printf("[%s] %s\n", where, RenderText(r))
		if r.Anchor != 0 {
			thread := fmt.Sprintf("reflection-%d", r.Anchor)
			more, err := c.engine.Anchored(ctx, r.Anchor, thread)
			if err != nil {
				return c.failed(err)
			}
			c.thread = thread
			clear(c.last)
			if err := c.render(ctx, more); err != nil {
				return err
			}
		}
		if r.Session != 0 {
			thread := fmt.Sprintf("session-%d", r.Session)
			c.shown[thread] = strings.Split(RenderText(r), "\n")
			more, err := c.engine.SessionAnchored(ctx, r.Session, thread)
			if err != nil {
				return c.failed(err)
			}
			c.thread = thread
			clear(c.last)
			if err := c.render(ctx, more); err != nil {
				return err
			}
		}
	}
	return nil
}

// showUpdate shows an update of a session's message as the lines that
// changed since the console last showed it. Its "Now" line is left out
// when the same replies post in the session's thread, which says what
// changed (a new stage and its time, five more minutes, a pause, the
// end), so a stage change is shown once.
func (c *Console) showUpdate(r flows.Reply, batch []flows.Reply) {
	lines := strings.Split(RenderText(r), "\n")
	before, seen := c.shown[r.Message]
	c.shown[r.Message] = lines
	told := false
	for _, o := range batch {
		if o.Kind == flows.Post && o.Thread != "" && o.Thread == r.Message {
			told = true
		}
	}
	if !seen && told {
		return // restarted: the thread's post says where it stands
	}
	var changed []string
	for _, l := range lines[1:] {
		if slices.Contains(before, l) || told && strings.HasPrefix(l, "    Now: ") {
			continue
		}
		changed = append(changed, l)
	}
	if !seen {
		changed = lines
	}
	if len(changed) == 0 {
		return
	}
	c.printf("[#%s, session message updated]\n%s\n", r.Channel, strings.Join(changed, "\n"))
}

// RenderText writes a reply as plain text: the title on the first line,
// then each part indented, then the buttons as words that can be typed.
func RenderText(r flows.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title)
	for _, p := range r.Parts {
		b.WriteString("\n    ")
		if p.Label != "" {
			b.WriteString(p.Label)
			b.WriteString(": ")
		}
		text := p.Text
		if p.Quote {
			text = "“" + text + "”"
		}
		b.WriteString(strings.ReplaceAll(text, "\n", "\n    "))
		if p.By != "" {
			b.WriteString(" (" + p.By + ")")
		}
		if len(p.Users) > 0 {
			if text != "" {
				b.WriteString(" ")
			}
			b.WriteString(strings.Join(p.Users, ", "))
		}
		for _, c := range p.Channels {
			b.WriteString(" #" + c)
		}
		if l := p.Link; l != nil {
			b.WriteString(" (message " + l.Message + " in #" + l.Channel + ")")
		}
	}
	var words []string
	for _, btn := range r.Buttons {
		if typedWord(btn.Action) {
			words = append(words, btn.Action)
		} else if w := strings.TrimPrefix(btn.Action, "session_"); w != btn.Action && flows.SessionControlWord(w) != "" {
			words = append(words, w)
		}
	}
	if len(words) > 0 {
		b.WriteString("\n    (reply in the thread, or say " + strings.Join(words, ", ") + ")")
	}
	return b.String()
}

// typedWord reports whether a button's action is also a word a person can
// say in the thread. Other buttons (forget_me, start) have no typed word:
// the reply's text says what to type instead, or there is nothing to type.
func typedWord(action string) bool {
	switch action {
	case flows.ActionNext, flows.ActionSkip, flows.ActionDone, flows.ActionCancel:
		return true
	}
	return false
}
