package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/latchkey/latchkey/accounts"
)

// fakeLister is a hand-written AccountService returning a fixed account list; its
// other methods do nothing. Tests of the real core use newRealCore.
type fakeLister struct {
	unavailable
	mu       sync.Mutex
	accounts []accounts.Account
	err      error
	calls    int
}

func (f *fakeLister) List(context.Context) ([]accounts.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return append([]accounts.Account(nil), f.accounts...), f.err
}

func (f *fakeLister) Details(ctx context.Context, id string) (Details, error) {
	return Details{}, nil
}

func (f *fakeLister) set(list []accounts.Account, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts, f.err = list, err
}

// fakeTray records what the shell puts in the tray.
type fakeTray struct {
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }

var (
	alice = accounts.Account{
		ID: "microsoft:alice@contoso.com", Provider: "microsoft", Email: "alice@contoso.com",
		Name: "Alice", Status: accounts.StatusConnected,
		ConnectedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	bob = accounts.Account{
		ID: "google:bob@example.com", Provider: "google", Email: "bob@example.com",
		Status:       accounts.StatusNeedsReconnect,
		StatusReason: "Google refused the saved sign-in (it was revoked or expired).",
	}
	errStore = errors.New("keychain unavailable")
)
