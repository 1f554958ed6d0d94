package mailproxy

import (
	"bufio"
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/mailtest"
)

const (
	user    = "alice@gmail.test"
	account = "google:alice@gmail.test"
	secret  = "PROXYSECRETFORTESTS234567"
)

// fakeLogins knows one client password and issues numbered tokens, which
// the test mail server accepts until the test expires them.
type fakeLogins struct {
	mu       sync.Mutex
	n        int
	valid    map[string]bool
	tokenErr error
}

func (f *fakeLogins) CheckProxyLogin(_ context.Context, u, pw string) (accounts.ProxyLogin, error) {
	if !strings.EqualFold(u, user) || subtle.ConstantTimeCompare([]byte(pw), []byte(secret)) != 1 {
		return accounts.ProxyLogin{}, accounts.ErrProxyPassword
	}
	return accounts.ProxyLogin{Account: account, Client: "test"}, nil
}

func (f *fakeLogins) MailToken(_ context.Context, l accounts.ProxyLogin, _ Conn) (*accounts.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tokenErr != nil {
		return nil, f.tokenErr
	}
	f.n++
	tok := "tok" + strconv.Itoa(f.n)
	f.valid[tok] = true
	return &accounts.AccessToken{Account: l.Account, Email: user, Token: tok, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func (f *fakeLogins) check(_, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.valid[token] {
		return errors.New("expired or unknown token")
	}
	return nil
}

// expireAll makes every token issued so far invalid at the server.
func (f *fakeLogins) expireAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
}

func (f *fakeLogins) issued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

type rig struct {
	srv    *mailtest.Server
	logins *fakeLogins
	proxy  *Proxy
	addr   map[Protocol]string
}

// start runs the test mail server and a proxy for it, trusting the
// server's test CA through Config.RootCAs only.
func start(t *testing.T, change func(*Config)) *rig {
	t.Helper()
	logins := &fakeLogins{valid: map[string]bool{}}
	srv := mailtest.Start(t, mailtest.Options{User: user, CheckToken: logins.check})
	srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nSubject: first\r\n\r\nHello Alice.\r\n"))
	pem, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cfg := Config{
		Accounts: []Account{{ID: account,
			IMAP: Upstream{Host: srv.Host, Port: srv.IMAPPort},
			POP3: Upstream{Host: srv.Host, Port: srv.POP3Port},
			SMTP: Upstream{Host: srv.Host, Port: srv.SMTPPort, StartTLS: true}}},
		Logins: logins, RootCAs: roots, FailDelay: 50 * time.Millisecond, LoginTimeout: 10 * time.Second,
		Logf: t.Logf,
	}
	if change != nil {
		change(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{srv: srv, logins: logins, proxy: p, addr: map[Protocol]string{}}
	for _, proto := range []Protocol{IMAP, POP3, SMTP} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.addr[proto] = ln.Addr().String()
		go p.Serve(ln, proto)
	}
	t.Cleanup(func() { p.Close() })
	return r
}

func (r *rig) imapLogin(t *testing.T, startTLS bool) *imapclient.Client {
	t.Helper()
	var c *imapclient.Client
	var err error
	if startTLS {
		c, err = imapclient.DialStartTLS(r.addr[IMAP], &imapclient.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	} else {
		c, err = imapclient.DialInsecure(r.addr[IMAP], nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(user, secret).Wait(); err != nil {
		t.Fatalf("IMAP login through the proxy: %v", err)
	}
	return c
}

// fetchFirst selects INBOX and returns the first message's text.
func fetchFirst(c *imapclient.Client) (string, error) {
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return "", err
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil {
		return "", err
	}
	if len(msgs) != 1 {
		return "", fmt.Errorf("%d messages", len(msgs))
	}
	for _, b := range msgs[0].BodySection {
		return string(b.Bytes), nil
	}
	return "", errors.New("no body")
}

func (r *rig) send(t *testing.T, startTLS bool, subject string) error {
	t.Helper()
	var c *smtp.Client
	var err error
	if startTLS {
		c, err = smtp.DialStartTLS(r.addr[SMTP], &tls.Config{InsecureSkipVerify: true})
	} else {
		c, err = smtp.Dial(r.addr[SMTP])
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Auth(sasl.NewPlainClient("", user, secret)); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	msg := "From: " + user + "\r\nTo: bob@example.test\r\nSubject: " + subject + "\r\n\r\nHi Bob.\r\n"
	if err := c.SendMail(user, []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// textConn is a line-by-line client for the protocols' raw text.
type textConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialText(t *testing.T, addr string) *textConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	tc := &textConn{t, c, bufio.NewReader(c)}
	tc.line() // greeting
	return tc
}

func (tc *textConn) line() string {
	tc.t.Helper()
	l, err := tc.r.ReadString('\n')
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return strings.TrimRight(l, "\r\n")
}

func (tc *textConn) say(s string) string {
	tc.t.Helper()
	if _, err := io.WriteString(tc.c, s+"\r\n"); err != nil {
		return "(" + err.Error() + ")"
	}
	return tc.line()
}

// TestIMAPLoginFetch: LOGIN in plain text and after STARTTLS, then a
// FETCH relayed to the provider's server, logged in there with XOAUTH2.
func TestIMAPLoginFetch(t *testing.T) {
	r := start(t, nil)
	for _, startTLS := range []bool{false, true} {
		body, err := fetchFirst(r.imapLogin(t, startTLS))
		if err != nil || !strings.Contains(body, "Hello Alice.") {
			t.Fatalf("STARTTLS %v: fetched %q, %v", startTLS, body, err)
		}
	}
	if n := r.srv.Logins("imap"); n != 2 {
		t.Errorf("%d XOAUTH2 logins upstream, want 2", n)
	}
}

// TestIMAPLoginForms: AUTHENTICATE PLAIN with and without an initial
// response, AUTHENTICATE LOGIN, LOGIN with quoted strings and literals
// (synchronizing and LITERAL+).
func TestIMAPLoginForms(t *testing.T) {
	r := start(t, nil)
	plain := "AGFsaWNlQGdtYWlsLnRlc3QAUFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw==" // \0alice@gmail.test\0secret
	cases := []struct {
		name  string
		lines []string
	}{
		{"plain-ir", []string{"a AUTHENTICATE PLAIN " + plain}},
		{"plain", []string{"a AUTHENTICATE PLAIN", plain}},
		{"login-mech", []string{"a AUTHENTICATE LOGIN", "YWxpY2VAZ21haWwudGVzdA==", "UFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw=="}},
		{"quoted", []string{`a LOGIN "alice@gmail.test" "` + secret + `"`}},
		{"literal", []string{"a LOGIN {16}", "alice@gmail.test {" + strconv.Itoa(len(secret)) + "}", secret}},
		{"literal+", []string{"a LOGIN {16+}\r\nalice@gmail.test {" + strconv.Itoa(len(secret)) + "+}\r\n" + secret}},
	}
	for _, c := range cases {
		tc := dialText(t, r.addr[IMAP])
		var got string
		for _, l := range c.lines {
			got = tc.say(l)
		}
		for strings.HasPrefix(got, "*") {
			got = tc.line()
		}
		if !strings.HasPrefix(got, "a OK") {
			t.Errorf("%s: %q, want a OK", c.name, got)
			continue
		}
		if l := tc.say("b SELECT INBOX"); !strings.HasPrefix(l, "*") {
			t.Errorf("%s: after the login SELECT said %q", c.name, l)
		}
	}
}

// TestPOP3 logs in with USER/PASS and AUTH PLAIN, and retrieves.
func TestPOP3(t *testing.T) {
	r := start(t, nil)
	for _, login := range [][]string{{"USER " + user, "PASS " + secret}, {"AUTH PLAIN AGFsaWNlQGdtYWlsLnRlc3QAUFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw=="}} {
		tc := dialText(t, r.addr[POP3])
		var got string
		for _, l := range login {
			got = tc.say(l)
		}
		if !strings.HasPrefix(got, "+OK") {
			t.Fatalf("%v: %q", login, got)
		}
		if got := tc.say("STAT"); !strings.HasPrefix(got, "+OK 1 ") {
			t.Fatalf("STAT: %q", got)
		}
		if got := tc.say("RETR 1"); !strings.HasPrefix(got, "+OK") {
			t.Fatalf("RETR: %q", got)
		}
		var body []string
		for l := tc.line(); l != "."; l = tc.line() {
			body = append(body, l)
		}
		if !strings.Contains(strings.Join(body, "\n"), "Hello Alice.") {
			t.Errorf("RETR gave %q", body)
		}
		tc.say("QUIT")
	}
	if n := r.srv.Logins("pop3"); n != 2 {
		t.Errorf("%d POP3 XOAUTH2 logins upstream, want 2", n)
	}
}

// TestSMTPSend sends in plain text and after STARTTLS.
func TestSMTPSend(t *testing.T) {
	r := start(t, nil)
	for _, startTLS := range []bool{false, true} {
		if err := r.send(t, startTLS, "sent via proxy"); err != nil {
			t.Fatalf("STARTTLS %v: %v", startTLS, err)
		}
	}
	if s := r.srv.Sent(); len(s) != 2 || s[0].Subject != "sent via proxy" || s[0].From != user {
		t.Errorf("the server got %+v", s)
	}
	// AUTH LOGIN too, the way older clients log in.
	tc := dialText(t, r.addr[SMTP])
	tc.say("EHLO me")
	for l := tc.line(); !strings.HasPrefix(l, "250 "); l = tc.line() {
	}
	tc.say("AUTH LOGIN")
	tc.say("YWxpY2VAZ21haWwudGVzdA==")
	if got := tc.say("UFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw=="); !strings.HasPrefix(got, "235") {
		t.Errorf("AUTH LOGIN: %q", got)
	}
}

// TestWrongPassword: refused with each protocol's error after the
// delay, no token asked for, and the session ends after three tries.
func TestWrongPassword(t *testing.T) {
	r := start(t, func(c *Config) { c.FailDelay = 300 * time.Millisecond })
	cases := []struct {
		proto       Protocol
		login, want string
	}{
		{IMAP, "a LOGIN alice@gmail.test WRONG", "a NO [AUTHENTICATIONFAILED] Wrong user name or password"},
		{IMAP, "a LOGIN mallory@gmail.test " + secret, "a NO [AUTHENTICATIONFAILED] Wrong user name or password"},
		{POP3, "PASS WRONG", "-ERR [AUTH] Wrong user name or password"},
		{SMTP, "AUTH PLAIN AGFsaWNlQGdtYWlsLnRlc3QAV1JPTkc=", "535 5.7.8 Wrong user name or password"},
	}
	for _, c := range cases {
		tc := dialText(t, r.addr[c.proto])
		if c.proto == POP3 {
			tc.say("USER " + user)
		}
		began := time.Now()
		got := tc.say(c.login)
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: %q, want %q...", c.proto, got, c.want)
		}
		if d := time.Since(began); d < 300*time.Millisecond {
			t.Errorf("%s: refused after %v, before the delay", c.proto, d)
		}
	}
	tc := dialText(t, r.addr[IMAP])
	for i := range 3 {
		tc.say("a" + strconv.Itoa(i) + " LOGIN alice@gmail.test WRONG")
	}
	if l := tc.line(); !strings.HasPrefix(l, "* BYE") {
		t.Errorf("after three wrong passwords: %q, want BYE", l)
	}
	if l := tc.line(); !strings.HasPrefix(l, "(") {
		t.Errorf("the session went on: %q", l)
	}
	if r.logins.issued() != 0 {
		t.Errorf("%d tokens issued for wrong passwords", r.logins.issued())
	}
}

// TestLimits: a long line, a large literal before the login, unknown
// commands and plain text smuggled after STARTTLS end or refuse.
func TestLimits(t *testing.T) {
	r := start(t, nil)
	tc := dialText(t, r.addr[IMAP])
	if got := tc.say("a LOGIN " + strings.Repeat("x", 20000)); !strings.HasPrefix(got, "* BYE [LIMIT]") {
		t.Errorf("long line: %q", got)
	}
	tc = dialText(t, r.addr[IMAP])
	if got := tc.say("a LOGIN {100000}"); !strings.HasPrefix(got, "a BAD [LIMIT]") {
		t.Errorf("large literal: %q", got)
	}
	if got := tc.say("b LOGIN {100000+}"); !strings.HasPrefix(got, "* BYE [LIMIT]") {
		t.Errorf("large LITERAL+: %q", got)
	}
	tc = dialText(t, r.addr[IMAP])
	if got := tc.say("a SELECT INBOX"); !strings.HasPrefix(got, "a BAD Log in first") {
		t.Errorf("SELECT before a login: %q", got)
	}
	tc = dialText(t, r.addr[SMTP])
	if got := tc.say("MAIL FROM:<a@b.test>"); !strings.HasPrefix(got, "530 5.7.0") {
		t.Errorf("MAIL before a login: %q", got)
	}
	tc = dialText(t, r.addr[SMTP])
	if got := tc.say("STARTTLS\r\nAUTH PLAIN AGFsaWNlQGdtYWlsLnRlc3QAUFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw=="); !strings.HasPrefix(got, "220") {
		t.Errorf("STARTTLS: %q", got)
	}
	if l := tc.line(); !strings.HasPrefix(l, "(") {
		t.Errorf("plain text after STARTTLS was taken: %q", l)
	}
	// A client that says nothing is dropped at the login timeout.
	r2 := start(t, func(c *Config) { c.LoginTimeout = 300 * time.Millisecond })
	tc = dialText(t, r2.addr[POP3])
	if l := tc.line(); !strings.HasPrefix(l, "(") {
		t.Errorf("a silent client: %q", l)
	}
}

// TestUpstreamFailures: an unreachable server, a refused token and no
// token at all reach the client as the protocol's errors, in plain words.
func TestUpstreamFailures(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadPort := dead.Addr().(*net.TCPAddr).Port
	dead.Close()
	r := start(t, func(c *Config) {
		c.Accounts[0].IMAP.Port = deadPort
		c.Accounts[0].SMTP.Port = deadPort
	})
	tc := dialText(t, r.addr[IMAP])
	if got := tc.say("a LOGIN alice@gmail.test " + secret); !strings.HasPrefix(got, "a NO [UNAVAILABLE] Latchkey could not reach the mail server") {
		t.Errorf("IMAP unreachable: %q", got)
	}
	if err := r.send(t, false, "x"); err == nil || !strings.Contains(err.Error(), "454") {
		t.Errorf("SMTP unreachable: %v, want 454", err)
	}

	// The server refuses the token.
	r = start(t, nil)
	r.logins.mu.Lock()
	r.logins.valid = map[string]bool{}
	r.logins.mu.Unlock()
	orig := r.logins
	r.proxy.cfg.Logins = refusingLogins{orig}
	tc = dialText(t, r.addr[IMAP])
	if got := tc.say("a LOGIN alice@gmail.test " + secret); !strings.HasPrefix(got, "a NO [AUTHENTICATIONFAILED] the mail server localhost:") ||
		!strings.Contains(got, "refused Latchkey's token") {
		t.Errorf("IMAP token refused: %q", got)
	}
	tc = dialText(t, r.addr[POP3])
	tc.say("USER " + user)
	if got := tc.say("PASS " + secret); !strings.HasPrefix(got, "-ERR [AUTH] the mail server") {
		t.Errorf("POP3 token refused: %q", got)
	}
	if err := r.send(t, false, "x"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("SMTP token refused: %v", err)
	}

	// No token: the account needs a reconnect.
	r = start(t, nil)
	r.logins.tokenErr = &accounts.ReconnectError{Account: account, Reason: "revoked\x1b[31m"}
	tc = dialText(t, r.addr[IMAP])
	got := tc.say("a LOGIN alice@gmail.test " + secret)
	if !strings.HasPrefix(got, "a NO Latchkey could not get a token for google:alice@gmail.test: the provider no longer accepts its saved sign-in; run `latchkey connect google`") {
		t.Errorf("no token: %q", got)
	}
	if strings.ContainsAny(got, "\x1b") {
		t.Errorf("a control character reached the client: %q", got)
	}
}

// refusingLogins hands out tokens the server does not know.
type refusingLogins struct{ *fakeLogins }

func (r refusingLogins) MailToken(_ context.Context, l accounts.ProxyLogin, _ Conn) (*accounts.AccessToken, error) {
	return &accounts.AccessToken{Account: l.Account, Email: user, Token: "unknown", TokenType: "Bearer"}, nil
}

// TestConcurrentSessions: 50 IMAP sessions and 50 SMTP sessions at once,
// each with its own login and token.
func TestConcurrentSessions(t *testing.T) {
	r := start(t, nil)
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			c, err := imapclient.DialInsecure(r.addr[IMAP], nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if err := c.Login(user, secret).Wait(); err != nil {
				errs <- err
				return
			}
			if body, err := fetchFirst(c); err != nil || !strings.Contains(body, "Hello Alice.") {
				errs <- fmt.Errorf("fetch %d: %v", i, err)
			}
		}()
		go func() {
			defer wg.Done()
			if err := r.send(t, false, "concurrent "+strconv.Itoa(i)); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if r.srv.Logins("imap") != n || r.srv.Logins("smtp") != n || len(r.srv.Sent()) != n {
		t.Errorf("%d IMAP and %d SMTP logins, %d messages; want %d each", r.srv.Logins("imap"), r.srv.Logins("smtp"), len(r.srv.Sent()), n)
	}
}

// TestTokenExpiresMidSession: a session logged in with a token goes on
// after the token expires (the server does not check it again), and the
// next session logs in with a new token: the client notices nothing.
func TestTokenExpiresMidSession(t *testing.T) {
	r := start(t, nil)
	c := r.imapLogin(t, false)
	if _, err := fetchFirst(c); err != nil {
		t.Fatal(err)
	}
	sc, err := smtp.Dial(r.addr[SMTP])
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if err := sc.Auth(sasl.NewPlainClient("", user, secret)); err != nil {
		t.Fatal(err)
	}
	r.logins.expireAll()
	if body, err := fetchFirst(c); err != nil || !strings.Contains(body, "Hello Alice.") {
		t.Errorf("the open IMAP session after its token expired: %q, %v", body, err)
	}
	if err := sc.SendMail(user, []string{"bob@example.test"}, strings.NewReader("Subject: later\r\n\r\nx\r\n")); err != nil {
		t.Errorf("the open SMTP session after its token expired: %v", err)
	}
	if _, err := fetchFirst(r.imapLogin(t, false)); err != nil {
		t.Errorf("a new session after the expiry: %v", err)
	}
	if r.logins.issued() != 3 {
		t.Errorf("%d tokens issued, want 3 (one per session)", r.logins.issued())
	}
}

// TestBusy: past MaxSessions a client is turned away politely.
func TestBusy(t *testing.T) {
	r := start(t, func(c *Config) { c.MaxSessions = 1 })
	first := dialText(t, r.addr[IMAP])
	_ = first
	c, err := net.Dial("tcp", r.addr[SMTP])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	l, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(l, "421 4.3.2") {
		t.Errorf("past MaxSessions: %q", l)
	}
}

func TestCheckListenAddr(t *testing.T) {
	for in, want := range map[string]string{"": "127.0.0.1:1143", "0": "127.0.0.1:0", "2143": "127.0.0.1:2143", "127.0.0.1:25": "127.0.0.1:25"} {
		if got, err := CheckListenAddr("--imap", in, 1143); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"0.0.0.0:1143", ":1143", "localhost:1143", "[::]:1143", "[::1]:1143", "192.168.1.2:25", "127.0.0.2:25", "x", "70000", "-1"} {
		if _, err := CheckListenAddr("--imap", bad, 1143); !errors.Is(err, accounts.ErrUsage) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}

// TestIdleSessionEnds: a logged-in session in which neither side says
// anything for IdleTimeout is closed; one that keeps talking is not.
func TestIdleSessionEnds(t *testing.T) {
	r := start(t, func(c *Config) { c.IdleTimeout = 700 * time.Millisecond })
	busy, quiet := dialText(t, r.addr[IMAP]), dialText(t, r.addr[IMAP])
	for _, tc := range []*textConn{busy, quiet} {
		if got := tc.say("a LOGIN alice@gmail.test " + secret); !strings.HasPrefix(got, "a OK") {
			t.Fatalf("login: %q", got)
		}
	}
	for i := range 6 {
		time.Sleep(200 * time.Millisecond)
		if got := busy.say("n" + strconv.Itoa(i) + " NOOP"); !strings.HasPrefix(got, "n"+strconv.Itoa(i)+" OK") {
			t.Fatalf("a session that keeps talking: %q", got)
		}
	}
	if l := quiet.line(); !strings.HasPrefix(l, "(") {
		t.Errorf("an idle session said %q, want it closed", l)
	}
}

// TestKeychainDown: a keychain that does not answer is a temporary
// failure in plain words, not a wrong password.
func TestKeychainDown(t *testing.T) {
	r := start(t, nil)
	r.proxy.cfg.Logins = lockedLogins{}
	tc := dialText(t, r.addr[SMTP])
	if got := tc.say("AUTH PLAIN AGFsaWNlQGdtYWlsLnRlc3QAUFJPWFlTRUNSRVRGT1JURVNUUzIzNDU2Nw=="); !strings.HasPrefix(got, "454 4.7.0 Latchkey could not check the password: the keychain is locked") {
		t.Errorf("keychain locked: %q", got)
	}
}

type lockedLogins struct{ refuseAll }

func (lockedLogins) CheckProxyLogin(context.Context, string, string) (accounts.ProxyLogin, error) {
	return accounts.ProxyLogin{}, fmt.Errorf("read the proxy passwords: %w", accounts.ErrKeychainLocked)
}
