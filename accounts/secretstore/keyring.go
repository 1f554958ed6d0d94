package secretstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	// ErrNotFound means the keychain holds no such item.
	ErrNotFound = errors.New("no such keychain item")
	// ErrUnavailable means the keychain cannot be used now: there is no
	// Secret Service or session bus, the keychain is locked, or it did not
	// answer in time. Errors that wrap it say which, in plain words.
	ErrUnavailable = errors.New("keychain unavailable")
	// ErrLocked means the keychain is locked. errors.Is(err, ErrUnavailable)
	// also holds for it.
	ErrLocked error = lockedError{}
)

type lockedError struct{}

func (lockedError) Error() string        { return "the keychain is locked" }
func (lockedError) Is(target error) bool { return target == ErrUnavailable }

func unavailable(detail string) error { return fmt.Errorf("%w: %s", ErrUnavailable, detail) }

// errLockedNow is what a call reports when the keychain says it is locked.
var errLockedNow = fmt.Errorf("%w: unlock it (for example by signing in to the desktop session) and try again", ErrLocked)

// defaultTimeout leaves time to type a keychain password at a prompt
// (cli/cli's 3 s is too short, cli/cli #11005).
const defaultTimeout = 30 * time.Second

// maxKeyLen keeps every chunk's name, once shell-quoted, well inside macOS's
// 4096-byte command line for /usr/bin/security.
const maxKeyLen = 256

// DefaultTimeout is how long a keychain call may take: 30s, or the Go
// duration in LATCHKEY_KEYCHAIN_TIMEOUT (for tests) when it is valid and
// positive.
func DefaultTimeout() time.Duration {
	if v := os.Getenv("LATCHKEY_KEYCHAIN_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return defaultTimeout
}

// Keyring reads and writes the secrets of one keychain service. It is safe
// for concurrent use.
//
// Every keychain operation of a Keyring runs on one serial worker, in the
// order the calls were made (FIFO); the caller waits for its result until its
// context's deadline or the Keyring's timeout, whichever comes first. This is
// how a call that timed out is kept from landing over newer data:
// go-keyring's calls cannot be cancelled (a locked Secret Service collection
// with a prompter blocks until someone answers the prompt), so a stuck call
// keeps the worker busy and may still finish later, but every call queued
// after it runs after it, so the newest write always wins within the process.
// Calls whose context expired while they waited in the queue are dropped,
// never executed, so a caller told "timed out" before its call started can
// rely on it not happening. In a short-lived CLI process the stuck call dies
// with the process. Use one Keyring per service in a process, so that all
// writes share one queue.
type Keyring struct {
	service   string
	timeout   time.Duration
	chunkSize int
	store     backend
	queue     *serialQueue
	// ready fails fast, before anything is queued, when the keychain is
	// known to be unreachable (no session bus).
	ready func() error
	// locked asks the keychain, bounded by ctx, whether its default
	// collection is locked; nil where that cannot be asked.
	locked func(ctx context.Context) (bool, error)
}

// New returns a Keyring for service ("latchkey" in production) whose calls
// take at most timeout (DefaultTimeout when timeout <= 0).
func New(service string, timeout time.Duration) *Keyring {
	k := newKeyring(service, timeout, platformBackend())
	k.ready = checkSessionBus
	k.locked = defaultCollectionLocked
	return k
}

// Wait returns once every keychain operation started through k so far has
// been carried out by the keychain (or the connection to it was lost),
// including those whose callers gave up at their deadline, or with ctx's
// error when ctx ends first. A long-running
// program calls it before releasing a lock that guards the keys it wrote, so
// that a write that timed out cannot land after another process's newer
// one; a short-lived one need not, as its calls die with it.
func (k *Keyring) Wait(ctx context.Context) error {
	drained := make(chan struct{})
	// The marker runs after every job queued before it (FIFO), and is
	// never dropped: its context never ends.
	k.queue.submit(context.Background(), func() { close(drained) })
	select {
	case <-drained:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s, ok := k.store.(settler); ok {
		return s.settle(ctx)
	}
	return nil
}

func newKeyring(service string, timeout time.Duration, store backend) *Keyring {
	if timeout <= 0 {
		timeout = DefaultTimeout()
	}
	return &Keyring{
		service:   service,
		timeout:   timeout,
		chunkSize: defaultChunkSize,
		store:     store,
		queue:     &serialQueue{},
	}
}

// Get returns the secret stored under key, or an error wrapping ErrNotFound,
// ErrUnavailable or ErrLocked.
func (k *Keyring) Get(ctx context.Context, key string) ([]byte, error) {
	var secret []byte
	err := k.do(ctx, "read", []string{key}, func(ctx context.Context) error {
		var err error
		secret, err = k.read(ctx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return secret, nil
}

// Set stores secret under key, replacing any previous value.
func (k *Keyring) Set(ctx context.Context, key string, secret []byte) error {
	secret = append([]byte(nil), secret...) // the caller may reuse its slice
	return k.do(ctx, "write", []string{key}, func(ctx context.Context) error {
		return k.write(ctx, key, secret)
	})
}

// GetMany returns the secrets stored under keys, read in one keychain
// operation: on the Secret Service, two round trips whatever the number of
// keys. Under ShareLookups, following writes of the same keys need no
// lookups of their own. A key that has no item is missing from the map; other failures fail
// the whole call.
func (k *Keyring) GetMany(ctx context.Context, keys ...string) (map[string][]byte, error) {
	out := make(map[string][]byte, len(keys))
	err := k.do(ctx, "read", keys, func(ctx context.Context) error {
		// Look up, in the same round trip, what a write of these keys
		// would: with ShareLookups, writes of them then only write.
		if err := k.prefetchForWrite(ctx, keys...); err != nil {
			return err
		}
		heads, err := k.readHeads(ctx, keys, false)
		if err != nil {
			return err
		}
		for i, key := range keys {
			v, err := k.readValue(ctx, key, heads[i])
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[key] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes key and its chunks. Deleting a missing key returns nil.
func (k *Keyring) Delete(ctx context.Context, key string) error {
	return k.do(ctx, "delete", []string{key}, func(ctx context.Context) error {
		return k.remove(ctx, key)
	})
}

func validKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case len(key) > maxKeyLen:
		return fmt.Errorf("key longer than %d bytes", maxKeyLen)
	case !utf8.ValidString(key):
		return errors.New("key is not valid UTF-8")
	case strings.ContainsRune(key, '#'):
		return errors.New("key contains '#', which is reserved for chunk names")
	case strings.IndexFunc(key, unicode.IsControl) >= 0:
		return errors.New("key contains a control character")
	}
	return nil
}

// do runs op on the worker and waits for it within the call's time budget.
func (k *Keyring) do(ctx context.Context, what string, keys []string, op func(ctx context.Context) error) error {
	quoted := make([]string, len(keys))
	for i, key := range keys {
		quoted[i] = strconv.Quote(key)
	}
	wrap := func(err error) error { return fmt.Errorf("keychain %s %s: %w", what, strings.Join(quoted, ", "), err) }
	for _, key := range keys {
		if err := validKey(key); err != nil {
			return wrap(err)
		}
	}
	if k.ready != nil {
		if err := k.ready(); err != nil {
			return wrap(err)
		}
	}
	limit := k.timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = time.Until(dl)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return wrap(k.expired(ctx, limit, nil))
	}

	done := make(chan error, 1) // buffered: a late result must not block the worker
	// The job's lookups: its own, or those ctx shares (ShareLookups).
	ctx = context.WithValue(ctx, lookupsKey{}, jobLookups(ctx))
	k.queue.submit(ctx, func() {
		if j, ok := k.store.(jobScoped); ok {
			j.beginJob(jobLookups(ctx))
			defer j.endJob()
		}
		done <- op(ctx)
	})

	// Shortly before the deadline, start asking whether the keychain is
	// locked, so a call stuck at an unlock prompt can say so on time.
	probe := make(chan bool, 1)
	if k.locked != nil {
		deadline, _ := ctx.Deadline()
		budget := min(time.Second, time.Until(deadline)/4)
		t := time.AfterFunc(time.Until(deadline)-budget, func() {
			pctx, pcancel := context.WithDeadline(ctx, deadline.Add(-budget/8))
			defer pcancel()
			locked, err := k.locked(pctx)
			probe <- err == nil && locked
		})
		defer t.Stop()
	}

	select {
	case err := <-done:
		if err != nil {
			return wrap(k.explain(ctx, err))
		}
		return nil
	case <-ctx.Done():
		select {
		case err := <-done:
			if err == nil { // succeeded right at the deadline
				return nil
			}
		default:
		}
		var locked *bool
		select {
		case l := <-probe:
			locked = &l
		default:
		}
		return wrap(k.expired(ctx, limit, locked))
	}
}

// expired explains a call whose context ended before the keychain answered.
func (k *Keyring) expired(ctx context.Context, limit time.Duration, locked *bool) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	if locked != nil && *locked {
		return errLockedNow
	}
	return fmt.Errorf("%w: the keychain did not answer within %s (%w)", ErrUnavailable,
		limit.Round(time.Millisecond), context.DeadlineExceeded)
}

// explain turns a backend error into one that wraps this package's
// sentinels, asking the keychain whether it is locked when that could be the
// cause. It never includes a secret: backend errors carry none.
func (k *Keyring) explain(ctx context.Context, err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return k.expired(ctx, k.timeout, nil)
	}
	if known := classify(err); known != nil {
		return known
	}
	if k.locked != nil {
		// Within the call's own deadline, or a short one if it has run out.
		deadline, ok := ctx.Deadline()
		if !ok || time.Until(deadline) <= 0 {
			deadline = time.Now().Add(min(time.Second, k.timeout))
		}
		pctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
		locked, perr := k.locked(pctx)
		cancel()
		if perr == nil && locked {
			return errLockedNow
		}
	}
	return platformError(err)
}
