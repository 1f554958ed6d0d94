package accounts

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

// Errors callers branch on: every sentinel of the package is here. An
// error this package returns matches one of them with errors.Is (or
// none, for an unexpected failure). A few errors are narrower cases of a
// broader one and match both, so a caller that knows only the broader one
// still branches right; front ends test the narrow one first:
//
//	ErrKeychainLocked    also matches ErrKeychain
//	ErrCapabilityRefused (a *RefusedError) also matches ErrUsage
//	ErrIdentityMismatch  (an *IdentityMismatchError) also matches ErrSignIn
//	ErrRevoking          also matches ErrNeedsReconnect
//	ErrAdminConsent      (an *AdminConsentError) wraps the sign-in or
//	                     refresh error it explains, so it matches that too
//
// Front ends turn them into plain language and exit codes in one place
// each (cmd/latchkey/errors.go, ui/errors.go); their tests feed every
// error of Sentinels through it.
var (
	// ErrUsage: the request itself is malformed (unknown provider, bad flag value).
	ErrUsage = errors.New("invalid request")
	// ErrConfig: config.toml or the client registration is missing or wrong.
	ErrConfig = errors.New("configuration problem")
	// ErrUnknownAccount: no connected account matches, or more than one does.
	ErrUnknownAccount = errors.New("unknown account")
	// ErrNeedsReconnect: the provider no longer accepts the saved sign-in.
	ErrNeedsReconnect = errors.New("account needs to be reconnected")
	// ErrRevoking: the account is being revoked, so it hands out no token.
	ErrRevoking = narrower("account is being revoked", ErrNeedsReconnect)
	// ErrKeychain: the OS keychain is missing, locked or not answering.
	ErrKeychain = secretstore.ErrUnavailable
	// ErrKeychainLocked: the OS keychain is locked.
	ErrKeychainLocked = secretstore.ErrLocked
	// ErrProviderUnreachable: the provider could not be reached or failed
	// for a while (network, 5xx, 429); nothing stored was changed.
	ErrProviderUnreachable = errors.New("provider unreachable")
	// ErrProvider: the provider answered with something we cannot accept.
	ErrProvider = errors.New("unexpected answer from the provider")
	// ErrSignIn: the browser sign-in did not complete (denied, forged, mixed up).
	ErrSignIn = errors.New("sign-in did not complete")
	// ErrSignInTimeout: nobody finished signing in before the deadline.
	ErrSignInTimeout = errors.New("sign-in timed out")
	// ErrIdentityMismatch: a sign-in for a connected account returned
	// another person than the one the account is pinned to; nothing was
	// changed (see *IdentityMismatchError).
	ErrIdentityMismatch = narrower("signed in as another account", ErrSignIn)
	// ErrAdminConsent: an organization requires an administrator to
	// approve Latchkey (see *AdminConsentError, which carries the link).
	ErrAdminConsent = errors.New("administrator approval required")
	// ErrCapabilityRefused: a provider cannot offer a capability (see
	// *RefusedError for which and why).
	ErrCapabilityRefused = narrower("capability not offered by this provider", ErrUsage)
	// ErrBusy: another Latchkey process holds this account's lock and does not let go.
	ErrBusy = errors.New("account busy")
	// ErrStorage: one of Latchkey's files (the account index, config.toml,
	// the access log) could not be read or written.
	ErrStorage = errors.New("could not read or write a file")
	// ErrNoMailServers: Latchkey does not know the account's mail servers.
	ErrNoMailServers = errors.New("mail servers unknown")
	// ErrApprovalDenied: the person refused the program a token, now or
	// for good.
	ErrApprovalDenied = errors.New("the program was refused a token")
	// ErrApprovalUnavailable: approval is on but nobody could be asked (no
	// desktop app runs) or nobody answered in time.
	ErrApprovalUnavailable = errors.New("nobody could be asked to allow the program")
	// ErrProxyPassword means a proxy login named no served account or gave a
	// password none of its clients has.
	ErrProxyPassword = errors.New("wrong proxy user name or password")
)

// narrowError is a sentinel that is a case of a broader one and matches it.
type narrowError struct {
	text    string
	broader error
}

func narrower(text string, broader error) error { return &narrowError{text, broader} }

func (e *narrowError) Error() string        { return e.text }
func (e *narrowError) Is(target error) bool { return target == e.broader }

// Sentinels returns every error above, for front ends' tests: each must
// have plain words of its own.
func Sentinels() []error {
	return []error{ErrUsage, ErrConfig, ErrUnknownAccount, ErrNeedsReconnect, ErrRevoking, ErrKeychain,
		ErrKeychainLocked, ErrProviderUnreachable, ErrProvider, ErrSignIn, ErrSignInTimeout, ErrIdentityMismatch,
		ErrAdminConsent, ErrCapabilityRefused, ErrBusy, ErrStorage, ErrNoMailServers, ErrApprovalDenied, ErrApprovalUnavailable,
		ErrProxyPassword}
}

// ConfigError is a problem in config.toml, with the line where known.
type ConfigError struct {
	Path string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Is makes a ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// NoClientError says that no app registration (client id) is set up for a
// provider. Help tells the person how to register one.
type NoClientError struct {
	Provider   string
	SecretOnly bool
	Help       string
}

func (e *NoClientError) Error() string {
	if e.SecretOnly {
		return fmt.Sprintf("no client secret for %s: Google requires the desktop client's secret", e.Provider)
	}
	return fmt.Sprintf("no client id for %s: Latchkey needs an app registration of your own", e.Provider)
}

// Is makes a NoClientError match ErrConfig.
func (e *NoClientError) Is(target error) bool { return target == ErrConfig }

// ReconnectError says why an account must be signed in again, in plain words.
type ReconnectError struct {
	Account string
	// Reason is a plain-language sentence for people.
	Reason string
	// Code is the provider's error code (invalid_grant, AADSTS700082...).
	Code string
}

func (e *ReconnectError) Error() string {
	return fmt.Sprintf("%s must be reconnected: %s", e.Account, e.Reason)
}

// Is makes a ReconnectError match ErrNeedsReconnect.
func (e *ReconnectError) Is(target error) bool { return target == ErrNeedsReconnect }

// AmbiguousError says that an address is connected through more than one provider.
type AmbiguousError struct {
	Name       string
	Candidates []string
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q is connected more than once (%s): name one as provider:email", e.Name, strings.Join(e.Candidates, ", "))
}

// Is makes an AmbiguousError match ErrUnknownAccount.
func (e *AmbiguousError) Is(target error) bool { return target == ErrUnknownAccount }

// microsoftReasons explains the AADSTS codes a person may meet on refresh.
// Microsoft says the codes, not the description text, are the stable part.
var microsoftReasons = map[int]string{
	700082:  "the saved sign-in expired because it was not used for 90 days",
	50173:   "the saved sign-in is no longer valid, usually because the password changed or an administrator signed you out everywhere",
	70008:   "the saved sign-in has expired or was revoked",
	70000:   "Microsoft no longer accepts the saved sign-in (it was revoked or has expired)",
	65001:   "permission for Latchkey was withdrawn or is missing, so you need to approve it again",
	90094:   "your organization requires an administrator to approve Latchkey's permissions",
	90095:   "your organization requires an administrator to approve Latchkey's permissions",
	50076:   "your organization now requires multi-factor authentication for this sign-in",
	50079:   "your organization now requires you to set up multi-factor authentication",
	53003:   "your organization's access policy (Conditional Access) blocked this sign-in; your IT department controls this policy",
	70043:   "your organization's policy makes sign-ins expire after a set time",
	54005:   "the sign-in code was already used",
	7000112: "the app registration Latchkey uses was disabled by its owner or an administrator",
	70011:   "the requested permissions are not valid for this account",
}

// reconnectReason turns a refused refresh into a sentence for people.
func reconnectReason(family catalog.Family, te *oauthflow.TokenError) string {
	for _, c := range te.ErrorCodes {
		if r, ok := microsoftReasons[c]; ok {
			return r
		}
	}
	if family == catalog.FamilyGoogle && te.Code == "invalid_grant" {
		return "Google says the saved sign-in has expired or was revoked: you may have removed Latchkey's access, changed your password, not used it for 6 months, " +
			"or the app registration's consent screen is in \"Testing\", where Google ends every sign-in after 7 days"
	}
	switch te.Code {
	case "invalid_grant":
		return "the provider no longer accepts the saved sign-in (it expired or was revoked)"
	case "invalid_client", "unauthorized_client":
		return "the provider no longer accepts the app registration (client id) this account was connected with"
	case "consent_required", "interaction_required", "login_required":
		return "the provider wants you to sign in again in the browser"
	}
	return "the provider refused the saved sign-in (" + te.Code + ")"
}

// needsReconnect tells whether a token error means the saved sign-in is dead.
func needsReconnect(te *oauthflow.TokenError) bool {
	if slices.ContainsFunc(te.ErrorCodes, func(c int) bool { _, ok := microsoftReasons[c]; return ok }) {
		return true
	}
	switch te.Code {
	case "invalid_grant", "invalid_client", "unauthorized_client", "consent_required", "interaction_required", "login_required":
		return true
	}
	return false
}

// needsConsent tells whether a token error asks for consent to the scopes
// requested, rather than saying the sign-in itself is dead.
func needsConsent(te *oauthflow.TokenError) bool {
	return slices.Contains(te.ErrorCodes, 65001) || te.Code == "consent_required" || te.Suberror == "consent_required"
}

// storageErr reports a file Latchkey could not read or write: what it was
// doing, and the OS error (which names paths, never secrets).
func storageErr(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrStorage, what, err)
}
