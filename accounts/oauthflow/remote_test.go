package oauthflow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pastedRun starts a paste-mode sign-in and returns the authorization URL
// it printed, the writer the person pastes into, the refusals it reported
// and its outcome.
func pastedRun(t *testing.T, s SignIn) (authURL *url.URL, paste io.WriteCloser, refused <-chan error, done <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	urls := make(chan string, 1)
	ref := make(chan error, 10)
	res := make(chan error, 1)
	s.AuthURL, s.ClientID, s.Paste = "https://issuer.test/authorize", "client", pr
	s.OnURL = func(u string) { urls <- u }
	s.OnPasteRefused = func(err error) { ref <- err }
	s.OpenBrowser = func(string) error { t.Error("paste mode opened a browser"); return nil }
	if s.Timeout == 0 {
		s.Timeout = 20 * time.Second
	}
	go func() {
		g, err := s.Run(context.Background())
		if err == nil && (g.Code != "the-code" || g.RedirectURI == "") {
			err = fmt.Errorf("grant code %q redirect %q", g.Code, g.RedirectURI)
		}
		res <- err
	}()
	u, err := url.Parse(<-urls)
	if err != nil {
		t.Fatal(err)
	}
	return u, pw, ref, res
}

// TestPasteBack: the pasted address is judged as the listener judges a
// request: another address or a wrong state is refused and the flow goes
// on; the right answer ends it with the code; a wrong iss ends it with
// ErrIssuerMismatch, as through the listener.
func TestPasteBack(t *testing.T) {
	t.Run("wrong then right", func(t *testing.T) {
		u, paste, refused, done := pastedRun(t, SignIn{Issuer: testIssuer})
		if u.Host != "issuer.test" || u.Query().Get("state") == "" {
			t.Fatalf("paste mode printed %s, want the authorization URL itself", u.Redacted())
		}
		q := u.Query()
		redirect, state := q.Get("redirect_uri"), q.Get("state")
		other := strings.Replace(redirect, "127.0.0.1", "127.0.0.2", 1)
		for _, line := range []string{
			"",
			"not a url at all",
			other + "?code=the-code&state=" + url.QueryEscape(state),
			redirect + "callback?code=the-code&state=" + url.QueryEscape(state),
			redirect + "?code=the-code&state=forged",
		} {
			fmt.Fprintln(paste, line)
			select {
			case err := <-refused:
				if strings.Contains(err.Error(), state) {
					t.Errorf("the refusal quotes the state: %v", err)
				}
			case err := <-done:
				t.Fatalf("%q ended the sign-in: %v", line, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("%q: no refusal", line)
			}
		}
		fmt.Fprintf(paste, "  %s?code=the-code&state=%s&iss=%s \n", redirect, url.QueryEscape(state), url.QueryEscape(testIssuer))
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong issuer ends it", func(t *testing.T) {
		u, paste, _, done := pastedRun(t, SignIn{Issuer: testIssuer})
		q := u.Query()
		fmt.Fprintf(paste, "%s?code=the-code&state=%s&iss=https%%3A%%2F%%2Fevil.test\n", q.Get("redirect_uri"), url.QueryEscape(q.Get("state")))
		if err := <-done; !errors.Is(err, ErrIssuerMismatch) {
			t.Fatalf("got %v, want ErrIssuerMismatch", err)
		}
	})
	t.Run("the listener still answers", func(t *testing.T) {
		u, paste, refused, done := pastedRun(t, SignIn{})
		paste.Close()
		if err := <-refused; !errors.Is(err, ErrPasteEnded) {
			t.Errorf("end of input: %v, want ErrPasteEnded", err)
		}
		q := u.Query()
		resp, err := noRedirectClient().Get(q.Get("redirect_uri") + "?code=the-code&state=" + url.QueryEscape(q.Get("state")))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestFixedPort: a fixed port is the redirect URI's, on the loopback
// addresses only, and a port another program holds fails at once with
// ErrPortInUse.
func TestFixedPort(t *testing.T) {
	held, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	_, err = SignIn{AuthURL: "https://issuer.test/authorize", ClientID: "c", Port: port, Timeout: 5 * time.Second}.Run(context.Background())
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("held port: %v, want ErrPortInUse naming the port", err)
	}
	held.Close()

	urls := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := SignIn{AuthURL: "https://issuer.test/authorize", ClientID: "c", Port: port, Timeout: 20 * time.Second,
			OnURL: func(u string) { urls <- u }}.Run(ctx)
		done <- err
	}()
	launch := <-urls
	if want := "http://127.0.0.1:" + strconv.Itoa(port) + "/start/"; !strings.HasPrefix(launch, want) {
		t.Errorf("launch URL %s, want it on %s", launch, want)
	}
	signIn, err := followLaunch(noRedirectClient(), launch)
	if err != nil {
		t.Fatal(err)
	}
	su, _ := url.Parse(signIn)
	if got, want := su.Query().Get("redirect_uri"), "http://127.0.0.1:"+strconv.Itoa(port)+"/"; got != want {
		t.Errorf("redirect_uri %s, want %s", got, want)
	}
	if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.2", strconv.Itoa(port)), time.Second); err == nil {
		c.Close()
		t.Error("the sign-in listens on 127.0.0.2 too")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := (SignIn{AuthURL: "https://issuer.test/authorize", ClientID: "c", Port: 70000}).Run(context.Background()); err == nil {
		t.Error("port 70000 accepted")
	}
}

func noRedirectClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
