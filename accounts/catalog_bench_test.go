package accounts

import (
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// BenchmarkDetail: a whole account explained, as show and the desktop's
// detail pane do on every refresh of the view.
func BenchmarkDetail(b *testing.B) {
	r := &record{Account: Account{Provider: "google",
		Scopes:    []string{"openid", "email", gAuth + "gmail.modify", gAuth + "calendar", gAuth + "contacts"},
		Requested: []string{"openid", "email", gAuth + "gmail.modify", gAuth + "calendar", gAuth + "contacts", gAuth + "drive"}},
		Family: catalog.FamilyGoogle}
	r.updateGrantState()
	for b.Loop() {
		r.detail()
	}
}
