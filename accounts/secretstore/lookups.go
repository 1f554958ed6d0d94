package secretstore

import (
	"context"
	"sync"
)

// lookups remembers what the keychain said about items: each item's
// backend id ("" when there is none) and each key's head. A Keyring job
// starts with empty lookups, so its calls share them (a write reads the
// head, then replaces it); a context made by ShareLookups carries lookups
// that every job made with it shares.
type lookups struct {
	mu    sync.Mutex
	items map[string]string // by service + "\x00" + user
	heads map[string]head   // by service + "\x00" + key; raw values are not kept
}

func newLookups() *lookups {
	return &lookups{items: map[string]string{}, heads: map[string]head{}}
}

func (l *lookups) item(service, user string) (id string, known bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id, known = l.items[service+"\x00"+user]
	return id, known
}

func (l *lookups) setItem(service, user, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items[service+"\x00"+user] = id
}

func (l *lookups) forgetItem(service, user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.items, service+"\x00"+user)
}

func (l *lookups) head(service, key string) (h head, known bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, known = l.heads[service+"\x00"+key]
	return h, known
}

func (l *lookups) setHead(service, key string, h head) {
	h.raw = ""
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heads[service+"\x00"+key] = h
}

func (l *lookups) forgetHead(service, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.heads, service+"\x00"+key)
}

// forgetAll drops everything, when what the keychain holds is no longer
// known (a reconnect).
func (l *lookups) forgetAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.items)
	clear(l.heads)
}

type lookupsKey struct{}

// ShareLookups returns a context whose Keyring operations share what they
// learn of the keychain (where each item is, whether a value is split), so
// that a read followed by a write of the same keys costs fewer keychain
// calls. Only a caller that keeps every other writer of those keys out for
// as long as it uses the context may do this (Latchkey holds the account's
// lock file); a foreign program that deletes an item meanwhile is
// tolerated (the write recreates it).
func ShareLookups(ctx context.Context) context.Context {
	return context.WithValue(ctx, lookupsKey{}, newLookups())
}

// jobLookups is the lookups a job made with ctx uses.
func jobLookups(ctx context.Context) *lookups {
	if l, ok := ctx.Value(lookupsKey{}).(*lookups); ok {
		return l
	}
	return newLookups()
}

type noUnlockPromptKey struct{}

// NoUnlockPrompt returns a context under which a locked keychain is
// reported at once as locked (ErrLocked) instead of asking the person to
// unlock it: for a look that must not put a prompt on screen and leave it
// there when its short deadline passes (latchkey list). Where the OS
// keychain prompts by itself (macOS), it has no effect.
func NoUnlockPrompt(ctx context.Context) context.Context {
	return context.WithValue(ctx, noUnlockPromptKey{}, true)
}

func unlockPromptAllowed(ctx context.Context) bool {
	no, _ := ctx.Value(noUnlockPromptKey{}).(bool)
	return !no
}
