package oauthflow

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// DefaultTimeout is how long a sign-in waits for the browser to come back
// when SignIn.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

// SignIn describes one authorization code sign-in through the system browser
// and a loopback redirect (RFC 8252 section 7.3), with PKCE S256, a
// single-use state, a nonce and the RFC 9207 issuer check.
//
// The browser is never given the authorization URL itself: a launcher's
// command line is readable by every local user (/proc/PID/cmdline), and
// its state would let one of them answer the callback first with their
// own code (login CSRF). It is given a one-time launch URL on the loopback
// listener, http://HOST:PORT/start/ID with 128 random bits, which answers
// its first GET with a 303 to the authorization URL and ends the sign-in
// with ErrLaunchReused on any later one: whoever fetches it second, the
// person or an intruder, the sign-in fails visibly rather than silently.
type SignIn struct {
	// AuthURL is the authorization endpoint. It must be https (http is
	// accepted only for a loopback host, for tests and local providers).
	AuthURL string
	// ClientID is the client registered with the provider.
	ClientID string
	// Scopes are space-joined into the scope parameter; none means no scope
	// parameter.
	Scopes []string
	// AuthParams are extra parameters of the authorization request, e.g.
	// access_type=offline, include_granted_scopes=true, prompt=consent,
	// login_hint. They may not set the parameters this package owns
	// (response_type, response_mode, client_id, redirect_uri, scope, state,
	// nonce, code_challenge, code_challenge_method).
	AuthParams url.Values
	// RedirectHost is the host of the redirect URI: "127.0.0.1" (the
	// default) or "localhost" (Microsoft's portal only accepts
	// http://localhost). Either way the listener binds the loopback
	// addresses, never the name.
	RedirectHost string
	// Issuer is the expected iss parameter of the authorization response
	// (RFC 9207). An iss in the response is compared with it whenever
	// present, whether or not the provider advertises support, and a
	// mismatch ends the sign-in before any token request. "{tid}" in it
	// stands for any tenant GUID (Microsoft's common, organizations and
	// domain endpoints, where the tenant is known only after sign-in):
	// then the ID token's iss must equal the iss received (Grant.Issuer,
	// Expect.AuthResponseIssuer). "" accepts any iss; callers that know
	// the provider always set it.
	Issuer string
	// RequireIssuer rejects a response without iss; set it when the
	// provider advertises authorization_response_iss_parameter_supported.
	RequireIssuer bool
	// OpenBrowser opens the one-time launch URL (see SignIn), never the
	// authorization URL. It is called in its own goroutine, since some
	// openers wait for the browser to exit, and Run does not wait for it
	// to return. Nil means the caller shows the URL itself (OnURL).
	OpenBrowser func(url string) error
	// OnBrowserError is told, on Run's goroutine and only while Run is
	// running, that OpenBrowser failed. Such a failure does not end the
	// sign-in: the person can still open the URL printed by OnURL.
	OnBrowserError func(err error)
	// OnURL is called once, on Run's goroutine, before the browser is
	// opened, with the same one-time launch URL the browser gets: it is
	// shown for the person to open when no browser came up, and it is
	// the one way in, so a copy opened after the browser already did ends
	// the sign-in (ErrLaunchReused) instead of racing it. It holds no
	// state, nonce or challenge, and it is dead once the sign-in ends.
	OnURL func(url string)
	// Timeout bounds the whole sign-in; zero means DefaultTimeout.
	Timeout time.Duration
	// Port is the loopback port to listen on; zero lets the OS choose one.
	// A fixed port serves a browser on another computer through an SSH
	// tunnel (ssh -L PORT:127.0.0.1:PORT), and a provider whose registered
	// redirect URI names a port. It is still bound on 127.0.0.1 and [::1]
	// only; a port another program holds fails with ErrPortInUse.
	Port int
	// Paste, when set, is where the person pastes the address the browser
	// ended on (the redirect URI with code and state) when it cannot reach
	// this computer's loopback: Run reads it line by line and judges each
	// line exactly as it judges a request to the listener (same state,
	// single use, iss and code checks), whichever comes first. OnURL is
	// then given the authorization URL itself, not the launch URL, since
	// the browser that opens it is elsewhere, and OpenBrowser is not
	// called. Read it from a terminal or a pipe, never from argv. A reader
	// blocked in Read when Run returns is left to its caller.
	Paste io.Reader
	// OnPasteRefused is told, on Run's goroutine, why a pasted line was not
	// this sign-in's answer (another address, a wrong state); Run goes on
	// waiting for another.
	OnPasteRefused func(err error)
}

// Grant is what the token request of a finished sign-in needs. Pass it to
// Endpoint.Exchange once; then check the ID token's nonce against Nonce.
type Grant struct {
	// Code is the authorization code.
	Code string
	// RedirectURI is the redirect URI byte for byte as it was sent in the
	// authorization request (RFC 6749 section 4.1.3).
	RedirectURI string
	// Verifier is the PKCE code verifier.
	Verifier string
	// Nonce is the nonce sent; the ID token must carry it.
	Nonce string
	// Scopes, when the caller sets them, are sent as the scope of the code
	// redemption: Microsoft lets one sign-in consent to several resources
	// but redeems the code for one resource's scopes only.
	Scopes []string
	// Issuer is the iss of the authorization response, already matched
	// against SignIn.Issuer; "" when the response carried none. The ID
	// token's iss must equal it (Expect.AuthResponseIssuer): with a
	// "{tid}" pattern, only the ID token tells whether the tenant was
	// the one the response named.
	Issuer string
}

// String keeps the secrets of a Grant out of logs and error strings.
func (g Grant) String() string { return "oauthflow.Grant{redacted}" }

// GoString keeps the secrets of a Grant out of %#v.
func (g Grant) GoString() string { return g.String() }

// Format keeps the secrets of a Grant out of every verb, %d and %x included.
func (g Grant) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, g.String()) }

// CallbackError is the error response of the authorization server (RFC 6749
// section 4.1.2.1), received with the right state. It matches
// ErrCallbackDenied with errors.Is.
type CallbackError struct {
	// Code is the error parameter if it is made of [a-z_], else "invalid".
	Code string
	// Description is error_description without control characters and cut
	// to 300 characters. It is never rendered in the callback page.
	Description string
}

func (e *CallbackError) Error() string {
	if e.Description == "" {
		return "authorization server returned " + e.Code
	}
	return "authorization server returned " + e.Code + ": " + e.Description
}

// Is reports whether target is ErrCallbackDenied.
func (e *CallbackError) Is(target error) bool { return target == ErrCallbackDenied }

// reservedParams are the authorization request parameters Run sets itself.
var reservedParams = []string{
	"response_type", "response_mode", "client_id", "redirect_uri", "scope",
	"state", "nonce", "code_challenge", "code_challenge_method",
}

// Run performs the sign-in: it binds the loopback listener, reports the URL
// through OnURL, opens the browser and waits for the first authorization
// response that carries this flow's state, or for the timeout or ctx.
//
// Errors: ErrTimeout; ctx's error (context.Canceled for Ctrl-C);
// *CallbackError (ErrCallbackDenied); ErrIssuerMismatch; ErrBadCallback;
// ErrLaunchReused.
// Requests with a missing or wrong state are answered 400 and ignored, so
// that a forged callback can neither end nor poison the flow.
//
// The listener and its goroutines are gone when Run returns.
func (s SignIn) Run(ctx context.Context) (*Grant, error) {
	host := s.RedirectHost
	if host == "" {
		host = "127.0.0.1"
	}
	if host != "127.0.0.1" && host != "localhost" {
		return nil, fmt.Errorf("sign-in: redirect host %q is neither 127.0.0.1 nor localhost", host)
	}
	if s.ClientID == "" {
		return nil, errors.New("sign-in: no client ID")
	}
	authURL, err := endpointURL(s.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("sign-in: authorization endpoint: %w", err)
	}
	for _, k := range reservedParams {
		if _, ok := s.AuthParams[k]; ok {
			return nil, fmt.Errorf("sign-in: AuthParams may not set %q", k)
		}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrTimeout)
	defer cancel()

	if s.Port < 0 || s.Port > 65535 {
		return nil, fmt.Errorf("sign-in: port %d is not a TCP port", s.Port)
	}
	ln4, ln6, err := listenPort(ctx, s.Port)
	if err != nil {
		return nil, fmt.Errorf("sign-in: %w", err)
	}
	port := strconv.Itoa(ln4.Addr().(*net.TCPAddr).Port)
	// The trailing-slash form http://HOST:PORT/ is used for every provider:
	// Microsoft matches a registered http://localhost against it (any port),
	// Google accepts it for desktop clients, and oidc-provider in the e2e
	// tests is registered with http://127.0.0.1/. Go's client and browsers
	// send the path "/" either way, so the callback path is "/".
	redirectURI := "http://" + net.JoinHostPort(host, port) + "/"

	g := &Grant{
		RedirectURI: redirectURI,
		Verifier:    oauth2.GenerateVerifier(),
		Nonce:       randomString(32),
	}
	state := randomString(32)

	q := authURL.Query()
	for k, vs := range s.AuthParams {
		q[k] = append(q[k], vs...)
	}
	q.Set("response_type", "code")
	q.Set("client_id", s.ClientID)
	q.Set("redirect_uri", redirectURI)
	if len(s.Scopes) > 0 {
		q.Set("scope", strings.Join(s.Scopes, " "))
	}
	q.Set("state", state)
	q.Set("nonce", g.Nonce)
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(g.Verifier))
	q.Set("code_challenge_method", "S256")
	authURL.RawQuery = q.Encode()
	signInURL := authURL.String()

	cb := newCallback(state, net.JoinHostPort(host, port), s.Issuer, s.RequireIssuer)
	// The launch URL uses the redirect URI's host, so the Host check is
	// the same for both and a browser resolving localhost to ::1 finds
	// the same listener.
	cb.launchPath, cb.signInURL = "/start/"+randomString(16), signInURL
	launchURL := "http://" + cb.host + cb.launchPath
	srv := &http.Server{
		Handler:           cb,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		// Probes and junk from other local processes are not worth logging.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	var wg sync.WaitGroup
	for _, ln := range []net.Listener{ln4, ln6} {
		if ln != nil {
			wg.Go(func() { _ = srv.Serve(ln) })
		}
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		if srv.Shutdown(sctx) != nil {
			_ = srv.Close()
		}
		wg.Wait()
	}()

	pasted, pasteDone := make(chan string), make(chan struct{})
	var pasteEnded chan struct{}
	defer close(pasteDone)
	if s.Paste != nil {
		pasteEnded = make(chan struct{})
		go func() {
			readPasted(s.Paste, pasted, pasteDone)
			close(pasteEnded)
		}()
	}
	if s.OnURL != nil {
		if s.Paste != nil {
			s.OnURL(signInURL)
		} else {
			s.OnURL(launchURL)
		}
	}
	browserErr := make(chan error, 1)
	if s.OpenBrowser != nil && s.Paste == nil {
		open := s.OpenBrowser
		go func() {
			if err := open(launchURL); err != nil {
				browserErr <- err
			}
		}()
	}
	for {
		select {
		case r := <-cb.done:
			if r.err != nil {
				return nil, fmt.Errorf("sign-in: %w", r.err)
			}
			g.Code, g.Issuer = r.code, r.iss
			return g, nil
		case line := <-pasted:
			if err := cb.paste(line); err != nil && s.OnPasteRefused != nil {
				s.OnPasteRefused(err)
			}
		case <-pasteEnded:
			pasteEnded = nil
			if s.OnPasteRefused != nil {
				s.OnPasteRefused(ErrPasteEnded)
			}
		case err := <-browserErr:
			if s.OnBrowserError != nil {
				s.OnBrowserError(err)
			}
		case <-ctx.Done():
			cause := context.Cause(ctx)
			switch {
			case cause == ErrTimeout && cb.forged.Load() > 0:
				// Only forged answers came back: say so, it is what the
				// person must hear (a page or program is interfering).
				return nil, fmt.Errorf("sign-in: %w: %d answer(s) with a wrong state were refused, and no genuine one arrived within %v", ErrStateMismatch, cb.forged.Load(), timeout)
			case cause == ErrTimeout:
				return nil, fmt.Errorf("sign-in: no answer from the browser: %w after %v", ErrTimeout, timeout)
			case errors.Is(cause, context.DeadlineExceeded):
				return nil, fmt.Errorf("sign-in: %w: %w", ErrTimeout, cause)
			case cause != ctx.Err():
				return nil, fmt.Errorf("sign-in: %w: %w", ctx.Err(), cause)
			default:
				return nil, fmt.Errorf("sign-in: %w", cause)
			}
		}
	}
}

// endpointURL parses an authorization or token endpoint. TLS is required
// except for loopback hosts (RFC 8252 section 8.1 asks for TLS on the
// provider's endpoints; loopback serves tests and local providers).
func endpointURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New("no host")
	case u.User != nil:
		return nil, errors.New("user info in URL")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errors.New("fragment in URL")
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("scheme %q: https required", u.Scheme)
	}
	return u, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// listenAttempts bounds how often listenLoopback looks for a port that is
// free on both loopback addresses.
const listenAttempts = 5

// beforeListen6 lets tests occupy [::1]:port between the two binds.
var beforeListen6 func(port int)

// listenLoopback is listenPort on a port the OS chooses.
func listenLoopback(ctx context.Context) (ln4, ln6 net.Listener, err error) {
	return listenPort(ctx, 0)
}

// listenPort binds 127.0.0.1 on fixed, or on a port the OS chooses when
// fixed is 0, then [::1] on the same port, so that a browser resolving
// localhost to ::1 reaches this process and no other. If IPv6 loopback is
// absent, IPv4 alone is used; if [::1]:port belongs to another process, it
// starts again with a new port (a fixed one fails with ErrPortInUse). It
// never binds a wildcard or the name localhost (which Go resolves to IPv4
// only).
func listenPort(ctx context.Context, fixed int) (ln4, ln6 net.Listener, err error) {
	lc := net.ListenConfig{Control: exclusiveAddrUse}
	for range listenAttempts {
		ln4, err = lc.Listen(ctx, "tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(fixed)))
		if err != nil && fixed != 0 && errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("%w: another program listens on 127.0.0.1:%d", ErrPortInUse, fixed)
		}
		if err != nil && fixed != 0 && fixed < 1024 && errors.Is(err, syscall.EACCES) {
			return nil, nil, fmt.Errorf("%w: port %d needs administrator rights on this system; choose one from 1024 to 65535", ErrPortInUse, fixed)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("listen on 127.0.0.1: %w", err)
		}
		port := ln4.Addr().(*net.TCPAddr).Port
		if beforeListen6 != nil {
			beforeListen6(port)
		}
		ln6, err = lc.Listen(ctx, "tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
		if err == nil {
			return ln4, ln6, nil
		}
		if !ipv6Loopback(ctx, lc) {
			return ln4, nil, nil
		}
		// [::1] works but not on this port: someone else holds it.
		ln4.Close()
		if fixed != 0 {
			return nil, nil, fmt.Errorf("%w: another program listens on [::1]:%d", ErrPortInUse, fixed)
		}
	}
	return nil, nil, fmt.Errorf("listen on loopback: no port free on both 127.0.0.1 and [::1] after %d attempts", listenAttempts)
}

// ipv6Loopback reports whether [::1] can be bound at all. Asking the OS this
// way avoids telling "no IPv6" from "port taken" by platform error codes.
func ipv6Loopback(ctx context.Context, lc net.ListenConfig) bool {
	ln, err := lc.Listen(ctx, "tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// callbackResult is the outcome of the one authorization response consumed.
type callbackResult struct {
	code string
	iss  string
	err  error
}

// callback serves the redirect URI and the launch URL. It consumes the
// first request that carries the flow's state and sends its outcome on
// done (once).
type callback struct {
	state         string
	host          string // expected Host header, "HOST:PORT"
	issuer        string
	requireIssuer bool
	launchPath    string // "/start/ID", the one-time launch URL's path
	signInURL     string // where the launch URL redirects

	mu       sync.Mutex
	used     bool
	launched bool
	// done carries the flow's one outcome: the first sent wins (finish).
	done chan callbackResult
	// forged counts answers on the redirect path with a missing or wrong
	// state: they are refused, and reported if nothing genuine follows.
	forged atomic.Int32
}

func newCallback(state, host, issuer string, requireIssuer bool) *callback {
	return &callback{state: state, host: host, issuer: issuer, requireIssuer: requireIssuer,
		done: make(chan callbackResult, 1)}
}

// maxCode bounds the authorization code; real ones are far shorter
// (Microsoft's are about 1-2 KB).
const maxCode = 16 << 10

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.EscapedPath()
	if r.Method == http.MethodGet && c.launchPath != "" &&
		subtle.ConstantTimeCompare([]byte(path), []byte(c.launchPath)) == 1 {
		c.launch(w, r)
		return
	}
	if r.Method != http.MethodGet || path != "/" {
		writePage(w, http.StatusNotFound, notFoundPage)
		return
	}
	if !c.fromBrowser(w, r) {
		return
	}
	res, err := c.consume(r.URL.RawQuery)
	if err != nil {
		writePage(w, http.StatusBadRequest, failurePage)
		return
	}
	w.Header().Set("Connection", "close")
	if res.err != nil {
		writePage(w, http.StatusBadRequest, failurePage)
	} else {
		writePage(w, http.StatusOK, successPage)
	}
	c.finish(res)
}

// errNotThisFlow and errAnswered are answers consume does not take.
var (
	errNotThisFlow = errors.New("its state is not this sign-in's")
	errAnswered    = errors.New("this sign-in was answered already")
)

// consume takes the query of an authorization response, from the listener
// or pasted: the first one with the flow's state is judged (evaluate) and
// used up. The state is checked before anything else, error responses
// included, so that a forged response neither ends nor poisons the flow.
func (c *callback) consume(rawQuery string) (callbackResult, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil || len(q["state"]) != 1 ||
		subtle.ConstantTimeCompare([]byte(q["state"][0]), []byte(c.state)) != 1 {
		c.forged.Add(1)
		return callbackResult{}, errNotThisFlow
	}
	c.mu.Lock()
	used := c.used
	c.used = true
	c.mu.Unlock()
	if used {
		return callbackResult{}, errAnswered
	}
	return c.evaluate(q), nil
}

// maxPasted bounds one pasted line; a real redirect is a few KB at most.
const maxPasted = 64 << 10

// paste takes a line the person pasted: the address the browser ended on,
// which must be the redirect URI (this flow's host and port, path "/")
// with the authorization response in its query. It ends the flow, as the
// listener would, unless the line is not this flow's answer: then the
// error says why and the flow goes on.
func (c *callback) paste(line string) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return errors.New("nothing was pasted")
	}
	u, err := url.Parse(line)
	if err != nil || u.Scheme != "http" || !strings.EqualFold(u.Host, c.host) || (u.Path != "/" && u.Path != "") || u.User != nil {
		return fmt.Errorf("that is not the address the browser ended on: it must start with http://%s/?", c.host)
	}
	res, err := c.consume(u.RawQuery)
	if err != nil {
		return fmt.Errorf("that address is not this sign-in's answer: %w", err)
	}
	c.finish(res)
	return nil
}

// readPasted sends the lines read from r on lines until r ends or done is
// closed. Lines longer than maxPasted are dropped whole.
func readPasted(r io.Reader, lines chan<- string, done <-chan struct{}) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxPasted)
	for sc.Scan() {
		select {
		case lines <- sc.Text():
		case <-done:
			return
		}
	}
}

// fromBrowser refuses, with an answer, what cannot be the browser's own
// top-level navigation to this listener.
func (c *callback) fromBrowser(w http.ResponseWriter, r *http.Request) bool {
	// DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own
	// name as Host.
	if !strings.EqualFold(r.Host, c.host) {
		writePage(w, http.StatusBadRequest, failurePage)
		return false
	}
	// The redirect from the authorization server, like the browser opening
	// the launch URL, is a top-level navigation, which carries no Origin; a
	// page fetching or posting here does.
	if _, ok := r.Header["Origin"]; ok {
		writePage(w, http.StatusForbidden, failurePage)
		return false
	}
	return true
}

// launch serves the one-time launch URL: the first GET is sent on to the
// authorization URL; a later one ends the flow with ErrLaunchReused, since
// the link was meant for one browser only and someone else has it too.
// Requests refused by fromBrowser change nothing: whoever sends them knows
// the link and can send a proper request next.
func (c *callback) launch(w http.ResponseWriter, r *http.Request) {
	if !c.fromBrowser(w, r) {
		return
	}
	c.mu.Lock()
	first := !c.launched
	c.launched = true
	if !first {
		c.used = true // no callback is accepted after this
	}
	c.mu.Unlock()
	if first {
		writeRedirect(w, c.signInURL)
		return
	}
	w.Header().Set("Connection", "close")
	writePage(w, http.StatusBadRequest, reusedPage)
	c.finish(callbackResult{err: ErrLaunchReused})
}

// finish reports the flow's outcome unless one was reported already.
func (c *callback) finish(res callbackResult) {
	select {
	case c.done <- res:
	default:
	}
}

// evaluate judges an authorization response that carries the right state.
func (c *callback) evaluate(q url.Values) callbackResult {
	for _, k := range []string{"code", "iss", "error", "error_description", "error_uri"} {
		if len(q[k]) > 1 {
			return callbackResult{err: fmt.Errorf("%w: parameter %s repeated", ErrBadCallback, k)}
		}
	}
	// RFC 9207: an iss is compared whenever present, advertised or not.
	if iss, ok := q["iss"]; ok {
		if c.issuer != "" && !issuerMatches(c.issuer, iss[0]) {
			return callbackResult{err: fmt.Errorf("%w: got %q, want %q", ErrIssuerMismatch, sanitizeText(iss[0]), c.issuer)}
		}
	} else if c.requireIssuer {
		return callbackResult{err: fmt.Errorf("%w: response has no iss", ErrIssuerMismatch)}
	}
	if e, ok := q["error"]; ok {
		return callbackResult{err: &CallbackError{
			Code:        errorCode(e[0]),
			Description: sanitizeText(q.Get("error_description")),
		}}
	}
	code := q.Get("code")
	if code == "" {
		return callbackResult{err: fmt.Errorf("%w: no code", ErrBadCallback)}
	}
	if len(code) > maxCode {
		return callbackResult{err: fmt.Errorf("%w: code too long", ErrBadCallback)}
	}
	for i := 0; i < len(code); i++ {
		// RFC 6749 appendix A.11: code = 1*VSCHAR.
		if code[i] < 0x20 || code[i] > 0x7e {
			return callbackResult{err: fmt.Errorf("%w: code has characters outside VSCHAR", ErrBadCallback)}
		}
	}
	return callbackResult{code: code, iss: q.Get("iss")}
}
