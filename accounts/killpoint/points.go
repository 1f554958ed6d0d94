// Package killpoint marks the places where a crash matters to Latchkey's
// crash-safety tests (a refresh between the provider's answer and the
// keychain write, for instance). In a normal build At does nothing and
// costs nothing. A binary built with the latchkey_killpoints build tag, only
// ever by the tests, kills itself with SIGKILL at the point named in
// LATCHKEY_TEST_KILL_AT: no released program reads that variable.
package killpoint

// The crash points, in the order a refresh passes them.
const (
	// BeforeRefresh is after the account lock is taken and the saved
	// sign-in read, before the refresh request is sent.
	BeforeRefresh = "before-refresh-request"
	// AfterRotation is after the provider answered with a new (rotated)
	// refresh token, before it is saved.
	AfterRotation = "after-rotation"
	// AfterRefreshSaved is after the rotated refresh token is saved in the
	// keychain, before the access token is.
	AfterRefreshSaved = "after-refresh-saved"
	// AfterAccessSaved is after the new access token is saved in the
	// keychain, before the index notes it.
	AfterAccessSaved = "after-access-saved"
	// BeforePrint is in the command, after the token is in hand, before it
	// is printed.
	BeforePrint = "before-print"
	// RevokeMarked is after a revoke marked the account "revoking", before
	// it asks the provider to revoke.
	RevokeMarked = "revoke-marked"
	// RevokeBeforeWipe is after the provider revoked, before the keychain
	// items and the index entry are deleted.
	RevokeBeforeWipe = "revoke-before-wipe"
)
