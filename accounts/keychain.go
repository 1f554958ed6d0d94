package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

// KeychainService is the service name of every keychain item Latchkey writes.
const KeychainService = "latchkey"

// KeychainVersion is the version of the keychain layout, in every refresh
// item. Access items keep AccessVersion: their fields have not changed, and
// local programs that read them check it.
//
// Layout version 2 (documented for local programs in the README):
//
//	key ACCOUNT/refresh          {"version":2,"refresh_token":"...","client_secret":"...",
//	                              "client_id":"...","token_url":"...","revoke_url":"...",
//	                              "issuer":"...","tenant_id":"...","subject":"...","object_id":"..."}
//	key ACCOUNT/access/RESOURCE  {"version":1,"account":"...","email":"...","access_token":"...",
//	                              "token_type":"Bearer","expires_at":"RFC 3339","scopes":[...],"resource":"..."}
//
// ACCOUNT is the account id (provider:email); RESOURCE is the resource URL
// for Microsoft (https://graph.microsoft.com, https://outlook.office.com)
// and "default" for every other provider.
//
// Version 2 binds the refresh token to where it may go (client_id,
// token_url, revoke_url) and to whom it belongs (issuer, tenant_id,
// subject), all written at sign-in: the account index is a plain file that
// another local user might forge, so it decides neither. A version 1 refresh
// item ({"version":1,"refresh_token","client_secret"}) is still read; the
// first refresh or revoke under the account lock adopts the index's values
// once and writes the item back as version 2 (see bindLegacy).
const KeychainVersion = 2

// AccessVersion is the version of access items, which local programs read.
const AccessVersion = 1

// SecretStore is what the core needs of the OS keychain. Every call must
// return in bounded time.
type SecretStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, secret []byte) error
	Delete(ctx context.Context, key string) error
}

// defaultResource is the resource key of providers with one resource.
const defaultResource = "default"

func refreshKey(id string) string                  { return id + "/refresh" }
func accessKey(id, resource string) string         { return id + "/access/" + resource }
func isNotFound(err error) bool                    { return errors.Is(err, secretstore.ErrNotFound) }
func keychainErr(what string, err error) error     { return fmt.Errorf("%s: %w", what, err) }
func (t *AccessToken) usableAt(now time.Time) bool { return now.Add(refreshMargin).Before(t.Expiry) }

// refreshItem is the secret part of a sign-in, and what it is bound to.
type refreshItem struct {
	Version      int    `json:"version"`
	RefreshToken string `json:"refresh_token"`
	// ClientSecret is Google's desktop client secret, needed to refresh; it
	// is kept here rather than in the index because it is a secret in name.
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientID, TokenURL and RevokeURL are the only client and endpoints
	// the refresh token is ever sent to (layout 2), whatever the index says.
	ClientID  string `json:"client_id,omitempty"`
	TokenURL  string `json:"token_url,omitempty"`
	RevokeURL string `json:"revoke_url,omitempty"`
	// Identity is the person the account is pinned to (layout 2).
	Identity
}

// legacy reports a layout 1 item, which names no endpoint.
func (it *refreshItem) legacy() bool { return it.TokenURL == "" || it.ClientID == "" }

// endpoint is where the refresh token may be redeemed.
func (it *refreshItem) endpoint() oauthflow.Endpoint {
	return oauthflow.Endpoint{TokenURL: it.TokenURL, ClientID: it.ClientID, ClientSecret: it.ClientSecret}
}

// bindLegacy turns a layout 1 item into a layout 2 one: it adopts the
// index's client, endpoints and identity (the only record of them such an
// item has) and writes the item back, so that from then on the keychain,
// not the index, decides. Call it under the account lock.
func (s *Service) bindLegacy(ctx context.Context, r *record, it *refreshItem) error {
	if !it.legacy() {
		return nil
	}
	it.ClientID, it.TokenURL, it.RevokeURL = r.ClientID, r.TokenURL, r.RevokeURL
	it.Identity = r.identity()
	return s.writeRefresh(ctx, r.ID, *it)
}

// AccessToken is an access token for one resource of an account, and the
// keychain item local programs may read directly.
//
// Formatted with any verb it shows everything but the token; its JSON
// encoding is the keychain item, token included (Latchkey writes it only
// to the keychain), and a failed decoding names the member at fault,
// never its value.
type AccessToken struct {
	Version   int       `json:"version"`
	Account   string    `json:"account"`
	Email     string    `json:"email"`
	Token     string    `json:"access_token"`
	TokenType string    `json:"token_type"`
	Expiry    time.Time `json:"expires_at"`
	Scopes    []string  `json:"scopes"`
	Resource  string    `json:"resource"`
	// Mailbox is the shared mailbox the token opens (TokenRequest.Mailbox),
	// "" for the account's own; the SASL strings log in as it. Not stored.
	Mailbox string `json:"-"`
}

// String keeps the token out of logs, error strings and panics.
func (t AccessToken) String() string {
	return fmt.Sprintf("accounts.AccessToken{account %q, resource %q, token redacted, expires %s, scopes %q}",
		t.Account, t.Resource, t.Expiry.UTC().Format(time.RFC3339), t.Scopes)
}

// GoString keeps the token out of %#v.
func (t AccessToken) GoString() string { return t.String() }

// Format keeps the token out of every verb, %d and %x included.
func (t AccessToken) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// UnmarshalJSON decodes the keychain item; its error never quotes a value.
func (t *AccessToken) UnmarshalJSON(data []byte) error {
	type item AccessToken // without these methods
	return itemJSONError(json.Unmarshal(data, (*item)(t)))
}

// String keeps the refresh token and the client secret out of logs, error
// strings and panics.
func (it refreshItem) String() string {
	return fmt.Sprintf("accounts.refreshItem{version %d, refresh token redacted}", it.Version)
}

// GoString keeps the secrets out of %#v.
func (it refreshItem) GoString() string { return it.String() }

// Format keeps the secrets out of every verb.
func (it refreshItem) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, it.String()) }

// UnmarshalJSON decodes the keychain item; its error never quotes a value.
func (it *refreshItem) UnmarshalJSON(data []byte) error {
	type item refreshItem // without these methods
	return itemJSONError(json.Unmarshal(data, (*item)(it)))
}

// itemJSONError keeps what encoding/json says of a keychain item without
// what it quotes of the item: an UnmarshalTypeError holds the offending
// value ("number 123..."), and a syntax error, text near the fault.
func itemJSONError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return fmt.Errorf("keychain item: member %q has the wrong type (want %s)", te.Field, te.Type)
	case errors.As(err, &se):
		return fmt.Errorf("keychain item: not valid JSON (at byte %d)", se.Offset)
	}
	return errors.New("keychain item: not a JSON object of the expected layout")
}

// settlingStore is a SecretStore whose calls can outlive their callers
// (secretstore.Keyring: a write whose caller gave up at its deadline may
// still be carried out). Wait returns once the keychain has carried out
// every call made so far, or when ctx ends.
type settlingStore interface {
	Wait(ctx context.Context) error
}

// unlockAfterKeychain releases an account lock once the keychain has
// carried out every call made under it. Released earlier, a write that
// timed out could land after another process's newer one (a rotated
// refresh token over a newer one); that matters most in the long-running
// desktop app, as a command's stuck calls die with it. Usually the keychain
// is idle and the lock is released at once. When a call is still pending
// after a second, the caller goes on and the lock is released in the
// background once the call ends, never before: meanwhile other processes
// wait for it, and give up with ErrBusy after lockWait.
func (s *Service) unlockAfterKeychain(ctx context.Context, l *fileLock) {
	w, ok := s.keys.(settlingStore)
	if !ok {
		l.unlock()
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	err := w.Wait(wctx)
	cancel()
	if err == nil {
		l.unlock()
		return
	}
	go func() {
		_ = w.Wait(context.WithoutCancel(ctx))
		l.unlock()
	}()
}

// batchStore is a SecretStore that reads several items in one keychain
// operation, which saves keychain round trips on the refresh path.
// secretstore.Keyring is one.
type batchStore interface {
	GetMany(ctx context.Context, keys ...string) (map[string][]byte, error)
}

// readForRefresh reads the cached access token of (id, resource), nil if
// there is none, and the saved sign-in, together when the keychain can.
func (s *Service) readForRefresh(ctx context.Context, id, resource string) (*AccessToken, *refreshItem, error) {
	b, ok := s.keys.(batchStore)
	if !ok {
		t, err := s.readAccess(ctx, id, resource)
		if err != nil {
			return nil, nil, err
		}
		it, err := s.readRefresh(ctx, id)
		return t, it, err
	}
	ak, rk := accessKey(id, resource), refreshKey(id)
	items, err := b.GetMany(ctx, ak, rk)
	if err != nil {
		return nil, nil, keychainErr("read the access token and the saved sign-in", err)
	}
	t := parseAccess(items[ak])
	data, ok := items[rk]
	if !ok {
		return t, nil, keychainErr("read the saved sign-in", fmt.Errorf("keychain read %q: %w", rk, secretstore.ErrNotFound))
	}
	it, err := parseRefresh(id, data)
	return t, it, err
}

func (s *Service) readRefresh(ctx context.Context, id string) (*refreshItem, error) {
	data, err := s.keys.Get(ctx, refreshKey(id))
	if err != nil {
		return nil, keychainErr("read the saved sign-in", err)
	}
	return parseRefresh(id, data)
}

func parseRefresh(id string, data []byte) (*refreshItem, error) {
	var it refreshItem
	if err := json.Unmarshal(data, &it); err != nil || it.RefreshToken == "" {
		return nil, &ReconnectError{Account: id, Code: "damaged_item",
			Reason: fmt.Sprintf("its saved sign-in in the keychain (service %s, key %s) is damaged", KeychainService, refreshKey(id))}
	}
	return &it, nil
}

func (s *Service) writeRefresh(ctx context.Context, id string, it refreshItem) error {
	it.Version = KeychainVersion
	data, _ := json.Marshal(it)
	if err := s.keys.Set(ctx, refreshKey(id), data); err != nil {
		return keychainErr("save the sign-in in the keychain", err)
	}
	return nil
}

// readAccess returns the cached access token, nil if there is none.
func (s *Service) readAccess(ctx context.Context, id, resource string) (*AccessToken, error) {
	data, err := s.keys.Get(ctx, accessKey(id, resource))
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, keychainErr("read the access token", err)
	}
	return parseAccess(data), nil
}

// parseAccess decodes an access item; nil if there is none or it is
// damaged (then it is refreshed over). A token outside RFC 6750's alphabet
// is damage: handed out, it could end a header or a line.
func parseAccess(data []byte) *AccessToken {
	if data == nil {
		return nil
	}
	var t AccessToken
	if json.Unmarshal(data, &t) != nil || !oauthflow.IsB64Token(t.Token) {
		return nil
	}
	return &t
}

func (s *Service) writeAccess(ctx context.Context, t *AccessToken) error {
	t.Version = AccessVersion
	data, _ := json.Marshal(t)
	if err := s.keys.Set(ctx, accessKey(t.Account, t.Resource), data); err != nil {
		return keychainErr("save the access token in the keychain", err)
	}
	return nil
}

// keychainCheckTimeout bounds CheckKeychain, so that list and show answer
// within two seconds, process start and a loaded machine included, even when the keychain
// hangs or waits at an unlock prompt.
const keychainCheckTimeout = time.Second

// CheckKeychain asks the keychain, in one read bounded by
// keychainCheckTimeout, whether it holds the saved sign-in of each
// connected account of list. It returns list with the status of those it
// cannot vouch for changed to StatusKeychainUnavailable,
// StatusKeychainLocked or StatusMissingFromKeychain and StatusReason saying
// why, and the keychain's error (wrapping ErrKeychain) when it could not be
// read. Other accounts are returned as they are; the index is not changed.
func (s *Service) CheckKeychain(ctx context.Context, list []Account) ([]Account, error) {
	var keys []string
	for _, a := range list {
		if a.Status == StatusConnected {
			keys = append(keys, refreshKey(a.ID))
		}
	}
	if len(keys) == 0 {
		return list, nil
	}
	ctx, cancel := context.WithTimeout(ctx, keychainCheckTimeout)
	defer cancel()
	// A locked keychain is reported, not unlocked: a prompt would outlive
	// the check on screen.
	found, err := s.holds(secretstore.NoUnlockPrompt(ctx), keys)
	if errors.Is(err, context.Canceled) {
		return list, err
	}
	out := append([]Account(nil), list...)
	for i := range out {
		a := &out[i]
		if a.Status != StatusConnected {
			continue
		}
		switch {
		case errors.Is(err, ErrKeychainLocked):
			a.Status, a.StatusReason = StatusKeychainLocked, "the keychain is locked, so Latchkey cannot read the saved sign-in; unlock it"
		case err != nil:
			a.Status, a.StatusReason = StatusKeychainUnavailable, "no keychain answered, so Latchkey cannot read the saved sign-in"
		case !found[refreshKey(a.ID)]:
			a.Status, a.StatusReason = StatusMissingFromKeychain, fmt.Sprintf(
				"the keychain holds no saved sign-in for it (service %s, key %s); connect it again", KeychainService, refreshKey(a.ID))
		}
	}
	if err != nil {
		return out, keychainErr("check the saved sign-ins", err)
	}
	return out, nil
}

// holds tells which of keys the keychain has an item for. The secrets it
// reads on the way are dropped at once.
func (s *Service) holds(ctx context.Context, keys []string) (map[string]bool, error) {
	found := make(map[string]bool, len(keys))
	if b, ok := s.keys.(batchStore); ok {
		items, err := b.GetMany(ctx, keys...)
		for k, v := range items {
			found[k] = true
			clear(v)
		}
		return found, err
	}
	for _, k := range keys {
		v, err := s.keys.Get(ctx, k)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		found[k] = err == nil
		clear(v)
	}
	return found, nil
}
