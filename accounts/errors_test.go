package accounts

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSentinelsLiveInErrorsGo: every exported Err* variable of the package
// is declared in errors.go and listed by Sentinels, so the front ends'
// table tests see it.
func TestSentinelsLiveInErrorsGo(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	declared := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, id := range spec.(*ast.ValueSpec).Names {
					if !strings.HasPrefix(id.Name, "Err") || !id.IsExported() {
						continue
					}
					if name != "errors.go" {
						t.Errorf("%s declares %s: sentinels belong in errors.go", name, id.Name)
					}
					declared[id.Name] = true
				}
			}
		}
	}
	if len(declared) != len(Sentinels()) {
		t.Errorf("errors.go declares %d sentinels, Sentinels lists %d: list every one", len(declared), len(Sentinels()))
	}
}

// TestSentinelsMatchOnlyWhatErrorsGoSays: a sentinel, and each typed error
// of the package, matches the sentinels errors.go's comment says, and no
// other.
func TestSentinelsMatchOnlyWhatErrorsGoSays(t *testing.T) {
	broader := map[error][]error{
		ErrKeychainLocked:    {ErrKeychain},
		ErrCapabilityRefused: {ErrUsage},
		ErrIdentityMismatch:  {ErrSignIn},
		ErrRevoking:          {ErrNeedsReconnect},
	}
	typed := map[error]error{
		&ConfigError{Path: "config.toml", Msg: "bad"}:                     ErrConfig,
		&NoClientError{Provider: "google"}:                                ErrConfig,
		&ReconnectError{Account: "google:a@example.org"}:                  ErrNeedsReconnect,
		&AmbiguousError{Name: "a@example.org"}:                            ErrUnknownAccount,
		&RefusedError{Provider: "google"}:                                 ErrCapabilityRefused,
		&IdentityMismatchError{Account: "google:a@example.org"}:           ErrIdentityMismatch,
		&revokingError{id: "google:a@example.org"}:                        ErrRevoking,
		&AdminConsentError{Code: 90094, Err: ErrSignIn}:                   ErrAdminConsent,
		&untrustedError{path: "/tmp/x", problem: "is writable by others"}: ErrStorage,
	}
	matches := func(err error) []error {
		var out []error
		for _, s := range Sentinels() {
			if errors.Is(err, s) {
				out = append(out, s)
			}
		}
		return out
	}
	for _, s := range Sentinels() {
		want := append([]error{s}, broader[s]...)
		if got := matches(s); !sameErrors(got, want) {
			t.Errorf("%q matches %q, want %q", s, got, want)
		}
	}
	for e, s := range typed {
		want := append([]error{s}, broader[s]...)
		if s == ErrAdminConsent {
			want = append(want, ErrSignIn) // the error it explains
		}
		if got := matches(e); !sameErrors(got, want) {
			t.Errorf("%T matches %q, want %q", e, got, want)
		}
	}
}

func sameErrors(a, b []error) bool {
	if len(a) != len(b) {
		return false
	}
	for _, e := range a {
		if !slices.Contains(b, e) {
			return false
		}
	}
	return true
}
