package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

const testIssuer = "https://issuer.test/tenant/v2.0"

// step is one request the test browser sends to the redirect URI.
type step struct {
	method string // default GET
	path   string // default "/"
	query  func(state string) string
	header map[string]string // "Host" overrides the Host header
	status int
	body   string // one of the page constants
}

func good(extra string) func(string) string {
	return func(state string) string { return "code=good-code&state=" + url.QueryEscape(state) + extra }
}

func forged(string) string { return "code=evil&state=forged-state-value" }

// browser plays the system browser: it opens the launch URL, reads the
// redirect URI and state from the sign-in URL it redirects to, and sends
// the steps to the loopback listener.
type browser struct {
	t      *testing.T
	steps  []step
	client *http.Client
	done   chan struct{}
	mu     sync.Mutex
	launch string // the URL it was opened with
	url    string // the sign-in URL the launch URL redirected to
}

func newBrowser(t *testing.T, steps ...step) *browser {
	return &browser{t: t, steps: steps, done: make(chan struct{}),
		client: &http.Client{
			Transport:     &http.Transport{DisableKeepAlives: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return errors.New("redirected") },
		}}
}

func (b *browser) open(launchURL string) error {
	defer close(b.done)
	signInURL, err := followLaunch(b.client, launchURL)
	if err != nil {
		b.t.Errorf("launch URL: %v", err)
		return nil
	}
	b.mu.Lock()
	b.launch, b.url = launchURL, signInURL
	b.mu.Unlock()
	u, err := url.Parse(signInURL)
	if err != nil {
		b.t.Errorf("sign-in URL: %v", err)
		return nil
	}
	q := u.Query()
	redirect, state := q.Get("redirect_uri"), q.Get("state")
	for i, s := range b.steps {
		method, path := s.method, s.path
		if method == "" {
			method = http.MethodGet
		}
		if path == "" {
			path = "/"
		}
		target := strings.TrimSuffix(redirect, "/") + path
		if s.query != nil {
			target += "?" + s.query(state)
		}
		req, err := http.NewRequest(method, target, nil)
		if err != nil {
			b.t.Errorf("step %d: %v", i, err)
			return nil
		}
		for k, v := range s.header {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := b.client.Do(req)
		if err != nil {
			b.t.Errorf("step %d: %v", i, err)
			return nil
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != s.status {
			b.t.Errorf("step %d (%s %s): status %d, want %d", i, method, path, resp.StatusCode, s.status)
		}
		if method != http.MethodHead && string(body) != s.body {
			b.t.Errorf("step %d: body is not the expected static page:\n%s", i, body)
		}
		checkPageHeaders(b.t, resp.Header)
	}
	return nil
}

// followLaunch fetches a launch URL as a browser would, without following
// the redirect, checks the answer and returns where it redirects.
func followLaunch(client *http.Client, launchURL string) (string, error) {
	if !launchURLPattern.MatchString(launchURL) {
		return "", fmt.Errorf("%q is not a launch URL", launchURL)
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(launchURL)
	if err != nil {
		return "", err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(body) != 0 {
		return "", fmt.Errorf("status %d with %d bytes, want 303 and no body", resp.StatusCode, len(body))
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": pageCSP,
	} {
		if got := resp.Header.Get(k); got != v {
			return "", fmt.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	return resp.Header.Get("Location"), nil
}

// launchURLPattern is the launch URL: the redirect host and port, and 128
// random bits (22 base64url characters); no query, nothing else.
var launchURLPattern = regexp.MustCompile(`^http://(127\.0\.0\.1|localhost):[0-9]+/start/[A-Za-z0-9_-]{22}$`)

func checkPageHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
		"Content-Security-Policy": pageCSP,
	} {
		if got := h.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if h.Get("Location") != "" {
		t.Errorf("callback page redirects")
	}
}

// waitGoroutines fails the test if goroutines started since before stay
// alive.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func checkPortClosed(t *testing.T, redirectURI string) {
	t.Helper()
	u, err := url.Parse(redirectURI)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"127.0.0.1", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h, u.Port()), time.Second)
		if err == nil {
			c.Close()
			t.Errorf("port %s still open on %s after Run returned", u.Port(), h)
		}
	}
}

func TestRun(t *testing.T) {
	ok200 := func(q func(string) string) step { return step{query: q, status: 200, body: successPage} }
	fail400 := func(q func(string) string) step { return step{query: q, status: 400, body: failurePage} }
	notFound := func(method, path string) step {
		return step{method: method, path: path, query: good(""), status: 404, body: notFoundPage}
	}
	tests := []struct {
		name    string
		setup   func(*SignIn)
		steps   []step
		wantErr error
	}{
		{name: "success", steps: []step{ok200(good(""))}},
		{name: "success with matching iss", setup: func(s *SignIn) { s.Issuer = testIssuer; s.RequireIssuer = true },
			steps: []step{ok200(good("&iss=" + url.QueryEscape(testIssuer)))}},
		{name: "iss not known in advance", steps: []step{ok200(good("&iss=https%3A%2F%2Fanything"))}},
		{name: "localhost redirect host", setup: func(s *SignIn) { s.RedirectHost = "localhost" },
			steps: []step{ok200(good(""))}},
		{name: "forged state then real", steps: []step{
			fail400(forged),
			fail400(func(string) string { return "error=access_denied&error_description=x&state=nope" }),
			fail400(func(string) string { return "error=access_denied" }),
			fail400(func(string) string { return "code=c" }),
			fail400(func(s string) string { return "code=c&state=" + s[:len(s)-1] }),
			fail400(func(s string) string { return "code=c&state=" + s + "&state=" + s }),
			fail400(func(s string) string { return "code=c&state=" + s + "%zz" }),
			ok200(good("")),
		}},
		{name: "probes get 404 and the flow goes on", steps: []step{
			notFound("GET", "/favicon.ico"),
			notFound("GET", "/callback"),
			notFound("GET", "//"),
			notFound("GET", "/%2F"),
			notFound("POST", "/"),
			notFound("PUT", "/"),
			notFound("HEAD", "/"),
			ok200(good("")),
		}},
		{name: "origin and rebinding rejected", steps: []step{
			{query: good(""), header: map[string]string{"Origin": "http://evil.test"}, status: 403, body: failurePage},
			{query: good(""), header: map[string]string{"Origin": "null"}, status: 403, body: failurePage},
			{query: good(""), header: map[string]string{"Host": "evil.test"}, status: 400, body: failurePage},
			ok200(good("")),
		}},
		{name: "error callback is not reflected", steps: []step{
			fail400(func(s string) string {
				return "state=" + s + "&error=access_denied&error_description=" +
					url.QueryEscape("<script>alert(1)</script>\x1b[31m\u202edenied\r\n")
			}),
		}, wantErr: ErrCallbackDenied},
		{name: "iss mismatch", setup: func(s *SignIn) { s.Issuer = testIssuer },
			steps: []step{fail400(good("&iss=https%3A%2F%2Fevil.test"))}, wantErr: ErrIssuerMismatch},
		{name: "iss mismatch beats error", setup: func(s *SignIn) { s.Issuer = testIssuer },
			steps:   []step{fail400(func(s string) string { return "error=access_denied&iss=x&state=" + s })},
			wantErr: ErrIssuerMismatch},
		{name: "iss required but absent", setup: func(s *SignIn) { s.RequireIssuer = true },
			steps: []step{fail400(good(""))}, wantErr: ErrIssuerMismatch},
		{name: "code repeated", steps: []step{fail400(good("&code=other"))}, wantErr: ErrBadCallback},
		{name: "no code", steps: []step{fail400(func(s string) string { return "state=" + s })}, wantErr: ErrBadCallback},
		{name: "code with control character", steps: []step{fail400(func(s string) string { return "code=a%0Ab&state=" + s })},
			wantErr: ErrBadCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := signInWith(t, tt.setup, tt.steps...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Run error = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Run: %v", err)
			}
		})
	}
}

// signInWith runs a sign-in whose browser sends steps, and checks what
// holds for every sign-in: one OnURL call, no goroutine left; on success
// the code, the sign-in URL and a closed port; on failure an error string
// without request data. It returns the grant, the sign-in URL and Run's error.
func signInWith(t *testing.T, setup func(*SignIn), steps ...step) (*Grant, string, error) {
	t.Helper()
	before := runtime.NumGoroutine()
	b := newBrowser(t, steps...)
	var printed []string
	s := SignIn{
		AuthURL:     "https://auth.test/authorize?tenant=x",
		ClientID:    "client-1",
		Scopes:      []string{"openid", "email", "offline_access"},
		AuthParams:  url.Values{"access_type": {"offline"}, "prompt": {"consent"}},
		OpenBrowser: b.open,
		OnURL:       func(u string) { printed = append(printed, u) },
		Timeout:     20 * time.Second,
	}
	if setup != nil {
		setup(&s)
	}
	g, err := s.Run(context.Background())
	<-b.done
	b.client.CloseIdleConnections()
	if err != nil {
		if strings.Contains(err.Error(), "good-code") || strings.ContainsAny(err.Error(), "\x1b\u202e\r\n") {
			t.Errorf("error string leaks request data: %v", err)
		}
	} else {
		if g.Code != "good-code" {
			t.Errorf("code = %q", g.Code)
		}
		checkAuthURL(t, b.url, g, &s)
		checkPortClosed(t, g.RedirectURI)
	}
	if len(printed) != 1 || printed[0] != b.launch {
		t.Errorf("OnURL called %d times, or with another URL than the browser", len(printed))
	}
	waitGoroutines(t, before)
	return g, b.url, err
}

var unreserved = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

func checkAuthURL(t *testing.T, signInURL string, g *Grant, s *SignIn) {
	t.Helper()
	u, err := url.Parse(signInURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "auth.test" || u.Path != "/authorize" {
		t.Errorf("sign-in URL %s does not keep the endpoint", u.Redacted())
	}
	q := u.Query()
	host := s.RedirectHost
	if host == "" {
		host = "127.0.0.1"
	}
	if !regexp.MustCompile(`^http://` + regexp.QuoteMeta(host) + `:[0-9]+/$`).MatchString(g.RedirectURI) {
		t.Errorf("redirect URI %q", g.RedirectURI)
	}
	if !unreserved.MatchString(g.Verifier) || len(g.Verifier) != 43 {
		t.Errorf("verifier %d chars, not 43 unreserved", len(g.Verifier))
	}
	for k, want := range map[string]string{
		"tenant":                "x",
		"response_type":         "code",
		"client_id":             "client-1",
		"redirect_uri":          g.RedirectURI,
		"scope":                 "openid email offline_access",
		"nonce":                 g.Nonce,
		"code_challenge":        oauth2.S256ChallengeFromVerifier(g.Verifier),
		"code_challenge_method": "S256",
		"access_type":           "offline",
		"prompt":                "consent",
	} {
		if got := q[k]; len(got) != 1 || got[0] != want {
			t.Errorf("sign-in URL %s = %q, want %q", k, got, want)
		}
	}
	if st := q.Get("state"); len(st) < 22 || st == g.Nonce {
		t.Errorf("state too short or reused as nonce")
	}
	if len(g.Nonce) < 22 {
		t.Errorf("nonce too short")
	}
	if q.Has("code_verifier") {
		t.Errorf("verifier leaked into the sign-in URL")
	}
}

func TestRunCallbackErrorSanitized(t *testing.T) {
	b := newBrowser(t, step{query: func(s string) string {
		return "state=" + s + "&error=%3Cb%3E&error_description=" +
			url.QueryEscape("<script>alert(1)</script>\x00\x1b[2J\u202e "+strings.Repeat("é", 400))
	}, status: 400, body: failurePage})
	_, err := SignIn{AuthURL: "https://auth.test/a", ClientID: "c", OpenBrowser: b.open}.Run(context.Background())
	<-b.done
	var ce *CallbackError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want *CallbackError", err)
	}
	if ce.Code != "invalid" {
		t.Errorf("Code = %q, want invalid", ce.Code)
	}
	if n := len([]rune(ce.Description)); n > maxDescription {
		t.Errorf("description %d runes", n)
	}
	if strings.ContainsAny(ce.Description, "\x00\x1b\u202e\r\n") {
		t.Errorf("description keeps control characters: %q", ce.Description)
	}
}

// TestProperty08_DeadlineCancelNoLeaks: a sign-in ends at its deadline or on
// cancel, its port closed and no goroutine left.
func TestProperty08_DeadlineCancelNoLeaks(t *testing.T) {
	for _, tt := range []struct {
		name    string
		cancel  bool
		wantErr error
	}{
		{"timeout", false, ErrTimeout},
		{"cancel", true, context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var redirect string
			s := SignIn{
				AuthURL:  "https://auth.test/a",
				ClientID: "c",
				// The launch URL is on the listener's port.
				OnURL: func(u string) { redirect = u },
				OpenBrowser: func(string) error {
					if tt.cancel {
						cancel()
					}
					return nil
				},
				Timeout: 200 * time.Millisecond,
			}
			if tt.cancel {
				s.Timeout = time.Minute
			}
			start := time.Now()
			_, err := s.Run(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("Run took %v", time.Since(start))
			}
			checkPortClosed(t, redirect)
			waitGoroutines(t, before)
		})
	}
}

func TestRunBrowserErrorIsNotFatal(t *testing.T) {
	var got []error
	b := newBrowser(t, step{query: good(""), status: 200, body: successPage})
	opened := make(chan string, 1)
	s := SignIn{
		AuthURL:  "https://auth.test/a",
		ClientID: "c",
		OnURL:    func(u string) { opened <- u },
		OpenBrowser: func(string) error {
			return errors.New("no browser")
		},
		OnBrowserError: func(err error) {
			got = append(got, err)
			// The person opens the printed URL themselves.
			go b.open(<-opened)
		},
	}
	g, err := s.Run(context.Background())
	<-b.done
	if err != nil || g.Code != "good-code" {
		t.Fatalf("Run = %v, %v", g, err)
	}
	if len(got) != 1 {
		t.Errorf("OnBrowserError called %d times", len(got))
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	for name, s := range map[string]SignIn{
		"no client":         {AuthURL: "https://a.test/"},
		"http endpoint":     {AuthURL: "http://a.test/", ClientID: "c"},
		"fragment":          {AuthURL: "https://a.test/#x", ClientID: "c"},
		"redirect host":     {AuthURL: "https://a.test/", ClientID: "c", RedirectHost: "0.0.0.0"},
		"reserved param":    {AuthURL: "https://a.test/", ClientID: "c", AuthParams: url.Values{"state": {"x"}}},
		"response_mode":     {AuthURL: "https://a.test/", ClientID: "c", AuthParams: url.Values{"response_mode": {"form_post"}}},
		"challenge smuggle": {AuthURL: "https://a.test/", ClientID: "c", AuthParams: url.Values{"code_challenge_method": {"plain"}}},
	} {
		if _, err := s.Run(context.Background()); err == nil {
			t.Errorf("%s: Run accepted it", name)
		}
	}
}

func hasIPv6Loopback(t *testing.T) bool {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestListenLoopback(t *testing.T) {
	ln4, ln6, err := listenLoopback(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	a4 := ln4.Addr().(*net.TCPAddr)
	if !a4.IP.Equal(net.IPv4(127, 0, 0, 1)) || a4.Port == 0 {
		t.Errorf("IPv4 listener on %v", a4)
	}
	if !hasIPv6Loopback(t) {
		if ln6 != nil {
			t.Errorf("IPv6 listener without IPv6")
		}
		t.Skip("no IPv6 loopback")
	}
	if ln6 == nil {
		t.Fatal("[::1] not bound")
	}
	defer ln6.Close()
	a6 := ln6.Addr().(*net.TCPAddr)
	if !a6.IP.Equal(net.IPv6loopback) || a6.Port != a4.Port {
		t.Errorf("IPv6 listener on %v, IPv4 on %v", a6, a4)
	}
	for _, a := range []*net.TCPAddr{a4, a6} {
		if a.IP.IsUnspecified() {
			t.Errorf("wildcard listener %v", a)
		}
	}
}

// TestListenLoopbackIPv6Taken: when another process holds [::1]:port, a
// browser resolving localhost to ::1 would reach it, so the port is given up.
func TestListenLoopbackIPv6Taken(t *testing.T) {
	if !hasIPv6Loopback(t) {
		t.Skip("no IPv6 loopback")
	}
	var squatters []net.Listener
	defer func() {
		beforeListen6 = nil
		for _, l := range squatters {
			l.Close()
		}
	}()
	beforeListen6 = func(port int) {
		if len(squatters) < 2 {
			l, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
			if err != nil {
				t.Errorf("squatting [::1]:%d: %v", port, err)
				return
			}
			squatters = append(squatters, l)
		}
	}
	ln4, ln6, err := listenLoopback(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer ln4.Close()
	defer ln6.Close()
	port := ln4.Addr().(*net.TCPAddr).Port
	for _, l := range squatters {
		if l.Addr().(*net.TCPAddr).Port == port {
			t.Errorf("kept port %d although [::1]:%d belongs to another listener", port, port)
		}
	}
	if len(squatters) != 2 || ln6.Addr().(*net.TCPAddr).Port != port {
		t.Errorf("squatters %d, IPv6 listener %v", len(squatters), ln6.Addr())
	}

	// Every attempt squatted: fail rather than listen on IPv4 alone.
	beforeListen6 = func(port int) {
		l, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(port)))
		if err == nil {
			squatters = append(squatters, l)
		}
	}
	if a, b, err := listenLoopback(context.Background()); err == nil {
		a.Close()
		b.Close()
		t.Errorf("listenLoopback succeeded with every [::1] port taken")
	}
}

// TestRunLocalhostReachesUs: with both loopbacks bound, the name localhost
// reaches this flow whichever address it resolves to.
func TestRunLocalhostReachesUs(t *testing.T) {
	if !hasIPv6Loopback(t) {
		t.Skip("no IPv6 loopback")
	}
	for _, ip := range []string{"127.0.0.1", "::1"} {
		t.Run(ip, func(t *testing.T) {
			d := &net.Dialer{}
			client := &http.Client{Transport: &http.Transport{
				DisableKeepAlives: true,
				DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
					_, port, _ := net.SplitHostPort(addr)
					return d.DialContext(ctx, "tcp", net.JoinHostPort(ip, port))
				},
			}}
			b := newBrowser(t, step{query: good(""), status: 200, body: successPage})
			b.client = client
			g, err := SignIn{AuthURL: "https://a.test/", ClientID: "c", RedirectHost: "localhost", OpenBrowser: b.open}.Run(context.Background())
			<-b.done
			if err != nil || !strings.HasPrefix(g.RedirectURI, "http://localhost:") {
				t.Fatalf("Run = %v, %v", g, err)
			}
		})
	}
}

// TestCallbackStateSingleUse drives the handler directly: the second
// request with the right state is refused and produces no second result.
func TestCallbackStateSingleUse(t *testing.T) {
	cb := newCallback("the-state", "127.0.0.1:1234", "", false)
	get := func() *http.Response {
		req := &http.Request{Method: "GET", Host: "127.0.0.1:1234", Header: http.Header{},
			URL: &url.URL{Path: "/", RawQuery: "code=c&state=the-state"}}
		rec := httptest.NewRecorder()
		cb.ServeHTTP(rec, req)
		return rec.Result()
	}
	if r := get(); r.StatusCode != 200 {
		t.Fatalf("first: %d", r.StatusCode)
	}
	if r := get(); r.StatusCode != 400 {
		t.Fatalf("replay: %d", r.StatusCode)
	}
	if res := <-cb.done; res.err != nil || res.code != "c" {
		t.Fatalf("result %v", res.err)
	}
	select {
	case <-cb.done:
		t.Fatal("replay produced a second result")
	default:
	}
}
