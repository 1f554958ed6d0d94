package main

// Issue 14, "reach every user", through the real binary against the
// emulators: a build with a default app registration, device-code sign-in
// and shared mailboxes.

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestDefaultRegistrationConnects: a build with a default Microsoft client
// id connects with no client_id in config.toml, `version` says which
// registration is in use, and config.toml's client_id still wins. The
// build without one keeps asking the person to register an app.
func TestDefaultRegistrationConnects(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
	config := fmt.Sprintf("[providers.microsoft]\nauthority = %q\n", ms.URL)

	plain := newWorld(t, config)
	r := plain.expectExit(exitConfig, "connect", "microsoft", "--timeout", "60s")
	if !strings.Contains(r.stderr, "Mobile and desktop applications") {
		t.Errorf("the build without a default does not explain registration: %s", r.stderr)
	}
	if out := plain.must("version"); !regexpMatch(`microsoft\s+global\s+none`, out) {
		t.Errorf("version of the plain build:\n%s", out)
	}

	w := newWorld(t, config)
	w.bin = defaultBinary
	if out := w.must("version"); !regexpMatch(`microsoft\s+global\s+built-in default\s+`+testDefaultClientID, out) ||
		!regexpMatch(`google\s+none`, out) {
		t.Errorf("version does not say the built-in registration is in use:\n%s", out)
	}
	w.must("connect", "microsoft", "--timeout", "60s")
	if got := ms.LastTokenRequest().Get("client_id"); got != testDefaultClientID {
		t.Errorf("signed in with client %q, want the built-in %q", got, testDefaultClientID)
	}
	if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
		t.Fatalf("list = %+v", l)
	}
	if tok := w.must("token", ms.Email); strings.TrimSpace(tok) == "" {
		t.Error("no token from the account connected with the default registration")
	}

	// config.toml's own client id overrides the built-in one.
	own := newWorld(t, config+"client_id = \"someone-elses\"\n")
	own.bin = defaultBinary
	if out := own.must("version"); !regexpMatch(`microsoft\s+global\s+config\.toml\s+someone-elses`, out) {
		t.Errorf("version with an own client id:\n%s", out)
	}
	w.noLeaks(ms.IssuedTokens())
}

// regexpMatch reports whether text matches the regular expression re.
func regexpMatch(re, text string) bool { return regexp.MustCompile(re).MatchString(text) }

// deviceWorld is a world whose config.toml points microsoft at a Microsoft
// emulator that answers device codes every second.
func deviceWorld(t *testing.T, bin string) (*world, *providertest.Microsoft) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{DeviceInterval: time.Second, Email: ownEmail(t, "contoso.test")})
	config := fmt.Sprintf("[providers.microsoft]\nauthority = %q\n", ms.URL)
	if bin == binary {
		config += fmt.Sprintf("client_id = %q\n", ms.ClientID)
	}
	w := newWorld(t, config)
	w.bin = bin
	return w, ms
}

// TestDeviceSignIn: `connect microsoft --device` prints the code and the
// page, polls through authorization_pending and slow_down (5 s slower
// after it, one request per tick) and keeps the account as the browser
// sign-in does, on a build with a default registration and no client_id
// in config.toml; the token then works. No device code, token or secret
// reaches the output.
func TestDeviceSignIn(t *testing.T) {
	t.Parallel()
	w, ms := deviceWorld(t, defaultBinary)
	ms.DeviceSignIn("", "authorization_pending", "slow_down")
	r := w.run("connect", "microsoft", "--device", "--timeout", "60s")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{ms.URL + "/devicelogin", "enter the code", "Connected " + ms.Email} {
		if !strings.Contains(r.stderr+r.stdout, want) {
			t.Errorf("output lacks %q:\n%s%s", want, r.stderr, r.stdout)
		}
	}
	if !regexpMatch(`\n  [A-Z0-9_-]{9}\n`, r.stderr) {
		t.Errorf("no user code on its own line:\n%s", r.stderr)
	}
	polls := ms.DevicePolls()
	if len(polls) != 3 || ms.DeviceTooFast() != 0 {
		t.Errorf("%d polls, %d too fast; want 3 (pending, slow_down, signed in), none too fast", len(polls), ms.DeviceTooFast())
	} else if gap := polls[2].Sub(polls[1]); gap < 5*time.Second {
		t.Errorf("the poll after slow_down came %v later, want the interval 5 s longer", gap)
	}
	if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
		t.Fatalf("list = %+v", l)
	}
	item, ok := w.item("microsoft:" + ms.Email + "/refresh")
	if !ok || item["client_id"] != testDefaultClientID || item["subject"] == "" {
		t.Errorf("refresh item = %v (found %v): want the built-in client and the identity pinned", item != nil, ok)
	}
	if tok := strings.TrimSpace(w.must("token", ms.Email)); tok == "" {
		t.Error("no token after the device sign-in")
	}
	w.noLeaks(ms.IssuedTokens())
}

// TestDeviceSignInFails: an expired code exits 9 and a declined sign-in
// 7, each saying so, saving nothing; a device reconnect that signs in
// another person with the same address is refused like a browser one
// (exit 15); Google says plainly why it has no device sign-in.
func TestDeviceSignInFails(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		outcome string
		code    int
		says    string
	}{
		{"expired_token", exitSignInTimeout, "expired"},
		{"authorization_declined", exitSignIn, "declined"},
		{"access_denied", exitSignIn, "declined"},
	} {
		t.Run(c.outcome, func(t *testing.T) {
			t.Parallel()
			w, ms := deviceWorld(t, binary)
			ms.DeviceSignIn(c.outcome, "authorization_pending")
			r := w.expectExit(c.code, "connect", "microsoft", "--device", "--timeout", "60s")
			if !strings.Contains(r.stderr, c.says) || !strings.Contains(r.stderr, "nothing was saved") {
				t.Errorf("stderr does not say %q and that nothing was saved:\n%s", c.says, r.stderr)
			}
			if l := w.list(); len(l) != 0 {
				t.Errorf("list = %+v, want nothing saved", l)
			}
			w.noLeaks(ms.IssuedTokens())
		})
	}
	t.Run("another person reconnects", func(t *testing.T) {
		t.Parallel()
		w, ms := deviceWorld(t, binary)
		w.must("connect", "microsoft", "--device", "--timeout", "60s")
		before, _ := w.item("microsoft:" + ms.Email + "/refresh")
		ms.SwitchUser("", "Mallory Other")
		r := w.expectExit(exitOtherPerson, "connect", "microsoft", "--device", "--timeout", "60s")
		if !strings.Contains(r.stderr, "--replace") {
			t.Errorf("stderr: %s", r.stderr)
		}
		after, _ := w.item("microsoft:" + ms.Email + "/refresh")
		if after["subject"] != before["subject"] || after["refresh_token"] != before["refresh_token"] {
			t.Error("the device sign-in of another person replaced the pinned account")
		}
	})
	t.Run("google", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, "")
		r := w.expectExit(exitUsage, "connect", "google", "--device")
		if !strings.Contains(r.stderr, "cannot grant mail scopes") {
			t.Errorf("stderr: %s", r.stderr)
		}
	})
}

// TestNoDisplaySuggestsDevice: over SSH, or with no display, connect
// suggests --device for Microsoft; it does not when a display is there.
func TestNoDisplaySuggestsDevice(t *testing.T) {
	t.Parallel()
	w, _ := deviceWorld(t, binary)
	for _, c := range []struct {
		env  []string
		want bool
	}{
		{[]string{"SSH_CONNECTION=10.0.0.2 50000 10.0.0.1 22", "DISPLAY=:0"}, true},
		{nil, true},
		{[]string{"DISPLAY=:0"}, false},
	} {
		var env []string
		for _, kv := range w.env {
			if !strings.HasPrefix(kv, "SSH_") { // this test's own session may be one
				env = append(env, kv)
			}
		}
		env = append(env, c.env...)
		r := w.runEnv(env, "connect", "microsoft", "--timeout", "30s")
		if r.code != 0 {
			t.Fatalf("env %v: exit %d\n%s", c.env, r.code, r.stderr)
		}
		if got := strings.Contains(r.stderr, "latchkey connect microsoft --device"); got != c.want {
			t.Errorf("env %v: suggests --device = %v, want %v\n%s", c.env, got, c.want, r.stderr)
		}
	}
}

// TestSharedMailbox: through the real binary, `token --mailbox` gives an
// XOAUTH2 string whose user= is the shared mailbox with the account's own
// Exchange Online token, which the IMAP stand-in accepts as Exchange does
// (the emulator says who may open which mailbox) and refuses for a
// mailbox the person was not given; a malformed address is a usage error;
// the mailbox is remembered with the account; `setup --mailbox` writes
// mbsync, msmtp and aerc configurations that log in as it (goldens in
// testdata/setup/CLIENT/exchange-shared.golden, go test -update).
func TestSharedMailbox(t *testing.T) {
	t.Parallel()
	const shared = "support@contoso.test"
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice@contoso.test", SharedMailboxes: []string{shared}})
	w := newWorld(t, fmt.Sprintf("[providers.exchange]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.must("connect", "exchange", "--allow", "shared-mailboxes", "--timeout", "60s")
	allow := func(user, bearer string) error {
		if !ms.MailboxAllowed(bearer, user) {
			return fmt.Errorf("%s may not be opened with this token", user)
		}
		return nil
	}

	out := strings.TrimSpace(w.must("token", ms.Email, "--mailbox", shared, "--format", "xoauth2"))
	user, bearer, err := imapAuthenticateAs(t, "XOAUTH2", out, allow)
	if err != nil || user != shared {
		t.Fatalf("IMAP login as the shared mailbox: user %q, %v", user, err)
	}
	if info, ok := ms.Lookup(bearer); !ok || info.Email != ms.Email {
		t.Errorf("the token is %+v, want the account's own", info)
	}
	out = strings.TrimSpace(w.must("token", ms.Email, "--mailbox", "ceo@contoso.test", "--format", "xoauth2"))
	if _, _, err := imapAuthenticateAs(t, "XOAUTH2", out, allow); err == nil {
		t.Error("the IMAP stand-in let the account open a mailbox it was not given")
	}
	for _, bad := range []string{"support", "Support <support@contoso.test>", "sup\u202eport@contoso.test", "support@contoso.test\r\nX: y"} {
		r := w.expectExit(exitUsage, "token", ms.Email, "--mailbox", bad, "--format", "xoauth2")
		if !strings.Contains(r.stderr, "not a plain email address") || r.stdout != "" {
			t.Errorf("--mailbox %q: stdout %q, stderr %s", bad, r.stdout, r.stderr)
		}
	}

	var shown struct {
		Shared []string `json:"shared_mailboxes"`
	}
	if err := json.Unmarshal([]byte(w.must("show", ms.Email, "--json")), &shown); err != nil ||
		strings.Join(shown.Shared, ",") != "ceo@contoso.test,"+shared {
		t.Errorf("show --json shared_mailboxes = %v, %v", shown.Shared, err)
	}

	for _, client := range []string{"mbsync", "msmtp", "aerc"} {
		got := w.must("setup", client, ms.Email, "--mailbox", shared, "--latchkey", "latchkey")
		golden(t, filepath.Join("setup", client, "exchange-shared.golden"), got)
	}
	w.noLeaks(ms.IssuedTokens())
}
