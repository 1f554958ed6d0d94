// Package oidcprovidertest runs a real OpenID provider (the npm package
// oidc-provider, see node/server.js) on 127.0.0.1 for end-to-end tests, and
// ships a stand-in browser (browser/xdg-open) that signs in to it.
//
// It is test-support code: it needs node and npm on PATH, and the npm
// registry the first time (npm ci in node/).
//
//	srv := oidcprovidertest.Start(t, oidcprovidertest.Options{})
//	t.Setenv("PATH", oidcprovidertest.BrowserDir()+string(os.PathListSeparator)+os.Getenv("PATH"))
//	// point the app at srv.Issuer with client id srv.ClientID ...
//	authCodes, refreshes := srv.Stats(t)
package oidcprovidertest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// DefaultClientID and DefaultEmail are what Start uses when Options leaves
// them empty.
const (
	DefaultClientID = "latchkey-test"
	DefaultEmail    = "alice@example.test"
	// Subject is the one account's sub claim.
	Subject = "alice"
)

// Options configure the provider Start runs.
type Options struct {
	// Email of the one account (sub "alice"); default DefaultEmail.
	Email string
	// AccessTTL is the access token lifetime, rounded up to whole seconds;
	// default one hour.
	AccessTTL time.Duration
	// NoRotation turns refresh-token rotation off: a refresh then returns
	// no new refresh token and the old one stays valid.
	NoRotation bool
	// ClientID of the one public native client; default DefaultClientID.
	ClientID string
	// OtherSubject, when set, adds a second account with that sub and the
	// same email: another person with the first one's address. The
	// stand-in browser signs in as it with STANDIN_BROWSER_LOGIN set to it.
	OtherSubject string
	// EmailUnverified makes the ID tokens say email_verified false.
	EmailUnverified bool
	// HideISSSupport leaves authorization_response_iss_parameter_supported
	// out of the discovery document, as providers that predate RFC 9207
	// do; the authorization responses still carry iss (see
	// SetAuthResponseIssuer).
	HideISSSupport bool
}

// Server is a running provider.
type Server struct {
	// Issuer is the provider's issuer URL, http://127.0.0.1:PORT (no
	// trailing slash); its discovery document is at
	// Issuer+"/.well-known/openid-configuration".
	Issuer string
	// ClientID is the client registered on it: public (no secret), native,
	// redirect URIs http://127.0.0.1:ANYPORT/ and http://[::1]:ANYPORT/
	// (path exactly "/"), PKCE S256 required.
	//
	// Endpoints: Issuer+"/auth", "/token", "/token/revocation", "/me"
	// (userinfo), "/jwks". Scopes openid, email, profile, offline_access;
	// offline_access yields a refresh token.
	ClientID string
	// Email is the account's email.
	Email string

	cmd    *exec.Cmd
	waited chan struct{} // closed when cmd has exited
	stderr *syncBuffer
}

// Start runs the provider until the test ends. It installs node/node_modules
// first if needed.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Launch(opts)
	if err != nil {
		t.Fatalf("oidcprovidertest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("oidcprovidertest: %v", err)
		}
		if t.Failed() {
			t.Logf("oidcprovidertest: provider stderr:\n%s", s.stderr.String())
		}
	})
	return s
}

// Launch runs the provider until Close, for a TestMain (which has no
// testing.TB); tests use Start.
func Launch(opts Options) (*Server, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not on PATH (Debian: apt-get install nodejs npm): %v", err)
	}
	if err := EnsureNodeModules(); err != nil {
		return nil, err
	}
	s := &Server{ClientID: opts.ClientID, Email: opts.Email, stderr: &syncBuffer{}}
	if s.ClientID == "" {
		s.ClientID = DefaultClientID
	}
	if s.Email == "" {
		s.Email = DefaultEmail
	}
	ttl := int64(3600)
	if opts.AccessTTL > 0 {
		ttl = int64((opts.AccessTTL + time.Second - 1) / time.Second)
	}
	rotate := "1"
	if opts.NoRotation {
		rotate = "0"
	}
	advertiseISS := "1"
	if opts.HideISSSupport {
		advertiseISS = "0"
	}

	cmd := exec.Command(node, "server.js")
	cmd.Dir = nodeDir()
	cmd.Env = append(os.Environ(),
		"PORT=0",
		"CLIENT_ID="+s.ClientID,
		"ACCOUNT_EMAIL="+s.Email,
		"ACCESS_TTL="+strconv.FormatInt(ttl, 10),
		"ROTATE="+rotate,
		"OTHER_SUBJECT="+opts.OtherSubject,
		"EMAIL_VERIFIED="+map[bool]string{false: "1", true: "0"}[opts.EmailUnverified],
		"ADVERTISE_ISS="+advertiseISS,
		"NODE_NO_WARNINGS=1",
	)
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting node server.js: %v", err)
	}
	s.cmd = cmd
	s.waited = make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(s.waited)
	}()

	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if issuer, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- issuer
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s.Issuer = <-ready:
		return s, nil
	case <-s.waited:
		return nil, fmt.Errorf("node server.js exited before it was ready:\n%s", s.stderr.String())
	case <-time.After(30 * time.Second):
		s.Close()
		return nil, fmt.Errorf("node server.js not ready after 30s:\n%s", s.stderr.String())
	}
}

// Close stops the provider.
func (s *Server) Close() error {
	killProcessGroup(s.cmd)
	select {
	case <-s.waited:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("node server.js did not exit")
	}
}

// Stats counts the successful token-endpoint grants by grant type.
func (s *Server) Stats(t testing.TB) (authCode, refresh int) {
	t.Helper()
	var out struct {
		AuthorizationCode int `json:"authorization_code"`
		RefreshToken      int `json:"refresh_token"`
	}
	s.call(t, http.MethodGet, "/__test/stats", &out)
	return out.AuthorizationCode, out.RefreshToken
}

// IssuedTokens returns every access, refresh and ID token the provider has
// issued, oldest first, to scan the app's files and output for leaks.
func (s *Server) IssuedTokens(t testing.TB) []string {
	t.Helper()
	var out []string
	s.call(t, http.MethodGet, "/__test/tokens", &out)
	return out
}

// RevokeAll invalidates every refresh token issued so far (and their
// grants): a later refresh fails with invalid_grant.
func (s *Server) RevokeAll(t testing.TB) {
	t.Helper()
	s.call(t, http.MethodPost, "/__test/revoke-all", nil)
}

// FailNext makes the next token-endpoint request fail with HTTP status and
// the OAuth error code errCode ("" for server_error, or invalid_request
// below 500).
func (s *Server) FailNext(t testing.TB, status int, errCode string) {
	t.Helper()
	q := url.Values{"status": {strconv.Itoa(status)}}
	if errCode != "" {
		q.Set("error", errCode)
	}
	s.call(t, http.MethodPost, "/__test/fail-next?"+q.Encode(), nil)
}

// SetAuthResponseIssuer makes every later authorization response (codes
// and errors) carry iss instead of the provider's own issuer, as in a
// mix-up attack; "" makes them carry none.
func (s *Server) SetAuthResponseIssuer(t testing.TB, iss string) {
	t.Helper()
	path := "/__test/auth-response-iss"
	if iss != "" {
		path += "?" + url.Values{"iss": {iss}}.Encode()
	}
	s.call(t, http.MethodPost, path, nil)
}

func (s *Server) call(t testing.TB, method, path string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.Issuer+path, nil)
	if err != nil {
		t.Fatalf("oidcprovidertest: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("oidcprovidertest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("oidcprovidertest: %s %s: %s %s (%v)", method, path, resp.Status, body, err)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("oidcprovidertest: %s %s: %v in %s", method, path, err, body)
		}
	}
}

// BrowserDir is the absolute directory holding the stand-in browser
// xdg-open; put it first on PATH.
func BrowserDir() string { return filepath.Join(packageDir(), "browser") }

func nodeDir() string { return filepath.Join(packageDir(), "node") }

func packageDir() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Dir(file)
	}
	// Built with -trimpath: look up from the working directory, which for
	// go test is a package directory inside the module.
	const rel = "accounts/oidcprovidertest"
	if dir, err := os.Getwd(); err == nil {
		for {
			if _, err := os.Stat(filepath.Join(dir, rel, "node", "server.js")); err == nil {
				return filepath.Join(dir, rel)
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	panic("oidcprovidertest: cannot find the package's source directory")
}

// EnsureNodeModules runs `npm ci` in node/ unless node_modules already holds
// the pinned oidc-provider. A file lock keeps parallel test processes from
// racing.
func EnsureNodeModules() error {
	dir := nodeDir()
	want, err := pinnedVersion(dir)
	if err != nil {
		return err
	}
	if installedVersion(dir) == want {
		return nil
	}
	sum := sha256.Sum256([]byte(dir))
	lock := flock.New(filepath.Join(os.TempDir(), "latchkey-oidcprovidertest-"+hex.EncodeToString(sum[:8])+".lock"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if ok, err := lock.TryLockContext(ctx, 200*time.Millisecond); !ok {
		return fmt.Errorf("locking for npm ci: %v", err)
	}
	defer lock.Unlock()
	if installedVersion(dir) == want {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("npm is not on PATH (Debian: apt-get install npm): %v", err)
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	if got := installedVersion(dir); got != want {
		return fmt.Errorf("npm ci in %s installed oidc-provider %q, want %q", dir, got, want)
	}
	return nil
}

func pinnedVersion(dir string) (string, error) {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil {
		return "", fmt.Errorf("reading package.json: %v", err)
	}
	v := pkg.Dependencies["oidc-provider"]
	if v == "" {
		return "", errors.New("package.json does not depend on oidc-provider")
	}
	return v, nil
}

func installedVersion(dir string) string {
	var pkg struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "oidc-provider", "package.json"))
	if err != nil || json.Unmarshal(b, &pkg) != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err != nil {
		return ""
	}
	return pkg.Version
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
