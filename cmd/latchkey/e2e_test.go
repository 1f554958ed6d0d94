package main

// End-to-end tests of the real latchkey binary: a real Secret Service
// (gnome-keyring on a private bus), a real OpenID provider (npm
// oidc-provider on 127.0.0.1) or Go emulators of Microsoft and Google, and a
// stand-in browser (an xdg-open script first on PATH).

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// testDefaultClientID is the default Microsoft app registration built
// into defaultBinary: the Microsoft emulator's default client.
const testDefaultClientID = "ms-test-client"

var (
	binary string // the latchkey binary under test
	// defaultBinary is the same built as a distributor would, with a
	// default app registration (testDefaultClientID) for Microsoft.
	defaultBinary string
	keyring       *keyringtest.Session // the private Secret Service
)

func TestMain(m *testing.M) {
	if runtime.GOOS != "linux" {
		os.Exit(m.Run())
	}
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "latchkey-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		binary = filepath.Join(dir, "latchkey")
		build := exec.Command("go", "build", "-o", binary, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build latchkey: %v\n%s", err, out)
			return 1
		}
		defaultBinary = filepath.Join(dir, "latchkey-default")
		build = exec.Command("go", "build", "-o", defaultBinary,
			"-ldflags", "-X github.com/latchkey/latchkey/accounts.defaultMicrosoftClientID="+testDefaultClientID, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "build latchkey with a default registration: %v\n%s", err, out)
			return 1
		}
		keyring, err = keyringtest.Start()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer keyring.Close()
		return m.Run()
	}())
}

// world is one test's config dir and environment.
type world struct {
	t   *testing.T
	dir string
	env []string
	ks  *keyringtest.Session // the Secret Service its commands use
	bin string               // the binary its commands run: binary unless set
	// runner is the command line that runs bin (Wine's loader and what
	// it needs), nil to run bin itself.
	runner []string
	// moreRoots are more directories Latchkey writes to, for leak scans.
	moreRoots []string
	output    bytes.Buffer // every stderr, and every stdout but token's, for leak scans
	mu        sync.Mutex
}

func newWorld(t *testing.T, config string) *world {
	t.Helper()
	if binary == "" {
		t.Skip("end-to-end tests run on Linux")
	}
	if err := keyring.Ready(); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, dir: t.TempDir(), ks: keyring}
	if err := os.WriteFile(filepath.Join(w.dir, "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.forgetKeychainItems)
	w.env = append(keyring.Environ(),
		"LATCHKEY_CONFIG_DIR="+w.dir,
		"LATCHKEY_KEYCHAIN_TIMEOUT=5s",
		"PATH="+oidcprovidertest.BrowserDir()+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	return w
}

// forgetKeychainItems deletes the keychain items of the accounts in w's
// index when the test ends. The worlds share one keyring, and an account
// is pinned to the person in its keychain item: items left behind would
// pin the same address for the next test, whose emulator signs in someone
// else (as a real keychain would, rightly, for a real person).
func (w *world) forgetKeychainItems() {
	defer w.releaseSharedAccounts()
	ids := w.indexIDs()
	if len(ids) == 0 {
		return
	}
	err := w.ks.Forget(accounts.KeychainService, func(user string) bool {
		for _, id := range ids {
			if strings.HasPrefix(user, id+"/") {
				return true
			}
		}
		return false
	})
	if err != nil {
		w.t.Logf("forget the keychain items of %s: %v", w.dir, err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs latchkey with args and returns what it printed and its exit code.
func (w *world) run(args ...string) result {
	return w.runEnv(w.env, args...)
}

func (w *world) runEnv(env []string, args ...string) result {
	w.t.Helper()
	argv := append(slicesClone(w.runner), cmp.Or(w.bin, binary))
	cmd := exec.Command(argv[0], append(argv[1:], args...)...)
	cmd.Env = env
	return w.runCmd(cmd, len(args) == 0 || args[0] != "token")
}

// runCmd runs cmd, a latchkey command line however wrapped, and keeps its
// stderr, and its stdout when scanStdout, for leak scans.
func (w *world) runCmd(cmd *exec.Cmd, scanStdout bool) result {
	w.t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("run %v: %v", cmd.Args, err)
	}
	w.mu.Lock()
	w.output.Write(errb.Bytes())
	if scanStdout {
		w.output.Write(out.Bytes())
	}
	w.mu.Unlock()
	w.claimSharedAccounts(errb.String())
	return result{out.String(), errb.String(), code}
}

// must runs latchkey and fails the test unless it exits 0.
func (w *world) must(args ...string) string {
	w.t.Helper()
	r := w.run(args...)
	if r.code != 0 {
		w.t.Fatalf("latchkey %s: exit %d\nstdout: %s\nstderr: %s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr, w.ks.Problems())
	}
	return r.stdout
}

// expectExit runs latchkey and checks its exit code and that stderr says something.
func (w *world) expectExit(code int, args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	if r.code != code {
		w.t.Fatalf("latchkey %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	_, msg, found := strings.Cut("\n"+r.stderr, "\nlatchkey: ")
	if !found || !strings.Contains(strings.TrimSpace(msg), "\n") {
		w.t.Errorf("latchkey %s: want what happened and what to do on stderr, got %q", strings.Join(args, " "), r.stderr)
	}
	return r
}

// item reads a keychain item through secret-tool, a reader independent of Latchkey.
func (w *world) item(key string) (map[string]any, bool) {
	w.t.Helper()
	v, ok, err := keyring.Lookup("latchkey", key)
	if err != nil {
		w.t.Fatal(err)
	}
	if !ok {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		w.t.Fatalf("keychain item %s is not JSON: %v", key, err)
	}
	return m, true
}

// expire makes the cached access token of account/resource look expired,
// by rewriting its keychain item as a program could.
func (w *world) expire(account, resource string) {
	w.t.Helper()
	key := account + "/access/" + resource
	m, ok := w.item(key)
	if !ok {
		w.t.Fatalf("no keychain item %s", key)
	}
	if err := keyring.Store("latchkey", key, string(expired(m))); err != nil {
		w.t.Fatal(err)
	}
}

// expired is the access item m marked as expired a minute ago.
func expired(m map[string]any) []byte {
	m["expires_at"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	data, _ := json.Marshal(m)
	return data
}

// noLeaks checks that no issued token appears in the config dir, the lock
// dir, or anything latchkey printed (token's stdout aside).
func (w *world) noLeaks(tokens []string) {
	w.t.Helper()
	if len(tokens) == 0 {
		w.t.Fatal("the provider reported no issued tokens to scan for")
	}
	var blobs []struct {
		name string
		data []byte
	}
	for _, root := range w.roots() {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				data, _ := os.ReadFile(p)
				blobs = append(blobs, struct {
					name string
					data []byte
				}{p, data})
			}
			return nil
		})
	}
	blobs = append(blobs, struct {
		name string
		data []byte
	}{"latchkey's output", w.output.Bytes()})
	for _, b := range blobs {
		for _, tok := range tokens {
			if len(tok) >= 8 && bytes.Contains(b.data, []byte(tok)) {
				w.t.Errorf("an issued token (%d bytes) appears in %s", len(tok), b.name)
			}
		}
	}
}

func oidcConfig(srv *oidcprovidertest.Server) string {
	return fmt.Sprintf("[providers.testidp]\ntype = \"oidc\"\nissuer = %q\nclient_id = %q\n", srv.Issuer, srv.ClientID)
}

type listed struct {
	ID           string   `json:"id"`
	Provider     string   `json:"provider"`
	Email        string   `json:"email"`
	Status       string   `json:"status"`
	StatusReason string   `json:"status_reason"`
	Scopes       []string `json:"scopes"`
	NotGranted   []string `json:"not_granted"`
}

func (w *world) list() []listed {
	w.t.Helper()
	var l []listed
	if err := json.Unmarshal([]byte(w.must("list", "--json")), &l); err != nil {
		w.t.Fatal(err)
	}
	return l
}

// TestConnectListShowTokenRefreshRemove drives the whole life of an account
// through the real binary, provider and keychain.
func TestConnectListShowTokenRefreshRemove(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"

	out := w.must("connect", "testidp", "--timeout", "60s")
	if !strings.Contains(out, "Connected alice@example.test") {
		t.Errorf("connect said %q", out)
	}

	l := w.list()
	if len(l) != 1 || l[0].ID != id || l[0].Provider != "testidp" || l[0].Email != "alice@example.test" || l[0].Status != "connected" {
		t.Fatalf("list --json = %+v", l)
	}
	if !strings.Contains(strings.Join(l[0].Scopes, " "), "openid") {
		t.Errorf("granted scopes %v lack openid", l[0].Scopes)
	}

	var shown map[string]any
	if err := json.Unmarshal([]byte(w.must("show", "alice@example.test", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "provider", "email", "status", "scopes", "not_granted"} {
		if _, ok := shown[k]; !ok {
			t.Errorf("show --json lacks %q: %v", k, shown)
		}
	}

	tok1 := strings.TrimSpace(w.must("token", "alice@example.test"))
	item, ok := w.item(id + "/access/default")
	if !ok || item["access_token"] != tok1 || item["version"] != float64(1) {
		t.Fatalf("token printed %d bytes; keychain access item = %v", len(tok1), ok)
	}
	rt1, _ := w.item(id + "/refresh")
	if rt1["refresh_token"] == "" {
		t.Fatal("no refresh token in the keychain")
	}
	if again := strings.TrimSpace(w.must("token", id)); again != tok1 {
		t.Error("a fresh cached token was not reused")
	}
	if _, r := srv.Stats(t); r != 0 {
		t.Errorf("refreshes before expiry = %d", r)
	}

	// Refresh: the cached token has expired; the rotated refresh token is saved.
	w.expire(id, "default")
	var js struct {
		AccessToken string    `json:"access_token"`
		ExpiresAt   time.Time `json:"expires_at"`
		Scopes      []string  `json:"scopes"`
		TokenType   string    `json:"token_type"`
		Account     string    `json:"account"`
	}
	if err := json.Unmarshal([]byte(w.must("token", "alice@example.test", "--format", "json")), &js); err != nil {
		t.Fatal(err)
	}
	if js.AccessToken == "" || js.AccessToken == tok1 || js.Account != id || js.TokenType != "Bearer" || time.Until(js.ExpiresAt) < 10*time.Minute {
		t.Errorf("refreshed token: %+v (same as before: %v)", js, js.AccessToken == tok1)
	}
	if _, r := srv.Stats(t); r != 1 {
		t.Errorf("refreshes = %d, want 1", r)
	}
	rt2, _ := w.item(id + "/refresh")
	if rt2["refresh_token"] == rt1["refresh_token"] {
		t.Error("the rotated refresh token was not saved")
	}
	if hdr := w.must("token", id, "--format", "header"); hdr != "Authorization: Bearer "+js.AccessToken+"\n" {
		t.Errorf("--format header printed %d bytes of something else", len(hdr))
	}

	out = w.must("remove", "alice@example.test")
	if !strings.Contains(out, "still exists at the provider") {
		t.Errorf("remove said %q", out)
	}
	for _, key := range []string{id + "/refresh", id + "/access/default"} {
		if _, ok := w.item(key); ok {
			t.Errorf("keychain item %s survived remove", key)
		}
	}
	if l := w.list(); len(l) != 0 {
		t.Errorf("list after remove = %+v", l)
	}
	w.expectExit(exitUnknownAccount, "token", "alice@example.test")
	w.noLeaks(srv.IssuedTokens(t))
}

// TestProperty31_ConcurrentTokensRefreshOnce: 50 processes ask for an
// expired token at once; the provider sees one refresh, all print the same
// token, the access log holds 50 whole entries, and the lock file is still
// there afterwards.
func TestProperty31_ConcurrentTokensRefreshOnce(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"
	w.must("connect", "testidp", "--timeout", "60s")
	w.expire(id, "default")

	const n = 50
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = w.run("token", "alice@example.test") }()
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 || r.stdout != results[0].stdout || strings.TrimSpace(r.stdout) == "" {
			t.Fatalf("process %d: exit %d, same token as process 0: %v, stderr %q", i, r.code, r.stdout == results[0].stdout, r.stderr)
		}
	}
	if _, r := srv.Stats(t); r != 1 {
		t.Errorf("refreshes at the provider = %d, want exactly 1", r)
	}
	item, _ := w.item(id + "/access/default")
	if item["access_token"] != strings.TrimSpace(results[0].stdout) {
		t.Error("the token printed is not the one in the keychain")
	}
	w.checkAccessLog(id, n)
	// Deleting a lock file would let two processes hold "the" lock.
	if _, err := os.Lstat(w.lockPath(id)); err != nil {
		t.Errorf("the account's lock file is gone: %v", err)
	}
	w.noLeaks(srv.IssuedTokens(t))
}

// TestInvalidGrantMarksReconnect: a revoked refresh token ends in a plain
// reason and exit code 4, and nothing stored is deleted.
func TestInvalidGrantMarksReconnect(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"
	w.must("connect", "testidp", "--timeout", "60s")
	before, _ := w.item(id + "/refresh")
	srv.RevokeAll(t)
	w.expire(id, "default")

	r := w.expectExit(exitNeedsReconnect, "token", "alice@example.test")
	if !strings.Contains(r.stderr, "expired or was revoked") || !strings.Contains(r.stderr, "latchkey connect testidp") {
		t.Errorf("stderr = %q", r.stderr)
	}
	l := w.list()
	if l[0].Status != "needs-reconnect" || l[0].StatusReason == "" {
		t.Errorf("list = %+v", l)
	}
	after, ok := w.item(id + "/refresh")
	if !ok || after["refresh_token"] != before["refresh_token"] {
		t.Error("the saved sign-in was lost")
	}
	// Later calls say the same without asking the provider again.
	_, refreshes := srv.Stats(t)
	w.expectExit(exitNeedsReconnect, "token", id)
	if _, again := srv.Stats(t); again != refreshes {
		t.Error("a marked account was refreshed again")
	}
	// A reconnect brings it back.
	w.must("connect", "testidp", "--timeout", "60s")
	w.must("token", id)
	w.noLeaks(srv.IssuedTokens(t))
}

// TestKeychainLockedOrMissing: no keychain means a clear message and exit
// code 5, no file holding a secret, and nothing lost once it is back.
func TestKeychainLockedOrMissing(t *testing.T) {
	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
	w := newWorld(t, oidcConfig(srv))
	const id = "testidp:alice@example.test"
	w.must("connect", "testidp", "--timeout", "60s")
	tok := strings.TrimSpace(w.must("token", id))

	if err := keyring.Lock(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := w.expectExit(exitKeychain, "token", id)
	if !strings.Contains(r.stderr, "locked") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("a locked keychain took %s to report", time.Since(start))
	}
	w.expectExit(exitKeychain, "connect", "testidp", "--timeout", "60s")
	if err := keyring.Unlock(keyringtest.Password); err != nil {
		t.Fatal(err)
	}
	if again := strings.TrimSpace(w.must("token", id)); again != tok {
		t.Error("the account did not survive a locked keychain")
	}

	busOnly, err := keyringtest.StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer busOnly.Close()
	env := append(busOnly.Environ(), "LATCHKEY_CONFIG_DIR="+w.dir, "LATCHKEY_KEYCHAIN_TIMEOUT=5s")
	r = w.runEnv(env, "token", id)
	if r.code != exitKeychain || !strings.Contains(r.stderr, "Secret Service") {
		t.Errorf("no Secret Service: exit %d, stderr %q", r.code, r.stderr)
	}
	env = append(keyring.NoBusEnv(), "LATCHKEY_CONFIG_DIR="+w.dir)
	r = w.runEnv(env, "token", id)
	if r.code != exitKeychain || !strings.Contains(r.stderr, "session bus") {
		t.Errorf("no session bus: exit %d, stderr %q", r.code, r.stderr)
	}
	w.noLeaks(srv.IssuedTokens(t))
}

// TestSignInRefused: an error redirect whose description carries markup
// ends with a clear message and exit code 7, and nothing is saved.
func TestSignInRefused(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	ms.FailAuthorize("access_denied", `<script>alert("x")</script> The user declined.`)
	r := w.expectExit(exitSignIn, "connect", "microsoft", "--timeout", "60s")
	if !strings.Contains(r.stderr, "access_denied") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if l := w.list(); len(l) != 0 {
		t.Errorf("a refused sign-in saved %+v", l)
	}
}

// TestStateMismatch: a callback with a forged state is refused, and the
// sign-in ends with a clear message and exit code 7 rather than accepting it.
func TestStateMismatch(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	// The stand-in browser is told to tamper with the state on the way back.
	env := append(slicesClone(w.env), "STANDIN_BROWSER_MODE=forge-state")
	r := w.runEnv(env, "connect", "microsoft", "--timeout", "5s")
	if r.code != exitSignIn || !strings.Contains(r.stderr, "state") {
		t.Fatalf("forged state: exit %d, stderr %q", r.code, r.stderr)
	}
	if l := w.list(); len(l) != 0 {
		t.Errorf("a forged callback saved %+v", l)
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestMicrosoftEndToEnd: the Microsoft provider's own paths through the
// binary: localhost redirect, {tid} issuer, rotation, a second resource
// with the same refresh token, and AADSTS reasons in plain words.
func TestMicrosoftEndToEnd(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice@contoso.test"})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	const id = "microsoft:alice@contoso.test"
	w.must("connect", "microsoft", "--timeout", "60s", "--scope", "User.Read", "--scope", "https://outlook.office.com/IMAP.AccessAsUser.All")
	if got := ms.LastTokenRequest().Get("redirect_uri"); !strings.HasPrefix(got, "http://localhost:") {
		t.Errorf("redirect_uri = %q", got)
	}
	graph := strings.TrimSpace(w.must("token", "alice@contoso.test"))
	if info, ok := ms.Lookup(graph); !ok || info.Resource != "" { // the emulator's name for Graph
		t.Errorf("default token is for %+v", info)
	}
	rt1, _ := w.item(id + "/refresh")

	imap := strings.TrimSpace(w.must("token", id, "--scope", "https://outlook.office.com/IMAP.AccessAsUser.All"))
	if info, ok := ms.Lookup(imap); !ok || info.Resource != "https://outlook.office.com/" {
		t.Errorf("IMAP token is for %+v", info)
	}
	if ms.Refreshes() != 1 {
		t.Errorf("refreshes = %d", ms.Refreshes())
	}
	rt2, _ := w.item(id + "/refresh")
	if rt2["refresh_token"] == rt1["refresh_token"] {
		t.Error("Microsoft's rotated refresh token was not saved")
	}
	if _, ok := w.item(id + "/access/https://outlook.office.com"); !ok {
		t.Error("the second resource's token is not cached")
	}
	w.expectExit(exitUsage, "token", id, "--scope", "Mail.Read", "--scope", "https://outlook.office.com/SMTP.Send")

	ms.FailNext(providertest.InvalidGrant(700082))
	w.expire(id, "https://graph.microsoft.com")
	r := w.expectExit(exitNeedsReconnect, "token", id)
	if !strings.Contains(r.stderr, "90 days") || strings.Contains(r.stderr, "AADSTS") && !strings.Contains(r.stderr, "90 days") {
		t.Errorf("stderr = %q", r.stderr)
	}
	w.noLeaks(ms.IssuedTokens())
}

// TestProviderUnreachable: a provider failing with 500s is a transient
// problem: exit 6, the account stays connected and its tokens stay.
func TestProviderUnreachable(t *testing.T) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.must("connect", "microsoft", "--timeout", "60s")
	id := "microsoft:" + ms.Email
	w.expire(id, "https://graph.microsoft.com")
	for range 5 {
		ms.FailNext(providertest.Status(500))
	}
	w.expectExit(exitUnreachable, "token", id)
	if l := w.list(); l[0].Status != "connected" {
		t.Errorf("a transient failure changed the account: %+v", l[0])
	}
	if _, ok := w.item(id + "/refresh"); !ok {
		t.Error("a transient failure lost the refresh token")
	}
}

// TestGoogleEndToEnd: client secret, iss in the authorization response,
// no rotation on refresh (the old refresh token is kept), a partial grant.
func TestGoogleEndToEnd(t *testing.T) {
	g := providertest.NewGoogle(t, providertest.GoogleOptions{
		Email: "alice@gmail.test",
		Grant: func(req []string) []string { // the person unticks Gmail
			var out []string
			for _, s := range req {
				if s != "https://mail.google.com/" {
					out = append(out, s)
				}
			}
			return out
		},
	})
	w := googleWorld(t, g)
	const id = "google:alice@gmail.test"
	w.must("connect", "google", "--timeout", "60s")
	l := w.list()
	if len(l) != 1 || strings.Join(l[0].NotGranted, " ") != "https://mail.google.com/" {
		t.Errorf("partial grant: %+v", l)
	}
	rt1, _ := w.item(id + "/refresh")
	w.expire(id, "default")
	w.must("token", id)
	rt2, _ := w.item(id + "/refresh")
	if rt1["refresh_token"] != rt2["refresh_token"] {
		t.Error("the refresh token changed although Google sent none")
	}
	g.FailNext(providertest.TestingExpired())
	w.expire(id, "default")
	r := w.expectExit(exitNeedsReconnect, "token", id)
	if !strings.Contains(r.stderr, "7 days") {
		t.Errorf("stderr = %q", r.stderr)
	}
	w.noLeaks(g.IssuedTokens())
}

// TestNoClientID tells the person how to register their own app.
func TestNoClientID(t *testing.T) {
	w := newWorld(t, "")
	r := w.expectExit(exitConfig, "connect", "microsoft")
	for _, want := range []string{"Mobile and desktop applications", "http://localhost", "client_id"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("registration help lacks %q: %s", want, r.stderr)
		}
	}
	r = w.expectExit(exitConfig, "connect", "google", "--client-id", "x")
	if !strings.Contains(r.stderr, "Desktop app") {
		t.Errorf("google help: %s", r.stderr)
	}
}

// TestUsageErrors: wrong command lines get exit code 2 and a pointer to help.
func TestUsageErrors(t *testing.T) {
	w := newWorld(t, "")
	w.expectExit(exitUsage, "token")
	w.expectExit(exitUsage, "token", "a@b.test", "--format", "yaml")
	w.expectExit(exitUsage, "connect", "nosuchprovider")
	w.expectExit(exitUsage, "frobnicate")
	w.expectExit(exitUnknownAccount, "show", "nobody@example.test")
	for _, c := range []string{"connect", "list", "show", "token", "remove", "setup", "log"} {
		if out := w.must(c, "--help"); !strings.Contains(out, "Examples:") {
			t.Errorf("%s --help has no examples", c)
		}
	}
}
