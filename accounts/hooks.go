package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/accounts/safetext"
)

// Hook events: what happened to an account. A hook is a command in the
// [hooks] table of config.toml, run when its event happens, in whichever
// Latchkey process it happens: the command (a `latchkey token` that
// renewed, `latchkey revoke`...) or the desktop app (its background
// renewal).
const (
	HookConnected       = "connected"        // connect, grant or a reconnect finished
	HookRenewed         = "renewed"          // an access token was renewed
	HookReconnectNeeded = "reconnect-needed" // the provider refused the saved sign-in
	HookRevoked         = "revoked"          // revoke took the account's access back
	HookRemoved         = "removed"          // remove deleted the account here
)

// HookEvents lists the events in the order the README documents them.
var HookEvents = []string{HookConnected, HookRenewed, HookReconnectNeeded, HookRevoked, HookRemoved}

// Hook limits.
const (
	// DefaultHookTimeout is how long a hook may run when [hooks] sets no
	// timeout; its whole process group is killed then.
	DefaultHookTimeout = 10 * time.Second
	// maxHookTimeout bounds the timeout setting.
	maxHookTimeout = 5 * time.Minute
	// maxHookOutput is how much of a hook's output is kept.
	maxHookOutput = 4 << 10
	// hookWaitDelay is how long, after a hook exits or is killed, its
	// output pipes may stay open (a child it left in the background).
	hookWaitDelay = 2 * time.Second
)

// HookSettings are the keys of config.toml's [hooks] table: for each event,
// the command to run as a list, the program then its arguments (no shell
// unless you name one: ["sh", "-c", "..."]).
type HookSettings struct {
	// Timeout is a Go duration ("10s", "1m"); default DefaultHookTimeout.
	Timeout         string   `toml:"timeout"`
	Connected       []string `toml:"connected"`
	Renewed         []string `toml:"renewed"`
	ReconnectNeeded []string `toml:"reconnect-needed"`
	Revoked         []string `toml:"revoked"`
	Removed         []string `toml:"removed"`
}

// command returns the configured command of event, nil when none.
func (h HookSettings) command(event string) []string {
	switch event {
	case HookConnected:
		return h.Connected
	case HookRenewed:
		return h.Renewed
	case HookReconnectNeeded:
		return h.ReconnectNeeded
	case HookRevoked:
		return h.Revoked
	case HookRemoved:
		return h.Removed
	}
	return nil
}

// timeout is the configured timeout, checked by parseConfig.
func (h HookSettings) timeout() time.Duration {
	if d, err := time.ParseDuration(h.Timeout); err == nil && d > 0 {
		return d
	}
	return DefaultHookTimeout
}

// check says what is wrong with the table, for parseConfig.
func (h HookSettings) check() (key, problem string) {
	if h.Timeout != "" {
		d, err := time.ParseDuration(h.Timeout)
		if err != nil || d <= 0 || d > maxHookTimeout {
			return "timeout", fmt.Sprintf("hooks timeout %q: give a duration from 1s to %v, e.g. \"30s\"", h.Timeout, maxHookTimeout)
		}
	}
	for _, ev := range HookEvents {
		cmd := h.command(ev)
		if cmd != nil && (len(cmd) == 0 || strings.TrimSpace(cmd[0]) == "") {
			return ev, fmt.Sprintf("hook %s: give the command as a list, the program first, e.g. %s = [\"notify-send\", \"Latchkey\", \"...\"]", ev, ev)
		}
	}
	return "", ""
}

// HookEvent is what a hook is told, through its environment: never a
// token, a code or a secret.
type HookEvent struct {
	// Event is one of HookEvents.
	Event string
	// Account is the account's ID, provider:email.
	Account string
	// Provider and Email are the account's.
	Provider, Email string
	// Reason says why, in plain words (reconnect-needed, revoked).
	Reason string
	// Code is the provider's error code of a reconnect-needed
	// (invalid_grant...), "" if none.
	Code string
	// Expires is when the renewed access token expires (renewed).
	Expires time.Time
}

// environ is the hook's environment: ours, with the event's variables.
func (e HookEvent) environ() []string {
	vars := map[string]string{
		"LATCHKEY_EVENT":    e.Event,
		"LATCHKEY_ACCOUNT":  e.Account,
		"LATCHKEY_PROVIDER": e.Provider,
		"LATCHKEY_EMAIL":    e.Email,
		"LATCHKEY_REASON":   e.Reason,
		"LATCHKEY_CODE":     e.Code,
		"LATCHKEY_EXPIRES":  "",
	}
	if !e.Expires.IsZero() {
		vars["LATCHKEY_EXPIRES"] = e.Expires.UTC().Format(time.RFC3339)
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		_, ours := vars[k]
		return ours
	})
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range vars {
			if !yield(k) {
				return
			}
		}
	}) {
		// One line each, printable: a reason may quote a provider.
		env = append(env, k+"="+safetext.Line(vars[k]))
	}
	return env
}

// HookResult is how one hook run went.
type HookResult struct {
	// Event and Account are the event's.
	Event, Account string
	// Program is the program run (the command's first element).
	Program string
	// Err is nil when the hook exited 0; else why not: it could not
	// start, was refused (an untrusted program), exited non-zero or ran
	// past the timeout (TimedOut).
	Err error
	// TimedOut is set when the hook's process group was killed.
	TimedOut bool
	// Output is the start of what it wrote to stdout and stderr, at most
	// 4 KB, with control characters escaped: safe to show.
	Output string
	// Duration is how long it ran.
	Duration time.Duration
}

// hookRunner runs hooks in the background and lets a short-lived process
// wait for them before it exits.
type hookRunner struct {
	wg      sync.WaitGroup
	running atomic.Int32
	onDone  func(HookResult)

	mu      sync.Mutex
	stopped bool
	cmds    map[*exec.Cmd]bool // the hooks running now
}

// track notes cmd as running, false once StopHooks was called.
func (h *hookRunner) track(cmd *exec.Cmd) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return false
	}
	if h.cmds == nil {
		h.cmds = map[*exec.Cmd]bool{}
	}
	h.cmds[cmd] = true
	return true
}

func (h *hookRunner) untrack(cmd *exec.Cmd) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.cmds, cmd)
}

// fireHook runs the hook configured for ev, if any, in the background.
// Hooks are read from config.toml only when no other user could have
// written it; a config that cannot be read runs none.
func (s *Service) fireHook(ev HookEvent) {
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		// Not knowing whether a hook was wanted, say why none ran.
		if s.hooks.onDone != nil {
			s.hooks.onDone(HookResult{Event: ev.Event, Account: ev.Account, Err: fmt.Errorf("hooks not run for %s: %w", ev.Event, err)})
		}
		return
	}
	argv := cfg.Hooks.command(ev.Event)
	if len(argv) == 0 {
		return
	}
	timeout := cfg.Hooks.timeout()
	s.hooks.mu.Lock()
	stopped := s.hooks.stopped
	s.hooks.mu.Unlock()
	if stopped {
		if s.hooks.onDone != nil {
			s.hooks.onDone(HookResult{Event: ev.Event, Account: ev.Account, Program: filepath.Base(argv[0]),
				Err: fmt.Errorf("hook %s: not run: Latchkey is quitting", ev.Event)})
		}
		return
	}
	s.hooks.wg.Add(1)
	s.hooks.running.Add(1)
	go func() {
		defer s.hooks.wg.Done()
		defer s.hooks.running.Add(-1)
		res := s.hooks.run(argv, ev, timeout)
		if s.hooks.onDone != nil {
			s.hooks.onDone(res)
		}
	}()
}

// ConfiguredHook is one event's hook as config.toml sets it.
type ConfiguredHook struct {
	Event   string        `json:"event"`
	Command []string      `json:"command"`
	Timeout time.Duration `json:"-"`
}

// Hooks lists the configured hooks, in HookEvents' order.
func (s *Service) Hooks() ([]ConfiguredHook, error) {
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		return nil, err
	}
	var out []ConfiguredHook
	for _, ev := range HookEvents {
		if argv := cfg.Hooks.command(ev); len(argv) > 0 {
			out = append(out, ConfiguredHook{Event: ev, Command: argv, Timeout: cfg.Hooks.timeout()})
		}
	}
	return out, nil
}

// TryHook runs the hook of event for account now, as the event would, with
// reason as LATCHKEY_REASON, and waits for it: to try a hook out. Nothing
// happens to the account.
func (s *Service) TryHook(event, account, reason string) (HookResult, error) {
	if !slices.Contains(HookEvents, event) {
		return HookResult{}, fmt.Errorf("%w: %q is not a hook event; the events are %s", ErrUsage, event, strings.Join(HookEvents, ", "))
	}
	r, err := findRecord(s.dir, account)
	if err != nil {
		return HookResult{}, err
	}
	cfg, err := LoadConfig(s.dir)
	if err != nil {
		return HookResult{}, err
	}
	argv := cfg.Hooks.command(event)
	if len(argv) == 0 {
		return HookResult{}, fmt.Errorf("%w: config.toml sets no %s hook (under [hooks])", ErrConfig, event)
	}
	ev := HookEvent{Event: event, Account: r.ID, Provider: r.Provider, Email: r.Email, Reason: reason}
	if event == HookRenewed {
		ev.Expires = s.now().Add(time.Hour)
	}
	return runHook(argv, ev, cfg.Hooks.timeout()), nil
}

// WaitHooks waits for the hooks started so far to finish: each is bounded
// by its timeout, so this is too. A command calls it before it exits.
func (s *Service) WaitHooks() { s.hooks.wg.Wait() }

// StopHooks kills the hooks running now, with their process groups, and
// starts no more: an app that quits calls it, so that no hook outlives
// it unbounded.
func (s *Service) StopHooks() {
	s.hooks.mu.Lock()
	s.hooks.stopped = true
	for cmd := range s.hooks.cmds {
		killProcessGroup(cmd)
	}
	s.hooks.mu.Unlock()
}

// run is runHook, tracked so that StopHooks can kill it.
func (h *hookRunner) run(argv []string, ev HookEvent, timeout time.Duration) HookResult {
	return runHookWith(argv, ev, timeout, h.track, h.untrack)
}

// HooksRunning is how many hooks have not finished yet.
func (s *Service) HooksRunning() int { return int(s.hooks.running.Load()) }

// boundedBuffer keeps the first max bytes written to it and drops the
// rest, so a chatty hook cannot fill memory.
type boundedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	dropped bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room < len(p) {
		b.buf.Write(p[:max(room, 0)])
		b.dropped = true
	} else {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := safetext.Lines(strings.TrimSpace(b.buf.String()))
	if b.dropped {
		s += " [...]"
	}
	return s
}

// runHook runs argv for ev in a process group of its own, kills the group
// at the timeout, and keeps the start of its output.
func runHook(argv []string, ev HookEvent, timeout time.Duration) HookResult {
	return runHookWith(argv, ev, timeout, nil, nil)
}

// runHookWith is runHook, telling track about the process once it started
// (false: kill it at once) and untrack after it ended.
func runHookWith(argv []string, ev HookEvent, timeout time.Duration, track func(*exec.Cmd) bool, untrack func(*exec.Cmd)) HookResult {
	res := HookResult{Event: ev.Event, Account: ev.Account, Program: filepath.Base(argv[0])}
	path, err := exec.LookPath(argv[0])
	if err == nil {
		err = trustedProgram(path)
	}
	if err != nil {
		res.Err = fmt.Errorf("hook %s: %w", ev.Event, err)
		return res
	}
	out := &boundedBuffer{max: maxHookOutput}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = ev.environ()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = hookWaitDelay
	ownProcessGroup(cmd)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		res.Err = fmt.Errorf("hook %s: start %s: %w", ev.Event, res.Program, err)
		return res
	}
	if track != nil {
		// Tracked once started, so that StopHooks sees its process.
		if !track(cmd) {
			killProcessGroup(cmd) // Latchkey is quitting
		} else {
			defer untrack(cmd)
		}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err = <-done:
	case <-timer.C:
		res.TimedOut = true
		killProcessGroup(cmd)
		err = <-done
	}
	res.Duration = time.Since(start)
	res.Output = out.String()
	switch {
	case res.TimedOut:
		res.Err = fmt.Errorf("hook %s: %s ran longer than %v and was stopped", ev.Event, res.Program, timeout)
	case errors.Is(err, exec.ErrWaitDelay):
		// It exited 0 but left a child holding its output: that child
		// runs on, unwatched, which is the hook's own business.
	case err != nil:
		res.Err = fmt.Errorf("hook %s: %s failed: %w", ev.Event, res.Program, err)
	}
	return res
}
