// Package oauthflow owns the OAuth 2.0 / OpenID Connect protocol as a native
// app speaks it: the loopback sign-in with PKCE (RFC 8252, 7636, 9700, 9207),
// the device authorization grant (RFC 8628) for computers without a browser,
// the token endpoint client (authorization code and refresh grants), and the
// checks on ID token claims (OpenID Connect Core 3.1.3.7).
//
// It knows no provider: endpoints, client IDs, scopes and quirks are passed in
// as data by package accounts. It never stores anything; a rotated refresh
// token is returned to the caller, who must persist it.
//
// Nothing in this package puts a token, code, verifier, nonce or state value
// in an error string or a page.
package oauthflow

import "errors"

// Sentinel errors that callers branch on. They are wrapped with context;
// compare with errors.Is.
var (
	// ErrTimeout means the sign-in did not finish within SignIn.Timeout
	// (or Device.Timeout).
	ErrTimeout = errors.New("timed out")
	// ErrDeviceExpired means the device code expired before the person
	// entered it and signed in (RFC 8628 expired_token).
	ErrDeviceExpired = errors.New("the sign-in code expired")
	// ErrDeviceDenied means the person declined the device sign-in
	// (RFC 8628 access_denied, Microsoft's authorization_declined).
	ErrDeviceDenied = errors.New("the sign-in was declined")
	// ErrStateMismatch means the sign-in ran out of time after refusing
	// answers whose state was missing or wrong (forged or replayed), with
	// no genuine answer.
	ErrStateMismatch = errors.New("refused answers with a wrong state")
	// ErrCallbackDenied means the authorization server sent the browser back
	// with an error (the person declined, consent is required, ...). The error
	// is a *CallbackError.
	ErrCallbackDenied = errors.New("authorization server returned an error")
	// ErrIssuerMismatch means the authorization response named another issuer
	// than expected, or none when one is required (RFC 9207 mix-up defence).
	ErrIssuerMismatch = errors.New("authorization response from an unexpected issuer")
	// ErrLaunchReused means the one-time launch URL of a sign-in was
	// fetched a second time. Only the browser should have had it, so
	// another program (which may have read it from the browser launcher's
	// command line) fetched it first, or fetched it now: the sign-in was
	// stopped rather than risk completing someone else's.
	ErrLaunchReused = errors.New("the sign-in link was opened more than once")
	// ErrBadCallback means the authorization response carried the right state
	// but was malformed (no code, a repeated parameter, ...).
	ErrBadCallback = errors.New("malformed authorization response")
	// ErrPortInUse is a fixed SignIn.Port that another program holds on
	// 127.0.0.1 or [::1].
	ErrPortInUse = errors.New("the sign-in port is in use")
	// ErrPasteEnded is told to SignIn.OnPasteRefused when SignIn.Paste
	// ends: nothing more can be pasted, but the listener still waits.
	ErrPasteEnded = errors.New("the input ended, so nothing more can be pasted; still waiting for the browser to reach this computer")
	// ErrBadTokenResponse means the token endpoint answered 200 with a body
	// that is not a usable token response (bad or non-JSON, another
	// token_type, a bad expires_in, no access_token): the provider's fault,
	// not the network's.
	ErrBadTokenResponse = errors.New("malformed token response")
	// ErrInvalidIDToken means an ID token could not be parsed or its claims
	// failed a check.
	ErrInvalidIDToken = errors.New("invalid ID token")
)
