package oauthflow

// The sign-in properties of the security checklist (SECURITY.md lists
// them), one test each, named after the property.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// listeners lists the local addresses of the TCP sockets listening on
// port, from /proc/net/tcp and tcp6: what the kernel says this process
// bound, not what the code meant to bind.
func listeners(t *testing.T, port int) []string {
	t.Helper()
	var out []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			if file == "/proc/net/tcp" {
				t.Skipf("no %s on this OS", file)
			}
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			hexIP, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); err != nil || int(p) != port {
				continue
			}
			out = append(out, procIP(hexIP).String())
		}
		f.Close()
	}
	return out
}

// procIP decodes an address of /proc/net/tcp: 32-bit words in host
// (little-endian) order.
func procIP(h string) net.IP {
	ip := make(net.IP, len(h)/2)
	for i := 0; i+8 <= len(h); i += 8 {
		for j := 0; j < 4; j++ {
			b, _ := strconv.ParseUint(h[i+6-2*j:i+8-2*j], 16, 8)
			ip[i/2+j] = byte(b)
		}
	}
	return ip
}

// redirectPort is the listener's port, where the launch URL is served.
func redirectPort(t *testing.T, launchURL string) int {
	t.Helper()
	u, err := url.Parse(launchURL)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(u.Port())
	return p
}

// TestProperty01_LoopbackOnly: the listener binds 127.0.0.1 and [::1] on
// one port, never a wildcard or the name localhost, whichever redirect host
// the provider wants; a process squatting [::1] on the chosen port makes
// the flow move to another port rather than let it catch the redirect.
func TestProperty01_LoopbackOnly(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			var bound []string
			_, _, err := signInWith(t, func(s *SignIn) {
				s.RedirectHost = host
				printed := s.OnURL
				s.OnURL = func(u string) { bound = listeners(t, redirectPort(t, u)); printed(u) }
			}, step{query: good(""), status: 200, body: successPage})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{"127.0.0.1": true}
			if hasIPv6Loopback(t) {
				want["::1"] = true
			}
			if len(bound) != len(want) {
				t.Errorf("listening on %v, want %v", bound, want)
			}
			for _, a := range bound {
				if !want[a] {
					t.Errorf("listening on %s: not a loopback address of the flow", a)
				}
			}
		})
	}
	t.Run("another process holds [::1] on the port", TestListenLoopbackIPv6Taken)
	t.Run("localhost reaches the flow on either address", TestRunLocalhostReachesUs)
}

// TestProperty02_PortHeldFromStartToEnd: the port is the OS's choice
// (inside its ephemeral range), already listening when the URL is shown and
// while the browser is open (nobody else can bind it), and closed when the
// flow ends.
func TestProperty02_PortHeldFromStartToEnd(t *testing.T) {
	var port int
	taken := func(when string) {
		if len(listeners(t, port)) == 0 {
			t.Errorf("%s: nothing listens on port %d", when, port)
		}
		if ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			ln.Close()
			t.Errorf("%s: another listener could bind 127.0.0.1:%d", when, port)
		}
	}
	b := newBrowser(t, step{query: good(""), status: 200, body: successPage})
	g, err := SignIn{
		AuthURL:  "https://auth.test/a",
		ClientID: "c",
		OnURL: func(u string) {
			port = redirectPort(t, u)
			taken("before the browser opens")
		},
		OpenBrowser: func(u string) error {
			taken("while the browser is open")
			return b.open(u)
		},
	}.Run(context.Background())
	<-b.done
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var lo, hi int
		fmt.Sscan(string(data), &lo, &hi)
		if port < lo || port > hi {
			t.Errorf("port %d is outside the OS's ephemeral range %d-%d: not port 0", port, lo, hi)
		}
	}
	checkPortClosed(t, g.RedirectURI)
}

// TestProperty03_PKCES256Only: the challenge is S256 of a verifier of 43
// unreserved characters (32 random bytes: 256 bits), new for each flow;
// the token request carries the verifier; "plain" cannot be asked for.
func TestProperty03_PKCES256Only(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		g, signInURL, err := signInWith(t, nil, step{query: good(""), status: 200, body: successPage})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(signInURL)
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(g.Verifier) {
			t.Errorf("challenge is not S256 of the verifier")
		}
		if !unreserved.MatchString(g.Verifier) || len(g.Verifier) != 43 || seen[g.Verifier] {
			t.Errorf("verifier of %d characters, repeated %v", len(g.Verifier), seen[g.Verifier])
		}
		seen[g.Verifier] = true
		stub := &stubToken{replies: []reply{{status: 200, body: msSuccess}}}
		srv := httptest.NewServer(stub)
		_, err = Endpoint{TokenURL: srv.URL, ClientID: "c"}.Exchange(context.Background(), nil, g)
		srv.Close()
		if err != nil || stub.forms[0].Get("code_verifier") != g.Verifier {
			t.Errorf("token request without the verifier: %v", err)
		}
	}
	for _, v := range []string{"plain", "S256"} {
		s := SignIn{AuthURL: "https://a.test/", ClientID: "c", AuthParams: url.Values{"code_challenge_method": {v}}}
		if _, err := s.Run(context.Background()); err == nil {
			t.Errorf("AuthParams could set code_challenge_method=%s", v)
		}
	}
}

// TestProperty04_StateSingleUse: a missing, wrong, repeated or replayed
// state is refused (error callbacks too) before anything is consumed, so no
// token request can follow; the state is random and bound to its flow.
func TestProperty04_StateSingleUse(t *testing.T) {
	fail400 := func(q func(string) string) step { return step{query: q, status: 400, body: failurePage} }
	g, signInURL, err := signInWith(t, nil,
		fail400(func(string) string { return "code=c" }),
		fail400(forged),
		fail400(func(s string) string { return "code=c&state=" + s[:len(s)-1] }),
		fail400(func(s string) string { return "code=c&state=" + s + "&state=" + s }),
		fail400(func(string) string { return "error=access_denied&error_description=forged" }),
		fail400(func(string) string { return "error=access_denied&state=forged-state-value" }),
		step{query: good(""), status: 200, body: successPage},
	)
	if err != nil || g.Code != "good-code" {
		t.Fatalf("the genuine answer after forged ones: %v", err)
	}
	u, _ := url.Parse(signInURL)
	if st := u.Query().Get("state"); len(st) < 43 {
		t.Errorf("state of %d characters: want 32 random bytes", len(st))
	}
	t.Run("replay", TestCallbackStateSingleUse)
	t.Run("another flow's state", func(t *testing.T) {
		a := newCallback("state-of-flow-a", "127.0.0.1:1", "", false)
		b := newCallback("state-of-flow-b", "127.0.0.1:2", "", false)
		req := &http.Request{Method: "GET", Host: "127.0.0.1:2", Header: http.Header{},
			URL: &url.URL{Path: "/", RawQuery: "code=c&state=state-of-flow-a"}}
		rec := httptest.NewRecorder()
		b.ServeHTTP(rec, req)
		if rec.Code != 400 || len(b.done) != 0 || len(a.done) != 0 {
			t.Errorf("flow b accepted flow a's state: %d", rec.Code)
		}
	})
	t.Run("only forged answers", func(t *testing.T) {
		_, _, err := signInWith(t, func(s *SignIn) { s.Timeout = 300 * time.Millisecond }, fail400(forged))
		if !errors.Is(err, ErrStateMismatch) {
			t.Errorf("err = %v, want ErrStateMismatch", err)
		}
	})
}

// TestProperty05_IssuerMixUpDefence: an iss in the answer must be the
// expected issuer, error answers included, and must be there when the
// provider promises it; each flow has its own redirect URI.
func TestProperty05_IssuerMixUpDefence(t *testing.T) {
	withIssuer := func(require bool) func(*SignIn) {
		return func(s *SignIn) { s.Issuer = testIssuer; s.RequireIssuer = require }
	}
	fail := step{status: 400, body: failurePage}
	for _, tt := range []struct {
		name    string
		setup   func(*SignIn)
		query   func(string) string
		wantErr error
	}{
		{"same issuer", withIssuer(true), good("&iss=" + url.QueryEscape(testIssuer)), nil},
		{"another issuer", withIssuer(false), good("&iss=https%3A%2F%2Fevil.test"), ErrIssuerMismatch},
		{"issuer differing in case", withIssuer(false), good("&iss=" + url.QueryEscape(strings.ToUpper(testIssuer))), ErrIssuerMismatch},
		{"another issuer on an error", withIssuer(false), func(s string) string { return "error=access_denied&iss=x&state=" + s }, ErrIssuerMismatch},
		{"missing when promised", withIssuer(true), good(""), ErrIssuerMismatch},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := step{query: tt.query, status: 200, body: successPage}
			if tt.wantErr != nil {
				st = fail
				st.query = tt.query
			}
			_, _, err := signInWith(t, tt.setup, st)
			if !errors.Is(err, tt.wantErr) && (tt.wantErr != nil || err != nil) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
	g1, _, err1 := signInWith(t, nil, step{query: good(""), status: 200, body: successPage})
	g2, _, err2 := signInWith(t, nil, step{query: good(""), status: 200, body: successPage})
	if err1 != nil || err2 != nil || g1.RedirectURI == g2.RedirectURI {
		t.Errorf("two flows share a redirect URI")
	}
}

// TestProperty36_LaunchURLHidesSignIn: the browser launcher (and the
// person) get a one-time launch URL that holds no state, nonce or code
// challenge; its first GET redirects to the sign-in URL, and a second GET,
// whoever sends it, is refused and ends the flow with ErrLaunchReused, so
// an intruder who read the launcher's argv and fetched first makes the
// sign-in fail visibly. Requests with another path, method, Host or an
// Origin change nothing.
func TestProperty36_LaunchURLHidesSignIn(t *testing.T) {
	noRedirect := &http.Client{
		Transport:     &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	get := func(t *testing.T, method, u string, header map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, u, nil)
		for k, v := range header {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	t.Run("the launch URL reveals nothing", func(t *testing.T) {
		g, signInURL, err := signInWith(t, nil, step{query: good(""), status: 200, body: successPage})
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.Parse(signInURL)
		secrets := map[string]string{"state": q.Query().Get("state"), "nonce": g.Nonce,
			"code_challenge": q.Query().Get("code_challenge"), "verifier": g.Verifier}
		for name, v := range secrets {
			if len(v) < 20 {
				t.Fatalf("%s %q: nothing to look for", name, v)
			}
		}
		// signInWith checked that OnURL and the browser got the same
		// launch URL, of the form launchURLPattern.
		b := newBrowser(t, step{query: good(""), status: 200, body: successPage})
		var shown string
		if _, err := (SignIn{AuthURL: "https://auth.test/a", ClientID: "c", OpenBrowser: b.open,
			OnURL: func(u string) { shown = u }}).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-b.done
		for name := range secrets {
			if strings.Contains(shown, name) || strings.Contains(shown, "redirect_uri") || strings.Contains(shown, "auth.test") {
				t.Errorf("launch URL %q names %s or the provider", shown, name)
			}
		}
	})

	t.Run("a second fetch ends the flow", func(t *testing.T) {
		before := runtime.NumGoroutine()
		launched := make(chan string, 1)
		res := make(chan error, 1)
		go func() {
			_, err := SignIn{AuthURL: "https://auth.test/a", ClientID: "c", Timeout: 20 * time.Second,
				OpenBrowser: func(u string) error { launched <- u; return nil }}.Run(context.Background())
			res <- err
		}()
		launch := <-launched
		// Refused without effect: another path, method, Host, an Origin.
		lu, _ := url.Parse(launch)
		for _, probe := range []struct {
			method, u string
			header    map[string]string
			status    int
		}{
			{"GET", launch + "x", nil, 404},
			{"GET", strings.TrimSuffix(launch, lu.Path) + "/start/" + strings.Repeat("A", 22), nil, 404},
			{"POST", launch, nil, 404},
			{"HEAD", launch, nil, 404},
			{"GET", launch, map[string]string{"Host": "evil.test"}, 400},
			{"GET", launch, map[string]string{"Origin": "http://evil.test"}, 403},
		} {
			if st, _ := get(t, probe.method, probe.u, probe.header); st != probe.status {
				t.Errorf("%s %s %v: %d, want %d", probe.method, probe.u, probe.header, st, probe.status)
			}
		}
		// The first fetch (the browser's, or an intruder's: they look
		// the same) is sent on; the second is refused and ends the flow.
		if st, _ := get(t, "GET", launch, nil); st != http.StatusSeeOther {
			t.Fatalf("first fetch: %d, want 303", st)
		}
		if st, body := get(t, "GET", launch, nil); st != http.StatusBadRequest || body != reusedPage {
			t.Errorf("second fetch: %d %q, want 400 and the fixed page", st, body)
		}
		select {
		case err := <-res:
			if !errors.Is(err, ErrLaunchReused) {
				t.Errorf("Run = %v, want ErrLaunchReused", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a second fetch of the launch URL did not end the flow")
		}
		checkPortClosed(t, launch)
		waitGoroutines(t, before)
	})

	t.Run("no answer accepted after a second fetch", func(t *testing.T) {
		cb := newCallback("the-state", "127.0.0.1:1", "", false)
		cb.launchPath, cb.signInURL = "/start/abc", "https://auth.test/a?state=the-state"
		serve := func(target string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "http://127.0.0.1:1"+target, nil)
			cb.ServeHTTP(rec, req)
			return rec
		}
		if rec := serve("/start/abc"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != cb.signInURL {
			t.Fatalf("first launch: %d to %q", rec.Code, rec.Header().Get("Location"))
		}
		if rec := serve("/start/abc"); rec.Code != http.StatusBadRequest {
			t.Fatalf("second launch: %d", rec.Code)
		}
		if rec := serve("/?code=c&state=the-state"); rec.Code != http.StatusBadRequest || rec.Body.String() != failurePage {
			t.Errorf("callback after a second launch: %d", rec.Code)
		}
		if r := <-cb.done; !errors.Is(r.err, ErrLaunchReused) || r.code != "" {
			t.Errorf("outcome %v, want ErrLaunchReused and no code", r.err)
		}
	})
}

// TestProperty37_IssuerComparedWhenPresent: an iss in the authorization
// response is compared with the expected issuer whenever it is there,
// whether or not the provider advertises support (RequireIssuer only
// makes it mandatory); a foreign one ends the flow before any code is
// handed out. With Microsoft's "{tid}" template the iss must be the
// template with a tenant GUID, and the ID token must then name that same
// issuer.
func TestProperty37_IssuerComparedWhenPresent(t *testing.T) {
	const (
		template = "https://login.test/{tid}/v2.0"
		tenant   = "3f5e3d0a-4b1c-4f7e-9a51-2c8d6b0e7a11"
		other    = "0b7e1c55-2d2a-4c8e-b0d6-5f4e9a3c1d22"
	)
	tenantIss := "https://login.test/" + tenant + "/v2.0"
	iss := func(v string) func(string) string { return good("&iss=" + url.QueryEscape(v)) }
	for _, tt := range []struct {
		name    string
		issuer  string
		require bool
		query   func(string) string
		wantErr error
		wantIss string
	}{
		{"not advertised, same issuer", testIssuer, false, iss(testIssuer), nil, testIssuer},
		{"not advertised, foreign issuer", testIssuer, false, iss("https://evil.test"), ErrIssuerMismatch, ""},
		{"not advertised, absent", testIssuer, false, good(""), nil, ""},
		{"not advertised, empty iss", testIssuer, false, good("&iss="), ErrIssuerMismatch, ""},
		{"not advertised, foreign issuer on an error", testIssuer, false, func(s string) string { return "error=access_denied&iss=https%3A%2F%2Fevil.test&state=" + s }, ErrIssuerMismatch, ""},
		{"advertised, absent", testIssuer, true, good(""), ErrIssuerMismatch, ""},
		{"template, a tenant", template, false, iss(tenantIss), nil, tenantIss},
		{"template, a bare tenant GUID", template, false, iss(tenant), ErrIssuerMismatch, ""},
		{"template, another authority", template, false, iss("https://evil.test/" + tenant + "/v2.0"), ErrIssuerMismatch, ""},
		{"template, not a tenant GUID", template, false, iss("https://login.test/common/v2.0"), ErrIssuerMismatch, ""},
		{"template, the template itself", template, false, iss(template), ErrIssuerMismatch, ""},
		{"template, a tenant and more", template, false, iss("https://login.test/" + tenant + "/v2.0/x"), ErrIssuerMismatch, ""},
		{"template, a path in the tenant", template, false, iss("https://login.test/" + tenant[:35] + "/v2.0"), ErrIssuerMismatch, ""},
		{"known tenant, another tenant", tenantIss, false, iss("https://login.test/" + other + "/v2.0"), ErrIssuerMismatch, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := step{query: tt.query, status: 200, body: successPage}
			if tt.wantErr != nil {
				st.status, st.body = 400, failurePage
			}
			g, _, err := signInWith(t, func(s *SignIn) { s.Issuer, s.RequireIssuer = tt.issuer, tt.require }, st)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || g != nil {
					t.Fatalf("Run = %v, %v; want %v and no grant", g, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if g.Issuer != tt.wantIss {
				t.Errorf("Grant.Issuer = %q, want %q", g.Issuer, tt.wantIss)
			}
		})
	}

	// After the token request: the ID token must name the issuer the
	// response did, tenant included.
	claims := func(iss, tid string) *Claims {
		c := &Claims{Issuer: iss, Subject: "s", Audience: []string{"client-1"}, TenantID: tid,
			Expiry: time.Now().Add(time.Hour), IssuedAt: time.Now()}
		return c
	}
	for _, tt := range []struct {
		name    string
		c       *Claims
		respIss string
		ok      bool
	}{
		{"same tenant", claims(tenantIss, tenant), tenantIss, true},
		{"no iss in the response", claims(tenantIss, tenant), "", true},
		{"another tenant than the response named", claims("https://login.test/"+other+"/v2.0", other), tenantIss, false},
	} {
		err := tt.c.Check(Expect{Issuer: template, ClientID: "client-1", AuthResponseIssuer: tt.respIss})
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalidIDToken)) {
			t.Errorf("%s: Check = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

// TestProperty06_FirstValidCallbackOnly: probes and other paths get 404
// without ending the flow; the first answer with the state is the one
// consumed, and nothing after it is.
func TestProperty06_FirstValidCallbackOnly(t *testing.T) {
	notFound := func(method, path string) step {
		return step{method: method, path: path, query: good(""), status: 404, body: notFoundPage}
	}
	g, _, err := signInWith(t, nil,
		notFound("GET", "/favicon.ico"),
		notFound("GET", "/callback"),
		notFound("GET", "/robots.txt"),
		notFound("GET", "//"),
		notFound("POST", "/"),
		notFound("HEAD", "/"),
		step{query: good(""), status: 200, body: successPage},
	)
	if err != nil || g.Code != "good-code" {
		t.Fatalf("Run = %v", err)
	}
	t.Run("a second valid answer", TestCallbackStateSingleUse)
}

// TestProperty07_StaticCallbackPage: whatever the request, the page is one
// of three fixed documents with the safe headers; it loads nothing, never
// redirects, and an attacker's error description or redirect parameter is
// not in it.
func TestProperty07_StaticCallbackPage(t *testing.T) {
	for name, page := range map[string]string{"success": successPage, "failure": failurePage, "not found": notFoundPage} {
		for _, bad := range []string{"http:", "https:", "//", "src=", "href=", "url(", "<script", "<img", "<link", "<iframe", "@import"} {
			if strings.Contains(strings.ToLower(page), bad) {
				t.Errorf("%s page contains %q", name, bad)
			}
		}
	}
	desc := `<script>alert(document.cookie)</script><img src=x onerror=alert(1)>`
	for _, st := range []step{
		{query: func(s string) string {
			return "state=" + s + "&error=access_denied&error_description=" + url.QueryEscape(desc) +
				"&error_uri=" + url.QueryEscape("https://evil.test/")
		}, status: 400, body: failurePage},
	} {
		_, _, err := signInWith(t, nil, st)
		var ce *CallbackError
		if !errors.As(err, &ce) {
			t.Fatalf("err = %v", err)
		}
	}
	for _, st := range []step{
		{query: good("&redirect_uri=https%3A%2F%2Fevil.test%2F&next=https%3A%2F%2Fevil.test%2F"), status: 200, body: successPage},
	} {
		if _, _, err := signInWith(t, nil, st); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("description kept out of errors' control characters", TestRunCallbackErrorSanitized)
}

// TestProperty09_RedirectURIRepeatedCodeRedeemedOnce: the code redemption
// sends the redirect URI exactly as the authorization request did, and is
// never retried, even after a transient failure.
func TestProperty09_RedirectURIRepeatedCodeRedeemedOnce(t *testing.T) {
	noSleep(t)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		g, signInURL, err := signInWith(t, func(s *SignIn) { s.RedirectHost = host },
			step{query: good(""), status: 200, body: successPage})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(signInURL)
		for _, status := range []int{200, 500, 503} {
			stub := &stubToken{replies: []reply{{status: status, body: msSuccess}}}
			srv := httptest.NewServer(stub)
			Endpoint{TokenURL: srv.URL, ClientID: "c"}.Exchange(context.Background(), nil, g)
			srv.Close()
			if stub.requests() != 1 {
				t.Errorf("HTTP %d: the code was sent %d times", status, stub.requests())
			}
			if got := stub.forms[0].Get("redirect_uri"); got != u.Query().Get("redirect_uri") || got != g.RedirectURI {
				t.Errorf("redirect_uri %q differs from the one sent, %q", got, u.Query().Get("redirect_uri"))
			}
		}
	}
}

// TestProperty10_IDTokenChecked: iss exact ({tid} substituted), aud holds
// the client, exp and iat within a small skew, nonce equal; on refresh the
// subject may not change. The cases are TestIDToken's table.
func TestProperty10_IDTokenChecked(t *testing.T) { TestIDToken(t) }

// callbackBadInput are the checklist's bad callback queries; FuzzCallback
// starts from them too.
var callbackBadInput = []struct{ name, method, path, query string }{
	{"duplicate state", "GET", "/", "code=a&state=" + fuzzState + "&state=" + fuzzState},
	{"duplicate code", "GET", "/", "code=a&code=b&state=" + fuzzState},
	{"duplicate iss", "GET", "/", "code=a&iss=https%3A%2F%2Fissuer.test&iss=x&state=" + fuzzState},
	{"duplicate error", "GET", "/", "error=a&error=b&state=" + fuzzState},
	{"huge code", "GET", "/", "code=" + strings.Repeat("A", maxCode+1) + "&state=" + fuzzState},
	{"huge description", "GET", "/", "error=access_denied&error_description=" + strings.Repeat("%3Cb%3E", 20000) + "&state=" + fuzzState},
	{"huge state", "GET", "/", "code=a&state=" + strings.Repeat("s", 100000)},
	{"invalid UTF-8 code", "GET", "/", "code=%ff%fe%fd&state=" + fuzzState},
	{"invalid UTF-8 description", "GET", "/", "error=access_denied&error_description=%c3%28%e2%82&state=" + fuzzState},
	{"double-encoded state", "GET", "/", "code=a&state=" + url.QueryEscape(url.QueryEscape(fuzzState))},
	{"double-encoded code", "GET", "/", "code=%253Cscript%253E&state=" + fuzzState},
	{"semicolon separator", "GET", "/", "code=a;state=" + fuzzState},
	{"bad percent-encoding", "GET", "/", "code=%zz&state=" + fuzzState},
	{"POST", "POST", "/", "code=a&state=" + fuzzState},
	{"PUT", "PUT", "/", "code=a&state=" + fuzzState},
	{"HEAD", "HEAD", "/", "code=a&state=" + fuzzState},
	{"OPTIONS", "OPTIONS", "/", "code=a&state=" + fuzzState},
	{"other path", "GET", "/callback", "code=a&state=" + fuzzState},
	{"encoded slash path", "GET", "/%2F", "code=a&state=" + fuzzState},
}

// TestProperty27_CallbackBadInput: each bad query gets a fixed page and is
// consumed only with exactly one right state, as FuzzCallback checks.
func TestProperty27_CallbackBadInput(t *testing.T) {
	for _, c := range callbackBadInput {
		t.Run(c.name, func(t *testing.T) { checkCallback(t, c.method, c.path, c.query) })
	}
}

// tokenBadInput are the checklist's bad token responses;
// FuzzParseTokenResponse starts from them too.
var tokenBadInput = []struct {
	name        string
	status      int
	contentType string
	body        string
}{
	{"access_token a number", 200, "application/json", `{"access_token":5,"token_type":"Bearer","expires_in":60}`},
	{"expires_in an object", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":{}}`},
	{"scope an array", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":60,"scope":["x"]}`},
	{"no access_token", 200, "application/json", `{"token_type":"Bearer","expires_in":60,"refresh_token":"` + fuzzSecret + `"}`},
	{"empty access_token", 200, "application/json", `{"access_token":"","token_type":"Bearer","expires_in":60}`},
	{"token_type DPoP", 200, "application/json", `{"access_token":"a","token_type":"DPoP","expires_in":60}`},
	{"token_type missing", 200, "application/json", `{"access_token":"a","expires_in":60}`},
	{"expires_in negative", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":-60}`},
	{"expires_in zero", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":0}`},
	{"expires_in huge", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":1e300}`},
	{"expires_in overflowing int64", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":9223372036854775808}`},
	{"HTML with 200", 200, "text/html", "<!DOCTYPE html><html><body>Sign in to the network</body></html>"},
	{"empty body with 200", 200, "application/json", ""},
	{"body over the cap", 200, "application/json", `{"access_token":"` + strings.Repeat("a", maxTokenBody) + `","token_type":"Bearer","expires_in":60}`},
	{"duplicate access_token", 200, "application/json", `{"access_token":"a","access_token":"b","token_type":"Bearer","expires_in":60}`},
	{"trailing data", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":60}{"x":1}`},
	{"error echoing the refresh token", 400, "application/json", `{"error":"invalid_grant","error_description":"token ` + fuzzSecret + ` is bad"}`},
	{"error echoing the refresh token split by invisible characters", 400, "application/json", `{"error":"invalid_grant","error_description":"rt-fuzz-\u200bsecret-\u202evalue and rt-fuzz-secret-val` + "\xf6" + `ue"}`},
	{"error with control characters", 400, "application/json", `{"error":"invalid_grant\u001b[2J","error_description":"\u202e\u0000"}`},
}

// TestProperty28_TokenResponseBadInput: each bad answer is refused with an
// error that does not echo the refresh token, as FuzzParseTokenResponse
// checks; none of them yields a token.
func TestProperty28_TokenResponseBadInput(t *testing.T) {
	for _, c := range tokenBadInput {
		t.Run(c.name, func(t *testing.T) {
			checkTokenResponse(t, c.status, c.contentType, []byte(c.body))
			tok, err := parseTokenResponse(c.status, http.Header{"Content-Type": {c.contentType}}, []byte(c.body), time.Now(), fuzzSecret)
			if err == nil {
				t.Errorf("accepted as %v", tok)
			}
		})
	}
}

// idTokenBadInput are the checklist's bad ID tokens; FuzzParseIDToken
// starts from them too.
var idTokenBadInput = []struct{ name, raw string }{
	{"one segment", "eyJhbGciOiJSUzI1NiJ9"},
	{"two segments", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0"},
	{"four segments", makeJWT(`{"alg":"RS256"}`, baseClaims()) + ".eA"},
	{"empty", ""},
	{"bad base64", "eyJ!!!.eyJ.c2ln"},
	{"standard base64 alphabet", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4Iiwic3ViIjoieSIsImF1ZCI6InoiLCJleHAiOjEsImlhdCI6MX0.c2ln+/=="},
	{"alg none", makeJWT(`{"alg":"none"}`, baseClaims())},
	{"alg None", makeJWT(`{"alg":"None"}`, baseClaims())},
	{"no alg", makeJWT(`{"typ":"JWT"}`, baseClaims())},
	{"huge", makeJWT(`{"alg":"RS256"}`, map[string]any{"iss": "x", "sub": "y", "aud": "z", "pad": strings.Repeat("p", maxIDToken)})},
	{"claims not an object", "eyJhbGciOiJSUzI1NiJ9.WzFd.c2ln"},
}

// TestProperty29_IDTokenBadInput: each bad ID token is refused with
// ErrInvalidIDToken and an error that quotes none of it.
func TestProperty29_IDTokenBadInput(t *testing.T) {
	for _, c := range idTokenBadInput {
		t.Run(c.name, func(t *testing.T) {
			checkIDToken(t, c.raw)
			if _, err := ParseIDToken(c.raw); !errors.Is(err, ErrInvalidIDToken) {
				t.Errorf("ParseIDToken = %v, want ErrInvalidIDToken", err)
			}
		})
	}
}
