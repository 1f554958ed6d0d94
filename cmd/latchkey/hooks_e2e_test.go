//go:build unix

package main

// Hooks through the real binary: the commands configured in config.toml's
// [hooks] run on connected, renewed, reconnect-needed, revoked and removed,
// with the account and reason in their environment and never a token
// there or in their arguments; a hook past its timeout is killed with its
// process group, and the program waiting for the token is not kept
// waiting for it.

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/hooktest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestHooks: each event runs its hook once with what happened; the hook's
// whole environment and command line, as the hook itself reads them,
// hold no token the provider issued.
func TestHooks(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "hooks@contoso.test"})
	log := filepath.Join(t.TempDir(), "hooks.log")
	script := hooktest.Script(t, fmt.Sprintf(`{
	echo "== $LATCHKEY_EVENT|$LATCHKEY_ACCOUNT|$LATCHKEY_PROVIDER|$LATCHKEY_EMAIL|$LATCHKEY_CODE|$LATCHKEY_REASON"
	echo "argv: $0 $*"
	tr '\0' ' ' < /proc/$$/cmdline; echo
	env
} >> %s`, log))
	hooks := "\n[hooks]\ntimeout = \"10s\"\n"
	for _, ev := range []string{"connected", "renewed", "reconnect-needed", "revoked", "removed"} {
		hooks += fmt.Sprintf("%s = [%q, %q]\n", ev, script, "arg-"+ev)
	}
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL)+hooks)
	const id = "microsoft:hooks@contoso.test"
	events := func() []string {
		data, _ := os.ReadFile(log)
		var out []string
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "== ") {
				out = append(out, strings.TrimPrefix(l, "== "))
			}
		}
		return out
	}
	last := func(t *testing.T, want string) {
		t.Helper()
		ev := events()
		if len(ev) == 0 || !strings.HasPrefix(ev[len(ev)-1], want) {
			t.Fatalf("last hook event %q, want %q; all: %q", ev, want, ev)
		}
	}

	w.must("connect", "microsoft", "--timeout", "60s")
	last(t, "connected|"+id+"|microsoft|hooks@contoso.test||connected")
	w.must("token", id) // fresh: nothing renewed, no hook
	if n := len(events()); n != 1 {
		t.Fatalf("%d hook runs after a token that needed no renewal, want 1", n)
	}
	w.expire(id, "https://graph.microsoft.com")
	if out := w.must("token", id); strings.TrimSpace(out) == "" {
		t.Fatal("token printed nothing")
	}
	last(t, "renewed|"+id+"|microsoft|hooks@contoso.test||")

	ms.FailNext(providertest.InvalidGrant(70000).Revoking())
	w.expire(id, "https://graph.microsoft.com")
	w.expectExit(exitNeedsReconnect, "token", id)
	last(t, "reconnect-needed|"+id+"|microsoft|hooks@contoso.test|invalid_grant|")
	w.expectExit(exitNeedsReconnect, "token", id)
	if ev := events(); strings.HasPrefix(ev[len(ev)-2], "reconnect-needed") {
		t.Errorf("reconnect-needed ran twice for one refusal: %q", ev)
	}

	w.must("connect", "microsoft", "--timeout", "60s")
	last(t, "connected|"+id+"|microsoft|hooks@contoso.test||signed in again")
	w.must("revoke", id, "--no-browser")
	last(t, "revoked|"+id+"|microsoft|hooks@contoso.test||Microsoft offers no way")
	w.must("connect", "microsoft", "--timeout", "60s")
	if out := w.must("hooks"); !strings.Contains(out, "reconnect-needed  "+script+" arg-reconnect-needed") || !strings.Contains(out, "10s") {
		t.Errorf("hooks listed:\n%s", out)
	}
	if out := w.must("hooks", "try", "reconnect-needed", id, "--reason", "just trying"); !strings.Contains(out, "exited 0") {
		t.Errorf("hooks try: %s", out)
	}
	last(t, "reconnect-needed|"+id+"|microsoft|hooks@contoso.test||just trying")
	w.expectExit(exitUsage, "hooks", "try", "renewd", id)
	w.must("remove", id)
	last(t, "removed|"+id+"|microsoft|hooks@contoso.test||removed from this computer")

	data, _ := os.ReadFile(log)
	if !strings.Contains(string(data), "arg-renewed") || !strings.Contains(string(data), "LATCHKEY_EVENT=renewed") {
		t.Errorf("the log lacks the hook's arguments or environment:\n%s", data)
	}
	tokens := ms.IssuedTokens()
	for _, tok := range tokens {
		if len(tok) >= 8 && strings.Contains(string(data), tok) {
			t.Errorf("an issued token (%d bytes) is in a hook's environment or command line", len(tok))
		}
	}
	w.noLeaks(tokens)
}

// TestHookTimeout: a renewed hook that hangs (and starts a child) is
// killed with its process group at the timeout, and says so on stderr;
// `latchkey token` closes its stdout before waiting for it, so the program
// reading the token goes on at once.
func TestHookTimeout(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "slowhook@contoso.test"})
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := hooktest.Script(t, fmt.Sprintf("sleep 300 & echo $! > %s; echo waiting; sleep 300", pidFile))
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n\n[hooks]\ntimeout = \"3s\"\nrenewed = [%q]\n", ms.ClientID, ms.URL, script))
	const id = "microsoft:slowhook@contoso.test"
	w.must("connect", "microsoft", "--timeout", "60s")
	w.expire(id, "https://graph.microsoft.com")

	cmd := exec.Command(binary, "token", id)
	cmd.Env = w.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tok, _ := io.ReadAll(stdout)
	gotToken := time.Since(start)
	err = cmd.Wait()
	exited := time.Since(start)
	if err != nil || strings.TrimSpace(string(tok)) == "" {
		t.Fatalf("token: %v, printed %d bytes\n%s", err, len(tok), stderr.String())
	}
	t.Logf("figure: token on stdout after %v; command exited after %v (hook timeout 3s)", gotToken.Round(time.Millisecond), exited.Round(time.Millisecond))
	if exited-gotToken < time.Second || exited > 20*time.Second {
		t.Errorf("stdout ended after %v, the command after %v: want the token first, then the hook's 3s", gotToken, exited)
	}
	if !strings.Contains(stderr.String(), "hook renewed: hook.sh ran longer than 3s and was stopped") || !strings.Contains(stderr.String(), "it said: waiting") {
		t.Errorf("stderr: %s", stderr.String())
	}
	hooktest.WaitGone(t, pidFile)
	w.noLeaks(ms.IssuedTokens())
}

// TestHookNotPlanted: a hook program another user could replace is not
// run, and the command says why; a config.toml another user could write
// is refused whole, so no hook in it runs.
func TestHookNotPlanted(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "planted@contoso.test"})
	ran := filepath.Join(t.TempDir(), "ran")
	script := hooktest.Script(t, "touch "+ran)
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n\n[hooks]\nconnected = [%q]\nremoved = [%q]\n", ms.ClientID, ms.URL, script, script))
	if err := os.Chmod(filepath.Dir(script), 0o777); err != nil {
		t.Fatal(err)
	}
	r := w.run("connect", "microsoft", "--timeout", "60s")
	if r.code != 0 || !strings.Contains(r.stderr, "writable by other users") || !strings.Contains(r.stderr, "so it is not run") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("a hook in a dir other users can write ran")
	}
	if r := w.expectExit(exitCheckFailed, "hooks", "try", "connected", "planted@contoso.test"); !strings.Contains(r.stderr, "so it is not run") {
		t.Errorf("hooks try: %s", r.stderr)
	}
	os.Chmod(filepath.Dir(script), 0o700)
	if err := os.Chmod(filepath.Join(w.dir, "config.toml"), 0o666); err != nil {
		t.Fatal(err)
	}
	// remove needs no config.toml, and does its job; the hooks are not run.
	r = w.run("remove", "planted@contoso.test")
	if r.code != 0 || !strings.Contains(r.stderr, "hooks not run for removed") || !strings.Contains(r.stderr, "writable by other users") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("a hook from a config.toml others can write ran")
	}
	os.Chmod(filepath.Join(w.dir, "config.toml"), 0o600)
}
