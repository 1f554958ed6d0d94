package main

// The review commands: what each permission means (scopes), what an
// account was granted (show), adding and reducing permissions (grant,
// reduce) and taking access back (revoke).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/safetext"
)

var scopesCommand = command{
	name:    "scopes",
	summary: "Explain the permissions (scopes) each provider can grant",
	usage: `Usage: latchkey scopes [PROVIDER [SCOPE...]] [--json]

Lists the permissions Latchkey knows for {provider-names}:
the exact scope string, what it lets a program do in plain words, its kind
of access (identity, read, write, send, full) and how the provider classes
it (Google: non-sensitive, sensitive, restricted; Microsoft: user-consent,
or admin-consent when an administrator must approve it). Then, for each
capability you can pass to --allow, the scopes it asks for, or why the
provider cannot offer it.

With SCOPE arguments, explains just those scopes; a scope Latchkey does not
know is shown as such, with its raw string. Microsoft Graph scopes match
with or without https://graph.microsoft.com/ and in any case.

With --json, prints an array of objects with provider, scope, resource,
purpose, access, sensitivity, work_or_school_only, includes and known.

Examples:
  latchkey scopes google
  latchkey scopes microsoft Mail.Read https://graph.microsoft.com/Calendars.ReadWrite
  latchkey scopes --json | jq -r '.[] | select(.sensitivity == "restricted") | .scope'
`,
	run: runScopes,
}

func runScopes(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	providers := catalog.Names()
	var explain []string
	if len(pos) > 0 {
		known := false
		for _, p := range providers {
			known = known || p == pos[0]
		}
		if !known {
			return usagef(c.name, "Latchkey's catalog covers %s, not %q", strings.Join(providers, ", "), pos[0])
		}
		providers, explain = pos[:1], pos[1:]
	}
	var rows []catalog.ScopeInfo
	for _, p := range providers {
		if len(explain) == 0 {
			rows = append(rows, catalog.Scopes(p)...)
			continue
		}
		for _, sc := range explain {
			rows = append(rows, catalog.LookupScope(p, sc))
		}
	}
	if *asJSON {
		return writeJSON(env.stdout, rows)
	}
	w := env.stdout
	for i, p := range providers {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n", p)
		resource := ""
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			if r.Provider != p {
				continue
			}
			if r.Resource != resource {
				resource = r.Resource
				if r.Known {
					fmt.Fprintf(tw, "\n  %s\n", resource)
				} else {
					fmt.Fprintf(tw, "\n  Not known to Latchkey\n")
				}
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", r.Scope, r.Access, r.Sensitivity, purposeLine(r))
		}
		tw.Flush()
		if len(explain) > 0 {
			continue
		}
		fmt.Fprintf(w, "\n  Capabilities (latchkey connect %s --allow NAME,...)\n", p)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, pc := range catalog.ProviderCapabilities(p) {
			if pc.Refused != "" {
				fmt.Fprintf(tw, "    %s\tnot offered: %s\n", pc.Capability, pc.Refused)
				continue
			}
			fmt.Fprintf(tw, "    %s\t%s\n", pc.Capability, strings.Join(pc.Scopes, " "))
		}
		tw.Flush()
	}
	return nil
}

// purposeLine is a scope's purpose with what people should also know.
func purposeLine(r catalog.ScopeInfo) string {
	s := r.Purpose
	if r.WorkOrSchoolOnly {
		s += " (work or school accounts only)"
	}
	return s
}

// printPlan says, before the browser opens, what will be asked for and why.
func printPlan(w io.Writer, plan catalog.ScopePlan) {
	fmt.Fprintln(w, "Latchkey will ask for these permissions:")
	for _, r := range plan.Requests {
		fmt.Fprintf(w, "  %s\n      %s.\n", safetext.Line(r.Scope), capitalize(r.Why))
		if r.Known {
			fmt.Fprintf(w, "      %s (%s, %s)\n", purposeLine(r.ScopeInfo), r.Access, r.Sensitivity)
		} else {
			fmt.Fprintf(w, "      Not known to Latchkey: check with whoever told you to ask for it.\n")
		}
	}
	for _, n := range plan.Notes {
		fmt.Fprintf(w, "Note: %s\n", safetext.Line(n))
	}
	fmt.Fprintln(w)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// printGrantOutcome reports, after a sign-in, what was granted against
// what was asked, and which capabilities will therefore not work.
func printGrantOutcome(ctx context.Context, env *cli, a accounts.Account) {
	w := env.stdout
	d, err := env.svc.Detail(ctx, a.ID)
	granted := safetext.Line(strings.Join(a.Scopes, " "))
	if err != nil {
		fmt.Fprintf(w, "Granted: %s\n", granted)
		return
	}
	var given []string
	for _, g := range d.Granted {
		if g.Capability != accounts.GroupSignIn && g.Capability != accounts.GroupOther {
			given = append(given, string(g.Capability))
		}
	}
	fmt.Fprintf(w, "Granted: %s\n", granted)
	if len(given) > 0 {
		fmt.Fprintf(w, "Programs can: %s\n", strings.Join(given, ", "))
	}
	if len(a.NotGranted) > 0 {
		fmt.Fprintf(w, "Not granted: %s\n", safetext.Line(strings.Join(a.NotGranted, " ")))
	}
	if len(d.Lost) > 0 {
		fmt.Fprintf(w, "So these will not work: %s\n", capList(d.Lost))
		fmt.Fprintf(w, "Ask for them again with: latchkey grant %s --allow %s\n", safetext.Line(a.ID), capNames(d.Lost))
	}
}

func capNames(caps []catalog.Capability) string {
	names := make([]string, len(caps))
	for i, c := range caps {
		names[i] = string(c)
	}
	return strings.Join(names, ",")
}

func capList(caps []catalog.Capability) string {
	names := make([]string, len(caps))
	for i, c := range caps {
		info, _ := catalog.CapabilityByName(string(c))
		names[i] = fmt.Sprintf("%s (%s)", c, strings.ToLower(info.Title))
	}
	return strings.Join(names, ", ")
}

// runShow prints one account with its permissions explained.
func runShow(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "show takes one account, e.g. `latchkey show alice@contoso.com`")
	}
	d, err := env.svc.Detail(ctx, pos[0])
	if err != nil {
		return err
	}
	checked, kerr := env.svc.CheckKeychain(ctx, []accounts.Account{d.Account})
	if errors.Is(kerr, context.Canceled) {
		return kerr
	}
	d.Account = checked[0]
	defer warnKeychain(env.stderr, checked, kerr)
	if *asJSON {
		return writeJSON(env.stdout, d)
	}
	w := env.stdout
	fmt.Fprintf(w, "Account:        %s (%s)\n", safetext.Line(d.Email), safetext.Line(d.ID))
	if d.Name != "" {
		fmt.Fprintf(w, "Name:           %s\n", safetext.Line(d.Name))
	}
	if note := d.UnverifiedNote(); note != "" {
		fmt.Fprintf(w, "Unverified:     %s\n", safetext.Line(note))
	}

	fmt.Fprintln(w, "\nGranted, by what programs can do with it:")
	if len(d.Granted) == 0 {
		fmt.Fprintln(w, "  nothing")
	}
	shown := map[string]bool{}
	for _, g := range d.Granted {
		fmt.Fprintf(w, "  %s\n", g.Title)
		for _, sc := range g.Scopes {
			if shown[sc.Scope] {
				fmt.Fprintf(w, "    %s  (see above)\n", safetext.Line(sc.Scope))
				continue
			}
			shown[sc.Scope] = true
			printScope(w, sc)
		}
	}
	if len(d.Missing) > 0 {
		fmt.Fprintln(w, "\nAsked for but not granted:")
		for _, sc := range d.Missing {
			printScope(w, sc)
		}
	}
	if len(d.Pending) > 0 {
		fmt.Fprintln(w, "\nAsked for, confirmed by the provider when a program first uses them:")
		for _, sc := range d.Pending {
			printScope(w, sc)
		}
	}
	if len(d.Lost) > 0 {
		fmt.Fprintf(w, "\nSo these will not work: %s\n", capList(d.Lost))
		fmt.Fprintf(w, "Ask for them again with: latchkey grant %s --allow %s\n", safetext.Line(d.ID), capNames(d.Lost))
	}
	fmt.Fprintf(w, "\nState:          %s\n", safetext.Line(string(d.Status)))
	if d.StatusReason != "" {
		fmt.Fprintf(w, "Why:            %s\n", safetext.Line(d.StatusReason))
	}
	fmt.Fprintf(w, "Connected:      %s\n", when(d.ConnectedAt))
	fmt.Fprintf(w, "Last renewed:   %s\n", when(d.LastRefresh))
	fmt.Fprintf(w, "Token expires:  %s\n", tokenExpiry(d.AccessExpiry, "no access token yet (Latchkey gets one when a program asks)"))
	if d.AdminConsentURL != "" {
		fmt.Fprintf(w, "Your organization wants an administrator to approve Latchkey; send this link to your IT department:\n  %s\n", safetext.Line(d.AdminConsentURL))
	}
	if d.PermissionsPage != "" {
		fmt.Fprintf(w, "See or remove this access at the provider: %s\n", safetext.Line(d.PermissionsPage))
	}
	return nil
}

func printScope(w io.Writer, sc catalog.ScopeInfo) {
	if !sc.Known {
		// The catalog's own words for a scope it does not know.
		fmt.Fprintf(w, "    %s\n        %s\n", safetext.Line(sc.Scope), sc.Purpose)
		return
	}
	fmt.Fprintf(w, "    %s  (%s, %s)\n        %s\n", safetext.Line(sc.Scope), sc.Access, sc.Sensitivity, purposeLine(sc))
}

var grantCommand = command{
	name:    "grant",
	summary: "Give a connected account more permissions",
	usage: `Usage: latchkey grant ACCOUNT --allow CAPABILITY,... [--scope S]... [FLAGS]

Adds permissions to an account that is already connected, without losing
it: Latchkey opens your browser at the provider, which asks you to approve
only what is new (Google: incremental consent; Microsoft: a consent screen
for the added permissions). You must sign in as the same person. What the
account had stays; programs keep working throughout.

Capabilities: read-mail, send-mail, manage-mail, drafts, read-calendar,
manage-calendar, free-busy, read-contacts, manage-contacts, mail-client.
See what each asks for with ` + "`latchkey scopes PROVIDER`" + `.

Flags:
  --allow LIST       capabilities to add, comma-separated
  --scope S          a scope to add by name (repeatable)
  --no-browser       do not open a browser; only print the sign-in URL
  --port N           over SSH: listen on this loopback port, for
                     ssh -L N:127.0.0.1:N (see ` + "`latchkey help connect`" + `)
  --paste            over SSH: paste back the address the browser ends on
  --timeout D        how long to wait for you to finish (default 5m)
  --json             print the account as JSON

Examples:
  latchkey grant alice@gmail.com --allow read-calendar
  latchkey grant alice@contoso.com --allow send-mail,free-busy
  latchkey grant alice@gmail.com --allow send-mail --paste
`,
	run: runGrant,
}

// connectFlags are the flags grant and reduce share with connect.
type connectFlags struct {
	allow     string
	scopes    listFlag
	noBrowser bool
	remote    remoteFlags
	asJSON    bool
	timeout   time.Duration
	command   string // grant or reduce, for the usage hint
}

func (f *connectFlags) register(c *command) func(args []string, out io.Writer) ([]string, error) {
	fs := newFlags(c)
	f.command = c.name
	f.timeout = 5 * time.Minute
	fs.StringVar(&f.allow, "allow", "", "")
	fs.Var(&f.scopes, "scope", "")
	fs.BoolVar(&f.noBrowser, "no-browser", false, "")
	f.remote.register(fs)
	fs.DurationVar(&f.timeout, "timeout", f.timeout, "")
	fs.BoolVar(&f.asJSON, "json", false, "")
	return func(args []string, out io.Writer) ([]string, error) { return parse(c, fs, out, args) }
}

// request builds the ConnectRequest of grant or reduce, with progress on
// stderr so that --json output stays clean.
func (f *connectFlags) request(env *cli, account string) (accounts.ConnectRequest, error) {
	caps, err := accounts.ParseCapabilities(f.allow)
	if err != nil {
		return accounts.ConnectRequest{}, err
	}
	if f.timeout <= 0 {
		return accounts.ConnectRequest{}, usagef(f.command, "--timeout must be positive, e.g. 5m")
	}
	if err := f.remote.check(f.command); err != nil {
		return accounts.ConnectRequest{}, err
	}
	req := accounts.ConnectRequest{
		Account: account, Allow: caps, Scopes: f.scopes, NoBrowser: f.noBrowser, Timeout: f.timeout,
		OnSetup: func(su *accounts.ProviderSetup) {
			fmt.Fprintf(env.stderr, "Connecting to %s.\n", safetext.Line(su.Title))
		},
		OnPlan: func(p catalog.ScopePlan) { printPlan(env.stderr, p) },
		OnURL:  func(u string) { printSignInURL(env.stderr, u, f.noBrowser || f.remote.chosen(), f.timeout) },
	}
	f.remote.apply(&req, env.stderr, f.timeout)
	return req, nil
}

// printSignInURL tells the person where to sign in and that we wait.
func printSignInURL(out io.Writer, u string, noBrowser bool, timeout time.Duration) {
	if noBrowser {
		fmt.Fprintf(out, "Open this address in a browser to sign in:\n\n  %s\n\n", safetext.Line(u))
	} else {
		fmt.Fprintf(out, "Opening your browser to sign in. If it does not open, visit:\n\n  %s\n\n", safetext.Line(u))
	}
	fmt.Fprintf(out, "Waiting for you to finish signing in (up to %s; Ctrl-C cancels)...\n", timeout)
}

func runGrant(ctx context.Context, env *cli, c *command, args []string) error {
	var f connectFlags
	pos, err := f.register(c)(args, env.stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "grant takes one account, e.g. `latchkey grant alice@gmail.com --allow read-calendar`")
	}
	if f.allow == "" && len(f.scopes) == 0 {
		return usagef(c.name, "say what to add with --allow (e.g. --allow read-calendar) or --scope")
	}
	req, err := f.request(env, pos[0])
	if err != nil {
		return err
	}
	a, err := env.svc.Connect(ctx, req)
	if err != nil {
		return err
	}
	if f.asJSON {
		return writeJSON(env.stdout, a)
	}
	fmt.Fprintf(env.stdout, "Added permissions to %s.\n", safetext.Line(a.ID))
	printGrantOutcome(ctx, env, a)
	return nil
}

var reduceCommand = command{
	name:    "reduce",
	summary: "Leave a connected account with fewer permissions",
	usage: `Usage: latchkey reduce ACCOUNT --allow CAPABILITY,... [--scope S]... [FLAGS]

Leaves an account with only the permissions you name. Providers do not let
an app hand back part of what you granted, so:

  {google-providers}Latchkey revokes the whole grant at Google, then
                       connects the account again asking only for what you
                       keep (your browser opens to sign in).
  {microsoft-providers}Microsoft removes an app's permissions only on your
                       account's app page. Latchkey opens it and tells you
                       the next step: remove Latchkey there, then connect
                       again with fewer. Nothing changes on this computer
                       until then.

Flags:
  --allow LIST       capabilities to keep, comma-separated
  --scope S          a scope to keep by name (repeatable)
  --no-browser       do not open a browser; only print the addresses
  --port N           over SSH: listen on this loopback port, for
                     ssh -L N:127.0.0.1:N (see ` + "`latchkey help connect`" + `)
  --paste            over SSH: paste back the address the browser ends on
  --timeout D        how long to wait for you to sign in (default 5m)
  --json             print the outcome as JSON

Examples:
  latchkey reduce alice@gmail.com --allow read-mail
`,
	run: runReduce,
}

func runReduce(ctx context.Context, env *cli, c *command, args []string) error {
	var f connectFlags
	pos, err := f.register(c)(args, env.stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "reduce takes one account, e.g. `latchkey reduce alice@gmail.com --allow read-mail`")
	}
	if f.allow == "" && len(f.scopes) == 0 {
		return usagef(c.name, "say what to keep with --allow (e.g. --allow read-mail) or --scope; to take everything back use `latchkey revoke`")
	}
	req, err := f.request(env, pos[0])
	if err != nil {
		return err
	}
	if a, err := env.svc.Show(ctx, pos[0]); err == nil && catalog.FamilyOf(a.Provider) == catalog.FamilyGoogle {
		p, _ := catalog.Lookup(a.Provider)
		fmt.Fprintf(env.stderr, "Revoking the permissions of %s at %s, then connecting it again with only what you keep.\n", safetext.Line(a.ID), p.Company())
	}
	out, err := env.svc.Reduce(ctx, req)
	if err != nil {
		return err
	}
	if f.asJSON {
		return writeJSON(env.stdout, out)
	}
	fmt.Fprintln(env.stdout, safetext.Lines(out.Explanation))
	if out.Page != "" && !out.PageOpened {
		fmt.Fprintf(env.stdout, "Open: %s\n", safetext.Line(out.Page))
	}
	if out.Account != nil {
		printGrantOutcome(ctx, env, *out.Account)
	}
	return nil
}

var revokeCommand = command{
	name:    "revoke",
	summary: "Take back an account's access at the provider and forget it",
	usage: `Usage: latchkey revoke ACCOUNT [--no-browser] [--json]

Takes back the access you gave Latchkey, then forgets the account on this
computer (its tokens are deleted from the keychain).

  {google-providers}Latchkey revokes the grant at Google, then checks
                       that Google refuses the old sign-in, and says so.
  {microsoft-providers}Microsoft has no way for an app to revoke its own
                       access. Latchkey deletes everything local and opens
                       your account's app page (My Apps for work or school
                       accounts, the Microsoft account consent page for
                       personal ones), where you remove it. Latchkey never
                       signs you out of your other apps.
  OpenID providers     as Google when the provider has a revocation
                       endpoint; otherwise Latchkey deletes everything
                       local and says where to remove the access.

Flags:
  --no-browser  Microsoft: do not open the app page; only print its address
  --json        print what was done as JSON (below)

Revoking twice is harmless. If it is interrupted (no network, a crash), the
account stops handing out tokens and running revoke again finishes the job.

Compare: ` + "`latchkey remove`" + ` only forgets the account on this computer and
leaves the permission in place at the provider.

With --json, prints an object with account, revoked_at_provider,
already_revoked, confirmed, wiped_locally, page, page_opened, done and todo.

Examples:
  latchkey revoke alice@gmail.com
  latchkey revoke microsoft:alice@contoso.com --no-browser
`,
	run: runRevoke,
}

func runRevoke(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	noBrowser := fs.Bool("no-browser", false, "")
	asJSON := fs.Bool("json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "revoke takes one account, e.g. `latchkey revoke alice@gmail.com`")
	}
	res, err := env.svc.Revoke(ctx, pos[0], accounts.RevokeOptions{NoBrowser: *noBrowser})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(env.stdout, res)
	}
	fmt.Fprintf(env.stdout, "Revoked %s.\n%s\n", safetext.Line(res.Account.ID), safetext.Lines(res.Done))
	if res.ToDo != "" {
		fmt.Fprintf(env.stdout, "%s\n", safetext.Lines(res.ToDo))
		if res.PageOpened {
			fmt.Fprintln(env.stdout, "The page is open in your browser.")
		}
	}
	return nil
}
