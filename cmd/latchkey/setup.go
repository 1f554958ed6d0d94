package main

import (
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
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/accounts"
)

// setupTemplates are the configurations `latchkey setup` writes, one
// template per client (see expandTemplate); testdata/setup holds what each
// renders to.
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
	usage: `Usage: latchkey setup CLIENT ACCOUNT [--mailbox ADDRESS] [--imap-host HOST[:PORT]] [--smtp-host HOST[:PORT]] [--latchkey PATH]

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
  --mailbox ADDRESS        Microsoft 365: a shared mailbox (support@contoso.com)
                           to open with ACCOUNT's sign-in: the configuration
                           logs in as ADDRESS with ACCOUNT's token
  --imap-host HOST[:PORT]  the IMAP server (default port 993, TLS)
  --smtp-host HOST[:PORT]  the SMTP server (default port 587, STARTTLS)
  --latchkey PATH          the latchkey command to write (default: latchkey
                           when it is on PATH, else this program's full path)

Examples:
  latchkey setup msmtp alice@contoso.com >> ~/.msmtprc
  latchkey setup mbsync alice@gmail.com
  latchkey setup mbsync alice@contoso.com --mailbox support@contoso.com
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
	mailbox := fs.String("mailbox", "", "")
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
	if *mailbox != "" {
		if _, err := env.svc.AddSharedMailbox(ctx, m.Account, *mailbox); err != nil {
			return err
		}
		m.Mailbox = *mailbox
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

// renderSetup writes client's configuration for the account. Templates
// are plain text with {{key}} placeholders, filled from values computed
// here; a line holding only a placeholder that is empty is left out.
// (text/template would do, but its reflection keeps every method of every
// type in the binary: about 1.8 MB, a fifth of the command.)
func renderSetup(w io.Writer, client string, m *accounts.MailSettings, name, latchkey string) error {
	text, err := setupTemplates.ReadFile("setup/" + client + ".tmpl")
	if err != nil {
		return fmt.Errorf("%w %q", errUnknownClient, client)
	}
	out, err := expandTemplate(string(text), setupValues(m, name, latchkey))
	if err != nil {
		return fmt.Errorf("write the %s configuration: %w", client, err)
	}
	_, err = io.WriteString(w, out)
	return err
}

// setupValues are the placeholders' values for one account.
func setupValues(m *accounts.MailSettings, name, latchkey string) map[string]string {
	tok := func(scope string) []string {
		args := []string{latchkey, "token", name}
		if scope != "" {
			args = append(args, "--scope", scope)
		}
		return args
	}
	imapArgs, smtpArgs := tok(m.IMAPScope), tok(m.SMTPScope)
	login := m.Email
	if m.Mailbox != "" {
		// The shared mailbox logs in with the account's token.
		login = m.Mailbox
		imapArgs = append(imapArgs, "--mailbox", m.Mailbox)
		smtpArgs = append(smtpArgs, "--mailbox", m.Mailbox)
	}
	pick := func(cond bool, yes, no string) string {
		if cond {
			return yes
		}
		return no
	}
	v := map[string]string{
		"name":            configName(login),
		"email":           login,
		"email_dq":        doubleQuote(login),
		"email_sh":        shellQuote(login),
		"email_url":       url.User(login).String(),
		"provider":        m.Provider,
		"imap_host":       m.IMAP.Host,
		"imap_port":       strconv.Itoa(m.IMAP.Port),
		"imap_hostport":   m.IMAP.String(),
		"smtp_host":       m.SMTP.Host,
		"smtp_port":       strconv.Itoa(m.SMTP.Port),
		"smtp_hostport":   m.SMTP.String(),
		"imap_cmd":        shellJoin(imapArgs),
		"smtp_cmd":        shellJoin(smtpArgs),
		"imap_cmd_dq":     doubleQuote(shellJoin(imapArgs)),
		"smtp_cmd_dq":     doubleQuote(shellJoin(smtpArgs)),
		"imap_cmd_py":     pythonList(imapArgs),
		"git_helper_dq":   doubleQuote(`!f() { test "$1" = get && echo password=$(` + shellJoin(smtpArgs) + `); }; f`),
		"imap_scheme":     pick(m.IMAP.StartTLS, "imap", "imaps"),
		"smtp_scheme":     pick(m.SMTP.StartTLS, "smtp", "smtps"),
		"mbsync_ssltype":  pick(m.IMAP.StartTLS, "STARTTLS", "IMAPS"),
		"msmtp_starttls":  pick(m.SMTP.StartTLS, "on", "off"),
		"git_encryption":  pick(m.SMTP.StartTLS, "tls", "ssl"),
		"offlineimap_tls": pick(m.IMAP.StartTLS, "ssl = no\nstarttls = yes", "ssl = yes"),
		"curl_imap_tls":   pick(m.IMAP.StartTLS, "--ssl-reqd ", ""),
		"curl_smtp_tls":   pick(m.SMTP.StartTLS, "--ssl-reqd ", ""),
		"notes":           "",
		"api_example":     "",
	}
	if m.Uncertain != "" {
		v["notes"] = "# NOTE: " + m.Uncertain + "."
	}
	if m.Mailbox != "" {
		v["notes"] = strings.TrimPrefix(v["notes"]+"\n# The shared mailbox "+m.Mailbox+", opened with the sign-in of "+name+
			" (an administrator must give "+m.Email+" access to it).", "\n")
	}
	api := ""
	switch {
	case m.Family == accounts.FamilyGoogle:
		api = "https://gmail.googleapis.com/gmail/v1/users/me/profile"
	case m.Family == accounts.FamilyMicrosoft && m.Graph != "":
		api = m.Graph + "/v1.0/me"
	}
	if api != "" {
		v["api_example"] = "\n# Call the provider's API with the account's default token (the header is read from standard input):\n" +
			shellJoin(append(tok(""), "--format", "header")) + " | curl -H @- " + shellQuote(api)
	}
	return v
}

var placeholder = regexp.MustCompile(`\{\{([a-z_]+)\}\}`)

// expandTemplate fills text's placeholders from values; an unknown
// placeholder is an error, so a typo in a template fails its test.
func expandTemplate(text string, values map[string]string) (string, error) {
	var b strings.Builder
	var missing []string
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		body := strings.TrimSuffix(line, "\n")
		if k := placeholder.FindStringSubmatch(body); k != nil && k[0] == body && values[k[1]] == "" {
			if _, ok := values[k[1]]; ok {
				continue // an empty optional line
			}
		}
		b.WriteString(placeholder.ReplaceAllStringFunc(line, func(p string) string {
			v, ok := values[p[2:len(p)-2]]
			if !ok {
				missing = append(missing, p)
			}
			return v
		}))
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("unknown placeholders %s", strings.Join(missing, ", "))
	}
	return b.String(), nil
}

// shellJoin joins arguments into a POSIX shell command line.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// doubleQuote is a double-quoted string with \ and " escaped (msmtp,
// mbsync, neomutt and git all read this form).
func doubleQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// pythonList is a Python list of strings (JSON strings are Python strings).
func pythonList(args []string) string {
	b, _ := json.Marshal(args)
	return strings.ReplaceAll(string(b), `","`, `", "`)
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
