package bot

import (
	"context"
	"sync"
	"time"
)

// pacer spaces the bot's posts to each channel, as Slack asks: at most one
// message a second to a channel, and none at all until a rate limit's
// Retry-After has passed. It works within one process; several instances
// posting to one channel each keep their own pace, and a 429 then holds
// back the one that got it.
type pacer struct {
	interval time.Duration
	now      func() time.Time

	mu   sync.Mutex
	next map[string]time.Time // the earliest time of the next post, by channel
}

func newPacer(interval time.Duration, now func() time.Time) *pacer {
	return &pacer{interval: interval, now: now, next: map[string]time.Time{}}
}

// wait blocks until a post to channel may go, and books that slot. It
// returns how long it waited, or ctx's error if ctx ended first.
func (p *pacer) wait(ctx context.Context, channel string) (time.Duration, error) {
	p.mu.Lock()
	now := p.now()
	at := p.next[channel]
	if at.Before(now) {
		at = now
	}
	p.next[channel] = at.Add(p.interval)
	if len(p.next) > 10_000 {
		p.prune(now)
	}
	p.mu.Unlock()

	d := at.Sub(now)
	if d <= 0 {
		return 0, nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return d, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// hold keeps every post to channel back for d, after Slack said to.
func (p *pacer) hold(channel string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until := p.now().Add(d); until.After(p.next[channel]) {
		p.next[channel] = until
	}
}

// prune forgets channels whose next slot has passed.
func (p *pacer) prune(now time.Time) {
	for ch, at := range p.next {
		if at.Before(now) {
			delete(p.next, ch)
		}
	}
}
