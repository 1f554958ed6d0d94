// Package ui is Latchkey's desktop front end, built with Fyne: the tray
// icon and its menu, the connect wizard and the accounts window. It reaches
// accounts only through the AccountService interface it declares
// (NewAccountService adapts an *accounts.Service), so it tests with Fyne's
// test driver, without a display (CGO_ENABLED=0 go test ./ui/...). Only
// cmd/ creates the real Fyne app.
//
// Widgets are touched only on Fyne's UI goroutine: the core's slow calls
// run through background (background.go), which applies their results on
// that goroutine.
package ui

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey/accounts"
)

// AppID is Latchkey's application ID. It must equal the ID in FyneApp.toml
// (a test checks): Fyne keys preferences and storage by it, and packaging
// names the desktop entry after it.
const AppID = "io.github.latchkey.Latchkey"

// AppName is Latchkey's name as people read it, FyneApp.toml's Name.
const AppName = "Latchkey"

// AutostartComment is the Comment of the entry that starts Latchkey at
// login (packaging/autostart holds the same entry; a test compares them).
const AutostartComment = "Keeps your connected accounts' tokens fresh for your programs"

// AccountLister lists the connected accounts; it is the part of AccountService the
// tray and the list need. List is called from a goroutine, never from the
// UI goroutine.
type AccountLister interface {
	List(ctx context.Context) ([]accounts.Account, error)
}

// Unavailable returns an AccountService whose every action fails with err. main uses
// it when the account store could not be opened, so the window says why
// instead of the app failing to start.
func Unavailable(err error) AccountService {
	return unavailable{err: fmt.Errorf("open accounts: %w", err)}
}

type unavailable struct{ err error }

func (u unavailable) List(context.Context) ([]accounts.Account, error) { return nil, u.err }
func (u unavailable) Providers() []ProviderInfo                        { return nil }
func (u unavailable) Capabilities(string) []Capability                 { return nil }
func (u unavailable) Registration(string) (Registration, error)        { return Registration{}, u.err }
func (u unavailable) SaveRegistration(string, Registration) error      { return u.err }
func (u unavailable) Details(context.Context, string) (Details, error) { return Details{}, u.err }
func (u unavailable) Remove(context.Context, string) error             { return u.err }
func (u unavailable) SetApproval(context.Context, string, bool) error  { return u.err }
func (u unavailable) ForgetProgram(context.Context, string, string) error {
	return u.err
}
func (u unavailable) AccessToken(context.Context, string) (string, error) {
	return "", u.err
}
func (u unavailable) Revoke(context.Context, string) (RevokeOutcome, error) {
	return RevokeOutcome{}, u.err
}
func (u unavailable) Connect(context.Context, ConnectPlan, func(string)) (accounts.Account, error) {
	return accounts.Account{}, u.err
}

// State is what the front end shows about the accounts. It is replaced
// whole, on the UI goroutine, each time a load starts or ends.
type State struct {
	// Accounts are the accounts from the last successful load.
	Accounts []accounts.Account
	// Loading is true while a load is under way.
	Loading bool
	// Err is why the last load failed, nil if it succeeded.
	Err error
	// Details explain each account's permissions, by account ID.
	Details map[string]Details
}

// NeedsAttention reports whether the person should look at Latchkey: an
// account must be reconnected or its revoke finished, or the accounts could
// not be read.
func (s State) NeedsAttention() bool {
	if s.Err != nil {
		return true
	}
	for _, a := range s.Accounts {
		// A revoke that could not reach the provider leaves the account on
		// hold until the person revokes again.
		if a.Status == accounts.StatusNeedsReconnect || a.Status == accounts.StatusRevoking {
			return true
		}
	}
	return false
}
