package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts"
)

// setupAccount is one provider and cloud setup is checked against, as the
// account index holds it.
type setupAccount struct {
	name               string // golden file suffix
	provider, family   string
	email              string
	resource, graph    string
	requested, granted []string
	imapHost, smtpHost string // --imap-host, --smtp-host
	wantIMAP, wantSMTP string // HOST:PORT
	wantUncertain      bool
}

var oidcScopes = []string{"openid", "profile", "email", "offline_access"}

func msScopes(res string) []string {
	return append(append([]string{}, oidcScopes...), res+"/IMAP.AccessAsUser.All", res+"/SMTP.Send")
}

var setupAccounts = []setupAccount{
	{name: "microsoft", provider: "microsoft", family: "microsoft", email: "alice@contoso.com",
		resource: "https://graph.microsoft.com", graph: "https://graph.microsoft.com",
		requested: append(msScopes("https://outlook.office.com"), "User.Read"), granted: []string{"User.Read", "openid", "profile", "email"},
		wantIMAP: "outlook.office365.com:993", wantSMTP: "smtp.office365.com:587"},
	{name: "exchange", provider: "exchange", family: "microsoft", email: "alice@contoso.com",
		resource: "https://outlook.office.com", graph: "https://graph.microsoft.com",
		requested: msScopes("https://outlook.office.com"), granted: msScopes("https://outlook.office.com"),
		wantIMAP: "outlook.office365.com:993", wantSMTP: "smtp.office365.com:587"},
	{name: "google", provider: "google", family: "google", email: "alice@gmail.com",
		requested: []string{"openid", "email", "profile", "https://mail.google.com/"}, granted: []string{"openid", "email", "profile", "https://mail.google.com/"},
		wantIMAP: "imap.gmail.com:993", wantSMTP: "smtp.gmail.com:587"},
	{name: "exchange-usgov", provider: "exchange", family: "microsoft", email: "alice@agency.gov",
		resource: "https://outlook.office365.us", graph: "https://graph.microsoft.us",
		requested: msScopes("https://outlook.office365.us"), granted: msScopes("https://outlook.office365.us"),
		wantIMAP: "outlook.office365.us:993", wantSMTP: "smtp.office365.us:587", wantUncertain: true},
	{name: "exchange-usgov-dod", provider: "exchange", family: "microsoft", email: "alice@army.mil",
		resource: "https://outlook-dod.office365.us", graph: "https://dod-graph.microsoft.us",
		requested: msScopes("https://outlook-dod.office365.us"), granted: msScopes("https://outlook-dod.office365.us"),
		wantIMAP: "outlook-dod.office365.us:993", wantSMTP: "smtp-dod.office365.us:587", wantUncertain: true},
	{name: "exchange-china", provider: "exchange", family: "microsoft", email: "alice@contoso.cn",
		resource: "https://partner.outlook.cn", graph: "https://microsoftgraph.chinacloudapi.cn",
		requested: msScopes("https://partner.outlook.cn"), granted: msScopes("https://partner.outlook.cn"),
		wantIMAP: "partner.outlook.cn:993", wantSMTP: "smtp.partner.outlook.cn:587", wantUncertain: true},
	{name: "oidc-custom-hosts", provider: "testidp", family: "oidc", email: "bob@example.org",
		requested: oidcScopes, granted: oidcScopes, imapHost: "mail.example.org", smtpHost: "mail.example.org:465",
		wantIMAP: "mail.example.org:993", wantSMTP: "mail.example.org:465"},
}

// writeIndex writes an account index holding accts into a new config dir
// and opens a Service on it.
func writeIndex(t *testing.T, accts ...setupAccount) *accounts.Service {
	t.Helper()
	type rec struct {
		ID        string   `json:"id"`
		Provider  string   `json:"provider"`
		Email     string   `json:"email"`
		Status    string   `json:"status"`
		Scopes    []string `json:"scopes"`
		Requested []string `json:"requested_scopes"`
		Family    string   `json:"family"`
		ClientID  string   `json:"client_id"`
		TokenURL  string   `json:"token_url"`
		Resource  string   `json:"resource,omitempty"`
		Graph     string   `json:"graph,omitempty"`
	}
	var recs []rec
	for _, a := range accts {
		recs = append(recs, rec{a.provider + ":" + a.email, a.provider, a.email, "connected", a.granted, a.requested, a.family,
			"client", "https://login.example.test/token", a.resource, a.graph})
	}
	data, _ := json.Marshal(map[string]any{"version": 1, "accounts": recs})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, accounts.IndexFileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	svc, err := accounts.Open(accounts.Options{ConfigDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestSetupGolden renders every client for every provider and cloud and
// compares it with testdata/setup/CLIENT/PROVIDER.golden (go test -update
// rewrites them).
func TestSetupGolden(t *testing.T) {
	for _, a := range setupAccounts {
		svc := writeIndex(t, a)
		m, err := svc.MailSettings(context.Background(), a.email, a.imapHost, a.smtpHost)
		if err != nil {
			t.Fatalf("%s: MailSettings: %v", a.name, err)
		}
		if m.IMAP.String() != a.wantIMAP || m.SMTP.String() != a.wantSMTP || (m.Uncertain != "") != a.wantUncertain {
			t.Errorf("%s: IMAP %s, SMTP %s, uncertain %q", a.name, m.IMAP, m.SMTP, m.Uncertain)
		}
		if !m.IMAPGranted || !m.SMTPGranted {
			t.Errorf("%s: mail permission not seen as granted: %+v", a.name, m)
		}
		for _, c := range setupClients {
			var out bytes.Buffer
			if err := renderSetup(&out, c.name, m, a.email, "latchkey", clientParts{}); err != nil {
				t.Fatalf("%s %s: %v", c.name, a.name, err)
			}
			golden := filepath.Join("testdata", "setup", c.name, a.name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("setup %s for %s differs from %s:\n%s", c.name, a.name, golden, out.String())
			}
			if usesIMAP(c.name) && !strings.Contains(out.String(), m.IMAP.Host) || usesSMTP(c.name) && !strings.Contains(out.String(), m.SMTP.Host) {
				t.Errorf("setup %s for %s does not name its servers", c.name, a.name)
			}
			if !strings.Contains(out.String(), "latchkey token "+a.email) && !strings.Contains(out.String(), `"latchkey", "token", "`+a.email+`"`) {
				t.Errorf("setup %s for %s has no latchkey token command", c.name, a.name)
			}
		}
	}
}

// TestSetupParsedByMsmtp has msmtp itself read each msmtp configuration:
// --pretend parses the file, runs its passwordeval (here a stand-in
// latchkey that prints a token) and prints the settings, without any
// network.
func TestSetupParsedByMsmtp(t *testing.T) {
	msmtp := needProgram(t, "msmtp", "msmtp")
	stub := stubLatchkey(t)
	for _, a := range setupAccounts {
		golden := filepath.Join("testdata", "setup", "msmtp", a.name+".golden")
		conf := filepath.Join(t.TempDir(), "msmtprc")
		copyFile(t, golden, conf)
		cmd := exec.Command(msmtp, "-C", conf, "-a", configName(a.email), "--pretend", "someone@example.test")
		cmd.Env = append(os.Environ(), "PATH="+stub+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("msmtp --pretend on %s: %v\n%s", golden, err, out)
		}
		host, port, _ := strings.Cut(a.wantSMTP, ":")
		for _, want := range []string{"host = " + host + "\n", "port = " + port + "\n", "auth = XOAUTH2\n", "user = " + a.email + "\n",
			"passwordeval = latchkey token " + a.email, "tls = on\n"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("msmtp read %s without %q:\n%s", golden, want, out)
			}
		}
	}
}

// TestSetupParsedByMbsync has mbsync read each mbsync configuration.
// Asked for a channel that does not exist, mbsync parses the whole file
// (reporting any FILE:LINE: error) and stops before connecting.
func TestSetupParsedByMbsync(t *testing.T) {
	mbsync := needProgram(t, "mbsync", "isync")
	for _, a := range setupAccounts {
		golden := filepath.Join("testdata", "setup", "mbsync", a.name+".golden")
		conf := filepath.Join(t.TempDir(), "mbsyncrc")
		copyFile(t, golden, conf)
		out, _ := exec.Command(mbsync, "-c", conf, "latchkey-no-such-channel").CombinedOutput()
		if strings.Contains(string(out), conf+":") || !strings.Contains(string(out), "No channel or group named 'latchkey-no-such-channel'") {
			t.Errorf("mbsync did not accept %s:\n%s", golden, out)
		}
	}
	// The check itself: a broken file is reported.
	conf := filepath.Join(t.TempDir(), "mbsyncrc")
	os.WriteFile(conf, []byte("IMAPAccount x\nHots example.org\n"), 0o600)
	if out, _ := exec.Command(mbsync, "-c", conf, "latchkey-no-such-channel").CombinedOutput(); !strings.Contains(string(out), conf+":2:") {
		t.Errorf("mbsync did not report a broken file: %s", out)
	}
}

// TestSetupNoMailServers: a generic OpenID provider has no known mail
// servers, nor has Exchange Server on premises.
func TestSetupNoMailServers(t *testing.T) {
	onprem := setupAccounts[1]
	onprem.email, onprem.resource = "carol@contoso.com", "https://mail.contoso.com"
	svc := writeIndex(t, setupAccounts[len(setupAccounts)-1], onprem)
	for _, email := range []string{"bob@example.org", "carol@contoso.com"} {
		m, err := svc.MailSettings(context.Background(), email, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Need(false, true); !strings.Contains(err.Error(), "--smtp-host") || strings.Contains(err.Error(), "--imap-host") {
			t.Errorf("%s: Need(smtp) = %v", email, err)
		}
		err = m.Need(true, true)
		if !errors.Is(err, accounts.ErrNoMailServers) || !strings.Contains(err.Error(), "--imap-host") {
			t.Errorf("%s: MailSettings = %v, want ErrNoMailServers naming --imap-host", email, err)
		}
		if code, _ := classify(err); code != exitNoMailServers {
			t.Errorf("%s: exit code %d, want %d", email, code, exitNoMailServers)
		}
	}
	m, err := svc.MailSettings(context.Background(), "carol@contoso.com", "mail.contoso.com", "mail.contoso.com")
	if err != nil || m.IMAPScope != "https://mail.contoso.com/IMAP.AccessAsUser.All" {
		t.Errorf("on-premises with hosts: %+v, %v", m, err)
	}
	for _, bad := range []string{"mail.example.org:0", "mail.example.org:imap", "a b", "user@host"} {
		if _, err := svc.MailSettings(context.Background(), "bob@example.org", bad, "x"); !errors.Is(err, accounts.ErrUsage) {
			t.Errorf("--imap-host %q: %v, want a usage error", bad, err)
		}
	}
}

// TestSetupWarnsWithoutPermission: an account connected without the mail
// permission gets the configuration and a warning saying how to add it.
func TestSetupWarnsWithoutPermission(t *testing.T) {
	a := setupAccounts[0]
	a.requested = []string{"openid", "User.Read"}
	svc := writeIndex(t, a)
	m, err := svc.MailSettings(context.Background(), a.email, "", "")
	if err != nil {
		t.Fatal(err)
	}
	w := setupWarnings("msmtp", m, clientParts{})
	if len(w) != 1 || !strings.Contains(w[0], "--scope https://outlook.office.com/SMTP.Send") {
		t.Errorf("warnings = %q", w)
	}
}

func needProgram(t *testing.T, name, debianPackage string) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skipf("%s checks run on Linux", name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed (Debian: apt-get install %s; `make test` does it)", name, debianPackage)
	}
	return p
}

// stubLatchkey is a directory holding a stand-in latchkey that prints a token.
func stubLatchkey(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "latchkey"), []byte("#!/bin/sh\necho stand-in-token\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestExpandTemplate: placeholders are filled, a line holding only an
// empty one is dropped, and an unknown one is an error.
func TestExpandTemplate(t *testing.T) {
	got, err := expandTemplate("a {{x}} b\n{{opt}}\n{{x}}{{x}}\n", map[string]string{"x": "1", "opt": ""})
	if err != nil || got != "a 1 b\n11\n" {
		t.Errorf("expandTemplate = %q, %v", got, err)
	}
	if _, err := expandTemplate("{{nope}}\n", map[string]string{}); err == nil || !strings.Contains(err.Error(), "{{nope}}") {
		t.Errorf("unknown placeholder: %v", err)
	}
}

// TestSetupRunByGit: git reads each git-send-email configuration and, asked
// for the SMTP password as git send-email asks, runs its credential helper,
// which runs (a stand-in) latchkey.
func TestSetupRunByGit(t *testing.T) {
	git := needProgram(t, "git", "git")
	stub := stubLatchkey(t)
	for _, a := range setupAccounts {
		golden, err := filepath.Abs(filepath.Join("testdata", "setup", "git-send-email", a.name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		env := append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+golden,
			"GIT_TERMINAL_PROMPT=0", "PATH="+stub+string(os.PathListSeparator)+os.Getenv("PATH"))
		get := exec.Command(git, "config", "--global", "--get", "sendemail.smtpServer")
		get.Env = env
		host, _, _ := strings.Cut(a.wantSMTP, ":")
		if out, err := get.Output(); err != nil || strings.TrimSpace(string(out)) != host {
			t.Errorf("git reads sendemail.smtpServer of %s as %q (%v)", golden, out, err)
		}
		fill := exec.Command(git, "credential", "fill")
		fill.Env = env
		fill.Stdin = strings.NewReader("protocol=smtp\nhost=" + a.wantSMTP + "\nusername=" + a.email + "\n\n")
		out, err := fill.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "password=stand-in-token\n") {
			t.Errorf("git credential fill with %s: %v\n%s", golden, err, out)
		}
	}
}

// TestSetupRunByPython: OfflineIMAP's configuration is an INI file read by
// Python's configparser, with a Python expression it evaluates for the
// token; Python does both here, the expression running (a stand-in) latchkey.
func TestSetupRunByPython(t *testing.T) {
	python := needProgram(t, "python3", "python3")
	stub := stubLatchkey(t)
	const script = `import configparser, sys
c = configparser.RawConfigParser()
c.read_file(open(sys.argv[1]))
r = c["Repository " + sys.argv[2] + "-remote"]
print(r["remotehost"], r["remoteport"], r["auth_mechanisms"], eval(r["oauth2_access_token_eval"]))
`
	for _, a := range setupAccounts {
		golden := filepath.Join("testdata", "setup", "offlineimap", a.name+".golden")
		cmd := exec.Command(python, "-c", script, golden, configName(a.email))
		cmd.Env = append(os.Environ(), "PATH="+stub+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		host, port, _ := strings.Cut(a.wantIMAP, ":")
		if want := host + " " + port + " XOAUTH2 stand-in-token\n"; err != nil || string(out) != want {
			t.Errorf("python read %s as %q, want %q (%v)", golden, out, want, err)
		}
	}
}

// TestSetupFollowsInstalledVersions: what setup writes for aerc and mbsync
// follows the version it found installed, and the version checks read
// versions as the programs write them.
func TestSetupFollowsInstalledVersions(t *testing.T) {
	a := setupAccounts[1] // exchange, SMTP on 587 with STARTTLS
	m, err := writeIndex(t, a).MailSettings(context.Background(), a.email, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		client string
		parts  clientParts
		want   string
		absent string
	}{
		{"aerc", clientParts{aerc: "0.14.0"}, "# aerc 0.14.0 needs this for STARTTLS", "delete it there"},
		{"aerc", clientParts{}, "delete it there", "# aerc 0."},
		{"aerc", clientParts{aerc: "0.16.0"}, "outgoing-cred-cmd", "smtp-starttls"},
		{"aerc", clientParts{aerc: "0.20.1"}, "outgoing-cred-cmd", "smtp-starttls"},
		{"mbsync", clientParts{mbsync: "1.4.4"}, "\nSSLType IMAPS\n", "TLSType"},
		{"mbsync", clientParts{}, "\nSSLType IMAPS\n", "TLSType"},
		{"mbsync", clientParts{mbsync: "1.5.0"}, "\nTLSType IMAPS\n", "SSLType"},
	} {
		var out bytes.Buffer
		if err := renderSetup(&out, c.client, m, a.email, "latchkey", c.parts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), c.want) || strings.Contains(out.String(), c.absent) {
			t.Errorf("%s with %+v: want %q and no %q:\n%s", c.client, c.parts, c.want, c.absent, out.String())
		}
	}
	for v, old := range map[string]bool{"": true, "2.16": true, "2.1600": true, "2.1700": false, "2.18": false, "junk": true} {
		if authenSASLOld(v) != old {
			t.Errorf("authenSASLOld(%q) = %v", v, !old)
		}
	}
	w := setupWarnings("git-send-email", m, clientParts{authenSASL: "2.16"})
	if len(w) != 1 || !strings.Contains(w[0], "is version 2.16") || !strings.Contains(w[0], "cpan Authen::SASL") {
		t.Errorf("warnings = %q", w)
	}
	if w := setupWarnings("mbsync", m, clientParts{probed: true}); len(w) != 1 || !strings.Contains(w[0], "libsasl2-modules-kdexoauth2") {
		t.Errorf("warnings without the SASL plugin = %q", w)
	}
}
