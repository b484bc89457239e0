package delivery

import (
	"context"
	"sync"
)

// keyLocks is a mutex per key, taken with a context. Within one process it
// lets a single job at a time work on a key, so that other jobs of the same
// key wait here rather than each holding a database connection while they
// wait for the shared lock.
type keyLocks struct {
	mu   sync.Mutex
	keys map[string]*keyLock
}

type keyLock struct {
	held chan struct{} // a token in the channel means held
	refs int           // holders and waiters; the entry goes at zero
}

// lock waits until it holds key's lock or ctx ends, and returns the function
// that releases it.
func (k *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.keys == nil {
		k.keys = map[string]*keyLock{}
	}
	l := k.keys[key]
	if l == nil {
		l = &keyLock{held: make(chan struct{}, 1)}
		k.keys[key] = l
	}
	l.refs++
	k.mu.Unlock()

	select {
	case l.held <- struct{}{}:
		return func() {
			<-l.held
			k.release(key, l)
		}, nil
	case <-ctx.Done():
		k.release(key, l)
		return nil, ctx.Err()
	}
}

func (k *keyLocks) release(key string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(k.keys, key)
	}
}
