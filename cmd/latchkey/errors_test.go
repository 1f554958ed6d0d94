package main

import (
	"errors"
	"testing"

	"github.com/latchkey/latchkey/accounts/errortest"
)

// TestEverySentinelHasPlainWords feeds every error the core may return
// through classify: none may fall through to the generic exit code
// without a hint.
func TestEverySentinelHasPlainWords(t *testing.T) {
	for _, err := range errortest.Examples() {
		if code, hint := classify(err); code == exitFailure || hint == "" {
			t.Errorf("%T %q: exit %d, hint %q: give it an exit code and plain words", errors.Unwrap(err), err, code, hint)
		}
	}
}
