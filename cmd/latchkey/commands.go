package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/killpoint"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/safetext"
)

var connectCommand = command{
	name:    "connect",
	summary: "Sign in to an account in your browser and keep it",
	usage: `Usage: latchkey connect PROVIDER [FLAGS]

Opens your browser at the provider's sign-in page, waits for you to sign in
and approve, then keeps the account: its refresh token in the OS keychain,
everything else (no secrets) in the account index. Connecting an account
that is already connected signs it in again (a reconnect).

An account is the person who first signed in, not the address: if a
reconnect signs in another person with the same address (another tenant or
user at the provider), nothing is changed and connect exits 15. Add
--replace to connect that person in place of the old one on purpose.

{providers}

Flags:
  --allow LIST       capabilities to give, comma-separated: read-mail, send-mail,
                     manage-mail, drafts, read-calendar, manage-calendar,
                     free-busy, read-contacts, manage-contacts, mail-client,
                     shared-mailboxes;
                     Latchkey asks for the fewest scopes that give them and
                     says why each is needed before the browser opens
                     (see ` + "`latchkey scopes PROVIDER`" + `)
  --scope S          ask for scope S instead of the provider's defaults (repeatable)
  --client-id ID     your app registration's client id
  --client-secret S  the client secret (Google desktop clients need it; other
                     users can see command lines, so prefer config.toml)
  --tenant T         Microsoft: common, organizations, consumers, a tenant id or domain
  --cloud C          Microsoft: global, usgov, usgov-dod or china
  --authority URL    Microsoft: another sign-in authority (AD FS, tests)
  --no-browser       do not open a browser; only print the sign-in URL
  --device           Microsoft: sign in on another device (a phone) with a code,
                     for a computer without a browser (SSH); suggested by
                     itself when there is no display. Google's device sign-in
                     cannot grant mail scopes, so it is not offered for google
  --port N           listen for the browser's answer on this loopback port
                     (127.0.0.1 and [::1] only), for a browser on another
                     computer reaching this one through ssh -L N:127.0.0.1:N
  --paste            for a browser that cannot reach this computer at all:
                     print the sign-in address, then read the address the
                     browser ends on (it fails to load) pasted on stdin;
                     it is checked exactly as a redirect to the listener
  --timeout D        how long to wait for you to finish (default 5m)
  --replace          if another person signs in with the address of a connected
                     account, replace that account (its tokens are deleted)
  --json             print the connected account as JSON

To add permissions to an account later, use ` + "`latchkey grant`" + `.

Examples:
  latchkey connect google --allow read-mail,send-mail
  latchkey connect exchange --allow mail-client
  latchkey connect microsoft --client-id 00000000-0000-0000-0000-000000000000
  latchkey connect exchange --tenant contoso.com
  latchkey connect google --scope https://mail.google.com/ --no-browser
  latchkey connect microsoft --device       (over SSH: enter a code on your phone)
  ssh -L 8400:127.0.0.1:8400 server         (then, on the server:)
  latchkey connect google --port 8400       (open the printed link on your computer)
  latchkey connect google --paste           (sign in anywhere, paste the final address)

Signing in over SSH: the redirect address is http://127.0.0.1:N/ (Microsoft:
http://localhost:N/). Google desktop clients and Microsoft accept any port
for it; an OpenID provider must have it registered (with the port unless it
ignores loopback ports, as RFC 8252 asks).
`,
	run: runConnect,
}

func runConnect(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	var (
		scopes    listFlag
		allow     string
		set       accounts.Settings
		noBrowser bool
		device    bool
		remote    remoteFlags
		replace   bool
		asJSON    bool
		timeout   = 5 * time.Minute
	)
	fs.Var(&scopes, "scope", "")
	fs.StringVar(&allow, "allow", "", "")
	fs.StringVar(&set.ClientID, "client-id", "", "")
	fs.StringVar(&set.ClientSecret, "client-secret", "", "")
	fs.StringVar(&set.Tenant, "tenant", "", "")
	fs.StringVar(&set.Cloud, "cloud", "", "")
	fs.StringVar(&set.Authority, "authority", "", "")
	fs.BoolVar(&noBrowser, "no-browser", false, "")
	fs.BoolVar(&device, "device", false, "")
	remote.register(fs)
	fs.DurationVar(&timeout, "timeout", timeout, "")
	fs.BoolVar(&replace, "replace", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "connect takes one provider name, e.g. `latchkey connect microsoft`")
	}
	if timeout <= 0 {
		return usagef(c.name, "--timeout must be positive, e.g. 5m")
	}
	caps, err := accounts.ParseCapabilities(allow)
	if err != nil {
		return err
	}
	// Progress goes to stderr so that --json output stays clean.
	out := env.stderr
	if device && noBrowser {
		return usagef(c.name, "--device and --no-browser are two ways to sign in: choose one")
	}
	if device && (remote.port != 0 || remote.paste) {
		return usagef(c.name, "--device signs in with a code, without a redirect: --port and --paste do not apply to it")
	}
	if err := remote.check(c.name); err != nil {
		return err
	}
	req := accounts.ConnectRequest{
		Provider: pos[0], Settings: set, Scopes: scopes, Allow: caps, NoBrowser: noBrowser, Timeout: timeout, Replace: replace,
		Device: device,
		OnPlan: func(p catalog.ScopePlan) { printPlan(out, p) },
		OnSetup: func(su *accounts.ProviderSetup) {
			printConnecting(out, su, pos[0], device || noBrowser || remote.chosen())
		},
		OnURL:        func(u string) { printSignInURL(out, u, noBrowser || remote.chosen(), timeout) },
		OnDeviceCode: func(d oauthflow.DeviceCode) { printDeviceCode(out, d, timeout, isTerminal(out)) },
	}
	remote.apply(&req, out, timeout)
	a, err := env.svc.Connect(ctx, req)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(env.stdout, a)
	}
	fmt.Fprintf(env.stdout, "Connected %s (%s) as %s.\n", safetext.Line(a.Email), safetext.Line(a.Provider), safetext.Line(a.ID))
	printGrantOutcome(ctx, env, a)
	fmt.Fprintf(env.stdout, "Get a token with: latchkey token %s\n", safetext.Line(a.Email))
	return nil
}

var listCommand = command{
	name:    "list",
	summary: "List connected accounts and their state",
	usage: `Usage: latchkey list [--json]

Lists the connected accounts: provider, address, state and when the cached
access token expires. With --json, prints an array of objects with id,
provider, email, status, status_reason, scopes, requested_scopes,
not_granted, unconfirmed, capabilities, connected_at, last_refresh,
access_token_expires_at, approval (only when on: programs are asked about,
see ` + "`latchkey help approval`" + `) and, when the provider does not vouch for an
address, unverified_email.

Status is connected, needs-reconnect or revoking, as the account index has
it. For a connected account, list also asks the keychain (for at most a
second) and shows what it says instead: keychain-unavailable (no Secret
Service answered), keychain-locked, or missing-from-keychain (the keychain
holds no saved sign-in for it). It still exits 0, and says on stderr, in
one line, what is wrong and how to fix it.

Names, addresses and program names are printed with control and format
characters escaped (\x1b, \u202e); --json keeps the exact values, with
those characters as \u escapes.

Examples:
  latchkey list
  latchkey list --json | jq -r '.[] | select(.status != "connected") | .id'
`,
	run: func(ctx context.Context, env *cli, c *command, args []string) error {
		fs := newFlags(c)
		asJSON := fs.Bool("json", false, "")
		pos, err := parse(c, fs, env.stdout, args)
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usagef(c.name, "list takes no arguments")
		}
		list, err := env.svc.List(ctx)
		if err != nil {
			return err
		}
		// The index says what was connected; the keychain, whether it can
		// still be used. What it says goes to stderr after the list.
		list, kerr := env.svc.CheckKeychain(ctx, list)
		if errors.Is(kerr, context.Canceled) {
			return kerr
		}
		defer warnKeychain(env.stderr, list, kerr)
		if *asJSON {
			return writeJSON(env.stdout, list)
		}
		if len(list) == 0 {
			fmt.Fprintln(env.stdout, "No accounts yet. Connect one with `latchkey connect microsoft` (or exchange, google).")
			return nil
		}
		tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tPROVIDER\tSTATE\tTOKEN EXPIRES")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", safetext.Line(a.Email), safetext.Line(a.Provider), safetext.Line(string(a.Status)), tokenExpiry(a.AccessExpiry, "none yet"))
		}
		return tw.Flush()
	},
}

var showCommand = command{
	name:    "show",
	summary: "Show one account: state, permissions, dates",
	usage: `Usage: latchkey show ACCOUNT [--json]

Shows what Latchkey knows of an account: its state (and, if it needs a
reconnect, why), when it was connected and last renewed, when the cached
access token expires, then each permission granted, in plain words, grouped
by what it lets programs do (read mail, send mail...), what was asked for
but not granted and which capabilities therefore will not work. ACCOUNT is
the email address, or provider:email when the same address is connected
through two providers.

With --json, prints the account (as in ` + "`latchkey list --json`" + `) with
granted_by_capability, not_granted_detail, capabilities_lost and
permissions_page.

The state is the one ` + "`latchkey list`" + ` shows, keychain included (see
` + "`latchkey list --help`" + `); when the keychain cannot vouch for the
account, show still exits 0 and says on stderr what is wrong.

Examples:
  latchkey show alice@contoso.com
  latchkey show google:alice@gmail.com --json
`,
	run: runShow,
}

var tokenCommand = command{
	name:    "token",
	summary: "Print a fresh access token for a program",
	usage: `Usage: latchkey token ACCOUNT [--scope S]... [--mailbox ADDRESS] [--format raw|json|header|xoauth2|oauthbearer]
                     [--approval-timeout D]

Prints a valid access token for ACCOUNT on standard output, renewing it
first if it expires within 5 minutes. Never prints the refresh token.

Formats:
  raw          the token alone (default)
  json         {"access_token", "token_type", "expires_at", "scopes", "account", "email", "resource"}
  header       Authorization: Bearer TOKEN
  xoauth2      the SASL XOAUTH2 string for IMAP/SMTP, base64-encoded
  oauthbearer  the SASL OAUTHBEARER string (RFC 7628), base64-encoded

Microsoft issues a token for one resource at a time: without --scope the
token is for the account's default resource (Microsoft Graph for
"microsoft", https://outlook.office.com for "exchange"); a --scope such as
https://outlook.office.com/IMAP.AccessAsUser.All asks for that resource.
With --format xoauth2 or oauthbearer and no --scope, the token is for the
mail servers (https://outlook.office.com, or the account's cloud's), which
refuse Graph tokens.

A shared mailbox (Microsoft 365: a team's support@ box an administrator
lets you open) is opened with your own token: --mailbox ADDRESS makes the
xoauth2 and oauthbearer strings log in as that mailbox, and Latchkey
remembers it under the account (the desktop app lists it). ADDRESS must be
a plain address such as support@contoso.com.

Each token handed out is recorded in the access log (never the token
itself): see ` + "`latchkey log`" + `.

With approval on for the account (` + "`latchkey approval on ACCOUNT`" + `), a program
you have not allowed for good must first be allowed in the Latchkey
desktop app: token says on stderr that it waits, for at most
--approval-timeout (default 60s), and exits 16 if you refuse and 17 if no
app runs or nobody answers. See ` + "`latchkey help approval`" + `.

Examples:
  latchkey token alice@contoso.com
  latchkey token alice@contoso.com --format header | curl -H @- https://graph.microsoft.com/v1.0/me
  latchkey token alice@contoso.com --format xoauth2    (for Exchange Online)
  latchkey token alice@contoso.com --mailbox support@contoso.com --format xoauth2
  latchkey setup msmtp alice@contoso.com               (a whole mail-client configuration)
  latchkey token alice@contoso.com --approval-timeout 2m (approval on: more time to answer)
`,
	run: runToken,
}

func runToken(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	var scopes listFlag
	fs.Var(&scopes, "scope", "")
	format := fs.String("format", "raw", "")
	mailbox := fs.String("mailbox", "", "")
	approvalWait := fs.Duration("approval-timeout", 60*time.Second, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "token takes one account, e.g. `latchkey token alice@contoso.com`")
	}
	switch *format {
	case "raw", "json", "header", "xoauth2", "oauthbearer":
	default:
		return usagef(c.name, "unknown --format %q: use raw, json, header, xoauth2 or oauthbearer", *format)
	}
	if *approvalWait <= 0 {
		return usagef(c.name, "--approval-timeout must be positive, e.g. 60s")
	}
	// The program that ran latchkey is the one the token is for.
	who := accounts.ParentProcess()
	// With approval on, it is asked about before any keychain item is read.
	ask := appAsker{wait: *approvalWait, progress: env.stderr}
	if err := env.svc.CheckApproval(ctx, pos[0], who, tokenPurpose(*format, scopes, *mailbox), ask); err != nil {
		return err
	}
	t, err := env.svc.TokenFor(ctx, pos[0], accounts.TokenRequest{Scopes: scopes, Format: *format, Requester: &who,
		Mail: *format == "xoauth2" || *format == "oauthbearer", Mailbox: *mailbox})
	if err != nil {
		return err
	}
	killpoint.At(killpoint.BeforePrint)
	return writeToken(env.stdout, t, *format)
}

func writeToken(w io.Writer, t *accounts.AccessToken, format string) error {
	var err error
	switch format {
	case "json":
		err = writeJSON(w, struct {
			AccessToken string    `json:"access_token"`
			TokenType   string    `json:"token_type"`
			ExpiresAt   time.Time `json:"expires_at"`
			Scopes      []string  `json:"scopes"`
			Account     string    `json:"account"`
			Email       string    `json:"email"`
			Resource    string    `json:"resource"`
		}{t.Token, t.TokenType, t.Expiry.UTC(), t.Scopes, t.Account, t.Email, t.Resource})
	case "header":
		_, err = fmt.Fprintf(w, "Authorization: Bearer %s\n", t.Token)
	case "xoauth2":
		_, err = fmt.Fprintln(w, t.XOAUTH2())
	case "oauthbearer":
		_, err = fmt.Fprintln(w, t.OAuthBearer())
	default:
		_, err = fmt.Fprintln(w, t.Token)
	}
	return err
}

var removeCommand = command{
	name:    "remove",
	summary: "Forget an account on this computer",
	usage: `Usage: latchkey remove ACCOUNT

Deletes the account's tokens from the OS keychain and the account from the
index, on this computer only. The permission you gave at the provider
still exists until you remove it on the provider's account page.

Examples:
  latchkey remove alice@contoso.com
  latchkey remove google:alice@gmail.com
`,
	run: func(ctx context.Context, env *cli, c *command, args []string) error {
		fs := newFlags(c)
		pos, err := parse(c, fs, env.stdout, args)
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef(c.name, "remove takes one account, e.g. `latchkey remove alice@contoso.com`")
		}
		// Where to remove the grant depends on the account (a personal or a
		// work Microsoft account), which the index forgets with it.
		page := ""
		if d, err := env.svc.Detail(ctx, pos[0]); err == nil {
			page = d.PermissionsPage
		}
		a, err := env.svc.Remove(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(env.stdout, "Removed %s from this computer: its tokens are deleted from the keychain.\n", safetext.Line(a.ID))
		where := "remove it in your account settings at the provider."
		if page != "" {
			where = "remove it at " + safetext.Line(page) + "."
		}
		fmt.Fprintf(env.stdout, "The permission you gave still exists at the provider: %s\n", where)
		fmt.Fprintf(env.stdout, "(`latchkey revoke` takes it back where the provider allows, and forgets the account, in one step.)\n")
		return nil
	},
}

// writeJSON prints v as indented JSON. encoding/json escapes C0 controls
// but leaves DEL, C1 controls and format characters (bidi overrides,
// zero-width) as they are; safetext.JSON escapes them too, so the values
// decode byte for byte as they were but none of them reaches a terminal
// (`latchkey list --json | jq -r` still prints them raw: jq's choice).
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(safetext.JSON(b.Bytes()))
	return err
}

// warnKeychain says in one line on stderr what keeps the keychain from
// vouching for the listed accounts, and how to fix it; nothing when it
// vouches for all of them.
func warnKeychain(w io.Writer, list []accounts.Account, err error) {
	var missing []string
	for _, a := range list {
		if a.Status == accounts.StatusMissingFromKeychain {
			missing = append(missing, a.ID)
		}
	}
	switch {
	case errors.Is(err, accounts.ErrKeychainLocked):
		fmt.Fprintln(w, "latchkey: the keychain is locked, so these accounts cannot hand out tokens: unlock it (log in to your desktop session, or unlock \"Login\" in Passwords and Keys) and try again.")
	case err != nil:
		fmt.Fprintf(w, "latchkey: no keychain answered (%s), so these accounts cannot hand out tokens: start a Secret Service such as gnome-keyring or KeePassXC, or log in to your desktop session, and try again.\n", safetext.Line(err.Error()))
	case len(missing) > 0:
		fmt.Fprintf(w, "latchkey: the keychain holds no saved sign-in for %s: connect again with `latchkey connect PROVIDER`, or `latchkey remove` what you no longer use.\n", safetext.Line(strings.Join(missing, ", ")))
	}
}

// tokenExpiry is when the cached access token expires, or none when there
// is no access token yet: "never" would read as a token that does not expire.
func tokenExpiry(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return when(t)
}

// when is a moment for people, or "never" for something that has not happened.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}
