package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
	"github.com/latchkey/latchkey/ui/session"
)

var approvalCommand = command{
	name:    "approval",
	summary: "Ask before a new program gets an account's tokens",
	usage: `Usage: latchkey approval on|off ACCOUNT
       latchkey approval list [ACCOUNT] [--json]
       latchkey approval forget ACCOUNT [PATH | --all]

With approval on for an account, a program that asks for one of its
tokens (through ` + "`latchkey token`" + `) for the first time must be allowed in
the Latchkey desktop app, which shows the program's path, its process
ID, the account and what the token is for, with Allow once, Always, Deny
and Deny always. Programs are known by their executable's full path
(Linux; elsewhere every request is asked about). "Always" and "Deny
always" are kept, in the account index, until you forget them here or in
the app's accounts window.

While it waits, ` + "`latchkey token`" + ` says so on stderr. It exits 16 when the
program was refused, and 17 when no desktop app runs to ask or nobody
answered within --approval-timeout (default 60s). Approval is off until
you turn it on.

A program is the executable that ran latchkey (a shell running one
command, as msmtp and mbsync run theirs, is skipped). For a script, that
is its interpreter (/usr/bin/python3): allowing it allows every script
it runs. See SECURITY.md for what approval does and does not protect
against.

Subcommands:
  on ACCOUNT            ask before a new program gets ACCOUNT's tokens
  off ACCOUNT           stop asking (kept decisions stay, unused)
  list [ACCOUNT]        show whether each account asks, and its kept decisions
  forget ACCOUNT PATH   drop the decision kept for PATH: the program is asked again
  forget ACCOUNT --all  drop all of ACCOUNT's kept decisions

Flags:
  --json   (list) print [{"account", "approval", "programs": [{"exe", "allow", "decided"}]}]
  --all    (forget) every kept decision of the account

Examples:
  latchkey approval on alice@contoso.com
  latchkey token alice@contoso.com --approval-timeout 2m   (a new program: answer in the app)
  latchkey approval list alice@contoso.com
  latchkey approval forget alice@contoso.com /usr/bin/msmtp
  latchkey approval off alice@contoso.com
`,
	run: runApproval,
}

// approvalListing is one account in `approval list --json`.
type approvalListing struct {
	Account  string                     `json:"account"`
	Approval bool                       `json:"approval"`
	Programs []accounts.ProgramDecision `json:"programs"`
}

func runApproval(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "")
	all := fs.Bool("all", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef(c.name, "approval needs a subcommand: on, off, list or forget")
	}
	sub, rest := pos[0], pos[1:]
	switch sub {
	case "on", "off":
		if len(rest) != 1 {
			return usagef(c.name, "approval %s takes one account, e.g. `latchkey approval %s alice@contoso.com`", sub, sub)
		}
		a, err := env.svc.SetApproval(ctx, rest[0], sub == "on")
		if err != nil {
			return err
		}
		if sub == "on" {
			fmt.Fprintf(env.stdout, "Approval is on for %s: a program you have not allowed is asked about in the Latchkey desktop app.\n", safetext.Line(a.ID))
		} else {
			fmt.Fprintf(env.stdout, "Approval is off for %s: every program of yours that asks gets its tokens.\n", safetext.Line(a.ID))
		}
		return nil
	case "list":
		if len(rest) > 1 {
			return usagef(c.name, "approval list takes at most one account")
		}
		return listApprovals(ctx, env, rest, *asJSON)
	case "forget":
		if len(rest) < 1 || len(rest) > 2 || (len(rest) == 2) == *all {
			return usagef(c.name, "approval forget takes an account and either a program's path or --all")
		}
		exe := ""
		if !*all {
			exe = rest[1]
		}
		n, err := env.svc.ForgetApproval(ctx, rest[0], exe)
		if err != nil {
			return err
		}
		if n == 0 && exe != "" {
			return usagef(c.name, "no decision is kept for %s; see them with `latchkey approval list %s`", exe, rest[0])
		}
		fmt.Fprintf(env.stdout, "Forgot %d decision(s); those programs will be asked about again.\n", n)
		return nil
	}
	return usagef(c.name, "unknown subcommand %q: use on, off, list or forget", sub)
}

func listApprovals(ctx context.Context, env *cli, names []string, asJSON bool) error {
	names, err := namedOrAll(ctx, env, names)
	if err != nil {
		return err
	}
	out := []approvalListing{}
	for _, n := range names {
		a, progs, err := env.svc.Approvals(ctx, n)
		if err != nil {
			return err
		}
		if progs == nil {
			progs = []accounts.ProgramDecision{}
		}
		out = append(out, approvalListing{Account: a.ID, Approval: a.Approval, Programs: progs})
	}
	if asJSON {
		return writeJSON(env.stdout, out)
	}
	if len(out) == 0 {
		fmt.Fprintln(env.stdout, "No accounts yet.")
		return nil
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tAPPROVAL\tPROGRAM\tDECISION\tSINCE")
	for _, l := range out {
		state := "off"
		if l.Approval {
			state = "on"
		}
		if len(l.Programs) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\n", safetext.Line(l.Account), state)
		}
		for _, p := range l.Programs {
			d := "deny always"
			if p.Allow {
				d = "always"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", safetext.Line(l.Account), state, safetext.Line(p.Exe), d, p.Decided.Local().Format("2006-01-02 15:04"))
		}
	}
	return tw.Flush()
}

// appAsker asks the running desktop app, waiting at most wait and saying
// on progress that it waits.
type appAsker struct {
	wait     time.Duration
	progress io.Writer
}

func (a appAsker) Ask(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error) {
	deadline := time.Now().Add(a.wait)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	stop := make(chan struct{})
	var done chan struct{}
	d, err := session.AskApp(ctx, session.TrayInstance, req, func() {
		fmt.Fprintf(a.progress, "latchkey: waiting up to %s for you to allow %s (pid %d) a token of %s in the Latchkey app...\n",
			a.wait, safetext.Line(programLabel(req.Requester)), req.Requester.PID, safetext.Line(req.Account))
		if isTerminal(a.progress) {
			// On a terminal, a line that counts down.
			done = make(chan struct{})
			tick := time.NewTicker(time.Second)
			go func() {
				defer close(done)
				defer tick.Stop()
				countdown(a.progress, deadline, tick.C, stop)
			}()
		}
	})
	close(stop)
	if done != nil {
		<-done
	}
	return d, err
}

// countdown rewrites one line with the time left until deadline at each
// tick, and clears it when stop closes.
func countdown(w io.Writer, deadline time.Time, tick <-chan time.Time, stop <-chan struct{}) {
	const width = 48
	for {
		left := max(time.Until(deadline).Round(time.Second), 0)
		fmt.Fprintf(w, "\r%-*s", width, fmt.Sprintf("  %s left (Ctrl-C gives up)", left))
		select {
		case <-tick:
		case <-stop:
			fmt.Fprintf(w, "\r%*s\r", width, "")
			return
		}
	}
}

// programLabel names a requester for people: its path, else its name.
func programLabel(r accounts.Requester) string {
	if r.Exe != "" {
		return r.Exe
	}
	if r.Program != "" {
		return r.Program
	}
	return "an unknown program"
}

// tokenPurpose says in a few words what a token request is for.
func tokenPurpose(format string, scopes []string, mailbox string) string {
	var what string
	switch format {
	case "xoauth2", "oauthbearer":
		what = "an IMAP/POP/SMTP login (" + strings.ToUpper(format) + ")"
	case "header":
		what = "an HTTP Authorization header"
	default:
		what = "an access token"
	}
	if len(scopes) > 0 {
		what += " with " + strings.Join(scopes, " ")
	}
	if mailbox != "" {
		what += " for the shared mailbox " + mailbox
	}
	return what
}

// namedOrAll is names, or every connected account's ID when names is
// empty: what a command given no account works on.
func namedOrAll(ctx context.Context, env *cli, names []string) ([]string, error) {
	if len(names) > 0 {
		return names, nil
	}
	list, err := env.svc.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		names = append(names, a.ID)
	}
	return names, nil
}
