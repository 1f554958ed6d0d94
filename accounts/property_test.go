package accounts

// Checklist properties held at the level of the accounts core (SECURITY.md
// maps every property to its test).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// failingSets is a memStore whose Set of one key fails.
type failingSets struct {
	*memStore
	key string
}

func (f failingSets) Set(ctx context.Context, key string, secret []byte) error {
	if key == f.key {
		return fmt.Errorf("keychain write %q: %w", key, ErrKeychain)
	}
	return f.memStore.Set(ctx, key, secret)
}

// TestProperty19_RotatedRefreshTokenSavedFirst: a rotated refresh token is
// in the keychain before the access token is saved or returned; if it
// cannot be saved, no access token is handed out; a response without a
// refresh token keeps the old one.
func TestProperty19_RotatedRefreshTokenSavedFirst(t *testing.T) {
	ctx := context.Background()
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{RotatedGrace: -1})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	expireAccess(t, store, accessKey(msID, graph))
	old, _ := store.Get(ctx, refreshKey(msID))
	store.setCalls()
	if _, err := s.Token(ctx, msID, nil); err != nil {
		t.Fatal(err)
	}
	if got := store.setCalls(); len(got) < 2 || got[0] != refreshKey(msID) || got[1] != accessKey(msID, graph) {
		t.Errorf("refresh wrote %q: want the refresh token first", got)
	}
	saved, _ := store.Get(ctx, refreshKey(msID))
	if string(saved) == string(old) {
		t.Fatal("the rotated refresh token was not saved")
	}
	// The provider retired the old token at once: only the saved one works.
	expireAccess(t, store, accessKey(msID, graph))
	if _, err := s.Token(ctx, msID, nil); err != nil {
		t.Fatalf("refresh with the saved token: %v", err)
	}

	t.Run("rotated token cannot be saved", func(t *testing.T) {
		store := newMemStore()
		s := connectMicrosoft(t, m, store)
		expireAccess(t, store, accessKey(msID, graph))
		before, _ := store.Get(ctx, accessKey(msID, graph))
		s.keys = failingSets{store, refreshKey(msID)}
		tok, err := s.Token(ctx, msID, nil)
		if err == nil || tok != nil || !errors.Is(err, ErrKeychain) {
			t.Fatalf("Token = %v, %v: want a keychain error and no token", tok, err)
		}
		if after, _ := store.Get(ctx, accessKey(msID, graph)); string(after) != string(before) {
			t.Error("an access token was saved although its rotated refresh token was not")
		}
	})

	t.Run("no refresh token in the response", func(t *testing.T) {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		store := newMemStore()
		s := newTestService(t, store, googleConfig(g))
		a, err := s.Connect(ctx, ConnectRequest{Provider: "google", Timeout: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		before, _ := store.Get(ctx, refreshKey(a.ID))
		expireAccess(t, store, accessKey(a.ID, defaultResource))
		store.setCalls()
		if _, err := s.Token(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		after, _ := store.Get(ctx, refreshKey(a.ID))
		if string(after) != string(before) || len(store.setCalls()) != 1 {
			t.Error("a refresh without refresh_token changed or rewrote the saved one")
		}
	})
}

// TestProperty10_RefreshIdentityUnchanged: an ID token in a refresh
// response must name the same issuer, subject and audience as at sign-in;
// another identity marks the account for a reconnect and hands out nothing.
func TestProperty10_RefreshIdentityUnchanged(t *testing.T) {
	for claim, value := range map[string]any{"sub": "someone-else", "aud": "another-client", "iss": "https://evil.test/v2.0"} {
		t.Run(claim, func(t *testing.T) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			store := newMemStore()
			s := connectMicrosoft(t, m, store)
			expireAccess(t, store, accessKey(msID, graph))
			m.CorruptNextIDToken(func(c map[string]any) { c[claim] = value })
			tok, err := s.Token(context.Background(), msID, []string{"openid", "User.Read"})
			if tok != nil || !errors.Is(err, ErrNeedsReconnect) || !strings.Contains(err.Error(), "another identity") {
				t.Fatalf("Token = %v, %v: want a reconnect for another identity", tok != nil, err)
			}
		})
	}
}

// TestProperty21_ExpiryWithMargin: the expiry is the time of the request
// plus expires_in, and a token within five minutes of it is renewed rather
// than handed out.
func TestProperty21_ExpiryWithMargin(t *testing.T) {
	ctx := context.Background()
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{AccessTTL: time.Hour})
	store := newMemStore()
	start := time.Now()
	s := connectMicrosoft(t, m, store)
	var at AccessToken
	data, _ := store.Get(ctx, accessKey(msID, graph))
	json.Unmarshal(data, &at)
	if at.Expiry.Before(start.Add(time.Hour-time.Second)) || at.Expiry.After(time.Now().Add(time.Hour)) {
		t.Errorf("expiry %v is not the request time plus expires_in (1h from %v)", at.Expiry, start)
	}
	for _, tt := range []struct {
		left    time.Duration
		renewed bool
	}{{4 * time.Minute, true}, {6 * time.Minute, false}} {
		at.Expiry = time.Now().Add(tt.left)
		b, _ := json.Marshal(at)
		store.put(accessKey(msID, graph), b)
		before := m.Refreshes()
		if _, err := s.Token(ctx, msID, nil); err != nil {
			t.Fatal(err)
		}
		if renewed := m.Refreshes() > before; renewed != tt.renewed {
			t.Errorf("%v before expiry: renewed %v, want %v", tt.left, renewed, tt.renewed)
		}
	}
}

// TestProperty22_InteractionErrorsNeedSignIn: conditional access (MFA) and
// missing consent on refresh lead to an interactive sign-in, said plainly.
func TestProperty22_InteractionErrorsNeedSignIn(t *testing.T) {
	for _, code := range []int{50076, 50079, 65001} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
			store := newMemStore()
			s := connectMicrosoft(t, m, store)
			expireAccess(t, store, accessKey(msID, graph))
			m.FailNext(providertest.InvalidGrant(code))
			_, err := s.Token(context.Background(), msID, nil)
			var re *ReconnectError
			if !errors.As(err, &re) || re.Reason == "" || strings.Contains(re.Reason, "AADSTS") {
				t.Fatalf("Token = %v, want a ReconnectError with a plain reason", err)
			}
			if before := m.Refreshes(); func() bool { s.Token(context.Background(), msID, nil); return m.Refreshes() != before }() {
				t.Error("retried after an interaction error")
			}
		})
	}
}

// TestProperty33_SingleflightWithDeadline: in one process, concurrent
// callers share one refresh; a caller's own deadline ends its wait without
// ending the shared refresh, which later callers join.
func TestProperty33_SingleflightWithDeadline(t *testing.T) {
	privateRuntimeDir(t)
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	expireAccess(t, store, accessKey(msID, graph))
	m.FailNext(providertest.Hang(time.Second))
	before := m.Refreshes()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := s.Token(ctx, msID, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Token with a short deadline = %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("the caller waited %v past its 100ms deadline", d)
	}
	var wg sync.WaitGroup
	toks := make([]*AccessToken, 10)
	for i := range toks {
		wg.Go(func() {
			var err error
			if toks[i], err = s.Token(context.Background(), msID, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := m.Refreshes() - before; n != 1 {
		t.Errorf("%d refreshes, want the one the first caller started", n)
	}
	for _, tok := range toks {
		if tok == nil || tok.Token != toks[0].Token {
			t.Fatal("callers got different tokens")
		}
	}
}

// TestProperty30_ConfigAndNamesBadInput: bad config files get an error
// naming the file and line; bad account names get a usage error; a name
// never becomes part of a path.
func TestProperty30_ConfigAndNamesBadInput(t *testing.T) {
	for _, c := range configBadInput {
		t.Run("config/"+c.name, func(t *testing.T) {
			checkLoadConfig(t, []byte(c.text))
			dir := t.TempDir()
			path := writeConfig(t, dir, c.text)
			_, err := LoadConfig(dir)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Path != path {
				t.Fatalf("LoadConfig = %v: want a *ConfigError naming %s", err, path)
			}
			if c.line > 0 && (ce.Line != c.line || !strings.Contains(err.Error(), fmt.Sprintf(":%d", c.line))) {
				t.Errorf("error %q: want line %d", err, c.line)
			}
		})
	}
	for _, name := range accountNameBadInput {
		t.Run("name/"+name, func(t *testing.T) {
			checkAccountNameInput(t, name)
			if n := lockName("account", name); n != filepath.Base(n) || strings.ContainsAny(n, "/\\$;`'\" ") {
				t.Errorf("lock name %q is not a plain file name", n)
			}
		})
	}
}

// configBadInput are the checklist's bad config files, with the line the
// error must name (0: any); FuzzLoadConfig starts from them too.
var configBadInput = []struct {
	name, text string
	line       int
}{
	{"unknown key", "[providers.microsoft]\nclient_id = \"x\"\nclientid = \"y\"\n", 3},
	{"unknown section", "[provider.microsoft]\nclient_id = \"x\"\n", 1},
	{"wrong type", "[providers.microsoft]\nclient_id = 5\n", 2},
	{"wrong type array", "[providers.microsoft]\nscopes = \"Mail.Read\"\n", 2},
	{"shell metacharacters in a provider name", "[providers.\"a;rm -rf ~\"]\ntype = \"oidc\"\nclient_id = \"x\"\nissuer = \"https://id.test\"\n", 1},
	{"command substitution in a provider name", "[providers.\"$(id)\"]\ntype = \"oidc\"\nclient_id = \"x\"\nissuer = \"https://id.test\"\n", 1},
	{"path separators in a provider name", "[providers.\"../../etc\"]\ntype = \"oidc\"\nclient_id = \"x\"\nissuer = \"https://id.test\"\n", 1},
	{"not TOML", "[providers.microsoft\n", 0},
	{"invalid UTF-8", "[providers.microsoft]\nclient_id = \"\xff\"\n", 0},
}

// accountNameBadInput are names with shell metacharacters, path
// separators and control characters; FuzzAccountName starts from them too.
var accountNameBadInput = []string{
	"a;rm -rf ~", "$(id)@x.test", "`id`@x.test", "a|b@x.test", "a'b\"@x.test",
	"../../etc/passwd", "a/b@x.test", `a\b@x.test`, "a\x00b", "a\nb", "a#1@x.test", "",
}

// TestProperty18_ThreatModelWritten: SECURITY.md says what the keychain does
// not protect, and its property table names, for each of properties 1-33,
// tests that exist (or says why a property has none yet).
func TestProperty18_ThreatModelWritten(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	for _, want := range []string{"same user", "/usr/bin/security", "Reporting a vulnerability"} {
		if !strings.Contains(text, want) {
			t.Errorf("SECURITY.md does not mention %q", want)
		}
	}
	defined := testNames(t, "..")
	row := regexp.MustCompile(`(?m)^\| (\d+) \|[^|]*\|([^\n]*)$`)
	named := regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)`")
	seen := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		seen[m[1]] = true
		tests := named.FindAllStringSubmatch(m[2], -1)
		if len(tests) == 0 && !strings.Contains(m[2], "pending") && !strings.Contains(m[2], "does not apply") {
			t.Errorf("property %s: no test and no reason", m[1])
		}
		for _, n := range tests {
			if !defined[n[1]] {
				t.Errorf("property %s names %s, which is not a test in the repository", m[1], n[1])
			}
		}
	}
	// The security checklist has 41 properties; 34 to 41 are those of
	// other local users and hostile text.
	for i := 1; i <= 41; i++ {
		if !seen[fmt.Sprint(i)] {
			t.Errorf("SECURITY.md has no row for property %d", i)
		}
	}
}

// testNames lists the Test and Fuzz functions of the repository's test files.
func testNames(t *testing.T, root string) map[string]bool {
	t.Helper()
	fn := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]+)\(`)
	names := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if strings.HasSuffix(p, "_test.go") {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range fn.FindAllStringSubmatch(string(data), -1) {
				names[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestProperty24_GoogleRevokeThenWipe: Google's revoke endpoint gets the
// refresh token; 200, or 400 invalid_token (already revoked), then a local
// wipe; a failed call deletes nothing.
func TestProperty24_GoogleRevokeThenWipe(t *testing.T) {
	t.Run("200 or invalid_token, then wiped", TestRevokeGoogle)
	t.Run("network failure deletes nothing", TestRevokeGoogleNetworkFailure)
}

// countingTransport counts the HTTP requests that leave the process.
type countingTransport struct {
	mu   sync.Mutex
	urls []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.urls = append(c.urls, r.URL.Redacted())
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestProperty25_MicrosoftRevokeIsLocal: revoking a Microsoft account sends
// no request at all (so never revokeSignInSessions, which would sign the
// person out everywhere), wipes it locally and sends the person to the
// consent page.
func TestProperty25_MicrosoftRevokeIsLocal(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	ct := &countingTransport{}
	store := newMemStore()
	s, b := newReviewService(t, store, microsoftConfig(m))
	s.http = &http.Client{Transport: ct}
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	ct.mu.Lock()
	ct.urls = nil
	ct.mu.Unlock()
	res, err := s.Revoke(context.Background(), msID, RevokeOptions{})
	if err != nil || !res.WipedLocally || res.RevokedAtProvider || res.Page == "" {
		t.Fatalf("Revoke = %+v, %v", res, err)
	}
	if len(ct.urls) != 0 {
		t.Errorf("revoke sent requests: %v", ct.urls)
	}
	if urls := b.urls(); len(urls) == 0 || urls[len(urls)-1] != res.Page {
		t.Errorf("opened %v, want the consent page %s", urls, res.Page)
	}
	if k := store.keys(); len(k) != 0 {
		t.Errorf("keychain holds %v", k)
	}
	t.Run("work and personal accounts", TestRevokeMicrosoft)
}

// TestProperty26_RevokeIdempotentCrashSafe: a revoke interrupted after the
// provider acted finishes when run again; a refresh in flight during a
// revoke writes nothing back. (TestProperty26_RevokeSurvivesKill in
// cmd/latchkey kills the real binary midway.)
func TestProperty26_RevokeIdempotentCrashSafe(t *testing.T) {
	t.Run("interrupted wipe finishes on retry", TestRevokeInterruptedWipe)
	t.Run("refresh in flight discarded", TestRevokeDiscardsRefreshInFlight)
}
