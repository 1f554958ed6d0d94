package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/killpoint"
	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// revokingError is the error of a token asked for while a revoke runs.
type revokingError struct{ id string }

func (e *revokingError) Error() string {
	return fmt.Sprintf("%s is being revoked and hands out no more tokens; run `latchkey revoke %s` again to finish", e.id, e.id)
}

func (e *revokingError) Is(target error) bool {
	return target == ErrRevoking || target == ErrNeedsReconnect
}

// revokingReason is the status reason of an account whose revoke started.
const revokingReason = "revoking Latchkey's access started but did not finish; revoke it again to finish"

// RevokeResult says what Revoke did, in facts and in plain words.
type RevokeResult struct {
	// Account is the account as it was when the revoke was asked for;
	// after a failure, as it is now: on hold, with status revoking.
	Account Account `json:"account"`
	// RevokedAtProvider: the provider confirmed the grant is gone (or was
	// already gone: AlreadyRevoked).
	RevokedAtProvider bool `json:"revoked_at_provider"`
	AlreadyRevoked    bool `json:"already_revoked"`
	// Confirmed: Latchkey tried the old refresh token afterwards and the
	// provider refused it.
	Confirmed bool `json:"confirmed"`
	// WipedLocally: every token and the index entry are deleted.
	WipedLocally bool `json:"wiped_locally"`
	// Page is the provider page where the person must finish (Microsoft:
	// remove the app's consent), "" when nothing is left to do there.
	Page string `json:"page,omitempty"`
	// PageOpened: Page was opened in the browser.
	PageOpened bool `json:"page_opened"`
	// Done says what was done; ToDo what the person must still do ("" if
	// nothing). Both are plain sentences for people.
	Done string `json:"done"`
	ToDo string `json:"todo,omitempty"`

	stillAccepted bool // the provider accepted the old refresh token after revoking
	noToken       bool // no refresh token was left to revoke or confirm with
}

// RevokeOptions tune Revoke.
type RevokeOptions struct {
	// NoBrowser: do not open the provider's page, only report it.
	NoBrowser bool
}

// Revoke takes back the access the person gave Latchkey, at the provider
// where it can, and forgets the account on this computer.
//
//   - Google (and OpenID providers with a revocation endpoint): the
//     refresh token is revoked; an "invalid_token" answer means it already
//     was. Then the old refresh token is tried once more to confirm the
//     provider refuses it (RevokeResult.Confirmed).
//   - Microsoft has no way for an app to revoke its own grant: Latchkey
//     wipes its tokens and opens the account's app page (My Apps for work
//     or school, account.live.com for personal accounts), where the person
//     removes the consent. It never signs the person out everywhere.
//
// Revoke is idempotent and survives a crash: it first marks the account
// "revoking" in the index (then no token is handed out and a refresh in
// flight drops what it gets), and only deletes the account after the
// provider step succeeded, so running it again finishes the job. If the
// provider cannot be reached nothing is deleted and the error wraps
// ErrProviderUnreachable.
func (s *Service) Revoke(ctx context.Context, name string, opts RevokeOptions) (RevokeResult, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return RevokeResult{}, err
	}
	id, before := r.ID, r.view()
	// Marked before taking the account lock: a refresh holding the lock
	// checks the mark before saving anything.
	if err := s.updateIndex(ctx, func(ix *index) error {
		if r := ix.byID(id); r != nil {
			r.Status, r.StatusReason = StatusRevoking, revokingReason
		}
		return nil
	}); err != nil {
		return RevokeResult{}, err
	}
	var res RevokeResult
	err = s.withAccount(ctx, id, func(ctx context.Context, r *record) error {
		if r == nil {
			return fmt.Errorf("%w: %s was removed while it was being revoked", ErrUnknownAccount, id)
		}
		res = RevokeResult{Account: r.view()}
		res.Account.Status = StatusRevoking
		killpoint.At(killpoint.RevokeMarked)

		if r.Family != catalog.FamilyMicrosoft { // Microsoft: nothing to do at the provider from here
			if err := s.revokeAtProvider(ctx, r, &res); err != nil {
				return err
			}
		}
		killpoint.At(killpoint.RevokeBeforeWipe)
		if err := s.wipe(ctx, r); err != nil {
			return err
		}
		res.WipedLocally, res.Account = true, before
		s.describeRevoke(r, &res, opts)
		s.fireHook(HookEvent{Event: HookRevoked, Account: r.ID, Provider: r.Provider, Email: r.Email, Reason: res.Done})
		return nil
	})
	return res, err
}

// checkNotRevoking fails when the account is being revoked or is gone.
func (s *Service) checkNotRevoking(id string) error {
	ix, err := loadIndex(s.dir)
	if err != nil {
		return err
	}
	switch r := ix.byID(id); {
	case r == nil:
		return fmt.Errorf("%w: %s was removed while its token was being renewed", ErrUnknownAccount, id)
	case r.Status == StatusRevoking:
		return &revokingError{id: id}
	}
	return nil
}

// revokeAtProvider revokes the saved refresh token at the revoke endpoint
// of its keychain item, if it has one, and checks the provider refuses it
// afterwards.
func (s *Service) revokeAtProvider(ctx context.Context, r *record, res *RevokeResult) error {
	saved, err := s.readRefresh(ctx, r.ID)
	var reconnect *ReconnectError
	switch {
	case isNotFound(err) || errors.As(err, &reconnect):
		// The saved sign-in is gone or damaged. A cached access token
		// still names the grant (Google revokes the whole grant for it);
		// with no keychain item to say where, the index's endpoint is all
		// there is, and no refresh token goes there.
		if r.RevokeURL == "" {
			return nil
		}
		t, aerr := s.readAccess(ctx, r.ID, r.resourceKey(""))
		if aerr != nil || t == nil {
			res.noToken = true
			return nil
		}
		saved = &refreshItem{RefreshToken: t.Token, ClientID: r.ClientID, TokenURL: r.TokenURL, RevokeURL: r.RevokeURL}
		res.noToken = true
	case err != nil:
		return err
	default:
		if err := s.bindLegacy(ctx, r, saved); err != nil {
			return err
		}
	}
	if saved.RevokeURL == "" {
		return nil
	}
	ep := saved.endpoint()
	ep.Now = s.now
	err = ep.Revoke(ctx, s.http, saved.RevokeURL, saved.RefreshToken)
	var te *oauthflow.TokenError
	switch {
	case err == nil:
		res.RevokedAtProvider = true
	case errors.As(err, &te) && te.Code == "invalid_token":
		res.RevokedAtProvider, res.AlreadyRevoked = true, true
	default:
		return providerErr("revoke Latchkey's access to "+r.ID+" (nothing was deleted; the account hands out no more tokens until revoke is run again and finishes)", err)
	}
	if res.noToken {
		return nil // an access token cannot be redeemed to confirm
	}
	// Confirm: the old refresh token must no longer work. A network
	// failure here leaves Confirmed false; the revoke itself stands.
	_, err = ep.Refresh(ctx, s.http, saved.RefreshToken, nil)
	switch {
	case errors.As(err, &te) && needsReconnect(te):
		res.Confirmed = true
	case err == nil:
		res.stillAccepted = true
	}
	return nil
}

// wipe deletes an account's keychain items, then its index entry. Call it
// under the account lock.
func (s *Service) wipe(ctx context.Context, r *record) error {
	// Secrets first: a crash midway leaves an index entry without tokens
	// (shown as needing a reconnect), never tokens nobody knows of.
	for _, res := range r.resources() {
		if err := s.keys.Delete(ctx, accessKey(r.ID, res)); err != nil {
			return keychainErr("delete the access token", err)
		}
	}
	if err := s.keys.Delete(ctx, proxyKey(r.ID)); err != nil && !isNotFound(err) {
		return keychainErr("delete the proxy passwords", err)
	}
	if err := s.keys.Delete(ctx, refreshKey(r.ID)); err != nil {
		return keychainErr("delete the saved sign-in", err)
	}
	return s.updateIndex(ctx, func(ix *index) error { ix.remove(r.ID); return nil })
}

// openPage opens a provider page in the browser and reports whether it
// did. Some browsers make xdg-open wait until they exit: after a short
// wait without an error, the page counts as opened.
func (s *Service) openPage(u string) bool {
	done := make(chan error, 1)
	go func() { done <- s.openBrowser(u) }()
	select {
	case err := <-done:
		return err == nil
	case <-time.After(2 * time.Second):
		return true
	}
}

// describeRevoke fills in the page and the plain-language account of what
// was done and what is left, and opens the page where needed.
func (s *Service) describeRevoke(r *record, res *RevokeResult, opts RevokeOptions) {
	const wiped = "Its tokens are deleted from the keychain and Latchkey has forgotten it on this computer."
	switch {
	case r.Family == catalog.FamilyMicrosoft:
		res.Page = r.permissionsPage()
		res.Done = "Microsoft offers no way for an app to take back its own access, so Latchkey could not revoke it there. " + wiped
		if r.TenantID == catalog.MicrosoftConsumerTenant {
			res.ToDo = "To finish, remove Latchkey from the apps with access to your Microsoft account on " + res.Page + "."
		} else {
			res.ToDo = "To finish, open " + res.Page + ", find Latchkey (or your app registration's name) and remove its permissions. " +
				"If your organization's administrator approved it for everyone, only they can remove it."
		}
	case res.AlreadyRevoked:
		res.Done = "The provider says this access was already revoked. " + wiped
	case res.RevokedAtProvider:
		res.Done = "The provider revoked Latchkey's access. " + wiped
	case res.noToken:
		res.Page = r.permissionsPage()
		res.Done = "The keychain no longer held this account's sign-in, so Latchkey had nothing to revoke at the provider with. " + wiped
		res.ToDo = "Check that Latchkey is gone from the apps with access to your account"
		if res.Page != "" {
			res.ToDo += " on " + res.Page
		}
		res.ToDo += "."
	default:
		res.Page = r.permissionsPage()
		res.Done = "This provider gives Latchkey no way to revoke its access. " + wiped
		res.ToDo = "To finish, remove Latchkey in your account settings at the provider."
		if res.Page != "" {
			res.ToDo = "To finish, remove Latchkey on " + res.Page + "."
		}
	}
	switch {
	case !res.RevokedAtProvider:
	case res.Confirmed:
		res.Done += " Latchkey checked: the provider now refuses the old sign-in."
	case res.noToken:
		res.Done += " (It was revoked with the cached access token, so Latchkey could not check further.)"
	case res.stillAccepted:
		// Providers may take a moment to spread a revocation.
		res.Page = r.permissionsPage()
		res.Done += " But right after, the provider still accepted the old sign-in once."
		res.ToDo = "Check in a few minutes that Latchkey is gone from the apps with access to your account"
		if res.Page != "" {
			res.ToDo += " on " + res.Page
		}
		res.ToDo += "."
	default:
		res.Done += " Latchkey could not check that the provider refuses the old sign-in (no answer)."
	}
	if res.Page != "" && !opts.NoBrowser && r.Family == catalog.FamilyMicrosoft {
		res.PageOpened = s.openPage(res.Page)
	}
}
