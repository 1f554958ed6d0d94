package accounts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// RenewEvent reports one background renewal of an account's access token.
type RenewEvent struct {
	// Account is the account's ID.
	Account string
	// Expiry is when the new access token expires, when Err is nil.
	Expiry time.Time
	// Err is why the renewal failed. It wraps ErrNeedsReconnect (as a
	// *ReconnectError with the reason in plain words) when the person must
	// sign in again; any other error is retried by the Renewer.
	Err error
}

// renewRetry bounds the retries of a renewal that failed for a passing
// reason (network, keychain, provider trouble): the first retry comes after
// renewRetryFirst, each later one twice as late, never later than
// renewRetryMax.
const (
	renewRetryFirst = 30 * time.Second
	renewRetryMax   = 10 * time.Minute
)

// Renewer keeps a valid access token in the keychain for every connected
// account, for programs that read the keychain directly: it renews each
// one when Token would (refreshMargin before it expires), with one timer
// per account and no polling. It is safe for concurrent use.
type Renewer struct {
	s       *Service
	onEvent func(RenewEvent)

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	timers   map[string]*time.Timer
	failures map[string]int
	stopped  bool
}

// NewRenewer returns a Renewer for s that reports each renewal to onEvent,
// on the Renewer's own goroutines. Call Sync to start it.
func (s *Service) NewRenewer(onEvent func(RenewEvent)) *Renewer {
	ctx, cancel := context.WithCancel(context.Background())
	return &Renewer{s: s, onEvent: onEvent, ctx: ctx, cancel: cancel,
		timers: map[string]*time.Timer{}, failures: map[string]int{}}
}

// Sync reads the accounts and sets one timer per connected account, at the
// time its access token needs renewing (at once if it already does).
// Call it again whenever the accounts change.
func (r *Renewer) Sync(ctx context.Context) error {
	list, err := r.s.List(ctx)
	if err != nil {
		return err
	}
	now := r.s.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil
	}
	seen := map[string]bool{}
	for _, a := range list {
		if a.Status != StatusConnected {
			continue
		}
		seen[a.ID] = true
		if r.failures[a.ID] > 0 {
			continue // a retry is already set
		}
		r.setLocked(a.ID, renewDelay(a.AccessExpiry, now))
	}
	for id, t := range r.timers {
		if !seen[id] {
			t.Stop()
			delete(r.timers, id)
			delete(r.failures, id)
		}
	}
	return nil
}

// renewDelay is how long to wait before renewing a token that expires at
// expiry: until it stops being usable (Token renews it from then on), and
// a second more so that Token does not hand back the old one.
func renewDelay(expiry, now time.Time) time.Duration {
	if expiry.IsZero() {
		return 0
	}
	return max(0, expiry.Add(-refreshMargin).Sub(now)+time.Second)
}

// retryDelay is the wait before retry number n (1, 2, ...).
func retryDelay(n int) time.Duration {
	d := renewRetryFirst
	for i := 1; i < n && d < renewRetryMax; i++ {
		d *= 2
	}
	return min(d, renewRetryMax)
}

func (r *Renewer) setLocked(id string, d time.Duration) {
	if t, ok := r.timers[id]; ok {
		t.Stop()
	}
	r.timers[id] = time.AfterFunc(d, func() { r.renew(id) })
}

// renew renews one account's token and sets its next timer.
func (r *Renewer) renew(id string) {
	r.mu.Lock()
	if r.stopped {
		r.mu.Unlock()
		return
	}
	// Under mu, before Stop can start waiting.
	r.wg.Add(1)
	r.mu.Unlock()
	defer r.wg.Done()
	t, err := r.s.Token(r.ctx, id, nil)
	if errors.Is(err, context.Canceled) && r.ctx.Err() != nil {
		return // stopping
	}
	ev := RenewEvent{Account: id, Err: err}
	r.mu.Lock()
	switch {
	case r.stopped:
	case err == nil:
		ev.Expiry = t.Expiry
		r.failures[id] = 0
		r.setLocked(id, renewDelay(t.Expiry, r.s.now()))
	case errors.Is(err, ErrNeedsReconnect), errors.Is(err, ErrUnknownAccount):
		// Nothing to renew until the person reconnects (Sync sets a
		// timer again then) or the account is gone.
		if t, ok := r.timers[id]; ok {
			t.Stop()
		}
		delete(r.timers, id)
		delete(r.failures, id)
	default:
		r.failures[id]++
		r.setLocked(id, retryDelay(r.failures[id]))
	}
	stopped := r.stopped
	r.mu.Unlock()
	if !stopped && r.onEvent != nil {
		r.onEvent(ev)
	}
}

// Stop cancels every timer and any renewal under way, and waits for them.
func (r *Renewer) Stop() {
	r.mu.Lock()
	r.stopped = true
	for id, t := range r.timers {
		t.Stop()
		delete(r.timers, id)
	}
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// Scheduled is the number of accounts with a renewal timer set, for tests
// and diagnostics.
func (r *Renewer) Scheduled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.timers)
}

// WatchAccounts calls onChange, on its own goroutine, shortly after the
// account index or config.toml changes on disk: another Latchkey process
// (the command) connected, removed or renewed an account. It watches the
// config dir with the OS's file notifications, not by polling. Call stop
// to end the watch.
func (s *Service) WatchAccounts(onChange func()) (stop func(), err error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, storageErr("create the config dir", err)
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, storageErr("watch the config dir", err)
	}
	if err := w.Add(s.dir); err != nil {
		w.Close()
		return nil, storageErr("watch the config dir", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Writes come in bursts (temporary file, rename): report once
		// they settle.
		var settle *time.Timer
		defer func() {
			if settle != nil {
				settle.Stop()
			}
		}()
		for {
			select {
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				switch filepath.Base(ev.Name) {
				case IndexFileName, ConfigFileName:
				default:
					continue
				}
				if settle == nil {
					settle = time.AfterFunc(100*time.Millisecond, onChange)
				} else {
					settle.Reset(100 * time.Millisecond)
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return func() { w.Close(); <-done }, nil
}
