package oauthflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Device is one device authorization grant (RFC 8628) of a public client:
// the person enters a short code at a web page on any device (a phone) and
// signs in there, while this program polls the token endpoint. It is the
// sign-in for computers without a browser (an SSH session).
//
// The protocol is golang.org/x/oauth2's DeviceAuth and DeviceAccessToken,
// polling at the interval the provider names and 5 s slower after each
// slow_down. They are given this package's HTTP client (deadlines, no
// redirects) and AuthStyleInParams: x/oauth2's auto-detection would retry a
// refused poll in the other style, two requests per tick. Their answers
// are read again by this package's parser, so a device sign-in's token is
// held to the same checks (token alphabet, Bearer, lifetime, size) as a
// browser sign-in's, and errors carry no secret.
type Device struct {
	// DeviceAuthURL is the device authorization endpoint; TokenURL the
	// token endpoint. Both https (http only for a loopback host).
	DeviceAuthURL, TokenURL string
	// ClientID is the public client; no secret is sent.
	ClientID string
	// Scopes are asked for.
	Scopes []string
	// OnCode receives the code to enter and where, before polling starts.
	OnCode func(DeviceCode)
	// Timeout bounds the whole sign-in; default 5 minutes. The device
	// code's own expiry ends it sooner (ErrDeviceExpired).
	Timeout time.Duration
	// Client is the HTTP client; nil means a shared NewHTTPClient.
	Client *http.Client
	// Now is the clock that dates the token; nil means time.Now.
	Now func() time.Time
}

// DeviceCode is what the person needs to sign in from another device.
type DeviceCode struct {
	// UserCode is the short code to type at VerificationURI.
	UserCode string
	// VerificationURI is the page to open; VerificationURIComplete, when
	// the provider gives one, already carries the code.
	VerificationURI, VerificationURIComplete string
	// Expiry is when the code stops working.
	Expiry time.Time
}

// Run asks for a device code, hands it to OnCode and polls until the
// person has signed in, declined (ErrDeviceDenied), the code expired
// (ErrDeviceExpired) or Timeout passed (ErrTimeout).
func (d Device) Run(ctx context.Context) (*Token, error) {
	for _, u := range []string{d.DeviceAuthURL, d.TokenURL} {
		if _, err := endpointURL(u); err != nil {
			return nil, fmt.Errorf("device sign-in: %w", err)
		}
	}
	if d.ClientID == "" {
		return nil, errors.New("device sign-in: no client ID")
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	now := d.Now
	if now == nil {
		now = time.Now
	}
	client := d.Client
	if client == nil {
		client = defaultClient()
	}
	rec := &answerRecorder{base: client.Transport, now: now}
	if rec.base == nil {
		rec.base = http.DefaultTransport
	}
	c := *client
	c.Transport = rec
	c.CheckRedirect = refuseRedirect
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &c)
	cfg := oauth2.Config{
		ClientID: d.ClientID,
		Scopes:   d.Scopes,
		Endpoint: oauth2.Endpoint{DeviceAuthURL: d.DeviceAuthURL, TokenURL: d.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}

	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		return nil, fmt.Errorf("ask for a device code: %w", rec.explain(ctx, err, now()))
	}
	if da.UserCode == "" || da.DeviceCode == "" || da.VerificationURI == "" {
		return nil, fmt.Errorf("ask for a device code: %w: no user_code, device_code or verification_uri", ErrBadTokenResponse)
	}
	if da.Expiry.IsZero() {
		// RFC 8628 makes expires_in required; do not poll for ever.
		da.Expiry = time.Now().Add(15 * time.Minute)
	}
	if d.OnCode != nil {
		d.OnCode(DeviceCode{UserCode: da.UserCode, VerificationURI: da.VerificationURI,
			VerificationURIComplete: da.VerificationURIComplete, Expiry: da.Expiry})
	}
	_, err = cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		switch {
		case errors.As(err, &re) && re.ErrorCode == "expired_token":
			return nil, ErrDeviceExpired
		case errors.As(err, &re) && (re.ErrorCode == "access_denied" || re.ErrorCode == "authorization_declined"):
			return nil, ErrDeviceDenied
		case errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(da.Expiry):
			return nil, ErrDeviceExpired
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("%w: nobody finished signing in within %v", ErrTimeout, timeout)
		}
		return nil, fmt.Errorf("device sign-in: %w", rec.explain(ctx, err, now(), da.DeviceCode))
	}
	status, h, body, sent := rec.last()
	return parseTokenResponse(status, h, body, sent, da.DeviceCode)
}

// answerRecorder keeps the last answer's status, headers and body, so that
// this package parses what x/oauth2 was given.
type answerRecorder struct {
	base http.RoundTripper
	now  func() time.Time // dates each answer, as Device.Now
	mu   sync.Mutex
	st   int
	h    http.Header
	body []byte
	sent time.Time
}

func (a *answerRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	sent := a.now()
	resp, err := a.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.st, a.h, a.body, a.sent = resp.StatusCode, resp.Header.Clone(), body, sent
	a.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (a *answerRecorder) last() (int, http.Header, []byte, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.st, a.h, a.body, a.sent
}

// explain turns an error of x/oauth2 into this package's: the provider's
// answer as a *TokenError (secrets scrubbed from its description), the
// context's error, or the network's as a transient *TokenError. x/oauth2's
// own text is not used: it quotes the whole answer.
func (a *answerRecorder) explain(ctx context.Context, err error, now time.Time, secrets ...string) error {
	if ctx.Err() == context.Canceled {
		return ctx.Err()
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status, h, body, _ := a.last()
		return parseTokenError(status, h, body, now, secrets)
	}
	if strings.HasPrefix(err.Error(), "unmarshal") {
		return fmt.Errorf("%w: the device code answer is not JSON", ErrBadTokenResponse)
	}
	// A network failure: x/oauth2 passes the client's error on, which
	// names the URL but no form value.
	return &TokenError{Transient: true, Err: err}
}
