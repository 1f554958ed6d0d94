package ui

import (
	"errors"
	"testing"

	"github.com/latchkey/latchkey/accounts/errortest"
)

// TestEverySentinelHasPlainWords feeds every error the core may return
// through plainWords: none may fall through to the raw error text.
func TestEverySentinelHasPlainWords(t *testing.T) {
	for _, err := range errortest.Examples() {
		if got := plainWords(err); got == err.Error() || got == "" {
			t.Errorf("%T %q falls through to its raw text: give it plain words", errors.Unwrap(err), err)
		}
	}
}
