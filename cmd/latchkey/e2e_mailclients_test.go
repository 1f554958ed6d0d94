package main

// End-to-end tests of `latchkey setup` with the real mail programs: each
// configuration, exactly as printed apart from the servers' host and port,
// is put where the printed text says, and the printed command is run. The
// program logs in with XOAUTH2 through the real latchkey (and its token
// emulators), fetches or sends through accounts/mailtest's IMAP and SMTP
// servers, and the sent copy must land in the provider's Sent folder once.
//
// TLS: the servers' certificate is made for the test. The configuration
// is not edited to trust it; each program is pointed at it the way a
// person would point it at a private CA without touching the file:
// SSL_CERT_FILE for OpenSSL (mbsync) and Go (aerc), and the programs'
// own command-line overrides for GnuTLS (msmtp --tls-trust-file, neomutt
// -e 'set ssl_ca_certificates_file=...') and OfflineIMAP (-k ...:sslcacertfile=),
// whose OS-DEFAULT names a fixed system file.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/mailtest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// mailAccount is one provider's account and test mail server.
type mailAccount struct {
	provider           string // google, microsoft
	email              string
	imapHost, smtpHost string // the printed servers
	mailResource       string // the keychain resource of its mail token
	folders            accounts.MailFolders
	srv                *mailtest.Server
	w                  *world
}

// mailAccounts connects a Microsoft and a Google account through the
// emulators and starts a mail server for each whose logins accept only
// the tokens the emulator issued for that account's mail.
func mailAccounts(t *testing.T) []*mailAccount {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "mailclients@contoso.test"})
	msw := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	msw.must("connect", "microsoft", "--timeout", "60s", "--scope", "User.Read",
		"--scope", "https://outlook.office.com/IMAP.AccessAsUser.All", "--scope", "https://outlook.office.com/SMTP.Send")
	t.Cleanup(func() { msw.must("remove", "microsoft:mailclients@contoso.test"); msw.noLeaks(ms.IssuedTokens()) })

	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "mailclients@gmail.test"})
	gw := googleWorld(t, g)
	gw.must("connect", "google", "--timeout", "60s")
	t.Cleanup(func() { gw.must("remove", "google:mailclients@gmail.test"); gw.noLeaks(g.IssuedTokens()) })

	msCheck := func(protocol, token string) error {
		info, ok := ms.Lookup(token)
		want := map[string]string{"imap": "IMAP.AccessAsUser.All", "smtp": "SMTP.Send"}[protocol]
		switch {
		case !ok:
			return fmt.Errorf("not a token the emulator issued")
		case !info.Valid(time.Now()):
			return fmt.Errorf("expired")
		case info.Resource != "https://outlook.office.com/" || !slices.Contains(info.Scopes, "https://outlook.office.com/"+want):
			return fmt.Errorf("a token for %s %v, not for %s", info.Resource, info.Scopes, want)
		}
		return nil
	}
	gCheck := func(protocol, token string) error {
		info, ok := g.Lookup(token)
		if !ok || !info.Valid(time.Now()) || !slices.Contains(info.Scopes, "https://mail.google.com/") {
			return fmt.Errorf("not a valid Gmail token")
		}
		return nil
	}
	var out []*mailAccount
	for _, a := range []*mailAccount{
		{provider: "microsoft", email: "mailclients@contoso.test", imapHost: "outlook.office365.com", smtpHost: "smtp.office365.com", mailResource: "https://outlook.office.com", w: msw},
		{provider: "google", email: "mailclients@gmail.test", imapHost: "imap.gmail.com", smtpHost: "smtp.gmail.com", mailResource: "default", w: gw},
	} {
		check := msCheck
		a.folders = accounts.FoldersOf(catalog.FamilyMicrosoft)
		if a.provider == "google" {
			check, a.folders = gCheck, accounts.FoldersOf(catalog.FamilyGoogle)
		}
		f := a.folders
		opts := mailtest.Options{User: a.email, CheckToken: func(protocol, token string) error {
			err := check(protocol, token)
			if err != nil {
				t.Logf("%s refused an XOAUTH2 login over %s: %v", a.email, protocol, err)
			}
			return err
		}, Folders: []string{f.Sent, f.Drafts, f.Trash, f.Junk, f.Archive}}
		if f.ServerFilesSent {
			opts.FileSentIn = f.Sent
		}
		a.srv = mailtest.Start(t, opts)
		out = append(out, a)
	}
	return out
}

// printed is what `latchkey setup CLIENT` printed for an account, pointed
// at the test server: the only change is the servers' host and port.
type printed struct {
	conf string // the configuration
	file string // where its first comment says it goes, ~ expanded
	run  string // the command its first comments say to run next
}

var (
	addToRe = regexp.MustCompile(`(?m)^# Add (?:it|them) to (\S+?)[ ,]`)
	thenRe  = regexp.MustCompile(`(?m)^# Then [^:]*: (.+)$`)
)

// setupFor runs `latchkey setup client` for the account and points what
// it printed at the test server; home is the person's home directory.
func (a *mailAccount) setupFor(t *testing.T, client, home string) printed {
	t.Helper()
	r := a.w.run("setup", client, a.email)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("setup %s: exit %d, said %q (a person following it would meet this)", client, r.code, r.stderr)
	}
	out := r.stdout
	conf := pointAt(out, a.imapHost, a.smtpHost, a.srv)
	if conf == out {
		t.Fatalf("setup %s printed no servers to point at the test server:\n%s", client, out)
	}
	file, run := addToRe.FindStringSubmatch(out), thenRe.FindStringSubmatch(out)
	if file == nil || run == nil {
		t.Fatalf("setup %s does not say where the configuration goes and what to run next:\n%s", client, out)
	}
	return printed{conf: conf, file: strings.Replace(file[1], "~", home, 1), run: run[1]}
}

// pointAt replaces the printed servers' hosts with the test server's and
// their well-known ports (993 for IMAP, 587 for SMTP) with its ports,
// wherever the configuration names them: in HOST:PORT, and in the next
// "port" setting after a host setting.
func pointAt(conf, imapHost, smtpHost string, srv *mailtest.Server) string {
	ports := map[string]string{imapHost: strconv.Itoa(srv.IMAPPort), smtpHost: strconv.Itoa(srv.SMTPPort)}
	lines := strings.Split(conf, "\n")
	pending := ""
	portRe := regexp.MustCompile(`(?i)^(\s*\S*port\s*=?\s*)(993|587)$`)
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		for host, port := range ports {
			for _, p := range []string{"993", "587"} {
				l = strings.ReplaceAll(l, host+":"+p, srv.Host+":"+port)
			}
			if strings.Contains(l, host) {
				l = strings.ReplaceAll(l, host, srv.Host)
				pending = port
			}
		}
		if m := portRe.FindStringSubmatch(l); m != nil && pending != "" {
			l, pending = m[1]+pending, ""
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

// install writes the configuration where it goes, as pasting it into a
// new file would (mode 0644 under the usual umask).
func (p printed) install(t *testing.T) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p.file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.file, []byte(p.conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clientEnv is the person's environment: their home, latchkey's private
// keychain and config, and the test server's certificate as the
// OpenSSL/Go trust store.
func (a *mailAccount) clientEnv(home string) []string {
	return append(slices.Clone(a.w.env), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"SSL_CERT_FILE="+a.srv.CAFile, "TERM=dumb", "LC_ALL=C.UTF-8")
}

// runShell runs a printed command line in the person's shell; a program
// that waits for something nobody will type is killed, with its group,
// after 30 seconds.
func runShell(t *testing.T, env []string, dir, line string, stdin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env, cmd.Dir = env, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v (%v)\n%s", line, err, ctx.Err(), out)
	}
	return string(out)
}

// insertAfter puts args after the first word program in a command line.
func insertAfter(line, program, args string) string {
	re := regexp.MustCompile(`(^|&& |\| )` + regexp.QuoteMeta(program) + ` `)
	loc := re.FindStringIndex(line)
	if loc == nil {
		return line
	}
	return line[:loc[1]] + args + " " + line[loc[1]:]
}

func TestSetupRealClients(t *testing.T) {
	if binary == "" {
		t.Skip("end-to-end tests run on Linux")
	}
	accts := mailAccounts(t)
	for _, a := range accts {
		t.Run(a.provider, func(t *testing.T) {
			t.Run("msmtp", func(t *testing.T) { a.testMsmtp(t) })
			t.Run("mbsync", func(t *testing.T) { a.testMbsync(t) })
			t.Run("offlineimap", func(t *testing.T) { a.testOfflineimap(t) })
			t.Run("neomutt", func(t *testing.T) { a.testNeomutt(t) })
			t.Run("aerc", func(t *testing.T) { a.testAerc(t) })
			t.Run("git-send-email", func(t *testing.T) { a.testGitSendEmail(t) })
		})
	}
}

// needClient skips, saying so, when a mail program is not installed.
func needClient(t *testing.T, name, debianPackage string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("SKIP: %s is not installed (Debian: apt-get install %s; `make test` installs it)", name, debianPackage)
	}
}

// sentCopies checks where a message the program sent was filed: for
// Gmail, once in its Sent folder (by the server); for Microsoft, filed
// copies are the program's: want of them in Sent.
func (a *mailAccount) sentCopies(t *testing.T, subject string, wantClientCopies int) {
	t.Helper()
	want := wantClientCopies
	if a.folders.ServerFilesSent {
		want = 1 // the server's own copy; a client copy would make two
	}
	if got := a.srv.Count(t, a.folders.Sent, subject); got != want {
		t.Errorf("%q holds %d copies of %q, want %d", a.folders.Sent, got, subject, want)
	}
	for _, f := range a.srv.Folders() {
		if f != a.folders.Sent && a.srv.Count(t, f, subject) != 0 {
			t.Errorf("a copy of %q landed in %q", subject, f)
		}
	}
}

func (a *mailAccount) sentTo(t *testing.T, subject string) {
	t.Helper()
	n := 0
	for _, s := range a.srv.Sent() {
		if s.Subject == subject {
			n++
			if s.From != a.email || len(s.To) != 1 || s.To[0] != a.email {
				t.Errorf("sent from %q to %q", s.From, s.To)
			}
		}
	}
	if n != 1 {
		t.Errorf("the SMTP server accepted %d messages %q, want 1", n, subject)
	}
}

func (a *mailAccount) testMsmtp(t *testing.T) {
	needClient(t, "msmtp", "msmtp")
	home := t.TempDir()
	p := a.setupFor(t, "msmtp", home)
	p.install(t)
	logins := a.srv.Logins("smtp")
	// The printed test message, with msmtp told to trust the test CA.
	runShell(t, a.clientEnv(home), home, insertAfter(p.run, "msmtp", "--tls-trust-file="+shellQuote(a.srv.CAFile)), "")
	if a.srv.Logins("smtp") != logins+1 {
		t.Errorf("msmtp did not log in over SMTP with XOAUTH2")
	}
	a.sentTo(t, "latchkey test")
	a.sentCopies(t, "latchkey test", 0) // msmtp only sends
}

func (a *mailAccount) testMbsync(t *testing.T) {
	needClient(t, "mbsync", "isync")
	maildir := a.syncToMaildir(t, "mbsync", "")
	for _, f := range []string{a.folders.Sent, a.folders.Drafts} {
		if _, err := os.Stat(filepath.Join(maildir, f, "cur")); err != nil {
			t.Errorf("mbsync did not create the provider's folder %q: %v", f, err)
		}
	}
}

func (a *mailAccount) testOfflineimap(t *testing.T) {
	needClient(t, "offlineimap", "offlineimap")
	remote := "Repository " + configName(a.email) + "-remote"
	a.syncToMaildir(t, "offlineimap", "-u basic -k "+shellQuote(remote+":sslcacertfile="+a.srv.CAFile))
}

// syncToMaildir delivers a message to the inbox and runs what setup
// printed for a client that copies the mailbox to a Maildir (with
// trustArgs after the program's name), which must log in, fetch the
// message and leave out the folder that repeats every message. It
// returns the Maildir.
func (a *mailAccount) syncToMaildir(t *testing.T, client, trustArgs string) string {
	t.Helper()
	home := t.TempDir()
	subject := "for " + client + " " + a.provider
	a.srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nTo: "+a.email+"\r\nSubject: "+subject+"\r\n\r\nHello.\r\n"))
	p := a.setupFor(t, client, home)
	p.install(t)
	logins := a.srv.Logins("imap")
	run := p.run
	if trustArgs != "" {
		run = insertAfter(run, client, trustArgs)
	}
	runShell(t, a.clientEnv(home), home, run, "")
	if a.srv.Logins("imap") <= logins {
		t.Errorf("%s did not log in over IMAP with XOAUTH2", client)
	}
	maildir := filepath.Join(home, "Mail", configName(a.email))
	if !maildirHas(t, filepath.Join(maildir, "INBOX"), subject) {
		t.Errorf("%s did not fetch the message into %s/INBOX", client, maildir)
	}
	if a.folders.SkipSync != "" {
		if _, err := os.Stat(filepath.Join(maildir, a.folders.SkipSync)); err == nil {
			t.Errorf("%s copied %q, which repeats every message", client, a.folders.SkipSync)
		}
	}
	// The next run, after the token expired: latchkey renews it.
	a.w.expire(a.provider+":"+a.email, a.mailResource)
	logins = a.srv.Logins("imap")
	runShell(t, a.clientEnv(home), home, run, "")
	if a.srv.Logins("imap") <= logins {
		t.Errorf("%s did not log in again once the token had expired", client)
	}
	item, _ := a.w.item(a.provider + ":" + a.email + "/access/" + a.mailResource)
	if exp, err := time.Parse(time.RFC3339, fmt.Sprint(item["expires_at"])); err != nil || !exp.After(time.Now()) {
		t.Errorf("the expired token was not renewed: expires_at %v", item["expires_at"])
	}
	return maildir
}

func (a *mailAccount) testNeomutt(t *testing.T) {
	needClient(t, "neomutt", "neomutt")
	home := t.TempDir()
	p := a.setupFor(t, "neomutt", home)
	p.install(t)
	env := a.clientEnv(home)
	trust := "-e " + shellQuote("set ssl_ca_certificates_file="+a.srv.CAFile+" sleep_time=0")
	// Send from neomutt's screens, in a terminal (script(1)), the way a
	// person does; only there does neomutt file its copy ($record) over
	// IMAP (batch mode skips it: "Fcc to an IMAP mailbox is not supported
	// in batch mode"). The -e settings drive the screens, skipping the
	// editor; the configuration is as printed.
	env = append(env, "TERM=xterm-256color")
	body := filepath.Join(home, "body.txt")
	os.WriteFile(body, []byte("Hello from neomutt.\n"), 0o600)
	subject := "from neomutt " + a.provider
	smtpLogins, imapLogins, fetches := a.srv.Logins("smtp"), a.srv.Logins("imap"), a.srv.Fetches("INBOX")
	drive := trust + " -e " + shellQuote("set editor=true autoedit edit_headers abort_unmodified=no")
	out := runTerminal(t, env, home, "neomutt "+drive+" -s "+shellQuote(subject)+" -i "+shellQuote(body)+" -- "+shellQuote(a.email), "y")
	if a.srv.Logins("smtp") != smtpLogins+1 {
		t.Errorf("neomutt did not log in over SMTP with XOAUTH2:\n%s", out)
	}
	a.sentTo(t, subject)
	a.sentCopies(t, subject, 1)

	// Read the inbox: neomutt opens it at start and lists it; q quits.
	a.srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nTo: "+a.email+"\r\nSubject: for neomutt\r\n\r\nHello.\r\n"))
	out = runTerminal(t, env, home, "neomutt "+trust, "q")
	if a.srv.Logins("imap") <= imapLogins {
		t.Errorf("neomutt did not log in over IMAP with XOAUTH2:\n%s", out)
	}
	if a.srv.Fetches("INBOX") <= fetches || !strings.Contains(out, "INBOX") {
		t.Errorf("neomutt did not fetch and show the inbox:\n%s", out)
	}
}

// runTerminal runs a full-screen program in a terminal (script(1)) and
// presses key every quarter second until it exits: a key that comes too
// early is dropped by the program, a later one finds its screen. It
// returns what the terminal showed.
func runTerminal(t *testing.T, env []string, dir, line, key string) string {
	return runTerminalKeys(t, env, dir, line, func() string { return key })
}

// runTerminalKeys is runTerminal pressing, at each tick, what keys returns.
func runTerminalKeys(t *testing.T, env []string, dir, line string, keys func() string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qfec", line, "/dev/null")
	cmd.Env, cmd.Dir = env, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder // read once the program has exited
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("script: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v (%v)\n%s", line, err, ctx.Err(), out.String())
			}
			return out.String()
		case <-tick.C:
			in.Write([]byte(keys()))
		}
	}
}

// testAerc runs aerc in a terminal with a mailto: link (how a desktop
// opens it to write a message): aerc logs in to IMAP and lists the inbox,
// the editor is skipped (EDITOR=true), y sends from the review screen,
// and once the server has the message aerc is told to quit.
func (a *mailAccount) testAerc(t *testing.T) {
	needClient(t, "aerc", "aerc")
	home := t.TempDir()
	p := a.setupFor(t, "aerc", home)
	p.install(t)
	inbox := "for aerc " + a.provider
	a.srv.Deliver(t, "INBOX", []byte("From: bob@example.test\r\nTo: "+a.email+"\r\nSubject: "+inbox+"\r\n\r\nHello.\r\n"))
	subject := "from aerc " + a.provider
	env := append(a.clientEnv(home), "TERM=xterm-256color", "EDITOR=true")
	smtpLogins, imapLogins, fetches := a.srv.Logins("smtp"), a.srv.Logins("imap"), a.srv.Fetches("INBOX")
	mailto := "mailto:" + a.email + "?subject=" + strings.ReplaceAll(subject, " ", "%20") + "&body=Hello"
	// The printed command (chmod ... && aerc), opening the link.
	run := strings.Replace(p.run, "&& aerc", "&& aerc "+shellQuote(mailto), 1)
	sent := func() bool {
		for _, s := range a.srv.Sent() {
			if s.Subject == subject {
				return true
			}
		}
		return false
	}
	out := runTerminalKeys(t, env, home, run, func() string {
		if sent() && a.srv.Fetches("INBOX") > fetches {
			return ":quit\r"
		}
		return "y"
	})
	if a.srv.Logins("imap") <= imapLogins || a.srv.Logins("smtp") != smtpLogins+1 {
		t.Errorf("aerc logged in %d times over IMAP, %d over SMTP:\n%s", a.srv.Logins("imap")-imapLogins, a.srv.Logins("smtp")-smtpLogins, out)
	}
	if a.srv.Fetches("INBOX") <= fetches {
		t.Errorf("aerc did not fetch the inbox")
	}
	a.sentTo(t, subject)
	a.sentCopies(t, subject, 1)
	if strings.Contains(out, "copying to") || strings.Contains(out, "STARTTLS") {
		t.Errorf("aerc said:\n%s", out)
	}
}

// testGitSendEmail sends a patch with git send-email where Perl's
// Authen::SASL can do XOAUTH2; where it cannot (Debian 12's 2.16), setup
// must say so and the test says why it stops.
func (a *mailAccount) testGitSendEmail(t *testing.T) {
	needClient(t, "git", "git")
	if exec.Command("sh", "-c", `test -x "$(git --exec-path)/git-send-email"`).Run() != nil {
		t.Skip("SKIP: git send-email is not installed (Debian: apt-get install git-email; `make test` installs it)")
	}
	r := a.w.run("setup", "git-send-email", a.email)
	if parts := detectParts(context.Background(), "git-send-email"); authenSASLOld(parts.authenSASL) {
		if !strings.Contains(r.stderr, "Authen::SASL 2.1700 or later") {
			t.Errorf("setup did not warn that Authen::SASL %q is too old:\n%s", parts.authenSASL, r.stderr)
		}
		t.Skipf("SKIP: git send-email: Perl's Authen::SASL is %q here; XOAUTH2 needs 2.1700 or later (Debian 12 ships 2.16), and setup warned so", parts.authenSASL)
	}
	home := t.TempDir()
	p := a.setupFor(t, "git-send-email", home)
	p.install(t)
	env := a.clientEnv(home)
	repo := filepath.Join(home, "repo")
	runShell(t, env, home, "git init -q repo && cd repo && git -c user.name=A -c user.email="+shellQuote(a.email)+
		" commit -q --allow-empty -m one && git -c user.name=A -c user.email="+shellQuote(a.email)+" commit -q --allow-empty -m 'from git send-email'", "")
	logins := a.srv.Logins("smtp")
	runShell(t, env, repo, insertAfter(p.run, "git send-email", "--confirm=never --smtp-ssl-cert-path="+shellQuote(a.srv.CAFile)), "")
	if a.srv.Logins("smtp") != logins+1 {
		t.Errorf("git send-email did not log in over SMTP with XOAUTH2")
	}
	a.sentCopies(t, "[PATCH] from git send-email", 0)
}

// maildirHas reports whether a message with subject is in a Maildir folder.
func maildirHas(t *testing.T, dir, subject string) bool {
	t.Helper()
	for _, sub := range []string{"new", "cur"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err == nil && strings.Contains(string(data), "Subject: "+subject+"\r\n") || strings.Contains(string(data), "Subject: "+subject+"\n") {
				return true
			}
		}
	}
	return false
}

// TestSetupWrite: --write puts the configuration where the client reads
// it, readable by its owner only, creates the Maildir folder, says what to
// run; it never replaces a file without --force.
func TestSetupWrite(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "setupwrite@contoso.test"})
	w := newWorld(t, fmt.Sprintf("[providers.exchange]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.must("connect", "exchange", "--timeout", "60s")
	defer w.must("remove", "setupwrite@contoso.test")
	home := t.TempDir()
	env := append(slices.Clone(w.env), "HOME="+home, "XDG_CONFIG_HOME=")
	run := func(args ...string) result { return w.runEnv(env, args...) }

	printed := w.must("setup", "mbsync", "setupwrite@contoso.test")
	r := run("setup", "mbsync", "setupwrite@contoso.test", "--write")
	file := filepath.Join(home, ".mbsyncrc")
	maildir := filepath.Join(home, "Mail", "setupwrite-contoso.test")
	if r.code != 0 || !strings.Contains(r.stdout, file) || !strings.HasSuffix(r.stdout, "Next, run:\n  mbsync setupwrite-contoso.test\n") {
		t.Fatalf("setup --write: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, err := os.ReadFile(file); err != nil || string(data) != printed {
		t.Errorf("%s does not hold what setup prints (%v)", file, err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, %v; want mode 0600", file, fi.Mode(), err)
	}
	if fi, err := os.Stat(maildir); err != nil || !fi.IsDir() {
		t.Errorf("the Maildir folder %s was not created: %v", maildir, err)
	}

	os.WriteFile(file, []byte("# mine\n"), 0o600)
	r = run("setup", "mbsync", "setupwrite@contoso.test", "--write")
	if data, _ := os.ReadFile(file); r.code != exitUsage || string(data) != "# mine\n" || !strings.Contains(r.stderr, "--force") {
		t.Errorf("an existing file: exit %d, file now %q, said %s", r.code, data, r.stderr)
	}
	if r = run("setup", "mbsync", "setupwrite@contoso.test", "--write", "--force"); r.code != 0 {
		t.Errorf("--force: exit %d: %s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(file); string(data) != printed {
		t.Error("--force did not replace the file")
	}
	// aerc's file goes under the XDG config dir, which is created private.
	if r = run("setup", "aerc", "setupwrite@contoso.test", "--write"); r.code != 0 || !strings.HasSuffix(r.stdout, "  aerc\n") {
		t.Errorf("aerc --write: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(filepath.Join(home, ".config", "aerc", "accounts.conf")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("aerc's accounts.conf: %v", err)
	}
	w.expectExit(exitUsage, "setup", "curl", "setupwrite@contoso.test", "--write")
	w.expectExit(exitUsage, "setup", "msmtp", "setupwrite@contoso.test", "--force")
	help := w.must("setup", "--help")
	for _, want := range []string{"--write", "--force", "0600", "~/.mbsyncrc", "Sent Items", "[Gmail]/Sent Mail", "Authen::SASL"} {
		if !strings.Contains(help, want) {
			t.Errorf("setup --help does not mention %s", want)
		}
	}
	w.noLeaks(ms.IssuedTokens())
}
