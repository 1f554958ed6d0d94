// Package accounts is Latchkey's core: the connected accounts, their
// providers, sign-in, refresh and the tokens handed to local programs.
// It never imports Fyne; front ends (cmd/latchkey, ui) sit on top of it.
package accounts

import (
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// Status says whether an account can hand out tokens.
type Status string

const (
	// StatusConnected means the account holds a working refresh token.
	StatusConnected Status = "connected"
	// StatusNeedsReconnect means the provider refused the refresh token
	// (revoked, expired, password changed...): the person must sign in again.
	StatusNeedsReconnect Status = "needs-reconnect"
	// StatusRevoking means a revoke started and has not finished (a crash,
	// no network): the account hands out no token; revoking again finishes.
	StatusRevoking Status = "revoking"

	// The statuses CheckKeychain reports for a connected account whose
	// saved sign-in the keychain cannot vouch for now. They are never
	// stored: the account is connected again once the keychain is back.

	// StatusKeychainUnavailable: no keychain answered (no Secret Service,
	// no session bus, or it did not answer in time).
	StatusKeychainUnavailable Status = "keychain-unavailable"
	// StatusKeychainLocked: the keychain is locked.
	StatusKeychainLocked Status = "keychain-locked"
	// StatusMissingFromKeychain: the keychain answered but holds no saved
	// sign-in for the account (deleted by hand, or another keychain).
	StatusMissingFromKeychain Status = "missing-from-keychain"
)

// Account is what Latchkey knows about one connected account. It holds no
// secret: tokens live only in the OS keychain.
type Account struct {
	// ID is "provider:email", unique among connected accounts.
	ID       string `json:"id"`
	Provider string `json:"provider"`
	Email    string `json:"email"`
	Name     string `json:"name,omitempty"`
	// UnverifiedEmail is an address the provider gave but does not vouch
	// for (email_verified=false; Microsoft: an email claim that is not the
	// sign-in name). When it equals Email, the account's own address is
	// unverified; otherwise the account is named by its user name instead.
	UnverifiedEmail string `json:"unverified_email,omitempty"`
	Status          Status `json:"status"`
	// StatusReason explains, in plain words, why the account needs attention.
	StatusReason string `json:"status_reason,omitempty"`
	// Scopes are the scopes the provider granted, taken from its token responses.
	Scopes []string `json:"scopes"`
	// Requested are the scopes Latchkey asked for at sign-in.
	Requested []string `json:"requested_scopes"`
	// NotGranted are requested scopes the provider did not grant.
	NotGranted []string `json:"not_granted"`
	// Unconfirmed are requested Microsoft scopes of a resource no token
	// was issued for yet (IMAP on a Graph account...): Microsoft says
	// whether it granted them at the first token for that resource.
	Unconfirmed []string `json:"unconfirmed,omitempty"`
	// Capabilities are those the person chose at sign-in (--allow), if any.
	Capabilities []catalog.Capability `json:"capabilities,omitempty"`
	// ConnectedAt is when the person signed in.
	ConnectedAt time.Time `json:"connected_at"`
	// LastRefresh is when a refresh token was last redeemed, zero if never.
	LastRefresh time.Time `json:"last_refresh,omitempty"`
	// AccessExpiry is when the newest cached access token expires.
	AccessExpiry time.Time `json:"access_token_expires_at,omitempty"`
	// SharedMailboxes are the shared mailboxes (Microsoft 365) programs
	// opened with this account's sign-in, sorted (see AddSharedMailbox).
	SharedMailboxes []string `json:"shared_mailboxes,omitempty"`
	// Approval is on when a program the person has not allowed for good
	// must be allowed in the desktop app before it gets a token (see
	// Service.CheckApproval).
	Approval bool `json:"approval,omitempty"`
}

// UnverifiedNote says, for people, which address of the account the
// provider does not vouch for; "" when there is none.
func (a Account) UnverifiedNote() string {
	switch {
	case a.UnverifiedEmail == "":
		return ""
	case strings.EqualFold(a.UnverifiedEmail, a.Email):
		return a.Email + " is not verified by the provider; Latchkey knows the account by who signed in, not by this address"
	}
	return a.UnverifiedEmail + " is not verified by the provider, so the account is named " + a.Email + " instead"
}
