package accounts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/killpoint"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/secretstore"
	"github.com/pkg/browser"
	"golang.org/x/sync/singleflight"
)

// refreshMargin: an access token this close to expiry is renewed before
// it is handed out, so a mail client never logs in with a dying token.
const refreshMargin = 5 * time.Minute

// refreshDeadline bounds one refresh: the lock wait, a few bounded HTTP
// attempts and the keychain writes.
const refreshDeadline = 3 * time.Minute

// Options configure a Service; the zero value means the defaults.
type Options struct {
	// ConfigDir defaults to ConfigDir().
	ConfigDir string
	// Keychain defaults to the OS keychain with its default timeout.
	Keychain SecretStore
	// HTTPClient defaults to one with timeouts on every phase.
	HTTPClient *http.Client
	// OpenBrowser defaults to the system browser.
	OpenBrowser func(url string) error
	// Now defaults to time.Now.
	Now func() time.Time
	// StateDir holds the access log; it defaults to ConfigDir when that is
	// set, else to StateDir().
	StateDir string
	// OnHook is told how each hook run went (see HookSettings), on the
	// hook's own goroutine; nil drops the results.
	OnHook func(HookResult)
}

// Service is Latchkey's accounts: connect, list, hand out tokens, remove.
// It is safe for concurrent use, and cooperates with other processes
// through lock files.
type Service struct {
	dir         string
	stateDir    string
	keys        SecretStore
	http        *http.Client
	openBrowser func(string) error
	now         func() time.Time
	flight      singleflight.Group
	hooks       hookRunner
}

// Open returns the accounts kept in opts.ConfigDir. It does no I/O.
func Open(opts Options) (*Service, error) {
	s := &Service{dir: opts.ConfigDir, stateDir: opts.StateDir, keys: opts.Keychain, http: opts.HTTPClient, openBrowser: opts.OpenBrowser, now: opts.Now,
		hooks: hookRunner{onDone: opts.OnHook}}
	if s.stateDir == "" && s.dir != "" {
		s.stateDir = s.dir
	}
	if s.stateDir == "" {
		// Without one, tokens are still handed out; only the log is lost.
		s.stateDir, _ = StateDir()
	}
	if s.dir == "" {
		d, err := ConfigDir()
		if err != nil {
			return nil, err
		}
		s.dir = d
	}
	if s.keys == nil {
		s.keys = secretstore.New(KeychainService, secretstore.DefaultTimeout())
	}
	if s.http == nil {
		s.http = oauthflow.NewHTTPClient()
	}
	if s.openBrowser == nil {
		s.openBrowser = systemBrowser
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// systemBrowser opens url in the person's browser. pkg/browser copies the
// browser's output to ours, which must stay clean for scripts.
func systemBrowser(url string) error {
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	return browser.OpenURL(url)
}

// List returns every connected account.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	ix, err := loadIndex(s.dir)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(ix.file.Accounts))
	for _, r := range ix.file.Accounts {
		out = append(out, r.view())
	}
	return out, nil
}

// Show returns the account a person named (email or provider:email).
func (s *Service) Show(ctx context.Context, name string) (Account, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return Account{}, err
	}
	return r.view(), nil
}

// Token returns a valid access token for the account, from the keychain
// when the cached one is fresh, else by redeeming the refresh token. With
// scopes, the token covers them (Microsoft: and their resource).
func (s *Service) Token(ctx context.Context, name string, scopes []string) (*AccessToken, error) {
	return s.token(ctx, name, scopes, false)
}

// token is Token; mail asks for the account's mail-server resource when
// scopes name none (see TokenRequest.Mail).
func (s *Service) token(ctx context.Context, name string, scopes []string, mail bool) (*AccessToken, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return nil, err
	}
	if r.Status == StatusRevoking {
		return nil, &revokingError{id: r.ID}
	}
	if r.Status == StatusNeedsReconnect {
		return nil, &ReconnectError{Account: r.ID, Reason: r.StatusReason}
	}
	res, err := r.tokenResource(scopes)
	if err == nil && mail && len(scopes) == 0 {
		res, err = r.mailResource()
	}
	if err != nil {
		return nil, err
	}
	// When the index says the cached token is due, the keychain would only
	// confirm it: go straight to the refresh, which reads the keychain
	// under the lock anyway (and hands out a token another process renewed
	// meanwhile).
	if !r.dueAt(res, s.now()) {
		t, err := s.readAccess(ctx, r.ID, res)
		if err != nil {
			return nil, err
		}
		if t != nil && t.usableAt(s.now()) && covers(t.Scopes, scopes, r.Graph) {
			return t, nil
		}
	}
	key := r.ID + "\x00" + res + "\x00" + strings.Join(scopes, " ")
	// The work outlives any one caller's cancellation (singleflight shares
	// it); its own deadline bounds it.
	ch := s.flight.DoChan(key, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshDeadline)
		defer cancel()
		return s.refresh(ctx, r.ID, res, scopes)
	})
	select {
	case v := <-ch:
		if v.Err != nil {
			return nil, v.Err
		}
		return v.Val.(*AccessToken), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// refresh redeems the refresh token of id for a new access token of
// resource res (with scopes beyond the account's, if any), in steps under
// the account's cross-process lock: look at the account again (another
// process may have refreshed, reconnected or removed it while this one
// waited), read its items (a token another process just renewed is used
// as it is), redeem the refresh token, keep a rotated refresh token before
// anything else (the provider has already retired the old one), then save
// the access token and note it in the index.
func (s *Service) refresh(ctx context.Context, id, res string, scopes []string) (*AccessToken, error) {
	var t *AccessToken
	err := s.withAccount(ctx, id, func(ctx context.Context, r *record) error {
		// While the lock keeps other Latchkey processes from writing this
		// account's items, what the reads learn of them serves the writes.
		ctx = secretstore.ShareLookups(ctx)
		if err := refreshable(id, r); err != nil {
			return err
		}
		current, saved, err := s.readForRefresh(ctx, id, res)
		if current != nil && current.usableAt(s.now()) && covers(current.Scopes, scopes, r.Graph) {
			t = current
			return nil
		}
		if isNotFound(err) {
			return s.markReconnect(ctx, id, "its saved sign-in is missing from the keychain", "")
		}
		if err != nil {
			return err
		}
		tok, ask, err := s.redeem(ctx, r, saved, scopes, res)
		if err != nil {
			return err
		}
		if err := s.keepRotated(ctx, id, saved, tok); err != nil {
			return err
		}
		t, err = s.saveRenewed(ctx, r, tok, res, ask, scopes)
		return err
	})
	return t, err
}

// refreshable fails unless the account (r, nil when gone) may be renewed.
func refreshable(id string, r *record) error {
	switch {
	case r == nil:
		return fmt.Errorf("%w: %s was removed while its token was being renewed", ErrUnknownAccount, id)
	case r.Status == StatusRevoking:
		return &revokingError{id: id}
	case r.Status == StatusNeedsReconnect:
		return &ReconnectError{Account: r.ID, Reason: r.StatusReason}
	}
	return nil
}

// redeem asks the provider for a new access token of res with the saved
// refresh token, asking for the scopes ask it returns. A refusal that
// means the sign-in is over marks the account as needing a reconnect.
func (s *Service) redeem(ctx context.Context, r *record, saved *refreshItem, scopes []string, res string) (tok *oauthflow.Token, ask []string, err error) {
	id := r.ID
	// The refresh token goes only where its keychain item says, whatever
	// the index (a file another user might have forged) says.
	if err := s.bindLegacy(ctx, r, saved); err != nil {
		return nil, nil, err
	}
	ask = r.refreshScopes(res, scopes)
	ep := saved.endpoint()
	ep.Now = s.now
	killpoint.At(killpoint.BeforeRefresh)
	tok, err = ep.Refresh(ctx, s.http, saved.RefreshToken, ask)
	if err == nil {
		return tok, ask, nil
	}
	var te *oauthflow.TokenError
	if errors.As(err, &te) && len(scopes) > 0 && needsConsent(te) {
		// Only the extra scopes lack consent: the account itself is fine.
		return nil, nil, withAdminConsent(&ReconnectError{Account: id, Code: te.Code,
			Reason: "you have not approved " + strings.Join(scopes, ", ") + " for Latchkey; add them with `latchkey grant " + id + " --scope ...`"},
			err, r.Family, id, saved.TokenURL, saved.TenantID, saved.ClientID)
	}
	if errors.As(err, &te) && needsReconnect(te) {
		return nil, nil, withAdminConsent(s.markReconnect(ctx, id, reconnectReason(r.Family, te), te.Code), err, r.Family, id, saved.TokenURL, saved.TenantID, saved.ClientID)
	}
	return nil, nil, providerErr("renew the access token of "+id, err)
}

// keepRotated saves a rotated refresh token first, before any check (the
// provider has already retired the old one), unless a revoke started
// while the provider answered; then it checks that the answer is for the
// identity the account is pinned to.
func (s *Service) keepRotated(ctx context.Context, id string, saved *refreshItem, tok *oauthflow.Token) error {
	// A revoke marks the index before waiting for our lock: then nothing
	// is written back.
	if err := s.checkNotRevoking(id); err != nil {
		return err
	}
	if tok.RefreshToken != "" && tok.RefreshToken != saved.RefreshToken {
		killpoint.At(killpoint.AfterRotation)
		saved.RefreshToken = tok.RefreshToken
		if err := s.writeRefresh(ctx, id, *saved); err != nil {
			return err
		}
		killpoint.At(killpoint.AfterRefreshSaved)
	}
	if tok.IDToken != "" {
		if err := s.checkRefreshedIdentity(saved, tok.IDToken); err != nil {
			return s.markReconnect(ctx, id, "the provider answered for another identity than the one connected ("+err.Error()+")", "id_token_mismatch")
		}
	}
	return nil
}

// saveRenewed saves the new access token of res, once the provider
// granted every scope asked for beyond the account's, and notes it in
// the index.
func (s *Service) saveRenewed(ctx context.Context, r *record, tok *oauthflow.Token, res string, ask, scopes []string) (*AccessToken, error) {
	id := r.ID
	granted := tok.Scopes
	if granted == nil {
		granted = ask
	}
	if missing := notGranted(scopes, granted, r.Graph); len(missing) > 0 {
		return nil, &ReconnectError{Account: id, Code: "scope_not_granted",
			Reason: "the provider did not grant " + strings.Join(missing, ", ") + "; connect again asking for them with --scope"}
	}
	t := &AccessToken{Account: id, Email: r.Email, Token: tok.AccessToken, TokenType: "Bearer", Expiry: tok.Expiry, Scopes: granted, Resource: res}
	if err := s.writeAccess(ctx, t); err != nil {
		return nil, err
	}
	killpoint.At(killpoint.AfterAccessSaved)
	s.fireHook(HookEvent{Event: HookRenewed, Account: id, Provider: r.Provider, Email: r.Email, Expires: t.Expiry})
	s.noteRenewed(ctx, id, res, t, tok.Scopes != nil, len(scopes) > 0)
	return t, nil
}

// noteRenewed notes a renewed access token of res in the index, and what
// the provider said was granted (listed tells whether it said; extra
// whether scopes beyond the account's were asked for). The token is saved
// and valid: failing to note it (a full disk, a read-only dir) must not
// fail the caller. The note is written without waiting for the disk: the
// keychain holds the truth, a crash can only lose the note.
func (s *Service) noteRenewed(ctx context.Context, id, res string, t *AccessToken, listed, extra bool) {
	now := s.now().UTC()
	_ = s.changeIndex(ctx, (*index).saveNote, func(ix *index) error {
		r := ix.byID(id)
		if r == nil {
			return nil
		}
		r.LastRefresh = now
		if r.Tokens == nil {
			r.Tokens = map[string]tokenInfo{}
		}
		r.Tokens[res] = tokenInfo{Expiry: t.Expiry, Scopes: t.Scopes}
		// What was granted is recorded after every refresh that says
		// (Google may have lost a scope the person removed; a tenant may
		// strip one). Microsoft lists everything consented for the
		// resource whatever was asked; Google lists only what was asked.
		switch {
		case !listed:
		case r.Family == catalog.FamilyMicrosoft:
			r.Scopes = mergeResourceScopes(r.Scopes, t.Scopes, res, r.Graph)
			r.updateGrantState()
		case res == r.resourceKey("") && !extra:
			r.Scopes = t.Scopes
			r.updateGrantState()
		}
		return nil
	})
}

// resourceScopes picks from scopes those of one Microsoft resource, with
// the OpenID scopes, which go with any resource.
func resourceScopes(scopes []string, res, graph string) []string {
	var ask []string
	for _, sc := range scopes {
		if x := catalog.ScopeResource(sc, graph); x == res || x == "" {
			ask = append(ask, sc)
		}
	}
	return withScopes(ask, "offline_access")
}

// checkRefreshedIdentity holds a refresh's ID token to the identity the
// account is pinned to: same issuer, subject and audience (OIDC Core
// 12.2), and tenant where there is one.
func (s *Service) checkRefreshedIdentity(saved *refreshItem, raw string) error {
	c, err := oauthflow.ParseIDToken(raw)
	if err == nil {
		err = c.Check(oauthflow.Expect{Issuer: saved.Issuer, ClientID: saved.ClientID, Subject: saved.Subject, Now: s.now()})
	}
	if err == nil && saved.TenantID != "" && c.TenantID != saved.TenantID {
		err = errors.New("tenant changed")
	}
	if err != nil {
		return fmt.Errorf("its ID token does not match the account: %v", err)
	}
	return nil
}

// markReconnect records that the account needs a new sign-in, keeping
// every token: the person decides what to do with the account.
func (s *Service) markReconnect(ctx context.Context, id, reason, code string) error {
	var ev *HookEvent
	err := s.updateIndex(ctx, func(ix *index) error {
		if r := ix.byID(id); r != nil {
			if r.Status != StatusNeedsReconnect { // told once, not at every refusal
				ev = &HookEvent{Event: HookReconnectNeeded, Account: id, Provider: r.Provider, Email: r.Email, Reason: reason, Code: code}
			}
			r.Status, r.StatusReason = StatusNeedsReconnect, reason
		}
		return nil
	})
	if err != nil {
		return err
	}
	if ev != nil {
		s.fireHook(*ev)
	}
	return &ReconnectError{Account: id, Reason: reason, Code: code}
}

// updateIndex applies change to the index under the index lock, and saves
// it durably.
func (s *Service) updateIndex(ctx context.Context, change func(*index) error) error {
	return s.changeIndex(ctx, (*index).save, change)
}

// changeIndex applies change to the index under the index lock, and saves
// it with save.
func (s *Service) changeIndex(ctx context.Context, save func(*index) error, change func(*index) error) error {
	lock, err := lockFile(ctx, "index.lock")
	if err != nil {
		return err
	}
	defer lock.unlock()
	ix, err := loadIndex(s.dir)
	if err != nil {
		return err
	}
	if err := change(ix); err != nil {
		return err
	}
	return save(ix)
}

// providerErr classifies a failed token request. A 200 answer that is no
// usable token response (bad JSON, an HTML page, another token_type, a bad
// expires_in, no access_token) came from the provider, or from something
// that speaks TLS for it: the network works, so it is ErrProvider, even
// when oauthflow retried it as transient.
func providerErr(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var te *oauthflow.TokenError
	if !errors.Is(err, oauthflow.ErrBadTokenResponse) && (oauthflow.IsTransient(err) || !errors.As(err, &te)) {
		return fmt.Errorf("%s: %w: %v", what, ErrProviderUnreachable, err)
	}
	return fmt.Errorf("%s: %w: the provider answered with something unusable: %v", what, ErrProvider, err)
}

// Remove forgets an account on this computer: its keychain items, then its
// index entry. The grant at the provider is untouched.
func (s *Service) Remove(ctx context.Context, name string) (Account, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return Account{}, err
	}
	var removed Account
	err = s.withAccount(ctx, r.ID, func(ctx context.Context, r *record) error {
		// A refresh may have added a resource while we waited: wipe what
		// is there now.
		if r == nil {
			return fmt.Errorf("%w: %s was already removed", ErrUnknownAccount, name)
		}
		removed = r.view()
		if err := s.wipe(ctx, r); err != nil {
			return err
		}
		s.fireHook(HookEvent{Event: HookRemoved, Account: r.ID, Provider: r.Provider, Email: r.Email,
			Reason: "removed from this computer with latchkey remove; the grant at the provider is untouched"})
		return nil
	})
	return removed, err
}
