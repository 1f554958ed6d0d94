package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

var logCommand = command{
	name:    "log",
	summary: "Show which programs took tokens, and when",
	usage: `Usage: latchkey log [ACCOUNT] [--json] [--limit N]

Shows the access log: every token Latchkey handed out, newest last, with
when, the program that asked for it (and the program that started that
one), the account, the format and the token's permissions. The token
itself is never recorded.

The log lives in the state dir as access.log, one JSON object per line;
it rotates at 1 MiB into access.log.1. The state dir is
$LATCHKEY_STATE_DIR, else $LATCHKEY_CONFIG_DIR when that is set, else
$XDG_STATE_HOME/latchkey (default ~/.local/state/latchkey); on macOS and
Windows, the config dir.

Flags:
  --limit N   show the newest N entries (default 50; 0 shows all)
  --json      print an array of objects with time, account, scopes,
              resource, format, program, pid, parent and parent_pid

Examples:
  latchkey log
  latchkey log alice@contoso.com --limit 10
  latchkey log --json | jq -r '.[] | select(.program == "msmtp") | .time'
`,
	run: runLog,
}

func runLog(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "")
	limit := fs.Int("limit", 50, "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef(c.name, "log takes at most one account, e.g. `latchkey log alice@contoso.com`")
	}
	if *limit < 0 {
		return usagef(c.name, "--limit must be 0 (all) or more")
	}
	account := ""
	if len(pos) == 1 {
		account = pos[0]
	}
	entries, err := env.svc.AccessLog(ctx, account, *limit)
	if err != nil {
		return err
	}
	if *asJSON {
		if entries == nil {
			entries = []accounts.Use{}
		}
		return writeJSON(env.stdout, entries)
	}
	if len(entries) == 0 {
		fmt.Fprintf(env.stdout, "No token has been handed out yet (the log is %s).\n", env.svc.AccessLogPath())
		return nil
	}
	now := time.Now()
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tPROGRAM\tACCOUNT\tFORMAT\tPERMISSIONS")
	for _, a := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ago(now, a.Time), safetext.Line(program(a.Requester)),
			safetext.Line(accountLabel(a.Account)), safetext.Line(a.Format), safetext.Line(permissions(a)))
	}
	return tw.Flush()
}

// program names the requester as people read it: "msmtp (parent: neomutt)".
func program(r accounts.Requester) string {
	p := r.Program
	if p == "" {
		p = "unknown program"
		if r.PID > 0 {
			p = "process " + strconv.Itoa(r.PID)
		}
	}
	if r.Parent != "" {
		p += " (parent: " + r.Parent + ")"
	}
	return p
}

// accountLabel is the email of an account id (provider:email).
func accountLabel(id string) string {
	if _, email, ok := strings.Cut(id, ":"); ok {
		return email
	}
	return id
}

// permissions lists a token's scopes without the sign-in ones (openid,
// email...), which every token carries; else its resource.
func permissions(a accounts.Use) string {
	var out []string
	for _, s := range a.Scopes {
		switch s {
		case "openid", "profile", "email", "offline_access":
		default:
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		if a.Resource != "" && a.Resource != "default" {
			return a.Resource
		}
		return "(sign-in only)"
	}
	return strings.Join(out, " ")
}

// ago says how long before now t was, the way people say it.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit + " ago"
		}
		return strconv.Itoa(n) + " " + unit + "s ago"
	}
	switch {
	case d < 0:
		return t.Local().Format("2006-01-02 15:04")
	case d < 10*time.Second:
		return "just now"
	case d < time.Minute:
		return plural(int(d/time.Second), "second")
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day")
	}
	return t.Local().Format("2006-01-02 15:04")
}
