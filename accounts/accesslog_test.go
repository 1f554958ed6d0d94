package accounts

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/internal/osproc"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

const outlook = "https://outlook.office.com"

var mailScopes = []string{"User.Read", outlook + "/IMAP.AccessAsUser.All", outlook + "/SMTP.Send"}

// connectMicrosoftMail connects the emulator's user with Graph and the
// mail servers' scopes.
func connectMicrosoftMail(t *testing.T, m *providertest.Microsoft, store *memStore) *Service {
	t.Helper()
	s := newTestService(t, store, microsoftConfig(m))
	if _, err := s.Connect(context.Background(), ConnectRequest{Provider: "microsoft", Scopes: mailScopes, Timeout: 30 * time.Second}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return s
}

// TestTokenForMailAndLog: a SASL request without scopes gets a token for
// the mail servers, not Graph, and the access is logged without the token.
func TestTokenForMailAndLog(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	store := newMemStore()
	s := connectMicrosoftMail(t, m, store)
	ctx := context.Background()
	tok, err := s.TokenFor(ctx, "alice@contoso.test", TokenRequest{Mail: true, Format: "xoauth2"})
	if err != nil {
		t.Fatal(err)
	}
	if info, ok := m.Lookup(tok.Token); !ok || info.Resource != outlook+"/" || tok.Resource != outlook {
		t.Errorf("mail token is for %+v (resource %q)", info, tok.Resource)
	}
	def, err := s.TokenFor(ctx, msID, TokenRequest{})
	if err != nil || def.Resource != graph {
		t.Fatalf("default token: %v, %v", def, err)
	}
	log, err := s.AccessLog(ctx, "", 0)
	if err != nil || len(log) != 2 {
		t.Fatalf("AccessLog = %+v, %v", log, err)
	}
	self := strings.TrimSuffix(filepath.Base(os.Args[0]), ".exe") // osproc drops it on Windows
	if a := log[0]; a.Account != msID || a.Format != "xoauth2" || a.Resource != outlook || a.Program != self || a.PID != os.Getpid() || a.Time.IsZero() {
		t.Errorf("first entry = %+v, want program %q", a, self)
	}
	if log[1].Format != "go" {
		t.Errorf("a Go caller is logged as format %q", log[1].Format)
	}
	data, _ := os.ReadFile(s.AccessLogPath())
	for _, secret := range m.IssuedTokens() {
		if strings.Contains(string(data), secret) {
			t.Fatal("the access log holds a token")
		}
	}
	last, err := s.LastUse(ctx)
	if err != nil || last[msID].Resource != graph || len(last) != 1 {
		t.Errorf("LastUse = %+v, %v", last, err)
	}
	if l, err := s.AccessLog(ctx, "alice@contoso.test", 1); err != nil || len(l) != 1 || l[0].Resource != graph {
		t.Errorf("AccessLog(account, 1) = %+v, %v", l, err)
	}
	if _, err := s.AccessLog(ctx, "nobody@example.test", 0); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("AccessLog of an unknown account = %v", err)
	}
}

// TestMailTokenNeedsConsent: an account connected for Graph only is told
// how to add the mail servers, rather than handed a Graph token they refuse.
func TestMailTokenNeedsConsent(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
	s := connectMicrosoft(t, m, newMemStore())
	_, err := s.TokenFor(context.Background(), msID, TokenRequest{Mail: true})
	var re *ReconnectError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "--scope "+outlook+"/IMAP.AccessAsUser.All") {
		t.Errorf("TokenFor(Mail) = %v", err)
	}
}

// TestSASLStrings decodes the XOAUTH2 and OAUTHBEARER strings the way an
// IMAP server does and checks every field.
func TestSASLStrings(t *testing.T) {
	tok := &AccessToken{Email: "alice@contoso.test", Token: "eyJ0.abc-_", TokenType: "Bearer"}
	raw, err := base64.StdEncoding.DecodeString(tok.XOAUTH2())
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != "user=alice@contoso.test\x01auth=Bearer eyJ0.abc-_\x01\x01" {
		t.Errorf("XOAUTH2 = %q", raw)
	}
	raw, _ = base64.StdEncoding.DecodeString((&AccessToken{Email: "a,b=c@x.test", Token: "t"}).OAuthBearer())
	if string(raw) != "n,a=a=2Cb=3Dc@x.test,\x01auth=Bearer t\x01\x01" {
		t.Errorf("OAUTHBEARER = %q", raw)
	}
}

// newLogService is a Service whose only use is its access log.
func newLogService(t testing.TB, dir string) *Service {
	s, err := Open(Options{ConfigDir: dir, Keychain: newMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func entry(i int) Use {
	return Use{Time: time.Unix(1_700_000_000+int64(i), 0).UTC(), Account: "google:a@x.test", Scopes: []string{"https://mail.google.com/"},
		Format: "raw", Requester: Requester{Program: fmt.Sprintf("p%d", i), PID: i}}
}

// TestAccessLogConcurrentWriters: writers in many goroutines and Services
// (as in many processes) leave only whole entries.
func TestAccessLogConcurrentWriters(t *testing.T) {
	privateRuntimeDir(t)
	dir := t.TempDir()
	const writers, each = 8, 50
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newLogService(t, dir)
			for i := range each {
				if err := s.recordAccess(context.Background(), entry(w*each+i)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	checkLogLines(t, filepath.Join(dir, AccessLogFileName), writers*each)
}

// checkLogLines fails unless the file holds exactly n lines, each a whole entry.
func checkLogLines(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		var a Use
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil || a.Account == "" {
			t.Fatalf("line %d is not an entry: %q", lines+1, sc.Text())
		}
		lines++
	}
	if lines != n {
		t.Errorf("%d entries, want %d", lines, n)
	}
}

// TestAccessLogRotates: the log stays bounded, rotating into .1, and
// reading it returns both files in order.
func TestAccessLogRotates(t *testing.T) {
	privateRuntimeDir(t)
	old := accessLogMax
	accessLogMax = 4096
	defer func() { accessLogMax = old }()
	dir := t.TempDir()
	s := newLogService(t, dir)
	for i := range 200 {
		if err := s.recordAccess(context.Background(), entry(i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{AccessLogFileName, AccessLogFileName + ".1"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.Size() > accessLogMax+512 || !hasMode(fi, 0o600) {
			t.Errorf("%s: %v, %v", name, fi, err)
		}
	}
	all, err := s.AccessLog(context.Background(), "", 0)
	if err != nil || len(all) < 20 || all[len(all)-1].PID != 199 {
		t.Fatalf("after rotation: %d entries, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].PID != all[i-1].PID+1 {
			t.Fatalf("entries out of order or missing at %d: %d after %d", i, all[i].PID, all[i-1].PID)
		}
	}
}

// TestAccessLogSymlinkRefused: a symlink planted at the log's path is not
// written through.
func TestAccessLogSymlinkRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("O_NOFOLLOW is a Unix guard")
	}
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	os.Symlink(victim, filepath.Join(dir, AccessLogFileName))
	s := newLogService(t, dir)
	if err := s.recordAccess(context.Background(), entry(1)); !errors.Is(err, ErrStorage) {
		t.Errorf("recordAccess through a symlink = %v", err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep" {
		t.Error("the log was written through a symlink")
	}
}

// TestParentProcessSkipsCommandShell runs this test binary under
// `sh -c`, as msmtp runs passwordeval: the child names this process, not sh.
func TestParentProcessSkipsCommandShell(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_PRINT_PARENT") == "1" {
		json.NewEncoder(os.Stdout).Encode(ParentProcess())
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("process names come from /proc")
	}
	self, _ := os.Executable()
	cmd := exec.Command("sh", "-c", "'"+self+"' -test.run='^TestParentProcessSkipsCommandShell$' -test.count=1; true")
	cmd.Env = append(os.Environ(), "LATCHKEY_TEST_PRINT_PARENT=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var r Requester
	if err := json.Unmarshal([]byte(strings.SplitN(string(out), "\n", 2)[0]), &r); err != nil {
		t.Fatalf("child printed %q: %v", out, err)
	}
	if r.PID != os.Getpid() || r.Program != filepath.Base(self) || r.ParentPID != os.Getppid() {
		t.Errorf("ParentProcess in the child = %+v, want this process %d (%s)", r, os.Getpid(), filepath.Base(self))
	}
	if osproc.IsCommandShell(os.Getpid()) {
		t.Error("this test binary taken for a shell")
	}
}

// BenchmarkTokenCached and BenchmarkTokenForCachedLogged compare the cached
// path without and with the access log (the difference is what logging
// costs a `latchkey token` call; the keychain here is in memory, so the
// ratio is the worst case).
func BenchmarkTokenCached(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Token(ctx, msID, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenForCachedLogged(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	who := ParentProcess()
	for b.Loop() {
		if _, err := s.TokenFor(ctx, msID, TokenRequest{Format: "raw", Requester: &who}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenForCachedLoggedFindRequester includes finding the
// requester in /proc, as each `latchkey token` does once.
func BenchmarkTokenForCachedLoggedFindRequester(b *testing.B) {
	s := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		who := ParentProcess()
		if _, err := s.TokenFor(ctx, msID, TokenRequest{Format: "raw", Requester: &who}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenCachedKeyring and BenchmarkTokenForCachedLoggedKeyring are
// the same pair over the real gnome-keyring TestMain starts: the log's
// cost next to one Secret Service read, as `latchkey token` pays it.
func BenchmarkTokenCachedKeyring(b *testing.B) {
	s := benchServiceStore(b, keyringStore(b))
	ctx := context.Background()
	for b.Loop() {
		if _, err := s.Token(ctx, msID, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTokenForCachedLoggedKeyring(b *testing.B) {
	s := benchServiceStore(b, keyringStore(b))
	ctx := context.Background()
	for b.Loop() {
		who := ParentProcess()
		if _, err := s.TokenFor(ctx, msID, TokenRequest{Format: "raw", Requester: &who}); err != nil {
			b.Fatal(err)
		}
	}
}

func keyringStore(b *testing.B) SecretStore {
	if keyringSession == nil {
		b.Skip("needs the private gnome-keyring of TestMain (Linux)")
	}
	return secretstore.New(KeychainService, 10*time.Second)
}

// benchService is a Service with one Microsoft account and a fresh cached token.
func benchService(b *testing.B) *Service { return benchServiceStore(b, newMemStore()) }

func benchServiceStore(b *testing.B, store SecretStore) *Service {
	dir := b.TempDir()
	ix := &index{path: filepath.Join(dir, IndexFileName), file: indexFile{Version: indexVersion}}
	ix.file.Accounts = []*record{{Account: Account{ID: msID, Provider: "microsoft", Email: "alice@contoso.test", Status: StatusConnected},
		Family: catalog.FamilyMicrosoft, Resource: graph, Graph: graph}}
	if err := ix.save(); err != nil {
		b.Fatal(err)
	}
	data, _ := json.Marshal(AccessToken{Version: 1, Account: msID, Email: "alice@contoso.test", Token: strings.Repeat("x", 1500),
		TokenType: "Bearer", Expiry: time.Now().Add(time.Hour), Scopes: []string{"User.Read"}, Resource: graph})
	if err := store.Set(context.Background(), accessKey(msID, graph), data); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Delete(context.Background(), accessKey(msID, graph)) })
	s, err := Open(Options{ConfigDir: dir, Keychain: store})
	if err != nil {
		b.Fatal(err)
	}
	return s
}
