package catalog_test

import (
	"bytes"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/catalog/catalogtest"
)

// TestProviderRows walks the providers table: every row has what each
// front end shows (titles, blurb, console, registration steps), a default
// capability it offers, https endpoints, and an explanation of every
// scope it asks for.
func TestProviderRows(t *testing.T) {
	walkRows(t, false)
}

// TestOneRowAddsAProvider: a provider added as one row passes the same
// walk (its endpoints on loopback, as a test row's are), and is then
// listed, looked up, explained and planned for like a built-in one.
func TestOneRowAddsAProvider(t *testing.T) {
	row := catalogtest.Add(t, catalogtest.Row("testmail", catalog.Endpoints{
		Auth: "http://127.0.0.1:1/auth", Token: "http://127.0.0.1:1/token", Issuer: "http://127.0.0.1:1"}))
	walkRows(t, true)
	if names := catalog.Names(); names[len(names)-1] != row.Name {
		t.Errorf("Names() = %q, want %s last", names, row.Name)
	}
	if p, ok := catalog.Lookup(row.Name); !ok || p.Title != row.Title || catalog.FamilyOf(row.Name) != catalog.FamilyGoogle {
		t.Errorf("Lookup(%s) = %+v, %v", row.Name, p, ok)
	}
	if info := catalog.LookupScope(row.Name, catalogtest.Scope); !info.Known || info.Provider != row.Name {
		t.Errorf("LookupScope = %+v, want the row's entry", info)
	}
	plan, err := catalog.PlanScopes(row.Name, []catalog.Capability{row.DefaultCapability}, nil)
	if err != nil || strings.Join(plan.Scopes(), " ") != "openid email "+catalogtest.Scope {
		t.Errorf("PlanScopes = %q, %v", plan.Scopes(), err)
	}
	if got := catalog.CapabilitiesGiven(row.Name, plan.Scopes()); !slices.Equal(got, []catalog.Capability{catalog.CapabilityReadMail}) {
		t.Errorf("CapabilitiesGiven = %v", got)
	}
}

// TestAddForTestRestores: the table is whole again once a test is done.
func TestAddForTestRestores(t *testing.T) {
	before := catalog.Names()
	restore := catalog.AddForTest(catalogtest.Row("gone", catalog.Endpoints{}))
	if len(catalog.Names()) != len(before)+1 {
		t.Fatal("the row was not added")
	}
	restore()
	if _, ok := catalog.Lookup("gone"); ok || !slices.Equal(catalog.Names(), before) {
		t.Errorf("after restore: %q", catalog.Names())
	}
}

func walkRows(t *testing.T, loopbackOK bool) {
	t.Helper()
	for _, p := range catalog.Providers() {
		t.Run(p.Name, func(t *testing.T) {
			checkWords(t, p)
			checkCapabilities(t, p)
			checkEndpoints(t, p, loopbackOK)
			for _, sc := range append(slices.Clone(p.Scopes), p.SignInScopes...) {
				if !catalog.LookupScope(p.Name, sc).Known {
					t.Errorf("asks for %s, which it does not explain", sc)
				}
			}
		})
	}
}

// checkWords: what people read about the provider is all there.
func checkWords(t *testing.T, p catalog.Provider) {
	t.Helper()
	if p.Name == "" || p.Name != strings.ToLower(p.Name) || strings.ContainsAny(p.Name, " :/") {
		t.Errorf("name %q is not a lower-case word", p.Name)
	}
	for field, v := range map[string]string{"Title": p.Title, "ShortTitle": p.ShortTitle, "Blurb": p.Blurb, "Summary": p.Summary, "Company": p.Company()} {
		if strings.TrimSpace(v) == "" {
			t.Errorf("no %s", field)
		}
	}
	if len(p.Steps) == 0 || slices.Contains(p.Steps, "") {
		t.Errorf("registration steps %q", p.Steps)
	}
	if strings.Count(p.Register, "%s") != 1 {
		t.Errorf("Register has no single %%s for the config path: %q", p.Register)
	}
	if p.RedirectHost != "localhost" && p.RedirectHost != "127.0.0.1" {
		t.Errorf("redirect host %q is not loopback", p.RedirectHost)
	}
}

// checkCapabilities: every capability has an entry, and the default one is
// offered.
func checkCapabilities(t *testing.T, p catalog.Provider) {
	t.Helper()
	if len(catalog.ProviderCapabilities(p.Name)) != len(catalog.Capabilities()) {
		t.Errorf("offers %d capabilities, want an entry for each of %d", len(p.Offers), len(catalog.Capabilities()))
	}
	if pc, ok := catalog.CapabilityScopes(p.Name, p.DefaultCapability); !ok || pc.Refused != "" {
		t.Errorf("default capability %q is not one it offers", p.DefaultCapability)
	}
}

// checkEndpoints: Google-style rows carry https endpoints; Microsoft's
// come from the clouds, which are https.
func checkEndpoints(t *testing.T, p catalog.Provider, loopbackOK bool) {
	t.Helper()
	var urls []string
	switch p.Family {
	case catalog.FamilyGoogle:
		urls = []string{p.Endpoints.Auth, p.Endpoints.Token, p.Endpoints.Issuer}
		if p.Endpoints.Revoke != "" {
			urls = append(urls, p.Endpoints.Revoke)
		}
	case catalog.FamilyMicrosoft:
		if p.Endpoints != (catalog.Endpoints{}) {
			t.Error("a Microsoft row has fixed endpoints; they come from the cloud")
		}
		for _, name := range catalog.CloudNames() {
			c, _ := catalog.Cloud(name)
			urls = append(urls, c.Login, c.Graph, c.Outlook)
		}
	default:
		t.Errorf("family %q: no built-in row of it can sign in", p.Family)
	}
	for _, page := range []string{p.PermissionsPage, p.PersonalPermissionsPage} {
		if page != "" {
			urls = append(urls, page)
		}
	}
	for _, u := range append(urls, p.Console) {
		if !goodURL(u, loopbackOK) {
			t.Errorf("%q is not an https URL", u)
		}
	}
}

func goodURL(raw string, loopbackOK bool) bool {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return false
	case u.Scheme == "https":
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return loopbackOK && u.Scheme == "http" && ip != nil && ip.IsLoopback()
}

// TestTestHookOnlyInTests: the table changes only in tests. AddForTest
// and catalogtest are reached from _test.go files (and catalogtest
// itself), never from the code that ships.
func TestTestHookOnlyInTests(t *testing.T) {
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root:
			return filepath.SkipDir
		case d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go"):
			return nil
		case filepath.ToSlash(path) == "../../accounts/catalog/table.go" || strings.Contains(filepath.ToSlash(path), "/catalog/catalogtest/"):
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte("AddForTest(")) || bytes.Contains(data, []byte("catalog/catalogtest\"")) {
			t.Errorf("%s changes the catalog outside tests", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
