package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// hookReports collects how the hooks a command set off went, to say on
// stderr, once they are done, which failed and what they said.
type hookReports struct {
	mu      sync.Mutex
	results []accounts.HookResult
}

func (h *hookReports) add(r accounts.HookResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.results = append(h.results, r)
}

// wait waits for the hooks still running (each is bounded by its
// timeout), then reports the failures. The command's own output is
// complete by then: stdout is closed first, so a program reading a token
// from it is not kept waiting for a hook.
func (h *hookReports) wait(svc *accounts.Service, stdout, stderr io.Writer) {
	if svc.HooksRunning() > 0 {
		if f, ok := stdout.(*os.File); ok && f == os.Stdout {
			f.Close()
		}
	}
	svc.WaitHooks()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.results {
		if r.Err == nil {
			continue
		}
		fmt.Fprintf(stderr, "latchkey: %s\n", safetext.Line(r.Err.Error()))
		if r.Output != "" {
			fmt.Fprintf(stderr, "  it said: %s\n", safetext.Line(r.Output))
		}
	}
}

var hooksCommand = command{
	name:    "hooks",
	summary: "List the hooks config.toml sets, or try one",
	usage: `Usage: latchkey hooks [--json]
       latchkey hooks try EVENT ACCOUNT [--reason TEXT]

Hooks are commands Latchkey runs when something happens to an account, in
whichever Latchkey process it happens: the command (a ` + "`latchkey token`" + ` that
renewed, ` + "`latchkey revoke`" + `...) or the desktop app (its background renewal).
Set them in config.toml, under [hooks], as a list: the program, then its
arguments (no shell unless you name one):

  [hooks]
  timeout = "10s"        # default 10s, at most 5m; then the hook's whole
                         # process group is killed
  reconnect-needed = ["sh", "-c", "notify-send -u critical Latchkey \"$LATCHKEY_ACCOUNT needs you to sign in again: $LATCHKEY_REASON\""]
  revoked = ["notify-send", "Latchkey", "An account's access was taken back"]
  renewed = ["systemctl", "--user", "start", "--no-block", "mbsync.service"]

Events: connected (connect, grant or a reconnect finished), renewed (an
access token was renewed), reconnect-needed (the provider refused the
saved sign-in; run once, not at every later refusal), revoked, removed.

A hook gets, in its environment, never a token:
  LATCHKEY_EVENT     the event
  LATCHKEY_ACCOUNT   the account, provider:email
  LATCHKEY_PROVIDER  LATCHKEY_EMAIL   its provider and address
  LATCHKEY_REASON    why, in plain words (reconnect-needed, revoked, ...)
  LATCHKEY_CODE      the provider's error code (reconnect-needed)
  LATCHKEY_EXPIRES   when the renewed token expires, RFC 3339 (renewed)

Its stdin is empty; the start of its output (4 KB) is kept and shown,
escaped, only when it fails. A command waits for its hooks before it exits,
but closes its stdout first, so a program reading a token is not kept
waiting. Hooks are read only from a config.toml no other user could have
written, and a program that another user could replace (it, or a dir above
it, writable by others) is not run.

` + "`hooks try`" + ` runs an event's hook now for an account, as the event would,
and says how it went; nothing happens to the account.

Flags:
  --json          list the hooks as JSON
  --reason TEXT   (try) the LATCHKEY_REASON to give

Examples:
  latchkey hooks
  latchkey hooks try reconnect-needed alice@contoso.com --reason "testing"
`,
	run: runHooks,
}

func runHooks(ctx context.Context, env *cli, c *command, args []string) error {
	fs := newFlags(c)
	asJSON := fs.Bool("json", false, "")
	reason := fs.String("reason", "a test run of the hook (latchkey hooks try)", "")
	pos, err := parse(c, fs, env.stdout, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		hooks, err := env.svc.Hooks()
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(env.stdout, hooks)
		}
		if len(hooks) == 0 {
			fmt.Fprintln(env.stdout, "No hooks are set. See `latchkey help hooks` for how to set them in config.toml.")
			return nil
		}
		for _, h := range hooks {
			fmt.Fprintf(env.stdout, "%-17s %s\n", h.Event, safetext.Line(shellJoin(h.Command)))
		}
		fmt.Fprintf(env.stdout, "Each may run for %s.\n", hooks[0].Timeout)
		return nil
	case pos[0] == "try" && len(pos) == 3:
		fmt.Fprintf(env.stderr, "Running the %s hook for %s...\n", safetext.Line(pos[1]), safetext.Line(pos[2]))
		res, err := env.svc.TryHook(pos[1], pos[2], *reason)
		if err != nil {
			return err
		}
		if res.Err != nil {
			return &hookFailedError{res}
		}
		fmt.Fprintf(env.stdout, "The %s hook (%s) ran in %s and exited 0.\n", res.Event, safetext.Line(res.Program), res.Duration.Round(time.Millisecond))
		if res.Output != "" {
			fmt.Fprintf(env.stdout, "It said: %s\n", safetext.Line(res.Output))
		}
		return nil
	}
	return usagef(c.name, "use `latchkey hooks` to list them, or `latchkey hooks try EVENT ACCOUNT`")
}

// hookFailedError is a hook that `hooks try` ran and that failed.
type hookFailedError struct{ res accounts.HookResult }

func (e *hookFailedError) Error() string {
	if e.res.Output == "" {
		return e.res.Err.Error()
	}
	return e.res.Err.Error() + "; it said: " + e.res.Output
}
