package main

// End-to-end tests of what programs get: token formats read the way an
// IMAP server reads them, the mail-server resource, setup run by the real
// msmtp, and the access log.

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// checkAccessLog reads the world's access log as a program would: it must
// hold exactly n whole entries for account, each naming this test as the
// requester, and `latchkey log --json` must show the same.
func (w *world) checkAccessLog(account string, n int) {
	w.t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, accounts.AccessLogFileName))
	if err != nil {
		w.t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != n {
		w.t.Fatalf("access log has %d lines, want %d", len(lines), n)
	}
	self := filepath.Base(os.Args[0])
	for i, l := range lines {
		var a accounts.Use
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			w.t.Fatalf("access log line %d is not whole: %q", i+1, l)
		}
		if a.Account != account || a.Format != "raw" || a.Program != self || a.PID != os.Getpid() || a.Time.IsZero() {
			w.t.Fatalf("access log line %d = %+v, want program %s (%d)", i+1, a, self, os.Getpid())
		}
	}
	var shown []accounts.Use
	if err := json.Unmarshal([]byte(w.must("log", "--json", "--limit", "0")), &shown); err != nil || len(shown) != n {
		w.t.Errorf("latchkey log --json: %d entries, %v", len(shown), err)
	}
}

// imapAuthenticate plays an IMAP server for one AUTHENTICATE command with
// an initial response (RFC 4959), decoding it as Gmail and Exchange do,
// and returns the fields it found, or why it refused them.
func imapAuthenticate(t *testing.T, mechanism, initial string) (user, bearer string, err error) {
	t.Helper()
	return imapAuthenticateAs(t, mechanism, initial, nil)
}

// imapAuthenticateAs is imapAuthenticate with the server's own check of
// who may log in as user with bearer (Exchange Online's of a shared
// mailbox, for one): an error refuses the login with NO.
func imapAuthenticateAs(t *testing.T, mechanism, initial string, allow func(user, bearer string) error) (user, bearer string, err error) {
	t.Helper()
	ln, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer ln.Close()
	type result struct {
		user, bearer string
		err          error
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER] ready\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			done <- result{err: err}
			return
		}
		f := strings.Fields(line)
		if len(f) != 4 || f[1] != "AUTHENTICATE" || f[2] != mechanism {
			done <- result{err: fmt.Errorf("not an AUTHENTICATE %s command: %q", mechanism, line)}
			return
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(f[3])
		if err != nil {
			fmt.Fprintf(c, "%s NO bad base64\r\n", f[0])
			done <- result{err: err}
			return
		}
		u, b, err := parseSASL(mechanism, string(raw))
		if err == nil && allow != nil {
			err = allow(u, b)
		}
		if err != nil {
			fmt.Fprintf(c, "%s NO %v\r\n", f[0], err)
		} else {
			fmt.Fprintf(c, "%s OK AUTHENTICATE completed\r\n", f[0])
		}
		done <- result{u, b, err}
	}()
	c, derr := net.Dial("tcp", ln.Addr().String())
	if derr != nil {
		t.Fatal(derr)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if greet, _ := r.ReadString('\n'); !strings.HasPrefix(greet, "* OK") {
		t.Fatalf("greeting %q", greet)
	}
	fmt.Fprintf(c, "a1 AUTHENTICATE %s %s\r\n", mechanism, initial)
	reply, _ := r.ReadString('\n')
	res := <-done
	if (res.err == nil) != strings.HasPrefix(reply, "a1 OK") {
		t.Errorf("server said %q for %v", reply, res.err)
	}
	return res.user, res.bearer, res.err
}

// parseSASL reads an XOAUTH2 or OAUTHBEARER initial response strictly:
// exactly the fields the mechanism defines, in order, nothing else.
func parseSASL(mechanism, s string) (user, bearer string, err error) {
	switch mechanism {
	case "XOAUTH2": // user=EMAIL ^A auth=Bearer TOKEN ^A ^A
		parts := strings.Split(s, "\x01")
		if len(parts) != 4 || parts[2] != "" || parts[3] != "" {
			return "", "", fmt.Errorf("want user and auth fields ended by ^A^A, got %d parts", len(parts))
		}
		u, ok1 := strings.CutPrefix(parts[0], "user=")
		b, ok2 := strings.CutPrefix(parts[1], "auth=Bearer ")
		if !ok1 || !ok2 || u == "" || b == "" || strings.ContainsAny(b, " \x01") {
			return "", "", fmt.Errorf("malformed fields")
		}
		return u, b, nil
	case "OAUTHBEARER": // n,a=EMAIL, ^A auth=Bearer TOKEN ^A ^A (RFC 7628)
		gs2, rest, ok := strings.Cut(s, "\x01")
		if !ok || !strings.HasPrefix(gs2, "n,a=") || !strings.HasSuffix(gs2, ",") {
			return "", "", fmt.Errorf("bad GS2 header %q", gs2)
		}
		kv := strings.Split(rest, "\x01")
		if len(kv) != 3 || kv[1] != "" || kv[2] != "" {
			return "", "", fmt.Errorf("want one key-value pair ended by ^A^A")
		}
		b, ok := strings.CutPrefix(kv[0], "auth=Bearer ")
		if !ok || b == "" {
			return "", "", fmt.Errorf("no bearer")
		}
		return strings.TrimSuffix(strings.TrimPrefix(gs2, "n,a="), ","), b, nil
	}
	return "", "", fmt.Errorf("unknown mechanism %s", mechanism)
}

// TestTokenFormats checks every --format through the real binary; the
// SASL ones are read by an IMAP server stand-in that knows the mechanisms.
func TestTokenFormats(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"
	w.must("connect", "testidp", "--timeout", "60s")
	defer w.must("remove", id)
	raw := w.must("token", id, "--format", "raw")
	tok := strings.TrimSuffix(raw, "\n")
	if tok == "" || strings.ContainsAny(tok, " \n") {
		t.Fatalf("raw printed %d bytes", len(raw))
	}
	if got := w.must("token", id); got != raw {
		t.Error("the default format is not raw")
	}
	if got := w.must("token", id, "--format", "header"); got != "Authorization: Bearer "+tok+"\n" {
		t.Error("header format differs")
	}
	var js map[string]any
	if err := json.Unmarshal([]byte(w.must("token", id, "--format", "json")), &js); err != nil {
		t.Fatal(err)
	}
	exp, _ := time.Parse(time.RFC3339, fmt.Sprint(js["expires_at"]))
	if js["access_token"] != tok || js["token_type"] != "Bearer" || js["account"] != id || js["email"] != "alice@example.test" ||
		time.Until(exp) < 10*time.Minute || js["scopes"] == nil {
		t.Errorf("json format: %v fields, expires_at %v", len(js), js["expires_at"])
	}
	for _, mech := range []string{"XOAUTH2", "OAUTHBEARER"} {
		out := w.must("token", "alice@example.test", "--format", strings.ToLower(mech))
		user, bearer, err := imapAuthenticate(t, mech, strings.TrimSuffix(out, "\n"))
		if err != nil || user != "alice@example.test" || bearer != tok {
			t.Errorf("%s: server read user %q, same token %v, err %v", mech, user, bearer == tok, err)
		}
	}
	w.noLeaks(srv.IssuedTokens(t))
}

// TestMicrosoftSASLUsesMailResource: --format xoauth2 without --scope on a
// Microsoft account whose default is Graph gets an Exchange Online token;
// an account without mail consent is told how to get it.
func TestMicrosoftSASLUsesMailResource(t *testing.T) {
	// Keychain items outlive a world: accounts here are their own and removed.
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "sasl@contoso.test"})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	defer w.must("remove", "sasl@contoso.test")
	w.must("connect", "microsoft", "--timeout", "60s", "--scope", "User.Read",
		"--scope", "https://outlook.office.com/IMAP.AccessAsUser.All", "--scope", "https://outlook.office.com/SMTP.Send")
	for _, format := range []string{"xoauth2", "oauthbearer"} {
		out := strings.TrimSpace(w.must("token", "sasl@contoso.test", "--format", format))
		mech := strings.ToUpper(format)
		user, bearer, err := imapAuthenticate(t, mech, out)
		if err != nil || user != "sasl@contoso.test" {
			t.Fatalf("%s: user %q, %v", mech, user, err)
		}
		if info, ok := ms.Lookup(bearer); !ok || info.Resource != "https://outlook.office.com/" {
			t.Errorf("%s token is for %+v, want Exchange Online", mech, info)
		}
	}
	if info, _ := ms.Lookup(strings.TrimSpace(w.must("token", "sasl@contoso.test"))); info.Resource != "" {
		t.Errorf("raw without --scope left Graph: %+v", info)
	}

	ms2 := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "bob@contoso.test"})
	w2 := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms2.ClientID, ms2.URL))
	w2.must("connect", "microsoft", "--timeout", "60s")
	defer w2.must("remove", "bob@contoso.test")
	r := w2.expectExit(exitNeedsReconnect, "token", "bob@contoso.test", "--format", "xoauth2")
	if !strings.Contains(r.stderr, "--scope https://outlook.office.com/IMAP.AccessAsUser.All") {
		t.Errorf("stderr = %q", r.stderr)
	}
	w.noLeaks(ms.IssuedTokens())
}

// TestSetupRunByMsmtp: the msmtp configuration setup prints is read by
// the real msmtp, whose passwordeval runs the real latchkey for a token,
// and the access log names msmtp as the program that took it.
func TestSetupRunByMsmtp(t *testing.T) {
	msmtp := needProgram(t, "msmtp", "msmtp")
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	w.must("connect", "testidp", "--timeout", "60s")
	defer w.must("remove", "alice@example.test")

	w.expectExit(exitUnknownClient, "setup", "thunderbird", "alice@example.test")
	r := w.expectExit(exitNoMailServers, "setup", "msmtp", "alice@example.test")
	if !strings.Contains(r.stderr, "--smtp-host") {
		t.Errorf("stderr = %q", r.stderr)
	}
	w.expectExit(exitUnknownAccount, "setup", "msmtp", "nobody@example.test", "--smtp-host", "127.0.0.1")
	help := w.must("setup", "--help")
	for _, c := range setupClients {
		if !strings.Contains(help, "  "+c.name+" ") {
			t.Errorf("setup --help does not list %s", c.name)
		}
	}

	conf := w.must("setup", "msmtp", "alice@example.test", "--smtp-host", "127.0.0.1:2525")
	// Not on PATH: the configuration names this binary by its full path.
	if !strings.Contains(conf, `passwordeval "`+binary+` token alice@example.test"`) {
		t.Fatalf("setup msmtp printed:\n%s", conf)
	}
	path := filepath.Join(t.TempDir(), "msmtprc")
	os.WriteFile(path, []byte(conf), 0o600)
	cmd := exec.Command(msmtp, "-C", path, "-a", "alice-example.test", "--pretend", "bob@example.test")
	cmd.Env = w.env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "host = 127.0.0.1") {
		t.Fatalf("msmtp --pretend: %v\n%s", err, out)
	}
	var log []accounts.Use
	if err := json.Unmarshal([]byte(w.must("log", "alice@example.test", "--json")), &log); err != nil || len(log) != 1 {
		t.Fatalf("log after msmtp: %v, %v", log, err)
	}
	if log[0].Program != "msmtp" || log[0].PID != cmd.ProcessState.Pid() || log[0].Parent != filepath.Base(os.Args[0]) {
		t.Errorf("log names %+v, want msmtp (parent: this test)", log[0])
	}
	human := w.must("log")
	if !strings.Contains(human, "msmtp (parent: "+filepath.Base(os.Args[0])+")") || !strings.Contains(human, "just now") ||
		!strings.Contains(human, "alice@example.test") || !strings.Contains(human, "raw") {
		t.Errorf("latchkey log printed:\n%s", human)
	}
	w.expectExit(exitUnknownAccount, "log", "nobody@example.test")
	w.expectExit(exitUsage, "log", "--limit", "-1")
	w.noLeaks(srv.IssuedTokens(t))
}

// TestLogUnreadable: an access log that cannot be read is a file error
// (exit code 11) that names the access log and where it lives, not the
// account index.
func TestLogUnreadable(t *testing.T) {
	w := newWorld(t, "")
	if err := os.Mkdir(filepath.Join(w.dir, accounts.AccessLogFileName), 0o700); err != nil {
		t.Fatal(err)
	}
	r := w.expectExit(exitStorage, "log")
	if !strings.Contains(r.stderr, "read the access log") || !strings.Contains(r.stderr, "latchkey help log") ||
		strings.Contains(r.stderr, "account index problem") {
		t.Errorf("latchkey log with an unreadable log said:\n%s", r.stderr)
	}
}
