package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// connectShortLived connects an account whose access tokens need renewing
// about two seconds after they are issued.
func connectShortLived(t *testing.T) (*Service, *memStore, *providertest.Microsoft) {
	t.Helper()
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{AccessTTL: refreshMargin + 2*time.Second})
	store := newMemStore()
	s := newTestService(t, store, microsoftConfig(m))
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return s, store, m
}

func nextEvent(t *testing.T, events <-chan RenewEvent) RenewEvent {
	t.Helper()
	select {
	case ev := <-events:
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no renewal within 30s")
		return RenewEvent{}
	}
}

func TestRenewerKeepsKeychainTokenValid(t *testing.T) {
	s, store, m := connectShortLived(t)
	before, _ := store.Get(context.Background(), accessKey(msID, graph))

	events := make(chan RenewEvent, 4)
	r := s.NewRenewer(func(ev RenewEvent) { events <- ev })
	defer r.Stop()
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.Scheduled() != 1 {
		t.Fatalf("%d timers set, want 1", r.Scheduled())
	}
	if m.Refreshes() != 0 {
		t.Fatal("renewed before the token needed it")
	}
	ev := nextEvent(t, events)
	if ev.Err != nil || ev.Account != msID || time.Until(ev.Expiry) < refreshMargin {
		t.Fatalf("renewal = %+v", ev)
	}
	after, _ := store.Get(context.Background(), accessKey(msID, graph))
	var at AccessToken
	json.Unmarshal(after, &at)
	if string(after) == string(before) || !at.Expiry.Equal(ev.Expiry) {
		t.Errorf("the keychain does not hold the renewed token")
	}
	if m.Refreshes() != 1 || r.Scheduled() != 1 {
		t.Errorf("%d refreshes, %d timers after one renewal; want 1 and 1 (the next one set)", m.Refreshes(), r.Scheduled())
	}
}

func TestRenewerReportsReconnect(t *testing.T) {
	s, _, m := connectShortLived(t)
	m.FailNext(providertest.InvalidGrant(70000).Revoking())
	events := make(chan RenewEvent, 4)
	r := s.NewRenewer(func(ev RenewEvent) { events <- ev })
	defer r.Stop()
	r.Sync(context.Background())

	ev := nextEvent(t, events)
	var re *ReconnectError
	if !errors.As(ev.Err, &re) || re.Reason == "" || ev.Account != msID {
		t.Fatalf("renewal = %+v, want a ReconnectError with a reason", ev)
	}
	if r.Scheduled() != 0 {
		t.Error("a timer is still set for an account that needs reconnecting")
	}
	if a, _ := s.Show(context.Background(), msID); a.Status != StatusNeedsReconnect {
		t.Errorf("status = %s", a.Status)
	}
	// Sync sets no timer for it either.
	r.Sync(context.Background())
	if r.Scheduled() != 0 {
		t.Error("Sync set a timer for an account that needs reconnecting")
	}
}

func TestRenewerRetriesPassingFailures(t *testing.T) {
	s, _, m := connectShortLived(t)
	for range 10 { // more than the HTTP client's own retries
		m.FailNext(providertest.Status(503))
	}
	events := make(chan RenewEvent, 4)
	r := s.NewRenewer(func(ev RenewEvent) { events <- ev })
	defer r.Stop()
	r.Sync(context.Background())
	ev := nextEvent(t, events)
	if !errors.Is(ev.Err, ErrProviderUnreachable) && !errors.Is(ev.Err, ErrProvider) {
		t.Fatalf("renewal = %+v, want a provider error", ev)
	}
	if r.Scheduled() != 1 {
		t.Error("no retry set after a passing failure")
	}
}

// TestRenewerStopDoesNotWaitForTheProvider: quitting the app stops the
// Renewer, which must not wait for a renewal stuck at a provider that does
// not answer. Stop returns while the provider still holds the request, and
// no event is reported after it.
func TestRenewerStopDoesNotWaitForTheProvider(t *testing.T) {
	s, _, m := connectShortLived(t)
	const hang = 3 * time.Second
	m.FailNext(providertest.Hang(hang))
	events := make(chan RenewEvent, 4)
	r := s.NewRenewer(func(ev RenewEvent) { events <- ev })
	r.Sync(context.Background())
	for m.Refreshes() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	asked := time.Now()
	r.Stop()
	if held := time.Since(asked); held >= hang {
		t.Errorf("Stop waited %s, until the provider answered", held)
	}
	select {
	case ev := <-events:
		t.Errorf("a renewal was reported after Stop: %+v", ev)
	default:
	}
	if runtime.GOOS == "windows" {
		// Windows deletes no open file: let the abandoned refresh release
		// its lock file before t.TempDir's cleanup.
		time.Sleep(hang + time.Second)
	}
}

func TestRetryDelay(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 6: renewRetryMax, 40: renewRetryMax} {
		if got := retryDelay(n); got != want {
			t.Errorf("retryDelay(%d) = %s, want %s", n, got, want)
		}
	}
	now := time.Now()
	if d := renewDelay(time.Time{}, now); d != 0 {
		t.Errorf("renewDelay(no token) = %s", d)
	}
	if d := renewDelay(now.Add(time.Hour), now); d != time.Hour-refreshMargin+time.Second {
		t.Errorf("renewDelay(1h) = %s", d)
	}
}

func TestWatchAccounts(t *testing.T) {
	s, _, _ := connectShortLived(t)
	changed := make(chan struct{}, 8)
	stop, err := s.WatchAccounts(func() { changed <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// Another process removing the account rewrites the index.
	os.WriteFile(filepath.Join(s.dir, "unrelated.txt"), []byte("x"), 0o600)
	if _, err := s.Remove(context.Background(), msID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(10 * time.Second):
		t.Fatal("no change reported after the index was rewritten")
	}
}
