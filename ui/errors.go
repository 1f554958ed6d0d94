package ui

import (
	"context"
	"errors"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// plainError is the one place the desktop front end turns an error from the
// core into words a person acts on: what happened, then what to do. Errors
// quote names, addresses and provider text, so the words come out as one
// line with control and format characters escaped.
func plainError(err error) string {
	return safetext.Line(plainWords(err))
}

func plainWords(err error) string {
	var noClient *accounts.NoClientError
	var reconnect *accounts.ReconnectError
	var adminConsent *accounts.AdminConsentError
	var other *accounts.IdentityMismatchError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "You cancelled the sign-in. Nothing was saved."
	case errors.As(err, &noClient):
		return "Latchkey needs an app registration of your own for this provider. Fill in its client ID on the previous page."
	case errors.As(err, &adminConsent):
		return "Your organization requires an administrator to approve Latchkey before you can use it. Send this link to your IT department; once they approve, connect again."
	case errors.Is(err, accounts.ErrAdminConsent):
		return "Your organization requires an administrator to approve Latchkey before you can use it. Ask your IT department; once they approve, connect again."
	case errors.Is(err, accounts.ErrCapabilityRefused):
		return "This provider cannot offer what you ticked: " + err.Error()
	case errors.As(err, &reconnect):
		return "The provider no longer accepts this account's saved sign-in: " + reconnect.Reason + ". Choose Reconnect to sign in again."
	case errors.Is(err, accounts.ErrRevoking):
		return "Taking this account's access back started but did not finish. Choose Revoke access again to finish."
	case errors.Is(err, accounts.ErrNeedsReconnect):
		return "The provider no longer accepts this account's saved sign-in. Choose Reconnect to sign in again."
	case errors.Is(err, accounts.ErrSignInTimeout):
		return "Nobody finished signing in in time, so Latchkey stopped waiting. Nothing was saved. Try again when you are ready."
	case errors.As(err, &other):
		return otherPersonText(other)
	case errors.Is(err, accounts.ErrSignIn):
		return "The sign-in did not complete: " + err.Error() + ". Nothing was saved; try again."
	case errors.Is(err, accounts.ErrKeychain):
		return "Latchkey could not use the keychain (" + err.Error() + "). Unlock it, for example by signing in to your desktop again, then retry."
	case errors.Is(err, accounts.ErrProviderUnreachable):
		return "The provider could not be reached. Check your connection and try again: " + err.Error()
	case errors.Is(err, accounts.ErrProvider):
		return "The provider answered something Latchkey cannot accept: " + err.Error()
	case errors.Is(err, accounts.ErrConfig):
		return "The settings are not right: " + err.Error()
	case errors.Is(err, accounts.ErrBusy):
		return "Another Latchkey program is working on this account. Wait a moment and try again."
	case errors.Is(err, accounts.ErrUnknownAccount):
		return "This account is no longer connected: " + err.Error()
	case errors.Is(err, accounts.ErrStorage):
		return "Latchkey could not read or write one of its files: " + err.Error() + ". Check that the file or folder is yours, writable and not full, then try again."
	case errors.Is(err, accounts.ErrNoMailServers):
		return "Latchkey does not know this account's mail servers, so it cannot set up a mail program for it."
	case errors.Is(err, accounts.ErrApprovalDenied):
		return "The program was not allowed a token for this account. Change the decision in the account's details if that was a mistake."
	case errors.Is(err, accounts.ErrApprovalUnavailable):
		return "Nobody answered whether the program may have a token, so it got none. Keep Latchkey running and try again."
	case errors.Is(err, accounts.ErrProxyPassword):
		return "A program gave the mail proxy a wrong user name or password. Make it a new proxy password and give it that."
	case errors.Is(err, accounts.ErrUsage):
		return "Latchkey could not do that: " + err.Error() + "."
	}
	return err.Error()
}

// otherPersonText says who is connected, who signed in instead, and what
// the person may do.
func otherPersonText(e *accounts.IdentityMismatchError) string {
	where := "another account at the provider with the same address"
	if e.Connected.TenantID != "" && e.SignedIn.TenantID != e.Connected.TenantID {
		where = "an account of another organization with the same address"
	}
	said := "You signed in as " + e.SignedInAs + ", but " + e.Account + " is connected as " + e.ConnectedAs + ": " + where + ". Nothing was changed."
	if !e.CanReplace {
		return said + " Sign in again as " + e.ConnectedAs + "."
	}
	return said + " Keep leaves the connected account as it is. Replace signs you in again and puts the new account in its place; the old one's tokens are deleted from this computer."
}
