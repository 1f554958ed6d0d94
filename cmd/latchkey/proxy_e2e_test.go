package main

// End-to-end tests of `latchkey proxy` with the real binary, the Google
// emulator, accounts/mailtest's IMAP, POP3 and SMTP servers (which accept
// only XOAUTH2 with a token the emulator issued and still holds valid),
// and real clients: curl (imap://, pop3://, smtp://), msmtp, and Python's
// imaplib, poplib and smtplib.
//
// TLS: the proxy checks the servers' certificate against the system's
// authorities; the test points it at the test CA with SSL_CERT_FILE, the
// standard variable of Go's (and OpenSSL's) trust store, set in the
// proxy's own environment: only the person running it can set that.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/mailtest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// proxyRun is a running `latchkey proxy`.
type proxyRun struct {
	cmd    *exec.Cmd
	ports  map[string]int
	stderr *syncBuffer
	done   chan struct{}
	code   int
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proxyWorld connects a Google account through the emulator, whose
// tokens live ttl, and starts a mail server that takes them.
func proxyWorld(t *testing.T, ttl time.Duration) (*world, *providertest.Google, *mailtest.Server, *[]string) {
	t.Helper()
	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "proxy@gmail.test", AccessTTL: ttl})
	w := googleWorld(t, g)
	w.must("connect", "google", "--timeout", "60s")
	var (
		mu     sync.Mutex
		tokens []string // the tokens that logged in, in order
	)
	srv := mailtest.Start(t, mailtest.Options{User: "proxy@gmail.test", CheckToken: func(protocol, token string) error {
		info, ok := g.Lookup(token)
		if !ok || !info.Valid(time.Now()) || !slices.Contains(info.Scopes, "https://mail.google.com/") {
			t.Logf("the %s server refused a token (unknown or expired)", protocol)
			return fmt.Errorf("not a valid Gmail token")
		}
		mu.Lock()
		tokens = append(tokens, token)
		mu.Unlock()
		return nil
	}, Folders: []string{"[Gmail]/Sent Mail"}})
	srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nTo: proxy@gmail.test\r\nSubject: first\r\n\r\nHello through the proxy.\r\n"))
	t.Cleanup(func() { w.noLeaks(g.IssuedTokens()) })
	return w, g, srv, &tokens
}

// startProxy runs `latchkey proxy ... --json` pointed at srv and waits
// for its listing.
func startProxy(t *testing.T, w *world, srv *mailtest.Server, extra ...string) *proxyRun {
	t.Helper()
	args := append([]string{"proxy", "proxy@gmail.test", "--json",
		"--imap-host", "localhost:" + strconv.Itoa(srv.IMAPPort),
		"--pop3-host", "localhost:" + strconv.Itoa(srv.POP3Port),
		"--smtp-host", "localhost:" + strconv.Itoa(srv.SMTPPort)}, extra...)
	return startProxyArgs(t, w, srv, args, 3)
}

// startProxyArgs runs latchkey with args (a proxy with --json) and
// waits for its listing, which must name that many listeners.
func startProxyArgs(t *testing.T, w *world, srv *mailtest.Server, args []string, protocols int) *proxyRun {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(slices.Clone(w.env), "SSL_CERT_FILE="+srv.CAFile)
	p := &proxyRun{cmd: cmd, ports: map[string]int{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop(t)
		w.mu.Lock()
		w.output.WriteString(p.stderr.String())
		w.mu.Unlock()
	})
	var listing struct {
		Listeners []struct {
			Protocol string `json:"protocol"`
			Address  string `json:"address"`
			Port     int    `json:"port"`
		} `json:"listeners"`
		Certificate string `json:"certificate_sha256"`
	}
	decoded := make(chan error, 1)
	go func() { decoded <- json.NewDecoder(out).Decode(&listing) }()
	select {
	case err := <-decoded:
		if err != nil {
			t.Fatalf("latchkey proxy --json printed no listing: %v\nstderr: %s", err, p.stderr)
		}
	case <-p.done:
		t.Fatalf("latchkey proxy exited %d before listening\nstderr: %s", p.code, p.stderr)
	case <-time.After(30 * time.Second):
		t.Fatalf("latchkey proxy said nothing in 30s\nstderr: %s", p.stderr)
	}
	for _, l := range listing.Listeners {
		if !strings.HasPrefix(l.Address, "127.0.0.1:") {
			t.Errorf("the listing says %s listens on %s", l.Protocol, l.Address)
		}
		p.ports[l.Protocol] = l.Port
	}
	if len(p.ports) != protocols || len(listing.Certificate) != 95 {
		t.Fatalf("listing: %+v", listing)
	}
	return p
}

// stop ends the proxy with SIGTERM, as a service manager would.
func (p *proxyRun) stop(t *testing.T) {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		t.Errorf("latchkey proxy did not stop on SIGTERM")
	}
}

// listeningSockets returns the local addresses (hex, as /proc/net/tcp*
// has them) of the process's listening TCP sockets.
func listeningSockets(t *testing.T, pid int) []string {
	t.Helper()
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); err == nil && ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	var out []string
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 9 && f[3] == "0A" && inodes[f[9]] { // 0A: LISTEN
				out = append(out, f[1])
			}
		}
	}
	return out
}

// runClient runs a real client program with a deadline and returns its
// output; stdin feeds it.
func runClient(t *testing.T, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pyClients logs in through the proxy with imaplib, poplib and smtplib,
// fetches, retrieves and sends, tries a wrong password on each, and runs
// 50 IMAP sessions at once, all logged in together before any fetches.
const pyClients = `
import imaplib, poplib, smtplib, sys, json, threading
c = json.load(sys.stdin)
user, pw, host = c["user"], c["password"], "127.0.0.1"

m = imaplib.IMAP4(host, c["imap"])
m.login(user, pw)
m.select("INBOX")
typ, data = m.fetch("1", "(RFC822)")
assert b"Hello through the proxy." in data[0][1], data
m.logout()
print("imaplib fetch ok")

p = poplib.POP3(host, c["pop3"])
p.user(user); p.pass_(pw)
resp, lines, _ = p.retr(1)
assert b"Hello through the proxy." in b"\n".join(lines), lines
p.quit()
print("poplib retr ok")

s = smtplib.SMTP(host, c["smtp"])
s.starttls()  # the proxy's own certificate: not verified, as its help says
s.login(user, pw)
s.sendmail(user, ["bob@example.test"], "From: " + user + "\r\nSubject: from smtplib\r\n\r\nHi.\r\n")
s.quit()
print("smtplib send ok")

try:
    imaplib.IMAP4(host, c["imap"]).login(user, "WRONGPASSWORD")
    print("imaplib WRONG ACCEPTED")
except imaplib.IMAP4.error as e:
    print("imaplib refused:", e)
try:
    p = poplib.POP3(host, c["pop3"]); p.user(user); p.pass_("WRONGPASSWORD")
    print("poplib WRONG ACCEPTED")
except poplib.error_proto as e:
    print("poplib refused:", e)
try:
    smtplib.SMTP(host, c["smtp"]).login(user, "WRONGPASSWORD")
    print("smtplib WRONG ACCEPTED")
except smtplib.SMTPAuthenticationError as e:
    print("smtplib refused:", e.smtp_code, e.smtp_error)

n = 50
together = threading.Barrier(n, timeout=60)
ok = []
def session(i):
    m = imaplib.IMAP4(host, c["imap"])
    m.login(user, pw)
    together.wait()  # all 50 logged in at once
    m.select("INBOX")
    typ, data = m.fetch("1", "(RFC822)")
    if b"Hello through the proxy." in data[0][1]:
        ok.append(i)
    m.logout()
threads = [threading.Thread(target=session, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print("concurrent ok", len(ok))
`

// pyMidSession keeps an IMAP session open while its token expires at the
// provider, fetches again in it, then opens a new session.
const pyMidSession = `
import imaplib, sys, json
c = json.loads(sys.stdin.readline())
m = imaplib.IMAP4("127.0.0.1", c["imap"])
m.login(c["user"], c["password"])
m.select("INBOX")
m.fetch("1", "(RFC822)")
print("logged in", flush=True)
sys.stdin.readline()  # the test says when the token has expired
typ, data = m.fetch("1", "(RFC822)")
assert typ == "OK" and b"Hello through the proxy." in data[0][1], (typ, data)
print("same session ok after expiry", flush=True)
m2 = imaplib.IMAP4("127.0.0.1", c["imap"])
m2.login(c["user"], c["password"])
m2.select("INBOX")
typ, data = m2.fetch("1", "(RFC822)")
assert typ == "OK"
print("new session ok", flush=True)
m.logout(); m2.logout()
`

// TestProxyEndToEnd: passwords made and refused, the proxy on 127.0.0.1
// only, and real clients logging in, fetching and sending through it.
func TestProxyEndToEnd(t *testing.T) {
	w, _, srv, tokens := proxyWorld(t, 0)
	const user = "proxy@gmail.test"
	pw := strings.TrimSpace(w.must("proxy", "password", user, "--client", "e2e"))
	if len(pw) != 26 {
		t.Fatalf("proxy password %d characters, want 26", len(pw))
	}
	if out := w.must("proxy", "clients", user); !strings.Contains(out, "e2e") || strings.Contains(out, pw) {
		t.Errorf("proxy clients: %q", out)
	}
	w.expectExit(exitUsage, "proxy", "password", user, "--client", "bad name")
	w.expectExit(exitUsage, "proxy", user, "--imap", "0.0.0.0:1143")
	w.expectExit(exitUsage, "proxy", user, "--smtp", "[::]:1587")

	p := startProxy(t, w, srv, "--imap", "0", "--pop3", "0", "--smtp", "0")
	socks := listeningSockets(t, p.cmd.Process.Pid)
	if len(socks) != 3 {
		t.Errorf("the proxy listens on %d sockets, want 3: %v", len(socks), socks)
	}
	for _, s := range socks {
		if !strings.HasPrefix(s, "0100007F:") { // 127.0.0.1, little-endian hex
			t.Errorf("the proxy listens on %s, not 127.0.0.1", s)
		}
	}

	// A port already taken: exit 19, nothing served.
	r := w.runEnv(append(slices.Clone(w.env), "SSL_CERT_FILE="+srv.CAFile), "proxy", user, "--imap", strconv.Itoa(p.ports["imap"]),
		"--pop3", "0", "--smtp", "0", "--imap-host", "localhost:1")
	if r.code != exitProxyListen || !strings.Contains(r.stderr, "cannot listen on 127.0.0.1:"+strconv.Itoa(p.ports["imap"])) {
		t.Errorf("a taken port: exit %d, %q; want %d", r.code, r.stderr, exitProxyListen)
	}

	userpw := user + ":" + pw
	base := "127.0.0.1:"
	out, err := runClient(t, "", "curl", "-sS", "--max-time", "30", "-u", userpw, "imap://"+base+strconv.Itoa(p.ports["imap"])+"/INBOX;MAILINDEX=1")
	if err != nil || !strings.Contains(out, "Hello through the proxy.") {
		t.Errorf("curl imap://: %v\n%s", err, out)
	}
	out, err = runClient(t, "", "curl", "-sS", "--max-time", "30", "--ssl-reqd", "-k", "-u", userpw, "imap://"+base+strconv.Itoa(p.ports["imap"])+"/INBOX;MAILINDEX=1")
	if err != nil || !strings.Contains(out, "Hello through the proxy.") {
		t.Errorf("curl imap:// with STARTTLS: %v\n%s", err, out)
	}
	out, err = runClient(t, "", "curl", "-sS", "--max-time", "30", "-u", userpw, "pop3://"+base+strconv.Itoa(p.ports["pop3"])+"/1")
	if err != nil || !strings.Contains(out, "Hello through the proxy.") {
		t.Errorf("curl pop3://: %v\n%s", err, out)
	}
	out, err = runClient(t, "From: "+user+"\r\nTo: bob@example.test\r\nSubject: from curl\r\n\r\nHi.\r\n",
		"curl", "-sS", "--max-time", "30", "-u", userpw, "--mail-from", user, "--mail-rcpt", "bob@example.test", "-T", "-",
		"smtp://"+base+strconv.Itoa(p.ports["smtp"]))
	if err != nil {
		t.Errorf("curl smtp://: %v\n%s", err, out)
	}
	out, err = runClient(t, "From: "+user+"\nTo: bob@example.test\nSubject: from msmtp\n\nHi.\n",
		"msmtp", "--host=127.0.0.1", "--port="+strconv.Itoa(p.ports["smtp"]), "--auth=plain", "--user="+user,
		"--passwordeval=cat "+writeSecret(t, pw), "--tls=on", "--tls-starttls=on", "--tls-certcheck=off", "--from="+user, "bob@example.test")
	if err != nil {
		t.Errorf("msmtp: %v\n%s", err, out)
	}
	out, err = runClient(t, "", "curl", "-sS", "--max-time", "30", "-u", user+":WRONGPASSWORD", "imap://"+base+strconv.Itoa(p.ports["imap"])+"/INBOX;MAILINDEX=1")
	if err == nil || !strings.Contains(out, "Login denied") && !strings.Contains(out, "login denied") {
		t.Errorf("curl with a wrong password: %v\n%s", err, out)
	}

	cfg, _ := json.Marshal(map[string]any{"user": user, "password": pw, "imap": p.ports["imap"], "pop3": p.ports["pop3"], "smtp": p.ports["smtp"]})
	out, err = runClient(t, string(cfg), "python3", "-c", pyClients)
	for _, want := range []string{"imaplib fetch ok", "poplib retr ok", "smtplib send ok",
		"imaplib refused: b\"[AUTHENTICATIONFAILED] Wrong user name or password",
		"poplib refused: b\"-ERR [AUTH] Wrong user name or password",
		"smtplib refused: 535 b\"5.7.8 Wrong user name or password", "concurrent ok 50"} {
		if !strings.Contains(out, want) {
			t.Errorf("python clients did not say %q: %v\n%s", want, err, out)
		}
	}
	if strings.Contains(out, "WRONG ACCEPTED") {
		t.Errorf("a wrong password logged in:\n%s", out)
	}
	var subjects []string
	for _, s := range srv.Sent() {
		subjects = append(subjects, s.Subject)
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, []string{"from curl", "from msmtp", "from smtplib"}) {
		t.Errorf("the server got %q", subjects)
	}
	if n := srv.Logins("imap"); n != 53 {
		t.Errorf("%d IMAP logins upstream, want 53 (curl twice, imaplib, 50 at once)", n)
	}
	if len(*tokens) == 0 {
		t.Error("no token reached the server")
	}
	// The access log names the real programs at the other end.
	log := w.must("log", "--json", "--limit", "0")
	for _, want := range []string{`"curl"`, `"msmtp"`, `"python3`, `"proxy"`} {
		if !strings.Contains(log, want) {
			t.Errorf("the access log does not name %s:\n%.3000s", want, log)
		}
	}
	p.stop(t)
	if p.code != 0 {
		t.Errorf("the proxy exited %d on SIGTERM", p.code)
	}
	if s := p.stderr.String(); strings.Contains(s, pw) || !strings.Contains(s, "wrong user name or password") {
		t.Errorf("the proxy's stderr: %q", s)
	}
	w.must("proxy", "password", user, "--client", "e2e", "--remove")
}

// TestProxyTokenExpiresMidSession: the emulator's tokens live 4 seconds.
// An IMAP session logged in with one goes on after it expired at the
// provider; a new session gets a new token. The client notices nothing.
func TestProxyTokenExpiresMidSession(t *testing.T) {
	w, g, srv, tokens := proxyWorld(t, 4*time.Second)
	const user = "proxy@gmail.test"
	pw := strings.TrimSpace(w.must("proxy", "password", user, "--client", "mid"))
	p := startProxy(t, w, srv, "--imap", "0", "--pop3", "0", "--smtp", "0")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	py := exec.CommandContext(ctx, "python3", "-c", pyMidSession)
	stdin, _ := py.StdinPipe()
	stdout, _ := py.StdoutPipe()
	py.Stderr = os.Stderr
	if err := py.Start(); err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(map[string]any{"user": user, "password": pw, "imap": p.ports["imap"]})
	fmt.Fprintf(stdin, "%s\n", cfg)
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "logged in" {
		t.Fatalf("python: %q", lines.Text())
	}
	first := (*tokens)[0]
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, _ := g.Lookup(first)
		if !info.Valid(time.Now()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the token never expired")
		}
		time.Sleep(200 * time.Millisecond)
	}
	fmt.Fprintln(stdin)
	var said []string
	for lines.Scan() {
		said = append(said, lines.Text())
	}
	if err := py.Wait(); err != nil || !slices.Equal(said, []string{"same session ok after expiry", "new session ok"}) {
		t.Fatalf("python after the expiry: %v, said %q", err, said)
	}
	if len(*tokens) != 2 || (*tokens)[0] == (*tokens)[1] {
		t.Errorf("%d logins upstream; want 2 with different tokens", len(*tokens))
	}
}

// writeSecret writes the proxy password to a private file for msmtp's
// passwordeval, as a person's password manager would hand it over.
func writeSecret(t *testing.T, pw string) string {
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestProxyMicrosoft: a Microsoft account through the proxy, whose mail
// servers take only tokens for Exchange Online with the IMAP and SMTP
// scopes, never the account's default Graph token.
func TestProxyMicrosoft(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "proxy@contoso.test"})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.must("connect", "microsoft", "--timeout", "60s", "--scope", "User.Read",
		"--scope", "https://outlook.office.com/IMAP.AccessAsUser.All", "--scope", "https://outlook.office.com/SMTP.Send")
	t.Cleanup(func() { w.noLeaks(ms.IssuedTokens()) })
	srv := mailtest.Start(t, mailtest.Options{User: "proxy@contoso.test", CheckToken: func(protocol, token string) error {
		info, ok := ms.Lookup(token)
		want := map[string]string{"imap": "IMAP.AccessAsUser.All", "smtp": "SMTP.Send"}[protocol]
		if !ok || !info.Valid(time.Now()) || info.Resource != "https://outlook.office.com/" || !slices.Contains(info.Scopes, "https://outlook.office.com/"+want) {
			t.Logf("the %s server refused a token", protocol)
			return fmt.Errorf("not an Exchange Online token for %s", want)
		}
		return nil
	}})
	srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nSubject: first\r\n\r\nHello through the proxy.\r\n"))
	pw := strings.TrimSpace(w.must("proxy", "password", "proxy@contoso.test", "--client", "curl"))
	args := []string{"proxy", "proxy@contoso.test", "--json", "--pop3", "off", "--imap", "0", "--smtp", "0",
		"--imap-host", "localhost:" + strconv.Itoa(srv.IMAPPort), "--smtp-host", "localhost:" + strconv.Itoa(srv.SMTPPort)}
	p := startProxyArgs(t, w, srv, args, 2)
	userpw := "proxy@contoso.test:" + pw
	out, err := runClient(t, "", "curl", "-sS", "--max-time", "30", "-u", userpw, "imap://127.0.0.1:"+strconv.Itoa(p.ports["imap"])+"/INBOX;MAILINDEX=1")
	if err != nil || !strings.Contains(out, "Hello through the proxy.") {
		t.Errorf("curl imap://: %v\n%s", err, out)
	}
	out, err = runClient(t, "Subject: from curl\r\n\r\nHi.\r\n", "curl", "-sS", "--max-time", "30", "-u", userpw,
		"--mail-from", "proxy@contoso.test", "--mail-rcpt", "bob@example.test", "-T", "-", "smtp://127.0.0.1:"+strconv.Itoa(p.ports["smtp"]))
	if err != nil || len(srv.Sent()) != 1 {
		t.Errorf("curl smtp://: %v, %d sent\n%s", err, len(srv.Sent()), out)
	}
}
