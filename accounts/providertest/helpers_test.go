package providertest_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// app plays a native app: a loopback listener for the redirect.
type app struct {
	t         *testing.T
	port      string
	callbacks chan url.Values
}

func newApp(t *testing.T) *app {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t, callbacks: make(chan url.Values, 16)}
	_, a.port, _ = net.SplitHostPort(ln.Addr().String())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.callbacks <- r.URL.Query()
		io.WriteString(w, "You can close this window.")
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return a
}

// redirect is the redirect URI on host ("localhost" or "127.0.0.1") with path.
func (a *app) redirect(host, path string) string {
	return "http://" + host + ":" + a.port + path
}

// signIn opens authURL with params in the stand-in browser and returns
// the callback's query.
func (a *app) signIn(authURL string, params url.Values) url.Values {
	a.t.Helper()
	open := providertest.Browser(a.t)
	if err := open(authURL + "?" + params.Encode()); err != nil {
		a.t.Fatal(err)
	}
	select {
	case q := <-a.callbacks:
		return q
	case <-time.After(10 * time.Second):
		a.t.Fatal("no callback")
		return nil
	}
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// authParams are a well-formed authorize request's parameters.
func authParams(clientID, redirect, scope, challenge string) url.Values {
	return url.Values{
		"client_id":             {clientID},
		"response_type":         {"code"},
		"redirect_uri":          {redirect},
		"scope":                 {scope},
		"state":                 {"st-" + rand.Text()},
		"nonce":                 {"n-" + rand.Text()},
		"code_challenge":        {challenge},
		"code_challenge_method": {"S256"},
	}
}

// noFollow returns the authorize endpoint's answer without following it.
func noFollow(t *testing.T, u string) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// reply is a decoded token endpoint answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) str(k string) string { s, _ := r.body[k].(string); return s }

func post(t *testing.T, endpoint string, form url.Values) reply {
	t.Helper()
	resp, err := http.PostForm(endpoint, form)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("decode %q: %v", raw, err)
		}
	}
	return r
}

// keys returns the JSON object's keys, sorted.
func keys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}

// decodeJWT checks the header and signature and returns the claims.
func decodeJWT(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	enc := base64.RawURLEncoding
	header, _ := enc.DecodeString(parts[0])
	if string(header) != `{"alg":"RS256","kid":"test","typ":"JWT"}` {
		t.Errorf("header = %s", header)
	}
	sig, _ := enc.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(providertest.SigningKey(), crypto.SHA256, sum[:], sig); err != nil {
		t.Errorf("signature: %v", err)
	}
	body, _ := enc.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(body, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}
