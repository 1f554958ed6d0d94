package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Proxy passwords: a program that only knows a password (an old mail
// client, a scanner, a script using smtplib) logs in to `latchkey proxy`
// with the account's address and a random secret Latchkey made for that
// program. The secret is never the account's password and never a token:
// it opens the proxy on 127.0.0.1 and nothing else.
//
// The secrets live in one keychain item per account, key ACCOUNT/proxy,
// as SHA-256 digests (the secret itself is shown once and kept nowhere):
//
//	{"version":1,"clients":[{"name":"scanner","sha256":"...","created":"RFC 3339"}]}

// proxyItemVersion is the layout of ACCOUNT/proxy items.
const proxyItemVersion = 1

func proxyKey(id string) string { return id + "/proxy" }

// ProxyClient is one program allowed to log in to the proxy.
type ProxyClient struct {
	// Name is what the person called the program (scanner, smtplib).
	Name string `json:"name"`
	// Created is when its password was made.
	Created time.Time `json:"created"`
}

// ProxyLogin is who a proxy login turned out to be.
type ProxyLogin struct {
	// Account is the account's ID, provider:email.
	Account string
	// Client is the name of the program whose password matched.
	Client string
}

type proxyItem struct {
	Version int           `json:"version"`
	Clients []proxyDigest `json:"clients"`
}

type proxyDigest struct {
	ProxyClient
	SHA256 string `json:"sha256"`
}

// CheckProxyClientName refuses client names that could not be shown
// plainly: 1 to 64 letters, digits, dots, dashes and underscores.
func CheckProxyClientName(name string) error {
	ok := name != "" && len(name) <= 64
	for _, r := range name {
		ok = ok && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r))
	}
	if !ok {
		return fmt.Errorf("%w: client name %q: use 1 to 64 letters, digits, dots, dashes or underscores, e.g. scanner", ErrUsage, name)
	}
	return nil
}

// NewProxyPassword makes a random password for client to log in to the
// proxy as account, replacing the client's old one, keeps its digest in
// the keychain and returns it: the only time it is shown.
func (s *Service) NewProxyPassword(ctx context.Context, account, client string) (string, error) {
	if err := CheckProxyClientName(client); err != nil {
		return "", err
	}
	// 26 characters of base32, 130 bits: nobody guesses it, and any client
	// takes it without quoting.
	secret := rand.Text()
	sum := sha256.Sum256([]byte(secret))
	err := s.changeProxyItem(ctx, account, func(it *proxyItem) error {
		it.Clients = slices.DeleteFunc(it.Clients, func(d proxyDigest) bool { return d.Name == client })
		it.Clients = append(it.Clients, proxyDigest{ProxyClient{client, s.now().UTC().Truncate(time.Second)}, hex.EncodeToString(sum[:])})
		slices.SortFunc(it.Clients, func(a, b proxyDigest) int { return strings.Compare(a.Name, b.Name) })
		return nil
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// RemoveProxyPassword forgets client's proxy password for account: the
// program can no longer log in (sessions already open go on until they end).
func (s *Service) RemoveProxyPassword(ctx context.Context, account, client string) error {
	return s.changeProxyItem(ctx, account, func(it *proxyItem) error {
		n := len(it.Clients)
		it.Clients = slices.DeleteFunc(it.Clients, func(d proxyDigest) bool { return d.Name == client })
		if len(it.Clients) == n {
			return fmt.Errorf("%w: %q has no proxy password for the account; see them with `latchkey proxy clients ACCOUNT`", ErrUsage, client)
		}
		return nil
	})
}

// ProxyClients lists the programs with a proxy password for account.
func (s *Service) ProxyClients(ctx context.Context, account string) ([]ProxyClient, error) {
	r, err := findRecord(s.dir, account)
	if err != nil {
		return nil, err
	}
	it, err := s.readProxyItem(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	out := []ProxyClient{}
	for _, d := range it.Clients {
		out = append(out, d.ProxyClient)
	}
	return out, nil
}

// CheckProxyLogin tells which account and client a proxy login is: user
// is the account's address or ID, password one of its clients' secrets.
// Every digest is compared, in constant time, whatever matches first.
// A wrong user or password is ErrProxyPassword; a keychain that does not
// answer is ErrKeychain.
func (s *Service) CheckProxyLogin(ctx context.Context, user, password string) (ProxyLogin, error) {
	r, err := findRecord(s.dir, user)
	if errors.Is(err, ErrUnknownAccount) || errors.Is(err, ErrUsage) {
		return ProxyLogin{}, ErrProxyPassword
	}
	if err != nil {
		return ProxyLogin{}, err
	}
	it, err := s.readProxyItem(ctx, r.ID)
	if err != nil {
		return ProxyLogin{}, err
	}
	sum := sha256.Sum256([]byte(password))
	match := ""
	for _, d := range it.Clients {
		want, err := hex.DecodeString(d.SHA256)
		if err == nil && subtle.ConstantTimeCompare(want, sum[:]) == 1 {
			match = d.Name
		}
	}
	if match == "" {
		return ProxyLogin{}, ErrProxyPassword
	}
	return ProxyLogin{Account: r.ID, Client: match}, nil
}

// readProxyItem reads an account's proxy item; a missing one is empty.
func (s *Service) readProxyItem(ctx context.Context, id string) (*proxyItem, error) {
	it := &proxyItem{Version: proxyItemVersion}
	data, err := s.keys.Get(ctx, proxyKey(id))
	if isNotFound(err) {
		return it, nil
	}
	if err != nil {
		return nil, keychainErr("read the proxy passwords", err)
	}
	if err := json.Unmarshal(data, it); err != nil || it.Version != proxyItemVersion {
		return nil, fmt.Errorf("%w: the keychain item %s is not a version %d proxy item, so no program can log in to the proxy as %s; "+
			"make a new password for each program with `latchkey proxy password %s --client NAME`, which replaces the item",
			errProxyItemDamaged, proxyKey(id), proxyItemVersion, id, id)
	}
	return it, nil
}

// errProxyItemDamaged is a proxy item that cannot be read: no password in
// it can be checked, so changing it starts from an empty one.
var errProxyItemDamaged = fmt.Errorf("%w: damaged proxy passwords", ErrStorage)

// changeProxyItem changes an account's proxy item under its own lock, so
// that two commands making passwords at once both keep theirs.
func (s *Service) changeProxyItem(ctx context.Context, account string, change func(*proxyItem) error) error {
	r, err := findRecord(s.dir, account)
	if err != nil {
		return err
	}
	lock, err := lockFile(ctx, lockName("proxy", r.ID))
	if err != nil {
		return err
	}
	defer s.unlockAfterKeychain(ctx, lock)
	it, err := s.readProxyItem(ctx, r.ID)
	damaged := errors.Is(err, errProxyItemDamaged)
	switch {
	case damaged:
		// Nothing in it works: a new password replaces it, and removing
		// any client's (which finds none) deletes it.
		it = &proxyItem{Version: proxyItemVersion}
	case err != nil:
		return err
	}
	if err := change(it); err != nil && !damaged {
		return err
	}
	if len(it.Clients) == 0 {
		if err := s.keys.Delete(ctx, proxyKey(r.ID)); err != nil && !isNotFound(err) {
			return keychainErr("delete the proxy passwords", err)
		}
		return nil
	}
	data, err := json.Marshal(it)
	if err != nil {
		return err
	}
	if err := s.keys.Set(ctx, proxyKey(r.ID), data); err != nil {
		return keychainErr("save the proxy password", err)
	}
	return nil
}
