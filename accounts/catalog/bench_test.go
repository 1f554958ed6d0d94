package catalog

import "testing"

// BenchmarkLookupScope: explaining one scope, as show does per line.
func BenchmarkLookupScope(b *testing.B) {
	for b.Loop() {
		LookupScope("microsoft", "https://graph.microsoft.com/Calendars.ReadWrite.Shared")
	}
}
