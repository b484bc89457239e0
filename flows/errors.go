package flows

import "errors"

// ErrNotFound is returned when a requested record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write would break a uniqueness rule, such as
// a second case with the same pseudonym in one team.
var ErrConflict = errors.New("conflict")

// ErrInvalid is returned when input breaks a domain rule.
var ErrInvalid = errors.New("invalid")

// ErrForbidden is returned when a person may not do what they asked.
var ErrForbidden = errors.New("forbidden")

// ErrNothingStored is returned by Forget when nothing of the person is
// stored: nothing was deleted and nothing recorded.
var ErrNothingStored = errors.New("nothing stored")

// ErrUnknownThread is Message's answer for a reply in a thread that is no
// reflection's: most are the team's own conversations, but one may be an
// answer the bot cannot place, so the adapter counts them.
var ErrUnknownThread = errors.New("no reflection in that thread")
