//go:build unix

package accounts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/hooktest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestHookEnvironment: the event is told through LATCHKEY_* variables
// (ours replace inherited ones), the configured arguments are passed as
// they are, and what the hook writes comes back escaped.
func TestHookEnvironment(t *testing.T) {
	t.Setenv("LATCHKEY_REASON", "inherited")
	p := hooktest.Script(t, `printf '%s|%s|%s|%s|%s|%s|%s\n' "$LATCHKEY_EVENT" "$LATCHKEY_ACCOUNT" "$LATCHKEY_PROVIDER" "$LATCHKEY_EMAIL" "$LATCHKEY_REASON" "$LATCHKEY_CODE" "$LATCHKEY_EXPIRES"; printf 'args:%s,%s\033[31m\n' "$1" "$2"`)
	exp := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	res := runHook([]string{p, "one two", "$HOME"}, HookEvent{Event: HookReconnectNeeded, Account: "microsoft:a@x.test", Provider: "microsoft",
		Email: "a@x.test", Reason: "the provider said\nno", Code: "invalid_grant", Expires: exp}, 5*time.Second)
	if res.Err != nil {
		t.Fatalf("hook: %v (%s)", res.Err, res.Output)
	}
	want := `reconnect-needed|microsoft:a@x.test|microsoft|a@x.test|the provider said\nno|invalid_grant|2031-01-02T03:04:05Z`
	if !strings.Contains(res.Output, want) {
		t.Errorf("output %q lacks %q", res.Output, want)
	}
	if !strings.Contains(res.Output, "args:one two,$HOME") || strings.Contains(res.Output, "\x1b") {
		t.Errorf("output %q: arguments changed or escape not escaped", res.Output)
	}
	if res.Program != "hook.sh" || res.Event != HookReconnectNeeded {
		t.Errorf("result %+v", res)
	}
	fail := runHook([]string{hooktest.Script(t, "echo boom; exit 3")}, HookEvent{Event: HookRenewed}, 5*time.Second)
	if fail.Err == nil || !strings.Contains(fail.Err.Error(), "exit status 3") || fail.Output != "boom" {
		t.Errorf("failing hook: %+v", fail)
	}
	missing := runHook([]string{"/nonexistent/hook"}, HookEvent{Event: HookRenewed}, time.Second)
	if missing.Err == nil {
		t.Error("a missing program ran")
	}
}

// TestHookTimeoutKillsProcessGroup: a hook past its timeout is killed
// with everything it started, and the run ends at once.
func TestHookTimeoutKillsProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := hooktest.Script(t, fmt.Sprintf("sleep 300 & echo $! > %s; sleep 300", pidFile))
	start := time.Now()
	res := runHook([]string{p}, HookEvent{Event: HookRenewed}, 500*time.Millisecond)
	if !res.TimedOut || res.Err == nil || !strings.Contains(res.Err.Error(), "ran longer than 500ms") {
		t.Fatalf("result %+v", res)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the run took %v", d)
	}
	hooktest.WaitGone(t, pidFile)
}

// TestHookOutputBounded: a hook that writes a lot is kept to 4 KB.
func TestHookOutputBounded(t *testing.T) {
	p := hooktest.Script(t, `i=0; while [ $i -lt 2000 ]; do printf 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'; i=$((i+1)); done`)
	res := runHook([]string{p}, HookEvent{Event: HookRenewed}, 10*time.Second)
	if res.Err != nil || len(res.Output) > maxHookOutput+16 || !strings.HasSuffix(res.Output, "[...]") {
		t.Errorf("err %v, %d bytes of output", res.Err, len(res.Output))
	}
}

// TestHookUntrustedProgram: a program another user could replace (its
// file or a dir above it writable by others) is not run.
func TestHookUntrustedProgram(t *testing.T) {
	ran := filepath.Join(t.TempDir(), "ran")
	p := hooktest.Script(t, "touch "+ran)
	if err := os.Chmod(p, 0o722); err != nil {
		t.Fatal(err)
	}
	if res := runHook([]string{p}, HookEvent{Event: HookRenewed}, time.Second); res.Err == nil || !strings.Contains(res.Err.Error(), "writable by other users") {
		t.Errorf("group/other-writable program: %v", res.Err)
	}
	os.Chmod(p, 0o700)
	if err := os.Chmod(filepath.Dir(p), 0o777); err != nil {
		t.Fatal(err)
	}
	if res := runHook([]string{p}, HookEvent{Event: HookRenewed}, time.Second); res.Err == nil || !strings.Contains(res.Err.Error(), "writable by other users") {
		t.Errorf("program in a dir others can write: %v", res.Err)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("an untrusted hook ran")
	}
}

// TestHookConfig: the [hooks] table's mistakes name the file and line.
func TestHookConfig(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"[hooks]\ntimeout = \"soon\"\n", "hooks timeout"},
		{"[hooks]\ntimeout = \"1h\"\n", "hooks timeout"},
		{"[hooks]\nrenewed = []\n", "hook renewed"},
		{"[hooks]\nrenewed = [\"\"]\n", "hook renewed"},
		{"[hooks]\nrenewd = [\"true\"]\n", "keys of [hooks]"},
		{"[hooks]\nrenewed = \"notify-send hi\"\n", "line 2"},
	} {
		_, err := parseConfig("config.toml", []byte(c.text))
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) || ce.Line != 2 {
			t.Errorf("%q: %v, want a ConfigError on line 2 with %q", c.text, err, c.want)
		}
	}
	cfg, err := parseConfig("config.toml", []byte("[hooks]\ntimeout = \"3s\"\nreconnect-needed = [\"notify-send\", \"x\"]\n"))
	if err != nil || cfg.Hooks.timeout() != 3*time.Second || len(cfg.Hooks.command(HookReconnectNeeded)) != 2 {
		t.Errorf("%+v %v", cfg, err)
	}
}

// TestRenewerRunsHooks: the desktop app's background renewal runs the
// renewed hook and, when the provider refuses the sign-in, the
// reconnect-needed hook (once), with the account and reason and never a
// token in the environment or arguments.
func TestRenewerRunsHooks(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{AccessTTL: refreshMargin + 2*time.Second})
	log := filepath.Join(t.TempDir(), "hook.log")
	p := hooktest.Script(t, fmt.Sprintf(`{ echo "== $LATCHKEY_EVENT|$LATCHKEY_ACCOUNT|$LATCHKEY_REASON"; echo "args: $*"; env; } >> %s`, log))
	privateRuntimeDir(t)
	dir := t.TempDir()
	writeConfig(t, dir, microsoftConfig(m)+fmt.Sprintf("\n[hooks]\nrenewed = [%q, \"renewed-arg\"]\nreconnect-needed = [%q]\n", p, p))
	results := make(chan HookResult, 8)
	s, err := Open(Options{ConfigDir: dir, Keychain: newMemStore(), OpenBrowser: providertest.Browser(t), OnHook: func(r HookResult) { results <- r }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	events := make(chan RenewEvent, 4)
	r := s.NewRenewer(func(ev RenewEvent) { events <- ev })
	defer r.Stop()
	r.Sync(context.Background())
	if ev := nextEvent(t, events); ev.Err != nil {
		t.Fatal(ev.Err)
	}
	if res := <-results; res.Err != nil || res.Event != HookRenewed {
		t.Fatalf("renewed hook: %+v", res)
	}
	m.FailNext(providertest.InvalidGrant(70000).Revoking())
	if ev := nextEvent(t, events); !errors.Is(ev.Err, ErrNeedsReconnect) {
		t.Fatalf("renewal = %+v", ev)
	}
	s.WaitHooks()
	data, _ := os.ReadFile(log)
	text := string(data)
	if !strings.Contains(text, "== renewed|"+msID+"|") || !strings.Contains(text, "args: renewed-arg") ||
		strings.Count(text, "== reconnect-needed|"+msID+"|") != 1 {
		t.Errorf("hook log:\n%s", text)
	}
	for _, tok := range m.IssuedTokens() {
		if len(tok) >= 8 && strings.Contains(text, tok) {
			t.Errorf("an issued token (%d bytes) reached a hook's environment or arguments", len(tok))
		}
	}
}

// TestStopHooks: an app that quits kills the hooks still running, with
// their process groups, and runs no more.
func TestStopHooks(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	pidFile := filepath.Join(t.TempDir(), "pid")
	p := hooktest.Script(t, fmt.Sprintf("sleep 300 & echo $! > %s; sleep 300", pidFile))
	privateRuntimeDir(t)
	dir := t.TempDir()
	writeConfig(t, dir, microsoftConfig(m)+fmt.Sprintf("\n[hooks]\ntimeout = \"5m\"\nconnected = [%q]\nremoved = [%q]\n", p, p))
	results := make(chan HookResult, 2)
	s, err := Open(Options{ConfigDir: dir, Keychain: newMemStore(), OpenBrowser: providertest.Browser(t), OnHook: func(r HookResult) { results <- r }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if data, _ := os.ReadFile(pidFile); len(data) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the hook did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	s.StopHooks()
	s.WaitHooks()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("StopHooks took %v", d)
	}
	if res := <-results; res.Err == nil {
		t.Errorf("a killed hook reported success: %+v", res)
	}
	hooktest.WaitGone(t, pidFile)
	if _, err := s.Remove(context.Background(), msID); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	s.WaitHooks()
	if res := <-results; res.Err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a hook set off after StopHooks: %+v after %v", res, time.Since(start))
	}
}
