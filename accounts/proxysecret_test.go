package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestProxyPasswords: a proxy password is random, shown once, kept in
// the real keychain only as a digest, checked for the account's address
// or ID, replaced per client, removed by RemoveProxyPassword and by
// Remove of the account; a wrong one is ErrProxyPassword.
func TestProxyPasswords(t *testing.T) {
	store := keychainForTest(t)
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	s := newTestService(t, store, googleConfig(g))
	a := connectGoogle(t, s)
	ctx := context.Background()

	p1, err := s.NewProxyPassword(ctx, a.Email, "scanner")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := s.NewProxyPassword(ctx, a.ID, "smtplib")
	if err != nil || p1 == p2 || len(p1) < 26 {
		t.Fatalf("passwords %d and %d bytes, err %v", len(p1), len(p2), err)
	}
	raw, err := store.Get(ctx, proxyKey(a.ID))
	if err != nil || strings.Contains(string(raw), p1) || strings.Contains(string(raw), p2) {
		t.Fatalf("the keychain item holds a password itself (or is missing: %v)", err)
	}
	assertNoSecrets(t, s.dir, []string{p1, p2})
	for _, c := range []struct{ user, pw, client string }{{a.Email, p1, "scanner"}, {a.ID, p2, "smtplib"}, {strings.ToUpper(a.Email), p1, "scanner"}} {
		l, err := s.CheckProxyLogin(ctx, c.user, c.pw)
		if err != nil || l.Account != a.ID || l.Client != c.client {
			t.Errorf("CheckProxyLogin(%s) = %+v, %v", c.user, l, err)
		}
	}
	for _, c := range []struct{ user, pw string }{{a.Email, p1 + "x"}, {a.Email, ""}, {"nobody@gmail.test", p1}, {a.Email, strings.ToLower(p1)}} {
		if _, err := s.CheckProxyLogin(ctx, c.user, c.pw); !errors.Is(err, ErrProxyPassword) {
			t.Errorf("CheckProxyLogin(%q, wrong) = %v, want ErrProxyPassword", c.user, err)
		}
	}
	// A new password for a client replaces its old one.
	p3, err := s.NewProxyPassword(ctx, a.Email, "scanner")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckProxyLogin(ctx, a.Email, p1); !errors.Is(err, ErrProxyPassword) {
		t.Error("the replaced password still logs in")
	}
	if l, err := s.CheckProxyLogin(ctx, a.Email, p3); err != nil || l.Client != "scanner" {
		t.Errorf("the new password: %+v, %v", l, err)
	}
	clients, err := s.ProxyClients(ctx, a.Email)
	if err != nil || len(clients) != 2 || clients[0].Name != "scanner" || clients[1].Name != "smtplib" || clients[0].Created.IsZero() {
		t.Fatalf("ProxyClients = %+v, %v", clients, err)
	}
	if err := s.RemoveProxyPassword(ctx, a.Email, "smtplib"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckProxyLogin(ctx, a.Email, p2); !errors.Is(err, ErrProxyPassword) {
		t.Error("a removed password still logs in")
	}
	if err := s.RemoveProxyPassword(ctx, a.Email, "smtplib"); !errors.Is(err, ErrUsage) {
		t.Errorf("removing it twice: %v, want ErrUsage", err)
	}
	for _, bad := range []string{"", "a b", "x/y", strings.Repeat("a", 65), "\x1b[31m"} {
		if _, err := s.NewProxyPassword(ctx, a.Email, bad); !errors.Is(err, ErrUsage) {
			t.Errorf("client name %q: %v, want ErrUsage", bad, err)
		}
	}
	if _, err := s.Remove(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, proxyKey(a.ID)); !isNotFound(err) {
		t.Errorf("Remove left the proxy passwords in the keychain: %v", err)
	}
}

// TestProxyPasswordKeychainDown: a keychain that fails is ErrKeychain,
// never a wrong password, and no password is made without it.
func TestProxyPasswordKeychainDown(t *testing.T) {
	store := newMemStore()
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	s := newTestService(t, store, googleConfig(g))
	a := connectGoogle(t, s)
	store.mu.Lock()
	store.err = ErrKeychainLocked
	store.mu.Unlock()
	ctx := context.Background()
	if _, err := s.CheckProxyLogin(ctx, a.Email, "x"); !errors.Is(err, ErrKeychain) {
		t.Errorf("CheckProxyLogin = %v, want ErrKeychain", err)
	}
	if pw, err := s.NewProxyPassword(ctx, a.Email, "scanner"); pw != "" || !errors.Is(err, ErrKeychain) {
		t.Errorf("NewProxyPassword = %q, %v, want ErrKeychain and nothing", pw, err)
	}
}

// TestProxyItemDamaged: a proxy item that cannot be read refuses every
// login with ErrStorage (not a wrong password), and its message names a
// fix that works: a new password replaces the item, and removing a
// client's password deletes it.
func TestProxyItemDamaged(t *testing.T) {
	store := keychainForTest(t)
	g := providertest.NewGoogle(t, providertest.GoogleOptions{})
	s := newTestService(t, store, googleConfig(g))
	a := connectGoogle(t, s)
	ctx := context.Background()
	damage := func() {
		t.Helper()
		if err := store.Set(ctx, proxyKey(a.ID), []byte(`{"version":99}`)); err != nil {
			t.Fatal(err)
		}
	}

	damage()
	_, err := s.CheckProxyLogin(ctx, a.Email, "x")
	if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), "latchkey proxy password "+a.ID+" --client NAME") {
		t.Fatalf("CheckProxyLogin on a damaged item = %v, want ErrStorage naming the fix", err)
	}
	pw, err := s.NewProxyPassword(ctx, a.Email, "scanner")
	if err != nil {
		t.Fatalf("a new password on a damaged item: %v", err)
	}
	if l, err := s.CheckProxyLogin(ctx, a.Email, pw); err != nil || l.Client != "scanner" {
		t.Errorf("the password made over a damaged item: %+v, %v", l, err)
	}

	damage()
	if err := s.RemoveProxyPassword(ctx, a.Email, "scanner"); err != nil {
		t.Fatalf("removing a password from a damaged item: %v", err)
	}
	if _, err := store.Get(ctx, proxyKey(a.ID)); !isNotFound(err) {
		t.Errorf("the damaged item is still there: %v", err)
	}
	if cs, err := s.ProxyClients(ctx, a.Email); err != nil || len(cs) != 0 {
		t.Errorf("ProxyClients after = %+v, %v", cs, err)
	}
}
