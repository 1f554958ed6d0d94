package secretstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func newFake(t *testing.T, chunkSize int) (*Keyring, *fakeStore) {
	t.Helper()
	f := newFakeStore()
	k := newKeyring("svc", 5*time.Second, f)
	k.chunkSize = chunkSize
	return k, f
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// chunkNames lists the names a value of n bytes occupies at generation gen.
func chunkNames(key string, gen uint64, n, size int) []string {
	names := []string{key}
	if gen == 0 {
		return names
	}
	for i := range max(1, (n+size-1)/size) {
		names = append(names, chunkName(key, gen, i))
	}
	slices.Sort(names)
	return names
}

func TestRoundTripSizes(t *testing.T) {
	const size = 100
	tests := []struct {
		name   string
		secret []byte
		gen    uint64 // 0: stored unchunked
	}{
		{"empty", []byte{}, 0},
		{"small", []byte("refresh-token"), 0},
		{"exactly one chunk", bytes.Repeat([]byte("a"), size), 0},
		{"one byte over", bytes.Repeat([]byte("b"), size+1), 1},
		{"8 KiB binary", randomBytes(t, 8192), 1},
		{"looks like a marker", []byte("latchkey-chunks:v1:7:3"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, f := newFake(t, size)
			ctx := context.Background()
			if err := k.Set(ctx, "acct", tt.secret); err != nil {
				t.Fatal(err)
			}
			got, err := k.Get(ctx, "acct")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.secret) {
				t.Fatalf("Get returned %d bytes, want the %d written", len(got), len(tt.secret))
			}
			if want := chunkNames("acct", tt.gen, len(tt.secret), size); !slices.Equal(f.names(), want) {
				t.Fatalf("items %v, want %v", f.names(), want)
			}
			if err := k.Delete(ctx, "acct"); err != nil {
				t.Fatal(err)
			}
			if n := f.names(); len(n) != 0 {
				t.Fatalf("items left after Delete: %v", n)
			}
		})
	}
}

func TestOverwriteLeavesOnlyLiveChunks(t *testing.T) {
	k, f := newFake(t, 10)
	ctx := context.Background()
	steps := []struct {
		size int
		gen  uint64
	}{
		{95, 1}, {31, 2}, {5, 3}, // a chunked key stays chunked, even when small
		{200, 4}, {10, 5},
	}
	for _, s := range steps {
		v := randomBytes(t, s.size)
		if err := k.Set(ctx, "acct", v); err != nil {
			t.Fatal(err)
		}
		if want := chunkNames("acct", s.gen, s.size, 10); !slices.Equal(f.names(), want) {
			t.Fatalf("after writing %d bytes: items %v, want %v", s.size, f.names(), want)
		}
		if got, err := k.Get(ctx, "acct"); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get after writing %d bytes: %d bytes, %v", s.size, len(got), err)
		}
	}
}

func TestDeleteMissingIsNil(t *testing.T) {
	k, _ := newFake(t, 10)
	if err := k.Delete(context.Background(), "nobody"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	_, err := k.Get(context.Background(), "nobody")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `keychain read "nobody"`) {
		t.Fatalf("error %q does not name the operation and key", err)
	}
}

// TestCrashNeverTears interrupts writes and deletes after every possible
// number of keychain mutations and checks that a reader then sees either
// the old value or the new one (never a mix), and that the next write leaves
// exactly the live items.
func TestCrashNeverTears(t *testing.T) {
	const size = 10
	sizes := []int{0, 5, 25, 45}
	ctx := context.Background()
	for _, oldN := range sizes {
		for _, newN := range append(sizes, -1) { // -1: Delete
			for crash := 1; ; crash++ {
				k, f := newFake(t, size)
				old := randomBytes(t, oldN)
				// Two writes first, so that generations g-1 and g both exist.
				if err := k.Set(ctx, "acct", randomBytes(t, oldN)); err != nil {
					t.Fatal(err)
				}
				if err := k.Set(ctx, "acct", old); err != nil {
					t.Fatal(err)
				}
				f.mu.Lock()
				f.mutations, f.crashAt = 0, crash
				f.mu.Unlock()
				var next []byte
				var opErr error
				if newN < 0 {
					opErr = k.Delete(ctx, "acct")
				} else {
					next = randomBytes(t, newN)
					opErr = k.Set(ctx, "acct", next)
				}
				f.mu.Lock()
				f.crashAt = 0
				f.mu.Unlock()

				got, err := k.Get(ctx, "acct")
				switch {
				case errors.Is(err, ErrNotFound) && newN < 0:
				case err == nil && bytes.Equal(got, old):
				case err == nil && newN >= 0 && bytes.Equal(got, next):
				default:
					t.Fatalf("old %d, new %d, crash at mutation %d: Get = %d bytes, %v: torn", oldN, newN, crash, len(got), err)
				}

				// Recovery: one more write leaves only its own items.
				final := randomBytes(t, 33)
				if err := k.Set(ctx, "acct", final); err != nil {
					t.Fatal(err)
				}
				h, _ := k.readHead(ctx, "acct")
				if want := chunkNames("acct", h.gen, 33, size); !slices.Equal(f.names(), want) {
					t.Fatalf("old %d, new %d, crash at %d: after recovery items %v, want %v", oldN, newN, crash, f.names(), want)
				}
				if err := k.Delete(ctx, "acct"); err != nil || len(f.names()) != 0 {
					t.Fatalf("Delete after recovery: %v, left %v", err, f.names())
				}
				if opErr == nil {
					break // the operation completed before the crash point
				}
			}
		}
	}
}

func TestErrorsNeverQuoteSecrets(t *testing.T) {
	const secret = "SECRET-refresh-token-value"
	k, f := newFake(t, 1000)
	ctx := context.Background()
	// A head that looks chunked but is malformed (a foreign item).
	f.items["svc\x00acct"] = "latchkey-chunks:v1:" + secret
	_, err := k.Get(ctx, "acct")
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("Get of a malformed head: %v", err)
	}
	f.err = errors.New("backend broke")
	err = k.Set(ctx, "acct", []byte(secret))
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("failed Set: %v", err)
	}
}

func TestInvalidKeys(t *testing.T) {
	k, f := newFake(t, 10)
	for _, key := range []string{"", "a#1.0", "line\nbreak", strings.Repeat("k", maxKeyLen+1), "\xff"} {
		if err := k.Set(context.Background(), key, []byte("x")); err == nil {
			t.Errorf("Set(%q) succeeded", key)
		}
	}
	if n := f.names(); len(n) != 0 {
		t.Fatalf("invalid keys reached the keychain: %v", n)
	}
}

func TestLockedIsUnavailable(t *testing.T) {
	if !errors.Is(ErrLocked, ErrUnavailable) {
		t.Fatal("ErrLocked is not ErrUnavailable")
	}
	if errors.Is(ErrUnavailable, ErrLocked) {
		t.Fatal("ErrUnavailable is ErrLocked")
	}
	err := fmt.Errorf("keychain read %q: %w", "k", errLockedNow)
	if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("%v: wrapped locked error lost its sentinels", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	tests := []struct {
		env  string
		want time.Duration
	}{
		{"", 30 * time.Second},
		{"2s", 2 * time.Second},
		{"150ms", 150 * time.Millisecond},
		{"soon", 30 * time.Second},
		{"-1s", 30 * time.Second},
	}
	for _, tt := range tests {
		t.Setenv("LATCHKEY_KEYCHAIN_TIMEOUT", tt.env)
		if got := DefaultTimeout(); got != tt.want {
			t.Errorf("LATCHKEY_KEYCHAIN_TIMEOUT=%q: %v, want %v", tt.env, got, tt.want)
		}
	}
}

// TestTimedOutWriteCannotWinOverNewer blocks the first write inside the
// keychain, as a locked collection with a prompter does. The caller gets a
// timeout; a newer write queued behind it wins once the keychain answers; a
// write whose caller gave up while queued never happens.
func TestTimedOutWriteCannotWinOverNewer(t *testing.T) {
	k, f := newFake(t, 1000)
	release := make(chan struct{})
	var once sync.Once
	f.blockSet = func(user, secret string) {
		once.Do(func() { <-release })
	}
	k.locked = func(context.Context) (bool, error) { return false, nil }

	ctx1, cancel1 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel1()
	start := time.Now()
	err := k.Set(ctx1, "acct", []byte("v1"))
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stuck Set: %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("stuck Set returned after %v", elapsed)
	}

	second := make(chan error, 1)
	go func() { second <- k.Set(context.Background(), "acct", []byte("v2")) }()
	ctx3, cancel3 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel3()
	waitQueued(t, k, 1) // v2, behind the running v1
	if err := k.Set(ctx3, "acct", []byte("v3")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("queued Set that gave up: %v", err)
	}
	close(release)
	if err := <-second; err != nil {
		t.Fatalf("newer Set: %v", err)
	}
	got, err := k.Get(context.Background(), "acct")
	if err != nil || string(got) != "v2" {
		t.Fatalf("Get = %q, %v; want the newer value v2", got, err)
	}
	f.mu.Lock()
	sets := slices.Clone(f.sets)
	f.mu.Unlock()
	if !slices.Equal(sets, []string{"acct=v1", "acct=v2"}) {
		t.Fatalf("writes reached the keychain as %q; want v1 (late) then v2, and never v3", sets)
	}
}

func waitQueued(t *testing.T, k *Keyring, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		k.queue.mu.Lock()
		l := len(k.queue.jobs)
		k.queue.mu.Unlock()
		if l >= n {
			return
		}
	}
	t.Fatalf("fewer than %d jobs queued", n)
}

// TestStuckCallReportsLocked: when the keychain hangs and says its
// collection is locked, the call ends at its deadline with ErrLocked.
func TestStuckCallReportsLocked(t *testing.T) {
	k, f := newFake(t, 1000)
	release := make(chan struct{})
	defer close(release)
	f.blockSet = func(string, string) { <-release }
	k.timeout = 400 * time.Millisecond
	k.locked = func(context.Context) (bool, error) { return true, nil }
	start := time.Now()
	err := k.Set(context.Background(), "acct", []byte("v"))
	if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Set: %v, want ErrLocked", err)
	}
	if elapsed := time.Since(start); elapsed > k.timeout+300*time.Millisecond {
		t.Fatalf("Set returned after %v, timeout %v", elapsed, k.timeout)
	}
}

func TestCancelledContext(t *testing.T) {
	k, f := newFake(t, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := k.Set(ctx, "acct", []byte("v"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Set with a cancelled context: %v", err)
	}
	if n := f.names(); len(n) != 0 {
		t.Fatalf("a cancelled Set reached the keychain: %v", n)
	}
}
