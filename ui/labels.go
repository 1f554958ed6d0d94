package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// This file turns accounts and errors into the words the person reads. Every
// function is pure, so labels are checked by table tests.

// providerName is how the person reads a provider ID: the catalog's
// short title, or for a provider it does not know the ID with a capital
// letter.
func providerName(id string) string {
	if p, ok := catalog.Lookup(id); ok {
		return p.ShortTitle
	}
	r, size := utf8.DecodeRuneInString(id)
	if r == utf8.RuneError {
		return id
	}
	return string(unicode.ToUpper(r)) + id[size:]
}

// signInCompany is who the person signed in at for a provider, as it reads
// in "stays valid at …": the company that keeps the access a person
// granted and can refuse Latchkey's saved sign-in.
func signInCompany(id string) string {
	if p, ok := catalog.Lookup(id); ok {
		return p.Company()
	}
	return providerName(id)
}

// statusText is an account's state in lower case, as it reads after a dash.
func statusText(s accounts.Status) string {
	switch s {
	case accounts.StatusConnected:
		return "connected"
	case accounts.StatusNeedsReconnect:
		return "needs reconnect"
	case accounts.StatusRevoking:
		return "revoke not finished"
	case "":
		return "unknown state"
	default:
		return safetext.Line(strings.ReplaceAll(string(s), "-", " "))
	}
}

// accountAddress is the name an account is listed under: its e-mail
// address, or failing that its display name or ID, with control and
// format characters escaped (the provider chose them).
func accountAddress(a accounts.Account) string {
	switch {
	case a.Email != "":
		return safetext.Line(a.Email)
	case a.Name != "":
		return safetext.Line(a.Name)
	default:
		return safetext.Line(a.ID)
	}
}

// trayAccountLabel is an account's line in the tray menu, for example
// "alice@contoso.com — connected".
func trayAccountLabel(a accounts.Account) string {
	return accountAddress(a) + " — " + statusText(a.Status)
}

// accountDetail is the line under an account's address in the window, for
// example "Microsoft · needs reconnect".
func accountDetail(a accounts.Account) string {
	return providerName(a.Provider) + " · " + statusText(a.Status)
}

// accountReason explains why an account needs attention, or is empty.
func accountReason(a accounts.Account) string {
	switch {
	case a.Status == accounts.StatusConnected:
		return ""
	case a.StatusReason != "":
		return sentence(safetext.Line(a.StatusReason))
	case a.Status == accounts.StatusNeedsReconnect:
		return "Sign in again to keep using this account."
	}
	return ""
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// describeError is a failed load of the account list in words: plainError
// says what happened and what to do.
func describeError(err error) string {
	return "Latchkey could not read your accounts: " + plainError(err) + "\nPress Refresh to try again."
}
