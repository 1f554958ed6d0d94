// Package errortest gives the front ends' tests every error the core may
// return, so each front end can check that it has plain words for all.
package errortest

import (
	"fmt"

	"github.com/latchkey/latchkey/accounts"
)

// Examples are every sentinel of package accounts and one of each of its
// typed errors, each wrapped as the core wraps errors.
func Examples() []error {
	errs := append(accounts.Sentinels(),
		&accounts.ConfigError{Path: "config.toml", Msg: "bad"},
		&accounts.NoClientError{Provider: "google", Help: "Register an app."},
		&accounts.ReconnectError{Account: "google:a@example.org", Reason: "expired"},
		&accounts.AmbiguousError{Name: "a@example.org"},
		&accounts.RefusedError{Provider: "google", Capability: "mail"},
		&accounts.IdentityMismatchError{Account: "google:a@example.org", CanReplace: true},
		&accounts.AdminConsentError{Code: 90094, URL: "https://login.example/consent", Err: accounts.ErrSignIn},
	)
	for i, e := range errs {
		errs[i] = fmt.Errorf("doing something: %w", e)
	}
	return errs
}
