package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// TestProviderTextEscaped: every label, notice and message built from
// what a provider or a local program chose (a name, an address, a status
// reason, a program name, an error) shows its control and format
// characters as escapes.
func TestProviderTextEscaped(t *testing.T) {
	const evil = "Eve\x1b[31m\u202egnp.exe\u200b\nsecond line"
	a := accounts.Account{ID: "google:" + evil, Provider: "google", Email: evil, Name: evil,
		Status: accounts.StatusNeedsReconnect, StatusReason: evil}
	title, body := reconnectNotice(a)
	noEmail := a
	noEmail.Email = ""
	noNames := noEmail
	noNames.Name = ""
	odd := a
	odd.Status = accounts.Status("odd-" + evil)
	for name, got := range map[string]string{
		"address":          accountAddress(a),
		"address by name":  accountAddress(noEmail),
		"address by id":    accountAddress(noNames),
		"tray label":       trayAccountLabel(odd),
		"detail":           accountDetail(odd),
		"reason":           accountReason(a),
		"notice title":     title,
		"notice body":      body,
		"error":            plainError(fmt.Errorf("%w: %s", accounts.ErrProvider, evil)),
		"unknown error":    plainError(fmt.Errorf("%s", evil)),
		"reconnect reason": plainError(&accounts.ReconnectError{Account: a.ID, Reason: evil}),
		"last use":         lastUse(Details{LastUsed: fixedNow.Add(-time.Hour), LastUsedBy: evil}, fixedNow),
	} {
		if i := strings.IndexFunc(got, safetext.Hidden); i >= 0 {
			t.Errorf("%s: %q holds %q", name, got, got[i:])
		}
		if !strings.Contains(got, `Eve\x1b[31m\u202egnp.exe`) && name != "tray label" && name != "detail" {
			t.Errorf("%s: %q does not show the text escaped", name, got)
		}
	}
}

// TestLostCapabilityNamed: a lost capability reads as its title in lower
// case after "won't work:"; one the catalog does not know (an index
// written by a newer Latchkey) shows its name, escaped, and never panics.
func TestLostCapabilityNamed(t *testing.T) {
	for name, want := range map[string]string{
		string(catalog.CapabilityReadMail): "read your mail",
		"":                                 "",
		"future.thing\x1b[31m":             `future.thing\x1b[31m`,
	} {
		if got := lostCapability(name); got != want {
			t.Errorf("lostCapability(%q) = %q, want %q", name, got, want)
		}
	}
}
