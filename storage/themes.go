package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"whatmatters/flows"
)

// SaveCodes stores an answer's codes, replacing any it had. It returns
// flows.ErrNotFound if the answer does not exist, and flows.ErrConflict if
// the answer's text no longer has the hash that was coded.
func (s *store) SaveCodes(ctx context.Context, answerID int64, textHash string, c flows.Codes) error {
	doing := fmt.Sprintf("saving the codes of answer %d", answerID)
	n, err := s.saveCodes(ctx, doing, []flows.AnswerCodes{{AnswerID: answerID, TextHash: textHash, Codes: c}}, true)
	if err == nil && n == 0 {
		err = fmt.Errorf("%s: %w: the text changed since it was coded", doing, flows.ErrConflict)
	}
	return err
}

// SaveManyCodes stores the codes of several answers in one transaction and
// a few statements, whatever their number, and returns how many it stored.
// Answers deleted, or edited since they were coded, are passed over.
func (s *store) SaveManyCodes(ctx context.Context, codes []flows.AnswerCodes) (int, error) {
	if len(codes) == 0 {
		return 0, nil
	}
	return s.saveCodes(ctx, fmt.Sprintf("saving the codes of %d answers", len(codes)), codes, false)
}

// storedCodes is one row of answer_codes, as the JSON the statements below
// read their rows from.
type storedCodes struct {
	AnswerID      int64  `json:"answer_id"`
	TeamID        string `json:"team_id"`
	Coder         string `json:"coder"`
	Version       string `json:"coder_version"`
	TextHash      string `json:"text_hash"`
	Relationships string `json:"relationships"`
	Stories       string `json:"stories"`
	Community     string `json:"community"`
	Anticipation  string `json:"anticipation"`
	Capabilities  string `json:"capabilities"`
	Phrases       string `json:"phrases"`
	Fallback      bool   `json:"fallback"`
	DroppedQuotes int    `json:"dropped_quotes"`
	OfflineReason string `json:"offline_reason"`
}

// saveCodes stores codes whose answers still have the hashed text. With
// missing set, an answer that does not exist is flows.ErrNotFound.
func (s *store) saveCodes(ctx context.Context, doing string, codes []flows.AnswerCodes, missing bool) (int, error) {
	rows := make([]storedCodes, 0, len(codes))
	ids := make([]int64, 0, len(codes))
	at := make(map[int64]int, len(codes)) // an answer given twice: the later codes
	for _, ac := range codes {
		c := ac.Codes
		for _, l := range []flows.Label{c.Relationships, c.Stories, c.Community, c.Anticipation} {
			if !l.Valid() {
				return 0, fmt.Errorf("%s: %w: label %q", doing, flows.ErrInvalid, l)
			}
		}
		phrases := c.Phrases
		if phrases == nil {
			phrases = []flows.Phrase{}
		}
		pj, err := json.Marshal(phrases)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", doing, err)
		}
		caps := strings.Join(c.Capabilities, ",")
		if err := checkText(doing, ac.TextHash, c.Coder, c.Version, caps, string(pj), c.OfflineReason); err != nil {
			return 0, err
		}
		row := storedCodes{AnswerID: ac.AnswerID, Coder: c.Coder, Version: c.Version,
			TextHash: ac.TextHash, Relationships: string(c.Relationships), Stories: string(c.Stories),
			Community: string(c.Community), Anticipation: string(c.Anticipation), Capabilities: caps,
			Phrases: string(pj), Fallback: c.Fallback, DroppedQuotes: c.DroppedQuotes, OfflineReason: c.OfflineReason}
		if i, seen := at[ac.AnswerID]; seen {
			rows[i] = row
			continue
		}
		at[ac.AnswerID] = len(rows)
		rows = append(rows, row)
		ids = append(ids, ac.AnswerID)
	}
	stored := 0
	err := s.InTx(ctx, func(tx flows.Store) error {
		ts := tx.(*store)
		byID, idArg := inList(ts.dialect, ids)
		// Locked in the order of their ids, so that two instances storing
		// codes of the same answers wait for each other rather than
		// deadlock.
		q, err := ts.q.QueryContext(ctx, `SELECT id, text, team_id FROM answers WHERE id `+byID+` ORDER BY id`+ts.lock(), idArg)
		if err != nil {
			return wrap(doing, err)
		}
		type answer struct {
			id         int64
			text, team string
		}
		found, err := collect(q, doing, func(r rowScanner) (a answer, err error) {
			return a, r.Scan(&a.id, &a.text, &a.team)
		})
		if err != nil {
			return err
		}
		texts := make(map[int64]answer, len(found))
		for _, a := range found {
			texts[a.id] = a
		}
		keep := make([]storedCodes, 0, len(rows))
		for _, r := range rows {
			a, ok := texts[r.AnswerID]
			switch {
			case !ok && missing:
				return wrap(doing, sql.ErrNoRows)
			case !ok, a.text == "", flows.TextHash(a.text) != r.TextHash:
				continue // deleted or edited meanwhile
			}
			r.TeamID = a.team
			keep = append(keep, r)
		}
		if len(keep) == 0 {
			return nil
		}
		data, err := json.Marshal(keep)
		if err != nil {
			return fmt.Errorf("%s: %w", doing, err)
		}
		if _, err := ts.q.ExecContext(ctx, `
			INSERT INTO answer_codes (answer_id, team_id, coder, coder_version, text_hash,
				relationships, stories, community, anticipation, capabilities, phrases,
				fallback, dropped_quotes, offline_reason, coded_at)
			`+ts.dialect.codesFromJSON()+`
			ON CONFLICT (answer_id) DO UPDATE SET
				coder = excluded.coder, coder_version = excluded.coder_version,
				text_hash = excluded.text_hash, relationships = excluded.relationships,
				stories = excluded.stories, community = excluded.community,
				anticipation = excluded.anticipation, capabilities = excluded.capabilities,
				phrases = excluded.phrases, fallback = excluded.fallback,
				dropped_quotes = excluded.dropped_quotes, offline_reason = excluded.offline_reason,
				coded_at = excluded.coded_at`,
			string(data), ts.dialect.timeArg(ts.now())); err != nil {
			return wrap(doing, err)
		}
		keptIDs := make([]int64, len(keep))
		for i, r := range keep {
			keptIDs[i] = r.AnswerID
		}
		byID, idArg = inList(ts.dialect, keptIDs)
		if _, err := ts.q.ExecContext(ctx, `DELETE FROM answers_to_code WHERE answer_id `+byID, idArg); err != nil {
			return wrap(doing, err)
		}
		stored = len(keep)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

const codedAnswerColumns = `a.id, a.reflection_id, a.team_id, a.stage, a.author, a.discipline, a.text,
	a.follow_up, a.message_id, a.created_at, a.edited_at, a.withdrawn_at, a.purged_at,
	COALESCE(r.case_id, 0), r.template, r.channel,
	c.coder, c.coder_version, c.relationships, c.stories, c.community, c.anticipation,
	c.capabilities, c.phrases, c.fallback, c.dropped_quotes, c.offline_reason`

const codedAnswerFrom = ` FROM answers a
	JOIN reflections r ON r.id = a.reflection_id
	LEFT JOIN answer_codes c ON c.answer_id = a.id`

func scanCodedAnswer(r rowScanner) (flows.CodedAnswer, error) {
	var (
		ca                 flows.CodedAnswer
		a                  = &ca.Answer
		coder, version     sql.NullString
		rel, sto, com, ant sql.NullString
		caps, phrases      sql.NullString
		fallback           sql.NullBool
		dropped            sql.NullInt64
		offlineReason      sql.NullString
	)
	err := r.Scan(&a.ID, &a.ReflectionID, &a.TeamID, &a.Stage, &a.Author, &a.Discipline, &a.Text,
		&a.FollowUp, &a.MessageID, timeDest{&a.CreatedAt}, timeDest{&a.EditedAt}, timeDest{&a.WithdrawnAt}, timeDest{&a.PurgedAt},
		&ca.CaseID, &ca.Template, &ca.Channel,
		&coder, &version, &rel, &sto, &com, &ant, &caps, &phrases, &fallback, &dropped, &offlineReason)
	if err != nil || !coder.Valid {
		return ca, err
	}
	c := &flows.Codes{
		Coder: coder.String, Version: version.String,
		Relationships: flows.Label(rel.String), Stories: flows.Label(sto.String),
		Community: flows.Label(com.String), Anticipation: flows.Label(ant.String),
		Fallback: fallback.Bool, DroppedQuotes: int(dropped.Int64), OfflineReason: offlineReason.String,
	}
	if caps.String != "" {
		c.Capabilities = strings.Split(caps.String, ",")
	}
	if err := json.Unmarshal([]byte(phrases.String), &c.Phrases); err != nil {
		return ca, fmt.Errorf("reading stored key phrases: %w", err)
	}
	ca.Codes = c
	return ca, nil
}

// AnswersToCode returns up to limit answers with text whose codes are
// missing or were made by another coder or version, oldest first. Offline
// codes kept after the model failed (fallback) stand: they are not
// returned again.
//
// The answers waiting are kept in a queue of their own (answers_to_code),
// so a call reads only those. The first call for a coder and version in a
// process also queues the answers another coder or version left behind: a
// process runs one coder, so that full pass happens once per start, and not
// while replies arrive.
func (s *store) AnswersToCode(ctx context.Context, coder, version string, limit int) ([]flows.CodedAnswer, error) {
	const doing = "listing answers to code"
	if err := checkText(doing, coder, version); err != nil {
		return nil, err
	}
	key := coder + "\x00" + version
	if _, done := s.coders.Load(key); !done {
		if err := s.requeueCodes(ctx, coder, version); err != nil {
			return nil, wrap(doing, err)
		}
		if s.tx == nil { // inside a transaction, a rollback would undo it
			s.coders.Store(key, true)
		}
	}
	// The queue is read first, by itself, and the answers then by id: an
	// answer table the planner has no statistics for yet looks nearly empty
	// to it, and in one join it would scan every answer to find the few
	// queued. Answers that are not to be coded never stay queued (and a
	// start puts the queue right), so the filter below only guards.
	rows, err := s.q.QueryContext(ctx, `SELECT answer_id FROM answers_to_code ORDER BY answer_id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(doing, err)
	}
	ids, err := collect(rows, doing, func(r rowScanner) (id int64, err error) { return id, r.Scan(&id) })
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	byID, arg := inList(s.dialect, ids)
	rows, err = s.q.QueryContext(ctx, `SELECT `+codedAnswerColumns+codedAnswerFrom+`
		WHERE a.id `+byID+` AND a.text <> '' AND a.withdrawn_at IS NULL AND a.purged_at IS NULL
		ORDER BY a.id`, arg)
	if err != nil {
		return nil, wrap(doing, err)
	}
	as, err := collect(rows, doing, scanCodedAnswer)
	if err != nil || len(as) == len(ids) {
		return as, err
	}
	// A queued answer with nothing left to code leaves the queue, so that
	// it cannot hold the head of it.
	listed := make(map[int64]bool, len(as))
	for _, a := range as {
		listed[a.ID] = true
	}
	var stale []int64
	for _, id := range ids {
		if !listed[id] {
			stale = append(stale, id)
		}
	}
	byID, arg = inList(s.dialect, stale)
	if _, err := s.q.ExecContext(ctx, `DELETE FROM answers_to_code WHERE answer_id `+byID, arg); err != nil {
		return nil, wrap(doing, err)
	}
	if len(as) == 0 {
		// Nothing to code in this stretch of the queue: look further (the
		// queue is shorter by what was dropped, so this ends).
		return s.AnswersToCode(ctx, coder, version, limit)
	}
	return as, nil
}

// requeueCodes makes the queue of answers to code right for this coder and
// version: every answer with text and no codes of theirs (fallback codes
// stand) is in it, and no other.
func (s *store) requeueCodes(ctx context.Context, coder, version string) error {
	const fresh = `EXISTS (SELECT 1 FROM answer_codes c WHERE c.answer_id = a.id
		AND ((c.coder = $1 AND c.coder_version = $2) OR c.fallback = $3))`
	if _, err := s.q.ExecContext(ctx, `
		INSERT INTO answers_to_code (answer_id)
		SELECT a.id FROM answers a
		WHERE a.text <> '' AND a.withdrawn_at IS NULL AND a.purged_at IS NULL AND NOT `+fresh+`
		ON CONFLICT (answer_id) DO NOTHING`, coder, version, true); err != nil {
		return err
	}
	_, err := s.q.ExecContext(ctx, `
		DELETE FROM answers_to_code WHERE answer_id IN (SELECT a.id FROM answers a
			WHERE a.text = '' OR a.withdrawn_at IS NOT NULL OR a.purged_at IS NOT NULL OR `+fresh+`)`,
		coder, version, true)
	return err
}

// ListCodedAnswers returns the team's answers created in [from, to) that
// still have text, oldest first, each with its codes when it has them.
func (s *store) ListCodedAnswers(ctx context.Context, teamID string, from, to time.Time) ([]flows.CodedAnswer, error) {
	const doing = "listing a team's coded answers"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	d := s.dialect
	const where = ` WHERE a.team_id = $1 AND a.created_at >= $2 AND a.created_at < $3
			AND a.text <> '' AND a.withdrawn_at IS NULL AND a.purged_at IS NULL`
	// Counted first, so that a listing of many thousands (a digest of a
	// quarter) is made once at its size rather than copied as it grows: a
	// third of a 10,000-answer digest's memory went on that copying. The
	// count is a hint; an answer saved between the two statements only
	// makes the slice grow once.
	var n int
	if err := s.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM answers a`+where,
		teamID, d.timeArg(from), d.timeArg(to)).Scan(&n); err != nil {
		return nil, wrap(doing, err)
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+codedAnswerColumns+codedAnswerFrom+where+`
		ORDER BY a.created_at, a.id`, teamID, d.timeArg(from), d.timeArg(to))
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collectSized(rows, doing, scanCodedAnswer, n)
}

const digestColumns = `id, team_id, week_key, period_from, period_to, weeks, channel, coder,
	summary, on_demand_by, created_at, posted_at, message_id`

func scanDigest(r rowScanner) (flows.DigestRecord, error) {
	var (
		d       flows.DigestRecord
		summary string
	)
	err := r.Scan(&d.ID, &d.TeamID, &d.WeekKey, timeDest{&d.From}, timeDest{&d.To}, &d.Weeks, &d.Channel, &d.Coder,
		&summary, &d.OnDemandBy, timeDest{&d.CreatedAt}, timeDest{&d.PostedAt}, &d.MessageID)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(summary), &d.Summary); err != nil {
		return d, fmt.Errorf("reading a digest's summary: %w", err)
	}
	return d, nil
}

// RecordDigest stores a digest's record; a WeekKey the team has already
// gives flows.ErrConflict.
func (s *store) RecordDigest(ctx context.Context, d flows.DigestRecord) (flows.DigestRecord, error) {
	const doing = "recording a digest"
	if err := required(doing, "team id", d.TeamID); err != nil {
		return d, err
	}
	summary, err := json.Marshal(d.Summary)
	if err != nil {
		return d, fmt.Errorf("%s: %w", doing, err)
	}
	if err := checkText(doing, d.TeamID, d.WeekKey, d.Channel, d.Coder, d.OnDemandBy, d.MessageID); err != nil {
		return d, err
	}
	dl := s.dialect
	stored, err := scanDigest(s.q.QueryRowContext(ctx, `
		INSERT INTO digests (team_id, week_key, period_from, period_to, weeks, channel, coder,
			summary, on_demand_by, created_at, posted_at, message_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING `+digestColumns,
		d.TeamID, d.WeekKey, dl.timeArg(d.From), dl.timeArg(d.To), d.Weeks, d.Channel, d.Coder,
		string(summary), d.OnDemandBy, dl.timeArg(s.stamp(d.CreatedAt)), dl.nullTimeArg(d.PostedAt), d.MessageID))
	return stored, wrap(doing, err)
}

// MarkDigestPosted records where and when a digest was posted.
func (s *store) MarkDigestPosted(ctx context.Context, id int64, channel, messageID string, at time.Time) error {
	doing := fmt.Sprintf("marking digest %d posted", id)
	if err := checkText(doing, channel, messageID); err != nil {
		return err
	}
	res, err := s.q.ExecContext(ctx, `UPDATE digests SET channel = $2, message_id = $3, posted_at = $4 WHERE id = $1`,
		id, channel, messageID, s.dialect.timeArg(s.stamp(at)))
	return changedOne(doing, res, err)
}

// ListDigests returns the team's digest records (every team's when teamID
// is empty), oldest first.
func (s *store) ListDigests(ctx context.Context, teamID string) ([]flows.DigestRecord, error) {
	const doing = "listing digests"
	if err := checkText(doing, teamID); err != nil {
		return nil, err
	}
	rows, err := s.q.QueryContext(ctx, `SELECT `+digestColumns+` FROM digests
		WHERE $1 = '' OR team_id = $1 ORDER BY id`, teamID)
	if err != nil {
		return nil, wrap(doing, err)
	}
	return collect(rows, doing, scanDigest)
}
