package main

// What reaches a terminal through the real binary: text a provider or a
// local program chose (a display name, a program name) never carries a
// control or format character; a token that could split a header is
// refused; list and show say what the keychain says of each account.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/safetext"
	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// hostile is a display name and a program name: it recolours the terminal,
// sets the window title, rings the bell, reverses the text after it and
// starts a new line that looks like latchkey's own.
const hostile = "Mallory\x1b[31m\x1b]0;owned\x07\u202etxt.exe\u200b\u009b2J\nState:          connected"

// rawHidden reports the first character of out that should never be
// printed, the newlines between lines aside.
func rawHidden(out string) (rune, bool) {
	for _, r := range out {
		if r != '\n' && safetext.Hidden(r) {
			return r, true
		}
	}
	return 0, false
}

// deleteItem deletes a keychain item the way a person could, with
// `secret-tool clear`.
func (w *world) deleteItem(key string) {
	w.t.Helper()
	cmd := exec.Command("secret-tool", "clear", "service", "latchkey", "username", key)
	cmd.Env = w.ks.Environ()
	if out, err := cmd.CombinedOutput(); err != nil {
		w.t.Fatalf("secret-tool clear %s: %v: %s", key, err, out)
	}
}

// plantSignIn stores a saved sign-in for an account written into the
// index by hand, so that the keychain vouches for it as for one connected
// for real; it is deleted when the test ends.
func (w *world) plantSignIn(id string) {
	w.t.Helper()
	if err := w.ks.Store("latchkey", id+"/refresh", `{"version":1,"refresh_token":"planted-refresh-token"}`); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { w.deleteItem(id + "/refresh") })
}

// TestProperty38_NoControlCharactersPrinted: a name claim and a program name
// full of escape sequences, bidi overrides and a newline are shown escaped
// by show, list and log, in text and in --json (which still decodes to the
// exact value); a token response whose tokens could split a header is a
// provider error (exit 12) that prints and saves nothing.
func TestProperty38_NoControlCharactersPrinted(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "mallory@contoso.test", Name: hostile})
	w := newWorld(t, "[providers.microsoft]\nclient_id = \""+ms.ClientID+"\"\nauthority = \""+ms.URL+"\"\n")
	const id = "microsoft:mallory@contoso.test"
	w.must("connect", "microsoft", "--timeout", "60s")
	defer w.must("remove", id)

	// A program whose file name is the hostile text asks for a token.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(sh)
	if err != nil {
		t.Fatal(err)
	}
	prog := filepath.Join(t.TempDir(), strings.ReplaceAll(hostile, "\n", " "))
	if err := os.WriteFile(prog, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog, "-c", `"$1" token "$2" >/dev/null; echo asked`, "sh", binary, id)
	cmd.Env = w.env
	if r := w.runCmd(cmd, false); r.code != 0 || !strings.Contains(r.stdout, "asked") {
		t.Fatalf("the hostile program: exit %d: %s", r.code, r.stderr)
	}

	for _, args := range [][]string{{"show", id}, {"list"}, {"log"}, {"show", id, "--json"}, {"list", "--json"}, {"log", "--json"}} {
		r := w.run(args...)
		if r.code != 0 {
			t.Fatalf("latchkey %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
		}
		for name, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
			if c, ok := rawHidden(out); ok {
				t.Errorf("latchkey %s printed %U raw on %s:\n%q", strings.Join(args, " "), c, name, out)
			}
		}
		if strings.Contains(r.stdout, "\nState:          connected\nState:") {
			t.Errorf("latchkey %s printed a forged line", strings.Join(args, " "))
		}
	}
	if out := w.must("show", id); !strings.Contains(out, `Mallory\x1b[31m\x1b]0;owned\a\u202etxt.exe`) {
		t.Errorf("show does not show the name escaped:\n%s", out)
	}
	if out := w.must("log"); !strings.Contains(out, `Mallory\x1b[31m`) {
		t.Errorf("log does not show the program escaped:\n%s", out)
	}
	var d struct{ Name string }
	if err := json.Unmarshal([]byte(w.must("show", id, "--json")), &d); err != nil || d.Name != hostile {
		t.Errorf("show --json name = %q (%v), want the exact claim", d.Name, err)
	}
	var uses []struct{ Program string }
	if err := json.Unmarshal([]byte(w.must("log", "--json")), &uses); err != nil || len(uses) == 0 ||
		uses[len(uses)-1].Program != filepath.Base(prog) {
		t.Errorf("log --json program = %+v (%v), want the exact file name", uses, err)
	}

	// Tokens that could split a header: refused, nothing printed or saved.
	before := w.intact(id, "connected")
	w.expire(id, "https://graph.microsoft.com")
	for _, suffix := range []string{"\r\nX-Injected: 1", "\n", " extra", "\x1b[2J"} {
		ms.FailNext(providertest.BadToken(suffix))
		r := w.expectExit(exitProvider, "token", id, "--format", "header")
		if r.stdout != "" || !strings.Contains(r.stderr, "token alphabet") {
			t.Errorf("token with %q: stdout %q, stderr %q", suffix, r.stdout, r.stderr)
		}
		if after := w.intact(id, "connected"); after != before {
			t.Errorf("token with %q: the refresh token was replaced", suffix)
		}
	}
	// The keychain's cached token is checked too: one a program wrote
	// there with a line break is not handed out but renewed over.
	item, _ := w.item(id + "/access/https://graph.microsoft.com")
	item["access_token"] = "forged\r\nX-Injected: 1"
	item["expires_at"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	forged, _ := json.Marshal(item)
	if err := w.ks.Store("latchkey", id+"/access/https://graph.microsoft.com", string(forged)); err != nil {
		t.Fatal(err)
	}
	if out := w.must("token", id, "--format", "header"); strings.Count(out, "\n") != 1 || strings.Contains(out, "forged") {
		t.Errorf("a forged cached token was handed out: %q", out)
	}
	w.noLeaks(ms.IssuedTokens())
}

// TestListTellsKeychainState: with no Secret Service, a locked keychain,
// one that never answers, or the account's item gone, list and show name
// the state of each account in text and --json within 2 s, exit 0, and say
// on stderr in one line what is wrong and how to fix it.
func TestListTellsKeychainState(t *testing.T) {
	t.Parallel()
	ms, w, ks, id := keyringWorld(t, "keychain-state@contoso.test")
	const limit = 2 * time.Second

	check := func(name string, env []string, status, say string) {
		t.Helper()
		for _, args := range [][]string{{"list", "--json"}, {"list"}, {"show", id, "--json"}, {"show", id}} {
			start := time.Now()
			r := w.runEnv(env, args...)
			took := time.Since(start)
			what := name + ": latchkey " + strings.Join(args, " ")
			if r.code != 0 {
				t.Errorf("%s: exit %d: %s", what, r.code, r.stderr)
				continue
			}
			if took > limit {
				t.Errorf("%s took %v, want at most %v", what, took, limit)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "latchkey: ") || !strings.Contains(r.stderr, say) {
				t.Errorf("%s: want one line on stderr saying %q, got %q", what, say, r.stderr)
			}
			switch args[0] + " " + args[len(args)-1] {
			case "list --json":
				var l []listed
				if err := json.Unmarshal([]byte(r.stdout), &l); err != nil || len(l) != 1 || l[0].Status != status || l[0].StatusReason == "" {
					t.Errorf("%s: %+v (%v), want status %s with a reason", what, l, err, status)
				}
			case "show --json":
				var a listed
				if err := json.Unmarshal([]byte(r.stdout), &a); err != nil || a.Status != status {
					t.Errorf("%s: status %q (%v), want %s", what, a.Status, err, status)
				}
			default:
				if !strings.Contains(r.stdout, status) {
					t.Errorf("%s: stdout lacks %s:\n%s", what, status, r.stdout)
				}
			}
		}
	}

	if r := w.run("list"); r.stderr != "" || !strings.Contains(r.stdout, "connected") {
		t.Fatalf("a working keychain: list said %q, %q", r.stdout, r.stderr)
	}
	t.Run("missing", func(t *testing.T) {
		bus, err := keyringtest.StartBusOnly()
		if err != nil {
			t.Fatal(err)
		}
		defer bus.Close()
		check("missing", w.withEnv(bus.Env...), "keychain-unavailable", "Secret Service")
	})
	t.Run("locked", func(t *testing.T) {
		if err := ks.Lock(); err != nil {
			t.Fatal(err)
		}
		defer ks.Unlock(keyringtest.Password)
		check("locked", w.env, "keychain-locked", "unlock it")
	})
	t.Run("hung", func(t *testing.T) {
		resume, err := ks.Stall()
		if err != nil {
			t.Fatal(err)
		}
		defer resume()
		check("hung", w.env, "keychain-unavailable", "did not answer")
	})
	t.Run("item gone", func(t *testing.T) {
		saved, ok, err := ks.Lookup("latchkey", id+"/refresh")
		if err != nil || !ok {
			t.Fatalf("no refresh item: %v", err)
		}
		w.deleteItem(id + "/refresh")
		defer func() {
			if err := ks.Store("latchkey", id+"/refresh", saved); err != nil {
				t.Error(err)
			}
		}()
		check("item gone", w.env, "missing-from-keychain", "latchkey connect")
	})
	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}
