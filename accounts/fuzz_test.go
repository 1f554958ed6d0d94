package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// unreachable is an HTTP client that never leaves the process.
var unreachable = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzz tests")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("[providers.microsoft]\nclient_id = \"abc\"\ntenant = \"organizations\"\ncloud = \"china\"\n"))
	f.Add([]byte("[providers.exchange]\nclient_id = \"abc\"\nresource = \"https://mail.contoso.test/\"\n"))
	f.Add([]byte("[providers.corp]\ntype = \"oidc\"\nclient_id = \"x\"\nissuer = \"https://id.corp.test\"\nscopes = [\"openid\"]\n"))
	f.Add([]byte("[providers.google]\nclientid = 1\n"))
	f.Add([]byte("providers = 5\n"))
	for _, c := range configBadInput {
		f.Add([]byte(c.text))
	}
	f.Fuzz(checkLoadConfig)
}

// checkLoadConfig: a config file loads, or fails with a *ConfigError
// naming the file and a line inside it; what loads sets up only sound
// endpoints.
func checkLoadConfig(t *testing.T, data []byte) {
	dir := t.TempDir()
	path := filepath.Join(dir, ConfigFileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(dir)
	if err != nil {
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Path != path || !strings.HasPrefix(err.Error(), path) {
			t.Fatalf("LoadConfig error %q is not a *ConfigError naming %s", err, path)
		}
		if ce.Line < 0 || ce.Line > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("error line %d outside the file", ce.Line)
		}
		return
	}
	for name := range c.Providers {
		if !providerName().MatchString(name) {
			t.Fatalf("accepted provider name %q", name)
		}
	}
	for _, name := range c.ProviderNames() {
		su, err := c.ProviderSetup(context.Background(), name, Settings{}, unreachable)
		if err != nil {
			if !errorsIsAny(err, ErrConfig, ErrUsage, ErrProviderUnreachable) {
				t.Fatalf("Setup(%s) = %v: not a known kind of error", name, err)
			}
			continue
		}
		for _, u := range []string{su.AuthURL, su.TokenURL} {
			if checkEndpoint("url", u) != nil {
				t.Fatalf("Setup(%s) accepted endpoint %q", name, u)
			}
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("null"))
	f.Add([]byte(`{"version":1,"accounts":[]}`))
	f.Add([]byte(`{"version":1,"accounts":[null,{"id":"microsoft:a@x.test","email":"a@x.test","status":"connected","tokens":{"https://graph.microsoft.com":{"expires_at":"2025-01-02T03:04:05+01:00","scopes":["User.Read"]}}}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, IndexFileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ix, err := loadIndex(dir)
		if err != nil {
			if !errors.Is(err, ErrStorage) || !strings.Contains(err.Error(), path) {
				t.Fatalf("loadIndex error %q: want ErrStorage naming the file", err)
			}
			return
		}
		for _, r := range ix.file.Accounts {
			if r == nil || r.ID == "" {
				t.Fatal("loadIndex kept an empty record")
			}
			_ = r.view()
			ix.find(r.ID)
		}
		first, err := json.Marshal(ix.file)
		if err != nil {
			// Only values that cannot be written back, such as times past
			// year 9999, may fail; save must then fail cleanly.
			if serr := ix.save(); !errors.Is(serr, ErrStorage) {
				t.Fatalf("save of an unencodable index = %v", serr)
			}
			return
		}
		if err := ix.save(); err != nil {
			t.Fatalf("save: %v", err)
		}
		back, err := loadIndex(dir)
		if err != nil {
			t.Fatalf("load after save: %v", err)
		}
		second, _ := json.Marshal(back.file)
		if !bytes.Equal(first, second) {
			t.Fatalf("index changed in a save and load:\n%s\n%s", first, second)
		}
	})
}

func FuzzAccountName(f *testing.F) {
	for _, s := range []string{"a@x.test", "microsoft:a@x.test", "MICROSOFT:A@X.TEST", "", " ", "a\tb", "a\u2028b", "\xff", "ü@x.test", "a\u200bb"} {
		f.Add(s)
	}
	for _, s := range accountNameBadInput {
		f.Add(s)
	}
	f.Fuzz(checkAccountNameInput)
}

// nameIndex is an index with accounts whose names overlap.
var nameIndex = sync.OnceValue(func() *index {
	ix := &index{path: IndexFileName, file: indexFile{Version: indexVersion}}
	ix.put(testRecord("microsoft", "a@x.test"))
	ix.put(testRecord("google", "a@x.test"))
	ix.put(testRecord("google", "ü@x.test"))
	return ix
})

// checkAccountNameInput: a name is refused with ErrUsage, or resolves to
// an account it names, or to ErrUnknownAccount or an ambiguity.
func checkAccountNameInput(t *testing.T, name string) {
	ix := nameIndex()
	err := checkAccountName(name)
	if err == nil {
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) >= 0 || !isValidUTF8(name) {
			t.Fatalf("checkAccountName accepted %q", name)
		}
	} else if !errors.Is(err, ErrUsage) {
		t.Fatalf("checkAccountName(%q) = %v: want ErrUsage", name, err)
	}
	r, ferr := ix.find(name)
	switch {
	case err != nil && !errors.Is(ferr, ErrUsage):
		t.Fatalf("find(%q) = %v, want ErrUsage like checkAccountName", name, ferr)
	case ferr == nil && r == nil:
		t.Fatalf("find(%q) returned neither a record nor an error", name)
	case ferr != nil && !errorsIsAny(ferr, ErrUsage, ErrUnknownAccount):
		t.Fatalf("find(%q) = %v", name, ferr)
	case ferr == nil && !strings.EqualFold(r.ID, name) && !strings.EqualFold(r.Email, name):
		t.Fatalf("find(%q) found %s", name, r.ID)
	}
}

func isValidUTF8(s string) bool {
	return strings.ToValidUTF8(s, "\uFFFD") == s && !strings.ContainsRune(s, unicode.ReplacementChar)
}
