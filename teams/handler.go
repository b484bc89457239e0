package teams

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// MaxActivityBytes bounds the body of a request to /api/messages. Teams
// caps a message at about 100 KB; the envelope (ids, channel data,
// entities, attachments' metadata) needs some more, so a request of up to
// 256 KiB is read and anything larger is refused with 413.
const MaxActivityBytes = 256 << 10

// ActivityFunc handles a verified activity. Its InvokeResponse is written
// back (an invoke's answer is only ever read from the HTTP response); an
// error is answered with 500, which the Bot Framework may retry.
type ActivityFunc func(ctx context.Context, a *Activity, c *Claims) (InvokeResponse, error)

// MaxUnverified bounds the requests whose bodies are being read and
// checked at once: past it a request is answered 503 with Retry-After
// (the Bot Framework sends it again), so a flood of unsigned bodies holds
// at most MaxUnverified × MaxActivityBytes of memory.
const MaxUnverified = 128

// Handler serves POST /api/messages: it reads a bounded body, parses the
// activity, verifies the request's token against it, and only then hands
// the activity to next. Bad JSON gets 400 and a failed check 403; neither
// calls next, so neither changes anything. Logs never carry the token or
// the message text.
func Handler(v *Verifier, log *slog.Logger, next ActivityFunc) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	unverified := make(chan struct{}, MaxUnverified)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		auth := r.Header.Get("Authorization")
		if auth == "" {
			// Cheap refusal before reading anything.
			log.Info("teams: request refused", "reason", "no authorization header")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		select {
		case unverified <- struct{}{}:
		default:
			log.Warn("teams: request refused", "reason", "too many requests being checked")
			w.Header().Set("Retry-After", "1")
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		a, claims, ok := readVerified(w, r, v, auth, log)
		<-unverified
		if !ok {
			return
		}
		resp, err := next(r.Context(), a, claims)
		if err != nil {
			log.Error("teams: activity not handled", "type", a.Type, "name", a.Name, "id", a.ID, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		if resp.Body == nil {
			w.WriteHeader(status)
			return
		}
		out, err := json.Marshal(resp.Body)
		if err != nil {
			log.Error("teams: invoke response not encodable", "type", a.Type, "name", a.Name, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write(out)
	})
}

// readVerified reads a bounded body, parses the activity and verifies the
// request's token against it; false says the request was answered (400,
// 403, 413) and must go no further.
func readVerified(w http.ResponseWriter, r *http.Request, v *Verifier, auth string, log *slog.Logger) (*Activity, *Claims, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxActivityBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return nil, nil, false
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, nil, false
	}
	a, err := ParseActivity(body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return nil, nil, false
	}
	claims, err := v.Verify(r.Context(), auth, a)
	if err != nil {
		reason := "token check failed"
		var ae *AuthError
		if errors.As(err, &ae) {
			reason = ae.Reason
		}
		log.Info("teams: request refused", "reason", reason, "type", a.Type, "channel", a.ChannelID)
		http.Error(w, "forbidden", http.StatusForbidden)
		return nil, nil, false
	}
	return a, claims, true
}
