package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

var checkCommand = command{
	name:    "check",
	summary: "Test that an account's mail servers and API accept its token",
	usage: `Usage: latchkey check ACCOUNT [FLAGS]

Tries the account the way your programs use it, and says in plain words
which part works and which fails, why, and what to do:

  imap     logs in to the account's IMAP server with XOAUTH2 and a fresh
           token (then logs out; nothing is read)
  smtp     logs in to its SMTP submission server the same way (after
           STARTTLS; no mail is sent)
  profile  reads the account's profile with its default token: Microsoft
           Graph's /me, or the Gmail API's profile

The servers are the provider's (Exchange Online or Gmail, per cloud), or
imap_host / smtp_host in the provider's table of config.toml, or the flags.
A part Latchkey cannot try (no known server, no profile endpoint) is
skipped and said why; it does not fail the check. Progress goes to stderr.

Flags:
  --imap-host HOST[:PORT]  the IMAP server to try (default port 993, TLS;
                           imap://HOST:PORT for STARTTLS, imaps:// for TLS)
  --smtp-host HOST[:PORT]  the SMTP server to try (default port 587, STARTTLS;
                           smtps://HOST:PORT for TLS from the start)
  --timeout D              bound on each part, token included (default 20s)
  --json                   print the results as JSON (part, target, status:
                           ok/failed/skipped, detail, hint, seconds)

Exit status: 0 when every part tried works, 18 when any fails, and the
usual codes when the account cannot be found or read (see below).

Examples:
  latchkey check alice@contoso.com
  latchkey check alice@gmail.com --json | jq -r '.results[] | select(.status == "failed") | .part'
  latchkey check bob@example.org --imap-host mail.example.org --smtp-host mail.example.org:465
`,
	run: runCheck,
}

func runCheck(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	var (
		imap, smtp string
		asJSON     bool
		timeout    = accounts.DefaultCheckTimeout
	)
	fs.StringVar(&imap, "imap-host", "", "")
	fs.StringVar(&smtp, "smtp-host", "", "")
	fs.DurationVar(&timeout, "timeout", timeout, "")
	fs.BoolVar(&asJSON, "json", false, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(c.name, "check takes one account, e.g. `latchkey check alice@contoso.com`")
	}
	if timeout <= 0 {
		return usagef(c.name, "--timeout must be positive, e.g. 20s")
	}
	out := env.stderr
	rep, err := env.svc.Check(ctx, pos[0], accounts.CheckOptions{
		IMAPHost: imap, SMTPHost: smtp, Timeout: timeout,
		OnStart: func(part, target string) {
			fmt.Fprintf(out, "Checking %s at %s (up to %s)...\n", partName(part), safetext.Line(target), timeout)
		},
		OnResult: func(r accounts.CheckResult) {
			if !asJSON {
				printCheckResult(env, r)
			}
		},
	})
	if err != nil {
		return err
	}
	if asJSON {
		if err := writeJSON(env.stdout, rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintf(env.stdout, "%s works.\n", safetext.Line(rep.Account))
	}
	if !rep.OK {
		var failed []string
		for _, r := range rep.Results {
			if r.Status == accounts.CheckFailed {
				failed = append(failed, partName(r.Part))
			}
		}
		return &checkFailedError{account: rep.Account, parts: failed}
	}
	return nil
}

// checkFailedError is a check with failing parts: exit 18.
type checkFailedError struct {
	account string
	parts   []string
}

func (e *checkFailedError) Error() string {
	return fmt.Sprintf("%s: %s failed", e.account, strings.Join(e.parts, ", "))
}

func partName(part string) string {
	if part == accounts.CheckProfile {
		return "profile"
	}
	return strings.ToUpper(part)
}

// printCheckResult prints one part's outcome on stdout: its status, what
// happened and, for a failure, what to do. Every text may quote a server
// or provider, so it is printed as one escaped line.
func printCheckResult(env *cli, r accounts.CheckResult) {
	mark := map[string]string{accounts.CheckOK: "ok  ", accounts.CheckFailed: "FAIL", accounts.CheckSkipped: "skip"}[r.Status]
	took := ""
	if r.Status != accounts.CheckSkipped {
		took = fmt.Sprintf(" (%s)", time.Duration(r.Seconds*float64(time.Second)).Round(10*time.Millisecond))
	}
	fmt.Fprintf(env.stdout, "%s %-7s %s%s\n", mark, partName(r.Part), safetext.Line(r.Detail), took)
	if r.Hint != "" {
		fmt.Fprintf(env.stdout, "             %s\n", safetext.Line(r.Hint))
	}
}
