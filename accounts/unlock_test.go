package accounts

import (
	"context"
	"testing"
	"time"
)

// pendingStore is a keychain with a call still under way until release is
// closed, as secretstore.Keyring is after a write timed out for its caller.
type pendingStore struct {
	*memStore
	release chan struct{}
}

func (p pendingStore) Wait(ctx context.Context) error {
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestAccountLockHeldWhileKeychainWritePending(t *testing.T) {
	privateRuntimeDir(t)
	store := pendingStore{newMemStore(), make(chan struct{})}
	s, err := Open(Options{ConfigDir: t.TempDir(), Keychain: store})
	if err != nil {
		t.Fatal(err)
	}
	name := lockName("account", "microsoft:alice@contoso.test")
	lock, err := lockFile(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	s.unlockAfterKeychain(context.Background(), lock)

	// Another holder must not get the lock while the write may still land.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	if l, err := lockFile(ctx, name); err == nil {
		l.unlock()
		t.Fatal("the account lock was released while a keychain write was pending")
	}
	cancel()

	close(store.release)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := lockFile(ctx, name)
	if err != nil {
		t.Fatalf("the lock was not released once the write landed: %v", err)
	}
	l.unlock()
}

func TestAccountLockReleasedAtOnceWhenKeychainIdle(t *testing.T) {
	privateRuntimeDir(t)
	store := pendingStore{newMemStore(), make(chan struct{})}
	close(store.release)
	s, _ := Open(Options{ConfigDir: t.TempDir(), Keychain: store})
	name := lockName("account", "x")
	lock, _ := lockFile(context.Background(), name)
	s.unlockAfterKeychain(context.Background(), lock)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	l, err := lockFile(ctx, name)
	if err != nil {
		t.Fatalf("lock not released at once: %v", err)
	}
	l.unlock()
}
