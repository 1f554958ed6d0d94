package accounts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// ConnectRequest is one sign-in.
type ConnectRequest struct {
	// Provider is a built-in provider name or one from config.toml.
	Provider string
	// Settings come from command-line flags and win over config.toml.
	Settings Settings
	// Scopes replace the provider's default scopes when set.
	Scopes []string
	// NoBrowser: only report the URL, do not open a browser.
	NoBrowser bool
	// Device signs in with a device code (RFC 8628) instead of the
	// browser on this computer: OnDeviceCode gets the code to enter on
	// another device. Microsoft only; the rest of the connect (ID token
	// checks, identity pin, saving) is the same.
	Device bool
	// OnDeviceCode receives the code and where to enter it (Device).
	OnDeviceCode func(oauthflow.DeviceCode)
	// Timeout bounds the wait for the person; default 5 minutes.
	Timeout time.Duration
	// OnURL receives, before the browser opens, the one-time sign-in link
	// the browser is given too (see oauthflow.SignIn): to show for when no
	// browser comes up. Opening it after the browser did ends the sign-in.
	// With Paste it receives the provider's sign-in URL itself.
	OnURL func(url string)
	// Port is a fixed loopback port for the redirect (0: any free port),
	// for a browser on another computer reaching this one through
	// `ssh -L PORT:127.0.0.1:PORT`. It is still bound on 127.0.0.1 and
	// [::1] only.
	Port int
	// Paste, when set, is where the person pastes the address their
	// browser ended on when it could not reach this computer (see
	// oauthflow.SignIn.Paste): no browser is opened here, and the pasted
	// answer is checked exactly as one reaching the listener. Never argv.
	Paste io.Reader
	// OnPasteRefused is told why a pasted line was not the answer; the
	// sign-in goes on waiting.
	OnPasteRefused func(err error)
	// OnSetup receives the resolved provider before the sign-in starts, so
	// a front end can say what will be asked for.
	OnSetup func(*ProviderSetup)

	// Allow are capabilities to give (--allow): Latchkey asks for the
	// fewest scopes that give them (see PlanScopes), plus Scopes if any. A
	// capability the provider cannot offer fails with a *RefusedError
	// before anything else happens.
	Allow []catalog.Capability
	// Account, when set, adds permissions to that connected account
	// instead of connecting a new one: Provider may be left empty, the
	// account's own client registration and tenant are used, the browser
	// is pointed at the same person, and only the new permissions are
	// asked for (Google: incremental consent with include_granted_scopes;
	// Microsoft: a consent screen for what is new). What it had is kept.
	// Signing in as someone else fails and changes nothing.
	Account string
	// OnPlan receives, before the browser opens, every scope that will be
	// asked for and why it is needed.
	OnPlan func(catalog.ScopePlan)
	// Replace lets a sign-in replace a connected account with the same
	// address although another person signed in (another identity at the
	// provider): the old sign-in and its tokens are deleted. Without it
	// such a sign-in fails with an *IdentityMismatchError and changes
	// nothing. It does not apply when adding permissions (Account).
	Replace bool
	// ReplaceWith, when set with Replace, is the person who may replace
	// the account: the one a front end showed when it asked. Another
	// person signing in this time fails with an *IdentityMismatchError
	// again, so the question is asked anew. Zero means whoever signs in
	// (the command's --replace, said before the sign-in).
	ReplaceWith Identity

	// revoked, when set, is the account Reduce has just revoked and
	// connects again: the sign-in must be the same person.
	revoked *record
}

// Connect signs a person in through their browser and saves the account:
// the refresh token in the keychain, bound to the client, endpoints and
// identity of the sign-in, the rest in the index. Connecting an account
// that exists replaces its sign-in (a reconnect) if the same person signed
// in; another person with the same address is refused (see
// ConnectRequest.Replace).
//
// Its steps, each below: prepare (everything that can fail without the
// person is checked before they sign in), sign in, verify who signed in,
// build the account's record, save it. Saving runs under the account's
// lock, in an order that a crash at any point leaves either the old
// account or the new one working: the refresh token first, then the
// access token, then the index entry that points at them.
func (s *Service) Connect(ctx context.Context, req ConnectRequest) (Account, error) {
	extend, err := s.accountToExtend(ctx, &req)
	if err != nil {
		return Account{}, err
	}
	su, err := s.prepareConnect(ctx, req)
	if err != nil {
		return Account{}, err
	}
	plan, err := planSignIn(su, req, extend)
	if err != nil {
		return Account{}, err
	}
	scopes := plan.Scopes()
	in, err := s.signIn(ctx, su, scopes, req)
	if err != nil {
		return Account{}, err
	}
	r := newRecord(su, req, extend, in, scopes, s.now().UTC())
	if err := s.saveConnected(ctx, req, extend, r, in, su); err != nil {
		return Account{}, err
	}
	return r.view(), nil
}

// signedIn is a completed sign-in whose ID token passed its checks.
type signedIn struct {
	tok    *oauthflow.Token
	claims *oauthflow.Claims
	// email names the account; unverified is an address the provider
	// gave but did not vouch for (see accountName).
	email, unverified string
}

// prepareConnect checks what can be checked before the person signs in
// and resolves the provider's setup.
func (s *Service) prepareConnect(ctx context.Context, req ConnectRequest) (*ProviderSetup, error) {
	if req.Device && (req.Port != 0 || req.Paste != nil) {
		return nil, fmt.Errorf("%w: --device signs in without a redirect, so --port and --paste do not apply to it", ErrUsage)
	}
	if p, ok := catalog.Lookup(req.Provider); req.Device && ok && p.Family != catalog.FamilyMicrosoft {
		// Before the registration is asked for: none would help.
		return nil, noDeviceSignIn(p.Family)
	}
	// A capability the provider cannot offer is refused before anything
	// else, missing configuration included.
	if len(req.Allow) > 0 {
		if _, err := planScopes(req.Provider, req.Allow, nil); err != nil {
			return nil, err
		}
	}
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		return nil, err
	}
	// An index that cannot be read (damaged, a planted symlink) would fail
	// the save at the end: say so before the person signs in.
	if _, err := loadIndex(s.dir); err != nil {
		return nil, err
	}
	return cfg.ProviderSetup(ctx, req.Provider, req.Settings, s.http)
}

// planSignIn decides the scopes to ask for and sets su up to ask for
// them; the front end's callbacks see the result.
func planSignIn(su *ProviderSetup, req ConnectRequest, extend *record) (catalog.ScopePlan, error) {
	plan, err := planConnect(su, req, extend)
	if err != nil {
		return catalog.ScopePlan{}, err
	}
	scopes := plan.Scopes()
	su.Scopes = scopes
	if su.Family == catalog.FamilyMicrosoft && (len(req.Scopes) > 0 || len(req.Allow) > 0) {
		// The account's default resource is that of the first scope named.
		for _, sc := range scopes {
			if res := catalog.ScopeResource(sc, su.Graph); res != "" {
				su.Resource = res
				break
			}
		}
	}
	if extend != nil {
		su.AuthParams.Set("login_hint", extend.Email)
	}
	if req.OnSetup != nil {
		req.OnSetup(su)
	}
	if req.OnPlan != nil {
		req.OnPlan(plan)
	}
	return plan, nil
}

// signIn has the person sign in (browser or device code) and verifies the
// answer: a refresh token to keep, and an ID token from the expected
// issuer, for this client and sign-in, naming a usable account.
func (s *Service) signIn(ctx context.Context, su *ProviderSetup, scopes []string, req ConnectRequest) (*signedIn, error) {
	var (
		tok            *oauthflow.Token
		nonce, authIss string
		err            error
	)
	if req.Device {
		tok, err = s.deviceSignIn(ctx, su, scopes, req)
	} else {
		tok, nonce, authIss, err = s.browserSignIn(ctx, su, scopes, req)
	}
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		return nil, fmt.Errorf("%w: %s issued no refresh token, so Latchkey could not keep the account; check that the app registration allows offline access", ErrProvider, su.Title)
	}
	if tok.IDToken == "" {
		return nil, fmt.Errorf("%w: %s returned no ID token, so Latchkey cannot tell which account signed in", ErrProvider, su.Title)
	}
	claims, err := oauthflow.ParseIDToken(tok.IDToken)
	if err == nil {
		err = claims.Check(oauthflow.Expect{Issuer: su.Issuer, ClientID: su.ClientID, Nonce: nonce, Now: s.now(), AuthResponseIssuer: authIss})
	}
	if err == nil {
		err = checkTenant(su, claims.TenantID)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: the ID token from %s failed its checks (%v); nothing was saved", ErrSignIn, su.Title, err)
	}
	email, unverified := accountName(su.Family, claims)
	if checkAccountName(email) != nil {
		return nil, fmt.Errorf("%w: %s named the account %q, which Latchkey cannot use as a name", ErrProvider, su.Title, email)
	}
	return &signedIn{tok: tok, claims: claims, email: email, unverified: unverified}, nil
}

// newRecord is the index entry of the account signed in, asked for
// scopes at now; adding to an account (extend), it keeps what that had.
func newRecord(su *ProviderSetup, req ConnectRequest, extend *record, in *signedIn, scopes []string, now time.Time) *record {
	granted := in.tok.Scopes
	if granted == nil { // RFC 6749 5.1: no scope means exactly what was asked
		granted = scopes
	}
	requested, caps, connectedAt, tokenScopes := scopes, req.Allow, now, granted
	if extend != nil {
		// Adding to an account: it keeps what it asked for before.
		requested = withScopes(extend.Requested, scopes...)
		caps = withScopes(extend.Capabilities, req.Allow...)
		connectedAt = extend.ConnectedAt
		if su.Family == catalog.FamilyMicrosoft {
			// Microsoft grants one resource per token: what the
			// account had on other resources still stands.
			granted = mergeResourceScopes(extend.Scopes, granted, su.Resource, su.Graph)
		}
	}
	claims := in.claims
	r := &record{
		Account: Account{
			ID: accountID(su.Provider, in.email), Provider: su.Provider, Email: in.email, Name: claims.Name,
			UnverifiedEmail: in.unverified,
			Status:          StatusConnected, Scopes: granted, Requested: requested,
			ConnectedAt: connectedAt, Capabilities: caps,
		},
		Family: su.Family, ClientID: su.ClientID, TokenURL: su.TokenURL, RevokeURL: su.RevokeURL,
		Issuer: claims.Issuer, Subject: claims.Subject, TenantID: claims.TenantID, ObjectID: claims.ObjectID,
		Resource: su.Resource, Graph: su.Graph,
	}
	r.Tokens = map[string]tokenInfo{r.resourceKey(""): {Expiry: in.tok.Expiry, Scopes: tokenScopes}}
	r.updateGrantState()
	return r
}

// saveConnected saves the account signed in, under its lock: after the
// identity check against the account of that name (old, if any), the
// refresh token, the access token, then the index entry. A failure
// before the index entry leaves an existing account as it was and a new
// one without any secret behind.
func (s *Service) saveConnected(ctx context.Context, req ConnectRequest, extend, r *record, in *signedIn, su *ProviderSetup) error {
	return s.withAccount(ctx, r.ID, func(ctx context.Context, old *record) error {
		if err := s.checkSignedIn(ctx, req, extend, old, in.claims, r); err != nil {
			return err
		}
		if old != nil && (!req.Replace || extend != nil) {
			// The same person: the shared mailboxes they open stay theirs.
			r.SharedMailboxes = old.SharedMailboxes
			r.Programs = old.Programs
		}
		if old != nil {
			// Asking before a program gets a token stays on, whoever signed in.
			r.Approval = old.Approval
		}
		saved := refreshItem{RefreshToken: in.tok.RefreshToken, ClientSecret: su.ClientSecret,
			ClientID: su.ClientID, TokenURL: su.TokenURL, RevokeURL: su.RevokeURL, Identity: claimsIdentity(in.claims)}
		if err := s.writeRefresh(ctx, r.ID, saved); err != nil {
			return err
		}
		res := r.resourceKey("")
		t := &AccessToken{Account: r.ID, Email: r.Email, Token: in.tok.AccessToken, TokenType: "Bearer", Expiry: in.tok.Expiry,
			Scopes: r.Tokens[res].Scopes, Resource: res}
		if err := s.writeAccess(ctx, t); err != nil {
			return err
		}
		// Access tokens of other resources belong to an earlier sign-in.
		for _, other := range earlierResources(old, r) {
			if other != res {
				s.keys.Delete(ctx, accessKey(r.ID, other))
			}
		}
		if err := s.updateIndex(ctx, func(ix *index) error { ix.put(r); return nil }); err != nil {
			if old == nil {
				// No index entry will point at them: leave no secret behind.
				s.keys.Delete(ctx, accessKey(r.ID, res))
				s.keys.Delete(ctx, refreshKey(r.ID))
			}
			return err
		}
		reason := "connected"
		switch {
		case extend != nil:
			reason = "permissions added"
		case old != nil:
			reason = "signed in again"
		}
		s.fireHook(HookEvent{Event: HookConnected, Account: r.ID, Provider: r.Provider, Email: r.Email, Reason: reason})
		return nil
	})
}

// withAccount runs f holding account id's lock, with the account's index
// entry as it is once the lock is held (nil if there is none): another
// Latchkey process may have refreshed, reconnected or removed it while
// this one waited. The lock is released once the keychain has settled
// what f wrote. Connect, refresh, revoke and remove go through it.
func (s *Service) withAccount(ctx context.Context, id string, f func(ctx context.Context, r *record) error) error {
	lock, err := lockFile(ctx, lockName("account", id))
	if err != nil {
		return err
	}
	defer s.unlockAfterKeychain(ctx, lock)
	// Whether the account exists decides what a failed write must clean
	// up, so an index that cannot be read stops here: taking it for "no
	// account" would delete a working account's sign-in.
	ix, err := loadIndex(s.dir)
	if err != nil {
		return err
	}
	return f(ctx, ix.byID(id))
}

// browserSignIn signs in through the browser on this computer and redeems
// the code: the token, and the nonce and authorization-response issuer
// its ID token must match.
func (s *Service) browserSignIn(ctx context.Context, su *ProviderSetup, scopes []string, req ConnectRequest) (tok *oauthflow.Token, nonce, authIss string, err error) {
	open := s.openBrowser
	if req.NoBrowser || req.Paste != nil {
		open = nil
	}
	grant, err := oauthflow.SignIn{
		AuthURL:        su.AuthURL,
		ClientID:       su.ClientID,
		Scopes:         scopes,
		AuthParams:     su.AuthParams,
		RedirectHost:   su.RedirectHost,
		Issuer:         su.AuthResponseIssuer,
		RequireIssuer:  su.AuthResponseIssuerRequired,
		OpenBrowser:    open,
		OnURL:          req.OnURL,
		Timeout:        req.Timeout,
		Port:           req.Port,
		Paste:          req.Paste,
		OnPasteRefused: req.OnPasteRefused,
	}.Run(ctx)
	if err != nil {
		return nil, "", "", withAdminConsent(signInErr(err), err, su.Family, req.Account, su.AuthURL, "", su.ClientID)
	}
	if su.Family == catalog.FamilyMicrosoft {
		grant.Scopes = resourceScopes(scopes, su.Resource, su.Graph)
	}
	ep := oauthflow.Endpoint{TokenURL: su.TokenURL, ClientID: su.ClientID, ClientSecret: su.ClientSecret, Now: s.now}
	tok, err = ep.Exchange(ctx, s.http, grant)
	if err != nil {
		return nil, "", "", withAdminConsent(providerErr("redeem the sign-in at "+su.Title, err), err, su.Family, req.Account, su.TokenURL, "", su.ClientID)
	}
	return tok, grant.Nonce, grant.Issuer, nil
}

// deviceSignIn signs in with a device code entered on another device
// (RFC 8628). Google's device flow cannot grant Gmail's scopes, so only
// providers with a DeviceURL (Microsoft) offer it.
func (s *Service) deviceSignIn(ctx context.Context, su *ProviderSetup, scopes []string, req ConnectRequest) (*oauthflow.Token, error) {
	if su.DeviceURL == "" {
		return nil, noDeviceSignIn(su.Family)
	}
	tok, err := oauthflow.Device{
		DeviceAuthURL: su.DeviceURL, TokenURL: su.TokenURL, ClientID: su.ClientID,
		Scopes: resourceScopes(scopes, su.Resource, su.Graph), OnCode: req.OnDeviceCode,
		Timeout: req.Timeout, Client: s.http, Now: s.now,
	}.Run(ctx)
	switch {
	case err == nil:
		return tok, nil
	case errors.Is(err, oauthflow.ErrDeviceExpired):
		return nil, fmt.Errorf("%w: %v before anyone entered it and signed in; nothing was saved", ErrSignInTimeout, err)
	case errors.Is(err, oauthflow.ErrDeviceDenied):
		return nil, fmt.Errorf("%w: %v at %s; nothing was saved", ErrSignIn, err, su.Title)
	case errors.Is(err, oauthflow.ErrTimeout), errors.Is(err, context.Canceled):
		return nil, signInErr(err)
	}
	return nil, withAdminConsent(providerErr("device sign-in at "+su.Title, err), err, su.Family, req.Account, su.TokenURL, "", su.ClientID)
}

// noDeviceSignIn says why a provider of family offers no device sign-in.
func noDeviceSignIn(f catalog.Family) error {
	if f == catalog.FamilyGoogle {
		return fmt.Errorf("%w: Google's device sign-in cannot grant mail scopes (Gmail over IMAP/SMTP and the Gmail API are not among the scopes it allows), so Latchkey does not offer it for google; "+
			"sign in with a browser instead: on a computer without one (over SSH), run `latchkey connect google --port 8400` there through `ssh -L 8400:127.0.0.1:8400`, or `latchkey connect google --paste` and paste back the address your browser ends on", ErrUsage)
	}
	return fmt.Errorf("%w: --device sign-in is offered for Microsoft (microsoft, exchange) only", ErrUsage)
}

// checkSignedIn is the pin check of a sign-in before anything is written.
// A sign-in that adds permissions (extend) or reconnects after a reduce
// (revoked) must be the person that account is pinned to, under its own
// id. And the account the sign-in would be saved as, r.ID, must be pinned
// to the person who signed in: its index entry (old) may be missing while
// its keychain item, and with it the pin, is still there. Another person
// fails with an *IdentityMismatchError, unless req.Replace says to replace
// the account (for ReplaceWith, if set, only).
func (s *Service) checkSignedIn(ctx context.Context, req ConnectRequest, extend, old *record, claims *oauthflow.Claims, r *record) error {
	signedIn, signedInAs := claimsIdentity(claims), personLabel(r.Name, r.Email)
	on := extend
	if on == nil {
		on = req.revoked
	}
	if on != nil {
		if err := s.checkPin(ctx, on, signedIn, signedInAs); err != nil {
			return err
		}
		if on.ID != r.ID {
			return fmt.Errorf("%w: the sign-in for %s returned the address %s; nothing was changed. Sign in with %s, or connect %s as an account of its own",
				ErrSignIn, on.ID, r.Email, on.Email, r.Email)
		}
		return nil // the account the sign-in is saved as was checked
	}
	if req.Replace && (req.ReplaceWith == Identity{} || req.ReplaceWith.same(signedIn)) {
		return nil
	}
	target := old
	if target == nil {
		// Only the keychain can pin it now.
		target = &record{Account: Account{ID: r.ID, Email: r.Email}}
	}
	err := s.checkPin(ctx, target, signedIn, signedInAs)
	var mismatch *IdentityMismatchError
	if errors.As(err, &mismatch) {
		mismatch.CanReplace = true
	}
	return err
}

var tenantGUID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$`)
})

// checkTenant holds a Microsoft sign-in to the tenant setting: the issuer
// template accepts any tenant, the setting may not.
func checkTenant(su *ProviderSetup, tid string) error {
	if su.Family != catalog.FamilyMicrosoft {
		return nil
	}
	switch t := strings.ToLower(su.Tenant); {
	case t == "consumers" && tid != catalog.MicrosoftConsumerTenant:
		return fmt.Errorf("tenant %s is not the personal-account tenant", tid)
	case t == "organizations" && tid == catalog.MicrosoftConsumerTenant:
		return errors.New("a personal account signed in where only work or school accounts are allowed")
	case tenantGUID().MatchString(t) && !strings.EqualFold(t, tid):
		return fmt.Errorf("signed in to tenant %s, not the configured %s", tid, t)
	}
	return nil
}

// signInErr classifies a browser sign-in that did not complete.
func signInErr(err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, oauthflow.ErrStateMismatch):
		return fmt.Errorf("%w: %v; another program or web page may be interfering, so nothing was accepted", ErrSignIn, err)
	case errors.Is(err, oauthflow.ErrLaunchReused):
		return fmt.Errorf("%w: %v: another program may have read the link to take over the sign-in, so Latchkey stopped it; nothing was saved, sign in again", ErrSignIn, err)
	case errors.Is(err, oauthflow.ErrTimeout):
		return fmt.Errorf("%w: %v", ErrSignInTimeout, err)
	case errors.Is(err, oauthflow.ErrPortInUse):
		return fmt.Errorf("%w: %v; nothing was started: choose another --port (and forward that one), or stop the program that holds it", ErrUsage, err)
	}
	return fmt.Errorf("%w: %v", ErrSignIn, err)
}

// earlierResources are the resource keys under which access items of an
// earlier sign-in of r's id may be kept: those the old index entry notes,
// and, because an entry can be lost (a hand-edited or restored index)
// while its keychain items stay, every resource the new sign-in could ask
// for. Left in place, such an item would be handed out as the new
// account's token, though another sign-in (maybe another person) got it.
func earlierResources(old, r *record) []string {
	out := r.resources()
	if old != nil {
		out = append(out, old.resources()...)
	}
	if r.Family == catalog.FamilyMicrosoft {
		out = append(out, r.Graph, catalog.CloudByGraph(r.Graph).Outlook)
		for _, sc := range r.Requested {
			if res := catalog.ScopeResource(sc, r.Graph); res != "" {
				out = append(out, res)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
