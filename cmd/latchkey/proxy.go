package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"text/tabwriter"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/mailproxy"
	"github.com/latchkey/latchkey/accounts/safetext"
)

var proxyCommand = command{
	name:    "proxy",
	summary: "Serve IMAP, POP3 and SMTP on 127.0.0.1 to programs that only know a password",
	usage: `Usage: latchkey proxy [ACCOUNT]... [FLAGS]
       latchkey proxy password ACCOUNT --client NAME [--remove] [--json]
       latchkey proxy clients ACCOUNT [--json]

Some programs cannot sign in with OAuth: an old mail client, a scanner that
mails what it scans, a script using Python's smtplib. The proxy lets them
in with a password that opens nothing but the proxy: they connect to
127.0.0.1, log in with the account's address and that password, and the
proxy logs in to the provider's server for them over TLS with a fresh
token (XOAUTH2), then passes everything through untouched.

1. Make a password for each program (shown once; the keychain keeps only
   a digest of it, never the password itself, and never in a file):

     latchkey proxy password alice@contoso.com --client scanner

2. Start the proxy (it runs until Ctrl-C or SIGTERM; with no ACCOUNT it
   serves every connected account whose mail servers it knows):

     latchkey proxy alice@contoso.com

3. Point the program at it: server 127.0.0.1, IMAP port 1143, POP3 port
   1110, SMTP port 1587, user name alice@contoso.com, the password from
   step 1. Plain text or STARTTLS both work: the connection never leaves
   this computer. With STARTTLS the proxy shows a certificate it made at
   start and keeps in memory; programs that check certificates must be
   told to accept it (its SHA-256 fingerprint is printed at start).

Examples for programs:
  Python's smtplib:
    import smtplib
    with smtplib.SMTP("127.0.0.1", 1587) as s:
        s.login("alice@contoso.com", "PASSWORD FROM STEP 1")
        s.sendmail("alice@contoso.com", ["bob@example.com"],
                   "Subject: hello\r\n\r\nSent through latchkey proxy.\r\n")
  Python's imaplib:
    import imaplib
    m = imaplib.IMAP4("127.0.0.1", 1143)
    m.login("alice@contoso.com", "PASSWORD FROM STEP 1")
    m.select("INBOX"); print(m.fetch("1", "(RFC822)"))
  An old mail client (Thunderbird 2, Outlook 2010, a scanner's web page):
    incoming IMAP 127.0.0.1 port 1143, security none (or STARTTLS),
    authentication "normal password"; outgoing SMTP 127.0.0.1 port 1587,
    same user name and password.
  curl:
    curl --url imap://127.0.0.1:1143/INBOX -u 'alice@contoso.com:PASSWORD'

Who can do what: any program of any user on this computer can connect to
127.0.0.1, so the per-program password is the only gate; nothing
listens beyond this computer. A wrong password is refused after a short
wait, and three end the session. Remove a program's password with
--remove; the program's open sessions end when it disconnects. Each token
is in the access log (` + "`latchkey log`" + `) with format "proxy" and the
program at the other end of the connection (on Linux, when it is yours),
else "proxy:NAME".

Tokens: every new session gets a fresh token (renewed first when it
expires within 5 minutes). An open session keeps the login it made: the
providers do not end IMAP, POP3 or SMTP sessions when the token expires,
so a long IMAP IDLE goes on. If a provider does end one, the program
reconnects, as after any dropped connection, and gets a new token.

Flags:
  --imap ADDR        where to serve IMAP: PORT or 127.0.0.1:PORT (default 1143;
                     0 lets the system choose; off serves none)
  --pop3 ADDR        where to serve POP3 (default 1110)
  --smtp ADDR        where to serve SMTP submission (default 1587)
  --imap-host H[:P]  the IMAP server to log in to (default: the provider's;
                     needed for providers whose servers Latchkey does not know)
  --pop3-host H[:P]  the POP3 server (TLS from the start unless port 110)
  --smtp-host H[:P]  the SMTP server (STARTTLS unless port 465)
  --json             once listening, print what listens where as JSON:
                     {"listeners": [{"protocol", "address", "port", "starttls"}],
                      "accounts": [{"account", "imap", "pop3", "smtp"}],
                      "certificate_sha256": "AB:CD:..."}

The servers' certificates are checked against the system's trusted
authorities (on Linux, SSL_CERT_FILE and SSL_CERT_DIR change them, as for
any Go program).

For password and clients:
  --client NAME      the program's name: letters, digits, . - _
  --remove           forget the program's password instead of making one

If a port is taken, the proxy exits 19 without serving anything.

Examples:
  latchkey proxy password alice@gmail.com --client smtplib
  latchkey proxy alice@gmail.com --pop3 off
  latchkey proxy --imap 0 --smtp 0 --json     (the system picks free ports)
  latchkey proxy clients alice@gmail.com
  latchkey proxy password alice@gmail.com --client scanner --remove
`,
	run: runProxy,
}

// proxyLogins are the accounts as the proxy needs them.
type proxyLogins struct{ svc *accounts.Service }

func (l proxyLogins) CheckProxyLogin(ctx context.Context, user, password string) (accounts.ProxyLogin, error) {
	return l.svc.CheckProxyLogin(ctx, user, password)
}

func (l proxyLogins) MailToken(ctx context.Context, login accounts.ProxyLogin, c mailproxy.Conn) (*accounts.AccessToken, error) {
	// The log names the program at the other end of the connection where
	// the OS tells (Linux: one of this user's processes), else the client
	// the password was made for.
	who, ok := accounts.LoopbackPeer(c.Local, c.Peer)
	if !ok {
		who = accounts.Requester{Program: "proxy:" + login.Client}
	}
	return l.svc.TokenFor(ctx, login.Account, accounts.TokenRequest{Mail: true, Format: "proxy", Requester: &who})
}

// listenError is a port the proxy could not listen on.
type listenError struct {
	flag, addr string
	err        error
}

func (e *listenError) Error() string {
	return fmt.Sprintf("cannot listen on %s (%s): %v", e.addr, e.flag, e.err)
}

func (e *listenError) Unwrap() error { return e.err }

func runProxy(ctx context.Context, env *cli, c *command, args []string) error {
	if len(args) > 0 && (args[0] == "password" || args[0] == "clients") {
		return runProxyPasswords(ctx, env, c, args[0], args[1:])
	}
	fs := newFlags(c)
	var listen, hosts [3]string
	protos := [3]mailproxy.Protocol{mailproxy.IMAP, mailproxy.POP3, mailproxy.SMTP}
	defaults := [3]int{1143, 1110, 1587}
	for i, p := range protos {
		fs.StringVar(&listen[i], string(p), "", "")
		fs.StringVar(&hosts[i], string(p)+"-host", "", "")
	}
	asJSON := fs.Bool("json", false, "")
	names, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	var addrs [3]string
	for i, p := range protos {
		if listen[i] == "off" {
			continue
		}
		if addrs[i], err = mailproxy.CheckListenAddr("--"+string(p), listen[i], defaults[i]); err != nil {
			return usagef(c.name, "%s", strings.TrimPrefix(err.Error(), accounts.ErrUsage.Error()+": "))
		}
	}
	if addrs == [3]string{} {
		return usagef(c.name, "every protocol is off: serve at least one of --imap, --pop3 and --smtp")
	}
	var served []mailproxy.Account
	if names, err = namedOrAll(ctx, env, names); err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("%w: no accounts yet; connect one with `latchkey connect PROVIDER`", accounts.ErrUnknownAccount)
	}
	for _, name := range names {
		a, err := proxyAccount(ctx, env.svc, name, hosts)
		if errors.Is(err, accounts.ErrNoMailServers) && len(names) > 1 {
			fmt.Fprintf(env.stderr, "latchkey proxy: %s\n", safetext.Line(err.Error()))
			continue
		}
		if err != nil {
			return err
		}
		served = append(served, a)
	}
	if len(served) == 0 {
		return fmt.Errorf("no account has mail servers Latchkey knows; name them with --imap-host, --pop3-host and --smtp-host: %w", accounts.ErrNoMailServers)
	}
	p, err := mailproxy.New(mailproxy.Config{
		Accounts: served,
		Logins:   proxyLogins{env.svc},
		Logf: func(format string, a ...any) {
			fmt.Fprintf(env.stderr, "latchkey proxy: %s\n", safetext.Line(fmt.Sprintf(format, a...)))
		},
	})
	if err != nil {
		return err
	}
	// Every port first, so that a taken one serves nothing at all.
	var lns [3]net.Listener
	defer func() {
		for _, ln := range lns {
			if ln != nil {
				ln.Close()
			}
		}
	}()
	for i, p := range protos {
		if addrs[i] == "" {
			continue
		}
		if lns[i], err = net.Listen("tcp4", addrs[i]); err != nil {
			return &listenError{flag: "--" + string(p), addr: addrs[i], err: err}
		}
	}
	type listener struct {
		Protocol string `json:"protocol"`
		Address  string `json:"address"`
		Port     int    `json:"port"`
		StartTLS bool   `json:"starttls"`
	}
	type servedAccount struct {
		Account string `json:"account"`
		IMAP    string `json:"imap,omitempty"`
		POP3    string `json:"pop3,omitempty"`
		SMTP    string `json:"smtp,omitempty"`
	}
	out := struct {
		Listeners   []listener      `json:"listeners"`
		Accounts    []servedAccount `json:"accounts"`
		Certificate string          `json:"certificate_sha256"`
	}{Certificate: p.Fingerprint()}
	for i, ln := range lns {
		if ln != nil {
			a := ln.Addr().(*net.TCPAddr)
			out.Listeners = append(out.Listeners, listener{string(protos[i]), a.String(), a.Port, true})
		}
	}
	upstream := func(u mailproxy.Upstream) string {
		if u.Host == "" {
			return ""
		}
		return u.String()
	}
	for _, a := range served {
		out.Accounts = append(out.Accounts, servedAccount{a.ID, upstream(a.IMAP), upstream(a.POP3), upstream(a.SMTP)})
	}
	if *asJSON {
		if err := writeJSON(env.stdout, out); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PROTOCOL\tLISTENS ON\tACCOUNT\tLOGS IN TO")
		for _, l := range out.Listeners {
			for _, a := range out.Accounts {
				to := map[string]string{"imap": a.IMAP, "pop3": a.POP3, "smtp": a.SMTP}[l.Protocol]
				if to == "" {
					to = "(unknown: --" + l.Protocol + "-host)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", strings.ToUpper(l.Protocol), l.Address, safetext.Line(a.Account), safetext.Line(to))
			}
		}
		tw.Flush()
		fmt.Fprintf(env.stdout, "STARTTLS certificate (made now, kept in memory) SHA-256: %s\n", p.Fingerprint())
		fmt.Fprintln(env.stdout, "Log in with the account's address and a password from `latchkey proxy password`. Ctrl-C stops the proxy.")
	}
	errs := make(chan error, 3)
	for i, ln := range lns {
		if ln != nil {
			go func() { errs <- p.Serve(ln, protos[i]) }()
		}
	}
	select {
	case <-ctx.Done():
		p.Close()
		return nil // stopping is the normal way to end
	case err := <-errs:
		p.Close()
		return fmt.Errorf("the proxy stopped: %w", err)
	}
}

// proxyAccount is an account and its servers, the flags' overrides first.
func proxyAccount(ctx context.Context, svc *accounts.Service, name string, hosts [3]string) (mailproxy.Account, error) {
	m, err := svc.MailSettings(ctx, name, hosts[0], hosts[2])
	if err != nil {
		return mailproxy.Account{}, err
	}
	if hosts[1] != "" {
		if m.POP, err = accounts.ParseMailServer("--pop3-host", hosts[1], accounts.MailServer{Port: 995}); err != nil {
			return mailproxy.Account{}, err
		}
	}
	if m.IMAP.Host == "" && m.SMTP.Host == "" && m.POP.Host == "" {
		return mailproxy.Account{}, m.Need(true, true)
	}
	// The TLS mode follows the port: the well-known plain ports start in
	// plain text and upgrade; any other IMAP or POP3 port is TLS from the
	// start, any other SMTP port STARTTLS (submission).
	return mailproxy.Account{ID: m.Account,
		IMAP: mailproxy.Upstream{Host: m.IMAP.Host, Port: m.IMAP.Port, StartTLS: m.IMAP.Port == 143},
		POP3: mailproxy.Upstream{Host: m.POP.Host, Port: m.POP.Port, StartTLS: m.POP.Port == 110},
		SMTP: mailproxy.Upstream{Host: m.SMTP.Host, Port: m.SMTP.Port, StartTLS: m.SMTP.Port != 465},
	}, nil
}

// runProxyPasswords is `latchkey proxy password` and `latchkey proxy clients`.
func runProxyPasswords(ctx context.Context, env *cli, c *command, sub string, args []string) error {
	fs := newFlags(c)
	client := fs.String("client", "", "")
	remove := fs.Bool("remove", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "proxy %s takes one account, e.g. `latchkey proxy %s alice@contoso.com`", sub, sub)
	}
	if sub == "clients" {
		if *client != "" || *remove {
			return usagef(c.name, "proxy clients takes only --json")
		}
		list, err := env.svc.ProxyClients(ctx, pos[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env.stdout, list)
		}
		if len(list) == 0 {
			fmt.Fprintf(env.stdout, "No program has a proxy password for %s. Make one with `latchkey proxy password %s --client NAME`.\n", safetext.Line(pos[0]), safetext.Line(pos[0]))
			return nil
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT\tPASSWORD MADE")
		for _, cl := range list {
			fmt.Fprintf(tw, "%s\t%s\n", cl.Name, cl.Created.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	}
	if *client == "" {
		return usagef(c.name, "proxy password needs --client NAME, the program the password is for, e.g. --client scanner")
	}
	if *remove {
		if err := env.svc.RemoveProxyPassword(ctx, pos[0], *client); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env.stdout, map[string]string{"account": pos[0], "client": *client, "removed": "true"})
		}
		fmt.Fprintf(env.stdout, "%s can no longer log in to the proxy as %s.\n", *client, safetext.Line(pos[0]))
		return nil
	}
	pw, err := env.svc.NewProxyPassword(ctx, pos[0], *client)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, map[string]string{"account": pos[0], "client": *client, "password": pw})
	}
	fmt.Fprintf(env.stderr, "The proxy password for %s as %s (shown only now; a new one replaces it):\n", *client, safetext.Line(pos[0]))
	fmt.Fprintln(env.stdout, pw)
	fmt.Fprintf(env.stderr, "Log in to `latchkey proxy` on 127.0.0.1 with user name %s and this password.\n", safetext.Line(pos[0]))
	return nil
}
