package flows

import (
	"context"
	"time"
)

// CodedAnswer is one stored answer with what a digest needs beside it: the
// reflection it belongs to (case, template, channel) and its codes, nil
// until the answer has been coded.
type CodedAnswer struct {
	Answer
	CaseID   int64
	Template string
	Channel  string
	Codes    *Codes
}

// DigestRecord is the record of one digest made: when, for which period,
// where it was posted. It keeps counts only, never story text, so that
// forgetting a person or purging old text leaves nothing of theirs in it.
type DigestRecord struct {
	ID     int64
	TeamID string
	// WeekKey makes the scheduled weekly digest unique per team and week
	// ("2026-W48"); empty for digests made on demand.
	WeekKey    string
	From, To   time.Time
	Weeks      int
	Channel    string // where it was posted; empty when only printed or shown
	Coder      string
	Summary    DigestSummary
	CreatedAt  time.Time
	PostedAt   time.Time // zero until posted
	MessageID  string    // the posted message's id (a Slack ts), when known
	OnDemandBy string    // who asked for it, for an on-demand digest
}

// DigestSummary is the counts of a digest, kept with its record.
type DigestSummary struct {
	Reflections   int            `json:"reflections"`
	Cases         int            `json:"cases"`
	Contributors  int            `json:"contributors"`
	Answers       int            `json:"answers"`
	Recurring     int            `json:"recurring_themes"`
	Emerging      int            `json:"emerging_themes"`
	Toward        map[string]int `json:"toward"`
	QuotesDropped int            `json:"quotes_dropped"`
}

// AnswerCodes are the codes made of one answer's text (TextHash of it).
type AnswerCodes struct {
	AnswerID int64
	TextHash string
	Codes    Codes
}

// ThemeStore keeps answers' codes and the record of digests made.
type ThemeStore interface {
	// SaveCodes stores an answer's codes, replacing any it had. It returns
	// ErrNotFound if the answer does not exist, and ErrConflict if its text
	// is no longer the text that was coded (textHash, from TextHash): an
	// edit came in meanwhile, and the edit's own coding will follow.
	SaveCodes(ctx context.Context, answerID int64, textHash string, c Codes) error
	// SaveManyCodes stores the codes of several answers in one transaction,
	// as SaveCodes does each, and returns how many it stored. An answer
	// deleted, or whose text changed since it was coded, is passed over,
	// not an error: its next listing has it.
	SaveManyCodes(ctx context.Context, codes []AnswerCodes) (int, error)
	// AnswersToCode returns up to limit answers with text whose codes are
	// missing or were made by another coder or version, oldest first;
	// fallback codes stand and are not returned.
	AnswersToCode(ctx context.Context, coder, version string, limit int) ([]CodedAnswer, error)
	// ListCodedAnswers returns the team's answers created in [from, to)
	// that still have text (not withdrawn, not purged), oldest first, each
	// with its codes when it has them.
	ListCodedAnswers(ctx context.Context, teamID string, from, to time.Time) ([]CodedAnswer, error)

	// The digests' records (digestRecords: RecordDigest,
	// MarkDigestPosted, ListDigests; digestparts.go).
	digestRecords
}

// Digest is what recurred in a team's reflections over a period: the
// evidence for each theme, how the stories read against the codebook
// beside the four weeks before, and a question for the team. Its themes
// are prompts for discussion, never findings. All text in it is stored,
// scrubbed text or the product's own words.
type Digest struct {
	TeamID   string    `json:"team_id"`
	TeamName string    `json:"team_name,omitempty"`
	Timezone string    `json:"timezone"`
	From     time.Time `json:"from"` // the period is [From, To)
	To       time.Time `json:"to"`
	Weeks    int       `json:"weeks"`

	Reflections  int `json:"reflections"`
	Cases        int `json:"cases"`
	Contributors int `json:"contributors"`
	Answers      int `json:"answers"`
	// Disciplines is who contributed, by discipline; empty when fewer than
	// three people did, so nobody can be picked out.
	Disciplines []Count `json:"disciplines,omitempty"`

	// Recurring lists every catalogue theme found in two or more cases
	// from two or more people, strongest first; Emerging the phrases
	// outside the catalogue that recur the same way, until a team adopts
	// them as themes of its own. Renderers show the first few and say how
	// many more there are; JSON carries them all.
	Recurring []Theme `json:"recurring"`
	Emerging  []Theme `json:"emerging"`

	// Directions is how the period's answers read on each direction,
	// beside the four weeks before it.
	Directions []DirectionReading `json:"directions"`
	// Spoken lists the capabilities answers spoke to, most first; Silent
	// those none did.
	Spoken []Count  `json:"capabilities_spoken"`
	Silent []string `json:"capabilities_silent"`
	// Question is one suggested question for the team's next learning
	// session.
	Question string `json:"question"`

	// Trend is the period's weeks (at least four, ending with the
	// period, with no empty weeks before the first answer), for the chart:
	// the same answers and bases as the readings.
	Trend []WeekReading `json:"trend"`
	// ReadOffline lists the answers of the period read by the offline
	// coder although a model was configured, and why; empty otherwise.
	ReadOffline []OfflineRead `json:"read_offline,omitempty"`

	// Coder says which coder made the codes read here; Fallbacks counts
	// answers whose model coding failed so the offline codes stand;
	// Uncoded counts answers not coded yet (left out of the readings);
	// QuotesDropped counts quotes a model gave that were not in the
	// answer, and were dropped.
	Coder string `json:"coder"`
	// ActionsAgreed counts the actions agreed in learning sessions in the
	// period, ActionsDone how many of those are done. The engine adds them.
	ActionsAgreed int `json:"actions_agreed"`
	ActionsDone   int `json:"actions_done"`
	Fallbacks     int `json:"fallbacks,omitempty"`
	Uncoded       int `json:"uncoded,omitempty"`
	QuotesDropped int `json:"quotes_dropped"`
	// Outcomes is what happened in the quarter ending with the period,
	// beside the quarter before and the stories (docs/outcomes.md); nil
	// when the team recorded no outcomes in either. The engine adds it.
	Outcomes *OutcomeReport `json:"outcomes,omitempty"`
	// Grouping says how key phrases were grouped into themes when a model
	// could join them by meaning: "stems" when its embeddings failed and
	// only the words' stems grouped them, "stems and embeddings (MODEL)"
	// when it joined them. Empty when no model was asked.
	Grouping string `json:"grouping,omitempty"`
}

// OfflineRead is an answer the offline coder read in a model's place, and
// why: "not coded yet", "the model failed", "read as instructions to the
// model".
type OfflineRead struct {
	AnswerID int64  `json:"answer_id"`
	Reason   string `json:"reason"`
}

// Count is a name with how many.
type Count struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

// Theme is a concept that recurs across answers, with its evidence: a
// theme of the catalogue (ID set), or an emerging one outside it, named by
// the words people used.
type Theme struct {
	// ID is the catalogue theme's id; empty for an emerging theme.
	ID string `json:"id,omitempty"`
	// Label is the plain name a lead reads: the catalogue's label, or for
	// an emerging theme the phrase most often written.
	Label      string   `json:"label"`
	Definition string   `json:"definition,omitempty"`
	SpeaksTo   []string `json:"speaks_to,omitempty"`
	// Key groups an emerging theme's phrases (their stems); Phrase is the
	// words most often written for it.
	Key    string `json:"key"`
	Phrase string `json:"phrase"`
	// Cases counts the distinct cases (answers about a case count once
	// toward it, whatever the reflection; an answer to a check-in about no
	// case counts as one person on its writer's mind) and People the
	// distinct contributors of the answers in AnswerIDs and
	// PassingAnswerIDs together. AnswerIDs are its evidence: the answers
	// about the theme (where none is, those naming it in passing), and
	// Answers how many. PassingAnswerIDs are the answers that name it only
	// in passing while others are about it: they count toward its cases and
	// people, never as its evidence. SubjectCases counts the cases of the
	// answers about it (0 when every answer only names it in passing);
	// themes are ordered by it first.
	Cases            int      `json:"cases"`
	SubjectCases     int      `json:"subject_cases"`
	People           int      `json:"people"`
	Answers          int      `json:"answers"`
	AnswerIDs        []int64  `json:"answer_ids"`
	PassingAnswerIDs []int64  `json:"passing_answer_ids,omitempty"`
	Disciplines      []string `json:"disciplines"`
	// Quotes are candidate quotes, best first, each checked word for word
	// against its stored answer; a renderer shows one or two of those it
	// may show where it posts.
	Quotes []Quote `json:"quotes"`
}

// Quote is a span of a stored answer, attributed by discipline only.
type Quote struct {
	Text       string `json:"text"`
	Discipline string `json:"discipline"`
	AnswerID   int64  `json:"answer_id"`
	// Channel is where the answer was given: a quote from a private
	// channel is never shown in another channel.
	Channel string `json:"channel"`
	// CutBefore and CutAfter say that words of the sentence were left out,
	// shown with an ellipsis.
	CutBefore bool `json:"cut_before,omitempty"`
	CutAfter  bool `json:"cut_after,omitempty"`
}

// Shown is the quote's text as shown: with an ellipsis where words of its
// sentence were left out.
func (q Quote) Shown() string {
	t := q.Text
	if q.CutBefore {
		t = "…" + t
	}
	if q.CutAfter {
		t += "…"
	}
	return t
}

// DirectionReading is how answers read on one direction: this period, and
// the four weeks before it.
type DirectionReading struct {
	Key string `json:"key"`
	// Phrase says in people's words what reading toward means, e.g.
	// "named who is around the person".
	Phrase     string `json:"phrase"`
	Toward     int    `json:"toward"`
	Away       int    `json:"away"`
	Of         int    `json:"of"` // answers read on this direction (toward or away)
	PrevToward int    `json:"prev_toward"`
	PrevOf     int    `json:"prev_of"`
}

// WeekReading is one week of the trend: answers coded, and how many read
// toward each direction.
type WeekReading struct {
	Start   time.Time      `json:"start"`
	Answers int            `json:"answers"`
	Toward  map[string]int `json:"toward"`
	// Of is how many answers were read on each direction (toward or
	// away): the base of the week's share, as in the digest's text.
	Of map[string]int `json:"of"`
}

// Empty reports whether nothing was said in the period.
func (d Digest) Empty() bool { return d.Answers == 0 }

// Summary is the digest's counts, kept with its record.
func (d Digest) Summary() DigestSummary {
	s := DigestSummary{Reflections: d.Reflections, Cases: d.Cases, Contributors: d.Contributors,
		Answers: d.Answers, Recurring: len(d.Recurring), Emerging: len(d.Emerging),
		Toward: map[string]int{}, QuotesDropped: d.QuotesDropped}
	for _, r := range d.Directions {
		s.Toward[r.Key] = r.Toward
	}
	return s
}
