package main

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/latchkey/latchkey/accounts"
)

// setupTemplates are the configurations `latchkey setup` writes, one
// text/template per client; testdata/setup holds what each renders to.
//
//go:embed setup/*.tmpl
var setupTemplates embed.FS

// setupClients are the clients setup knows, in the order help lists them,
// with what each is.
var setupClients = []struct{ name, what string }{
	{"mbsync", "isync's mbsync: IMAP to Maildir (~/.mbsyncrc)"},
	{"msmtp", "msmtp: sends mail over SMTP (~/.msmtprc)"},
	{"aerc", "aerc: terminal mail client (accounts.conf)"},
	{"neomutt", "NeoMutt: terminal mail client (neomuttrc)"},
	{"git-send-email", "git send-email: patches by mail (~/.gitconfig)"},
	{"offlineimap", "OfflineIMAP: IMAP to Maildir (~/.offlineimaprc)"},
	{"curl", "curl: IMAP, SMTP and API commands for scripts"},
}

// errUnknownClient is a client setup has no configuration for.
var errUnknownClient = errors.New("unknown client")

var setupCommand = command{
	name:    "setup",
	summary: "Print a ready-to-paste configuration for a mail program",
	usage: `Usage: latchkey setup CLIENT ACCOUNT [--imap-host HOST[:PORT]] [--smtp-host HOST[:PORT]] [--latchkey PATH]

Prints a configuration for CLIENT that reads ACCOUNT's mail with a fresh
token from ` + "`latchkey token`" + ` each time it logs in: the provider's IMAP and
SMTP servers and ports (for Microsoft, those of the account's cloud), the
XOAUTH2 login, and the latchkey command in the password-command field.
Nothing is written to disk: paste it where the first comment says.

Clients:
` + clientList() + `
Hosts: Microsoft 365 and Outlook.com use outlook.office365.com:993 (IMAP)
and smtp.office365.com:587 (SMTP); Gmail imap.gmail.com:993 and
smtp.gmail.com:587. For a provider whose servers Latchkey does not know (a
generic OpenID Connect provider, Exchange Server on premises), name them.

Flags:
  --imap-host HOST[:PORT]  the IMAP server (default port 993, TLS)
  --smtp-host HOST[:PORT]  the SMTP server (default port 587, STARTTLS)
  --latchkey PATH          the latchkey command to write (default: latchkey
                           when it is on PATH, else this program's full path)

Examples:
  latchkey setup msmtp alice@contoso.com >> ~/.msmtprc
  latchkey setup mbsync alice@gmail.com
  latchkey setup neomutt bob@example.org --imap-host mail.example.org --smtp-host mail.example.org
`,
	run: runSetup,
}

func clientList() string {
	var b strings.Builder
	for _, c := range setupClients {
		fmt.Fprintf(&b, "  %-16s %s\n", c.name, c.what)
	}
	return b.String()
}

func runSetup(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	imap := fs.String("imap-host", "", "")
	smtp := fs.String("smtp-host", "", "")
	self := fs.String("latchkey", "", "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef(c.name, "setup takes a client and an account, e.g. `latchkey setup msmtp alice@contoso.com`")
	}
	client, account := pos[0], pos[1]
	if !knownClient(client) {
		return fmt.Errorf("%w %q: setup writes configurations for %s", errUnknownClient, client, clientNames())
	}
	m, err := env.svc.MailSettings(ctx, account, *imap, *smtp)
	if err != nil {
		return err
	}
	if err := m.Need(usesIMAP(client), usesSMTP(client)); err != nil {
		return err
	}
	// The account name in commands: the email, unless another account
	// shares it (then provider:email).
	name := m.Email
	if a, err := env.svc.Show(ctx, m.Email); err != nil || a.ID != m.Account {
		name = m.Account
	}
	if *self == "" {
		*self = latchkeyCommand()
	}
	for _, w := range setupWarnings(client, m) {
		fmt.Fprintf(env.stderr, "latchkey: warning: %s\n", w)
	}
	return renderSetup(env.stdout, client, m, name, *self)
}

func knownClient(name string) bool {
	for _, c := range setupClients {
		if c.name == name {
			return true
		}
	}
	return false
}

func clientNames() string {
	var n []string
	for _, c := range setupClients {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}

// latchkeyCommand is how configurations run latchkey: plain "latchkey"
// when that finds this very program on PATH (it survives reinstalls and
// reads well), else this program's absolute path, so that a mail client
// started without the person's PATH (a systemd timer, cron) still finds it.
func latchkeyCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "latchkey"
	}
	if p, err := exec.LookPath("latchkey"); err == nil && sameFile(p, exe) {
		return "latchkey"
	}
	if abs, err := filepath.Abs(exe); err == nil {
		return abs
	}
	return exe
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// setupWarnings says what stands between the configuration and a working
// login: a permission the account lacks, hosts that are not confirmed.
func setupWarnings(client string, m *accounts.MailSettings) []string {
	var w []string
	imap, smtp := usesIMAP(client), usesSMTP(client)
	if imap && !m.IMAPGranted || smtp && !m.SMTPGranted {
		how := "connect it again (`latchkey connect " + m.Provider + "`) and approve mail access"
		if m.Family == accounts.FamilyMicrosoft {
			how = "connect it again adding --scope " + m.IMAPScope + " --scope " + m.SMTPScope
		}
		w = append(w, m.Account+" has not granted the mail permission this configuration uses: "+how)
	}
	if m.Uncertain != "" {
		w = append(w, m.Uncertain+" (override them with --imap-host and --smtp-host)")
	}
	return w
}

func usesIMAP(client string) bool { return client != "msmtp" && client != "git-send-email" }
func usesSMTP(client string) bool { return client != "mbsync" && client != "offlineimap" }

// setupView is what a template sees.
type setupView struct {
	*accounts.MailSettings
	// Name labels the account in the client's configuration.
	Name string
	// IMAPArgs and SMTPArgs are the latchkey commands that print a token
	// for each server; APIArgs one for the provider's API at APIURL.
	IMAPArgs, SMTPArgs, APIArgs []string
	APIURL                      string
	Notes                       []string
}

// renderSetup writes client's configuration for the account.
func renderSetup(w io.Writer, client string, m *accounts.MailSettings, name, latchkey string) error {
	v := setupView{MailSettings: m, Name: configName(m.Email)}
	tok := func(scope string) []string {
		args := []string{latchkey, "token", name}
		if scope != "" {
			args = append(args, "--scope", scope)
		}
		return args
	}
	v.IMAPArgs, v.SMTPArgs = tok(m.IMAPScope), tok(m.SMTPScope)
	switch {
	case m.Family == accounts.FamilyGoogle:
		v.APIURL = "https://gmail.googleapis.com/gmail/v1/users/me/profile"
	case m.Family == accounts.FamilyMicrosoft && m.Graph != "":
		v.APIURL = m.Graph + "/v1.0/me"
	}
	if v.APIURL != "" {
		v.APIArgs = append(tok(""), "--format", "header")
	}
	if m.Uncertain != "" {
		v.Notes = append(v.Notes, m.Uncertain+".")
	}
	t, err := template.New(client+".tmpl").Funcs(setupFuncs).ParseFS(setupTemplates, "setup/"+client+".tmpl")
	if err != nil {
		return fmt.Errorf("%w %q: %v", errUnknownClient, client, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return fmt.Errorf("write the %s configuration: %w", client, err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

var setupFuncs = template.FuncMap{
	// sh joins arguments into a POSIX shell command line.
	"sh": func(args []string) string {
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = shellQuote(a)
		}
		return strings.Join(q, " ")
	},
	"sh1": shellQuote,
	// dq is a double-quoted string with \ and " escaped (msmtp, mbsync,
	// neomutt and git all read this form).
	"dq": func(s string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	},
	// py is a Python list of strings (JSON strings are Python strings).
	"py": func(args []string) string {
		b, _ := json.Marshal(args)
		return strings.ReplaceAll(string(b), `","`, `", "`)
	},
	// urluser is an email as the user part of a URL (alice%40contoso.com).
	"urluser": func(s string) string { return url.User(s).String() },
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// configName labels an account in a client's configuration: its email
// with every character configuration languages may treat specially
// replaced (alice@contoso.com: alice-contoso.com).
func configName(email string) string {
	return regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(email, "-")
}
