package accounts

import "testing"

// BenchmarkLookupScope: explaining one scope, as show does per line.
func BenchmarkLookupScope(b *testing.B) {
	for b.Loop() {
		LookupScope("microsoft", "https://graph.microsoft.com/Calendars.ReadWrite.Shared")
	}
}

// BenchmarkDetail: a whole account explained, as show and the desktop's
// detail pane do on every refresh of the view.
func BenchmarkDetail(b *testing.B) {
	r := &record{Account: Account{Provider: "google",
		Scopes:    []string{"openid", "email", gAuth + "gmail.modify", gAuth + "calendar", gAuth + "contacts"},
		Requested: []string{"openid", "email", gAuth + "gmail.modify", gAuth + "calendar", gAuth + "contacts", gAuth + "drive"}},
		Family: FamilyGoogle}
	r.updateGrantState()
	for b.Loop() {
		r.detail()
	}
}
