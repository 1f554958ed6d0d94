package secretstore

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
)

// fakeStore is an in-memory backend. It can fail every mutation from the
// n-th on (a crash), block calls, and records the values written.
type fakeStore struct {
	mu        sync.Mutex
	items     map[string]string
	mutations int
	crashAt   int // fail mutations numbered >= crashAt; 0 = never
	err       error
	// blockSet, if set, is called (without the lock) before every Set.
	blockSet func(user, secret string)
	sets     []string // "user=secret" for every Set, in order
	gets     []string // user of every Get, in order
}

var errCrashed = errors.New("fake keychain: process crashed")

func newFakeStore() *fakeStore { return &fakeStore{items: map[string]string{}} }

func (f *fakeStore) Get(_ context.Context, service, user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, user)
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.items[service+"\x00"+user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (f *fakeStore) mutate() error {
	if f.err != nil {
		return f.err
	}
	f.mutations++
	if f.crashAt > 0 && f.mutations >= f.crashAt {
		return errCrashed
	}
	return nil
}

func (f *fakeStore) Set(_ context.Context, service, user, secret string) error {
	if f.blockSet != nil {
		f.blockSet(user, secret)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.mutate(); err != nil {
		return err
	}
	f.sets = append(f.sets, user+"="+secret)
	f.items[service+"\x00"+user] = secret
	return nil
}

func (f *fakeStore) Delete(_ context.Context, service, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.mutate(); err != nil {
		return err
	}
	k := service + "\x00" + user
	if _, ok := f.items[k]; !ok {
		return ErrNotFound
	}
	delete(f.items, k)
	return nil
}

// names lists the stored item names, sorted.
func (f *fakeStore) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		_, user, _ := strings.Cut(k, "\x00")
		out = append(out, user)
	}
	sort.Strings(out)
	return out
}
