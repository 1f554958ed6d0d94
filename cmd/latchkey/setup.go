package main

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
)

// setupTemplates are the configurations `latchkey setup` writes, one
// template per client (see expandTemplate); testdata/setup holds what each
// renders to.
//
//go:embed setup/*.tmpl
var setupTemplates embed.FS

// setupClients are the clients setup knows, in the order help lists them:
// what each is, where its configuration lives (~ is the home directory,
// ~/.config/ is $XDG_CONFIG_HOME/ when that is set), the folder on disk it
// needs before its first run ("" for none), and the one command to run
// once the configuration is in place. {{name}} and {{email}} are filled in.
var setupClients = []setupClient{
	{"mbsync", "isync's mbsync: IMAP to Maildir", "~/.mbsyncrc", "~/Mail/{{name}}", "mbsync {{name}}"},
	{"msmtp", "msmtp: sends mail over SMTP", "~/.msmtprc", "",
		`printf 'Subject: latchkey test\n\nIt works.\n' | msmtp -a {{name}} {{email}}`},
	{"aerc", "aerc: terminal mail client", "~/.config/aerc/accounts.conf", "", "aerc"},
	{"neomutt", "NeoMutt: terminal mail client", "~/.config/neomutt/neomuttrc", "", "neomutt"},
	{"git-send-email", "git send-email: patches by mail", "~/.config/git/config", "", "git send-email --to={{email}} HEAD^"},
	{"offlineimap", "OfflineIMAP: IMAP to Maildir", "~/.offlineimaprc", "~/Mail/{{name}}", "offlineimap -a {{name}}"},
	{"curl", "curl: IMAP, SMTP and API commands for scripts", "", "", ""},
}

// setupClient is one mail program setup writes a configuration for.
type setupClient struct{ name, what, file, maildir, next string }

// lookupClient returns the client called name.
func lookupClient(name string) (setupClient, bool) {
	for _, c := range setupClients {
		if c.name == name {
			return c, true
		}
	}
	return setupClient{}, false
}

// errUnknownClient is a client setup has no configuration for.
var errUnknownClient = errors.New("unknown client")

var setupCommand = command{
	name:    "setup",
	summary: "Print (or write) a ready configuration for a mail program",
	usage: `Usage: latchkey setup CLIENT ACCOUNT [--write [--force]] [--mailbox ADDRESS] [--imap-host HOST[:PORT]] [--smtp-host HOST[:PORT]] [--latchkey PATH]

Prints a configuration for CLIENT that reads and sends ACCOUNT's mail with a
fresh token from ` + "`latchkey token`" + ` each time it logs in: the provider's IMAP
and SMTP servers and ports (for Microsoft, those of the account's cloud), the
XOAUTH2 login, the latchkey command in the password-command field, and the
provider's own folder names (Outlook's "Sent Items" and "Deleted Items",
Gmail's "[Gmail]/Sent Mail"...), so that sent mail and drafts land where the
provider's other apps show them. Gmail files every message sent through it
in "[Gmail]/Sent Mail" by itself: the configuration does not make the client
copy it there a second time.

Without --write nothing is written: the first comment lines say where to
paste it and the one command to run next (including any folder to create).

With --write, setup writes the configuration itself to the file CLIENT reads
(shown below; readable by you only, mode 0600), creates what the client needs
on disk before its first run (the Maildir folder of mbsync and OfflineIMAP,
the configuration's folder), and prints the one command to run next. It
never replaces an existing file unless --force is given, and then replaces
it whole: to keep other accounts in that file, print the configuration
instead and add it by hand.

Clients (and where --write puts their configuration):
` + clientList() + `
Some clients need an extra part for XOAUTH2; the configuration's first lines
say which and where to get it, and setup warns when it finds it missing or
too old: git send-email needs Perl's Authen::SASL 2.1700 or later, mbsync
the XOAUTH2 plugin for Cyrus SASL. For aerc, setup asks the installed aerc
its version (aerc before 0.16 needs smtp-starttls = yes).

Hosts: Microsoft 365 and Outlook.com use outlook.office365.com:993 (IMAP)
and smtp.office365.com:587 (SMTP); Gmail imap.gmail.com:993 and
smtp.gmail.com:587. For a provider whose servers Latchkey does not know (a
generic OpenID Connect provider, Exchange Server on premises), name them.

Flags:
  --write                  write the configuration where CLIENT reads it
                           (mode 0600) and create what it needs on disk
  --force                  with --write: replace an existing file
  --mailbox ADDRESS        Microsoft 365: a shared mailbox (support@contoso.com)
                           to open with ACCOUNT's sign-in: the configuration
                           logs in as ADDRESS with ACCOUNT's token
  --imap-host HOST[:PORT]  the IMAP server (default port 993, TLS)
  --smtp-host HOST[:PORT]  the SMTP server (default port 587, STARTTLS);
                           both may be set for a provider in config.toml
                           (imap_host, smtp_host), and take imaps:// or
                           smtps:// (TLS) or imap:// or smtp:// (STARTTLS)
  --latchkey PATH          the latchkey command to write (default: latchkey
                           when it is on PATH, else this program's full path)

Examples:
  latchkey setup mbsync alice@gmail.com --write     # then run what it prints
  latchkey setup msmtp alice@contoso.com >> ~/.msmtprc
  latchkey setup mbsync alice@contoso.com --mailbox support@contoso.com
  latchkey setup neomutt bob@example.org --imap-host mail.example.org --smtp-host mail.example.org

An existing file without --force is a usage error (exit code 2); a file or
folder that cannot be written is exit code 11.
`,
	run: runSetup,
}

func clientList() string {
	var b strings.Builder
	for _, c := range setupClients {
		what := c.what
		if c.file != "" {
			what += " (" + c.file + ")"
		}
		fmt.Fprintf(&b, "  %-16s %s\n", c.name, what)
	}
	return b.String()
}

func runSetup(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	imap := fs.String("imap-host", "", "")
	smtp := fs.String("smtp-host", "", "")
	self := fs.String("latchkey", "", "")
	mailbox := fs.String("mailbox", "", "")
	write := fs.Bool("write", false, "")
	force := fs.Bool("force", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef(c.name, "setup takes a client and an account, e.g. `latchkey setup msmtp alice@contoso.com`")
	}
	client, ok := lookupClient(pos[0])
	if !ok {
		return fmt.Errorf("%w %q: setup writes configurations for %s", errUnknownClient, pos[0], clientNames())
	}
	if *force && !*write {
		return usagef(c.name, "--force only goes with --write")
	}
	if *write && client.file == "" {
		return usagef(c.name, "%s has no configuration file to write; run setup without --write and use the commands it prints", client.name)
	}
	m, err := env.svc.MailSettings(ctx, pos[1], *imap, *smtp)
	if err != nil {
		return err
	}
	if err := m.Need(usesIMAP(client.name), usesSMTP(client.name)); err != nil {
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
	parts := detectParts(ctx, client.name)
	for _, w := range setupWarnings(client.name, m, parts) {
		fmt.Fprintf(env.stderr, "latchkey: warning: %s\n", w)
	}
	if !*write {
		return renderSetup(env.stdout, client.name, m, name, *self, parts)
	}
	var conf strings.Builder
	if err := renderSetup(&conf, client.name, m, name, *self, parts); err != nil {
		return err
	}
	return writeSetup(env.stdout, client, m, name, conf.String(), *force)
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
// login: a permission the account lacks, hosts that are not confirmed, a
// part of the client that is missing or too old for XOAUTH2.
func setupWarnings(client string, m *accounts.MailSettings, parts clientParts) []string {
	var w []string
	imap, smtp := usesIMAP(client), usesSMTP(client)
	if imap && !m.IMAPGranted || smtp && !m.SMTPGranted {
		how := "connect it again (`latchkey connect " + m.Provider + "`) and approve mail access"
		if m.Family == catalog.FamilyMicrosoft {
			how = "connect it again adding --scope " + m.IMAPScope + " --scope " + m.SMTPScope
		}
		w = append(w, m.Account+" has not granted the mail permission this configuration uses: "+how)
	}
	if m.Uncertain != "" {
		w = append(w, m.Uncertain+" (override them with --imap-host and --smtp-host)")
	}
	switch {
	case client == "git-send-email" && authenSASLOld(parts.authenSASL):
		have := "is not installed"
		if parts.authenSASL != "" {
			have = "is version " + parts.authenSASL
		}
		w = append(w, "git send-email logs in with XOAUTH2 only with Perl's Authen::SASL 2.1700 or later, and this computer's "+have+
			" (Debian 12 and Ubuntu 22.04 package 2.16): install a newer one with `cpan Authen::SASL`, or from Debian 13 or Ubuntu 24.04 (libauthen-sasl-perl)")
	case client == "mbsync" && parts.probed && parts.saslPlugin == "":
		w = append(w, "mbsync logs in with XOAUTH2 only through a Cyrus SASL XOAUTH2 plugin, and none was found: install libsasl2-modules-kdexoauth2 (Debian 12 or later, Ubuntu) or build cyrus-sasl-xoauth2")
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
func renderSetup(w io.Writer, client string, m *accounts.MailSettings, name, latchkey string, parts clientParts) error {
	text, err := setupTemplates.ReadFile("setup/" + client + ".tmpl")
	if err != nil {
		return fmt.Errorf("%w %q", errUnknownClient, client)
	}
	out, err := expandTemplate(string(text), setupValues(client, m, name, latchkey, parts))
	if err != nil {
		return fmt.Errorf("write the %s configuration: %w", client, err)
	}
	_, err = io.WriteString(w, out)
	return err
}

// setupValues are the placeholders' values for one account.
func setupValues(client string, m *accounts.MailSettings, name, latchkey string, parts clientParts) map[string]string {
	tok := func(scope string) []string {
		args := []string{latchkey, "token", name}
		if scope != "" {
			args = append(args, "--scope", scope)
		}
		return args
	}
	imapArgs, smtpArgs := tok(m.IMAPScope), tok(m.SMTPScope)
	login := storeLogin(m)
	if m.Mailbox != "" {
		// The shared mailbox logs in with the account's token.
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
	for k, x := range clientValues(client, m, name, latchkey, parts) {
		v[k] = x
	}
	if api := catalog.ProfileURL(m.Family, m.Graph); api != "" {
		v["api_example"] = "\n# Call the provider's API with the account's default token (the header is read from standard input):\n" +
			shellJoin(append(tok(""), "--format", "header")) + " | curl -H @- " + shellQuote(api)
	}
	return v
}

// clientValues are the placeholders that say where a client's
// configuration goes and what to run next, and those that follow the
// provider's folders and the installed client's version.
func clientValues(client string, m *accounts.MailSettings, name, latchkey string, parts clientParts) map[string]string {
	c, _ := lookupClient(client)
	f := m.Folders
	login := storeLogin(m)
	label := configName(login)
	fill := strings.NewReplacer("{{name}}", label, "{{email}}", shellQuote(login))
	run := fill.Replace(c.next)
	if c.maildir != "" {
		run = "mkdir -p " + fill.Replace(c.maildir) + " && " + run
	}
	if client == "aerc" {
		run = "chmod 600 " + c.file + " && " + run // aerc refuses an accounts.conf others can read
	}
	v := map[string]string{
		"file":               c.file,
		"write_cmd":          shellJoin(writeArgs(latchkey, client, name, m.Mailbox)),
		"run":                run,
		"maildir":            fill.Replace(c.maildir),
		"folder_sent":        f.Sent,
		"folder_drafts":      f.Drafts,
		"folder_trash":       f.Trash,
		"folder_junk":        f.Junk,
		"folder_archive":     f.Archive,
		"aerc_copy_to":       "copy-to           = " + f.Sent,
		"neomutt_record":     "set record = " + doubleQuote("+"+f.Sent),
		"aerc_starttls":      "",
		"mbsync_tls":         "SSLType",
		"mbsync_patterns":    "*",
		"offlineimap_filter": "",
	}
	if f.ServerFilesSent {
		why := "# The provider's SMTP server files every message sent through it in \"" + f.Sent +
			"\" by itself:\n# a copy from the client would file it twice.\n"
		v["aerc_copy_to"] = strings.TrimSuffix(why, "\n") // no copy-to
		v["neomutt_record"] = why + "unset record"
	}
	if f.SkipSync != "" {
		v["mbsync_patterns"] = "* " + doubleQuote("!"+f.SkipSync) + "\n# " + doubleQuote(f.SkipSync) + " holds every message again: not synced."
		list, _ := json.Marshal(f.SkipSync)
		v["offlineimap_filter"] = "# " + string(list) + " holds every message again: not synced.\nfolderfilter = lambda folder: folder != " + string(list)
	}
	if m.SMTP.StartTLS {
		switch {
		case parts.aerc == "":
			v["aerc_starttls"] = "# aerc before 0.16 (Debian 12 has 0.14) needs the next line for STARTTLS; 0.16 and later\n" +
				"# use STARTTLS on smtp:// by themselves and no longer know it: delete it there.\nsmtp-starttls     = yes"
		case versionBefore(parts.aerc, 0, 16):
			v["aerc_starttls"] = "# aerc " + parts.aerc + " needs this for STARTTLS (0.16 and later do not know it).\nsmtp-starttls     = yes"
		}
	}
	if parts.mbsync != "" && !versionBefore(parts.mbsync, 1, 5) {
		v["mbsync_tls"] = "TLSType" // isync 1.5 renamed SSLType
	}
	return v
}

// storeLogin is the address a configuration logs in as and names its
// store after: a shared mailbox's (a store of its own), else the account's.
func storeLogin(m *accounts.MailSettings) string { return cmp.Or(m.Mailbox, m.Email) }

// writeArgs is the command that writes the configuration as printed.
func writeArgs(latchkey, client, name, mailbox string) []string {
	args := []string{latchkey, "setup", client, name}
	if mailbox != "" {
		args = append(args, "--mailbox", mailbox)
	}
	return append(args, "--write")
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

// writeSetup writes a client's configuration where the client reads it,
// readable by its owner only, creates the folders the client needs before
// its first run, and says what to run next. An existing file is replaced
// only with force, and then atomically: a client never reads half a file.
func writeSetup(w io.Writer, c setupClient, m *accounts.MailSettings, name, conf string, force bool) error {
	home, err := os.UserHomeDir()
	if err != nil {
		return fmt.Errorf("find the home directory to write the %s configuration: %w: %w", c.name, accounts.ErrStorage, err)
	}
	path := expandHome(c.file, home)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the folder of %s: %w: %w", path, accounts.ErrStorage, err)
	}
	if !force {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return usagef("setup", "%s already exists: setup does not replace it without --force (which replaces it whole); "+
				"to keep what it holds, run `latchkey setup %s %s` without --write and add the printed configuration to it",
				path, c.name, name)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w: %w", path, accounts.ErrStorage, err)
		}
		_, err = f.WriteString(conf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return fmt.Errorf("write %s: %w: %w", path, accounts.ErrStorage, err)
		}
	} else if err := replaceFile(path, conf); err != nil {
		return fmt.Errorf("write %s: %w: %w", path, accounts.ErrStorage, err)
	}
	label := configName(storeLogin(m))
	created := ""
	if c.maildir != "" {
		dir := expandHome(strings.ReplaceAll(c.maildir, "{{name}}", label), home)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create the mail folder %s: %w: %w", dir, accounts.ErrStorage, err)
		}
		created = " and created the mail folder " + dir
	}
	next := strings.NewReplacer("{{name}}", label, "{{email}}", shellQuote(storeLogin(m))).Replace(c.next)
	_, err = fmt.Fprintf(w, "Wrote the %s configuration for %s to %s (readable by you only)%s.\nNext, run:\n  %s\n",
		c.name, storeLogin(m), path, created, next)
	return err
}

// replaceFile replaces path with a new file holding data, mode 0600,
// through a rename in the same folder.
func replaceFile(path, data string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// expandHome turns a path of setupClients (~/... and ~/.config/...) into
// a real one: ~ is home, ~/.config is $XDG_CONFIG_HOME when that is set.
func expandHome(p, home string) string {
	if rest, ok := strings.CutPrefix(p, "~/.config/"); ok {
		if x := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
			return filepath.Join(x, rest)
		}
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return p
}
