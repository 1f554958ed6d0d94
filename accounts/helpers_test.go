package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore"
)

// memStore is an in-memory SecretStore. It records the keys of Set calls
// in order, and fails every call with err when err is set.
type memStore struct {
	mu    sync.Mutex
	items map[string][]byte
	sets  []string
	gets  []string // keys of Get calls, in order
	err   error
}

func newMemStore() *memStore { return &memStore{items: map[string][]byte{}} }

func (m *memStore) Get(ctx context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gets = append(m.gets, key)
	if m.err != nil {
		return nil, m.err
	}
	v, ok := m.items[key]
	if !ok {
		return nil, fmt.Errorf("keychain read %q: %w", key, secretstore.ErrNotFound)
	}
	return slices.Clone(v), nil
}

func (m *memStore) Set(ctx context.Context, key string, secret []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.items[key] = slices.Clone(secret)
	m.sets = append(m.sets, key)
	return nil
}

func (m *memStore) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	delete(m.items, key)
	return nil
}

// keys lists the stored keys, sorted.
func (m *memStore) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ks []string
	for k := range m.items {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// setCalls returns the keys of Set calls since the last call to it.
func (m *memStore) setCalls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.sets
	m.sets = nil
	return s
}

// put stores an item without recording a Set call.
func (m *memStore) put(key string, v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[key] = v
}

// privateRuntimeDir points XDG_RUNTIME_DIR at a private temporary dir, so
// lock files are the test's own.
func privateRuntimeDir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", d)
	return d
}

// writeConfig writes config.toml into dir.
func writeConfig(t testing.TB, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, ConfigFileName)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// newTestService opens a Service over a fresh config dir holding config,
// with store as its keychain and providertest's browser.
func newTestService(t *testing.T, store SecretStore, config string) *Service {
	t.Helper()
	privateRuntimeDir(t)
	dir := t.TempDir()
	writeConfig(t, dir, config)
	s, err := Open(Options{ConfigDir: dir, Keychain: store, OpenBrowser: providertest.Browser(t)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func microsoftConfig(m *providertest.Microsoft) string {
	return fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", m.ClientID, m.URL)
}

func googleConfig(g *providertest.Google) string {
	return fmt.Sprintf("[providers.google]\nclient_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
		g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer)
}

// assertNoSecrets fails if any of secrets appears in a file under dir or
// in one of errs.
func assertNoSecrets(t *testing.T, dir string, secrets []string, errs ...error) {
	t.Helper()
	if len(secrets) == 0 {
		t.Fatal("no issued tokens to look for")
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(data), s) {
				t.Errorf("%s holds an issued token", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		if e == nil {
			continue
		}
		for _, s := range secrets {
			if strings.Contains(e.Error(), s) {
				t.Errorf("error %q... holds an issued token", e.Error()[:min(40, len(e.Error()))])
			}
		}
	}
}

// errorsIsAny reports whether err matches one of targets.
func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gAuth is the prefix of Google's API scopes.
const gAuth = "https://www.googleapis.com/auth/"
