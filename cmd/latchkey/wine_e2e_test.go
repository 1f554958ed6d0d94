package main

// The end-to-end test of latchkey.exe, the command cross-built for Windows,
// run under Wine on Linux: Wine's Credential Manager (CredWriteW and
// friends, kept in the prefix's registry) is the keychain, Wine's URL
// handling (rundll32 url.dll → the host's xdg-open) reaches the stand-in
// browser, and the Microsoft and Google emulators are the providers. It
// runs when LATCHKEY_WINE_TEST is set (make wine); see accounts/winetest.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/winetest"
)

// credMaxBlob is Windows' CRED_MAX_CREDENTIAL_BLOB_SIZE, the most one
// credential holds, and so the size of Latchkey's chunks there.
const credMaxBlob = 2560

// wineWorld is a world whose commands are latchkey.exe in a Wine prefix.
type wineWorld struct {
	*world
	prefix  *winetest.Prefix
	credexe string // accounts/winetest/credtool, built for Windows
}

func newWineWorld(t *testing.T, config string) *wineWorld {
	t.Helper()
	winetest.Skip(t)
	w := newWorld(t, config)
	exeDir := t.TempDir()
	start := time.Now()
	exe := filepath.Join(exeDir, "latchkey.exe")
	cred := filepath.Join(exeDir, "credtool.exe")
	if err := winetest.Build(exe, "."); err != nil {
		t.Fatal(err)
	}
	if err := winetest.Build(cred, "github.com/latchkey/latchkey/accounts/winetest/credtool"); err != nil {
		t.Fatal(err)
	}
	t.Logf("built latchkey.exe and credtool.exe for Windows in %s", time.Since(start).Round(10*time.Millisecond))
	start = time.Now()
	p, err := winetest.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	t.Logf("Wine prefix %s ready in %s", p.Dir, time.Since(start).Round(10*time.Millisecond))
	ww := &wineWorld{world: w, prefix: p, credexe: cred}
	w.bin, w.runner = exe, p.Argv(exe)[:1]
	w.env = p.Env(
		"LATCHKEY_CONFIG_DIR="+winetest.WindowsPath(w.dir),
		// Wine starts slowly the first time; a keychain call is still bounded.
		"LATCHKEY_KEYCHAIN_TIMEOUT=20s",
		"PATH="+oidcprovidertest.BrowserDir()+string(os.PathListSeparator)+os.Getenv("PATH"),
		"STANDIN_BROWSER_LOG="+filepath.Join(exeDir, "browser.log"),
	)
	// The lock dir, %LocalAppData%\latchkey\run, is in the prefix.
	users, _ := filepath.Glob(filepath.Join(p.Dir, "drive_c", "users", "*", "AppData", "Local", "latchkey"))
	w.moreRoots = users
	if len(ww.creds("latchkey:")) != 0 {
		t.Fatalf("the Wine prefix holds Latchkey credentials before the test: %v", ww.creds("latchkey:"))
	}
	return ww
}

// cred runs credtool with args and stdin; it fails the test unless it
// exits 0, or 3 (no such credential) when missingOK.
func (ww *wineWorld) cred(stdin []byte, missingOK bool, args ...string) ([]byte, bool) {
	ww.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := ww.prefix.Command(ctx, ww.credexe, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 && missingOK {
		return nil, false
	}
	if err != nil {
		ww.t.Fatalf("credtool %s: %v: %s", strings.Join(args, " "), err, errb.Bytes())
	}
	return out.Bytes(), true
}

// credItem is one credential: its target name and blob size.
type credItem struct {
	target string
	size   int
}

// creds lists the credentials whose target starts with prefix.
func (ww *wineWorld) creds(prefix string) []credItem {
	ww.t.Helper()
	out, _ := ww.cred(nil, false, "list", prefix)
	var items []credItem
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if target, size, ok := strings.Cut(line, "\t"); ok {
			var n int
			fmt.Sscan(size, &n)
			items = append(items, credItem{target, n})
		}
	}
	return items
}

// raw is the credential of Latchkey's keychain key, as go-keyring names it
// (service:key).
func (ww *wineWorld) raw(key string) (string, bool) {
	ww.t.Helper()
	out, ok := ww.cred(nil, true, "get", accounts.KeychainService+":"+key)
	return string(out), ok
}

// item reads Latchkey's keychain item key through credtool, joining its
// chunks as the README documents (a head "latchkey-chunks:v1:GEN:COUNT"
// and items KEY#GEN.0 … KEY#GEN.COUNT-1).
func (ww *wineWorld) item(key string) (map[string]any, bool) {
	ww.t.Helper()
	v, ok := ww.raw(key)
	if !ok {
		return nil, false
	}
	if gen, count, chunked := parseHead(v); chunked {
		var b strings.Builder
		for i := range count {
			part, ok := ww.raw(fmt.Sprintf("%s#%s.%d", key, gen, i))
			if !ok {
				ww.t.Fatalf("chunk %d of %d of %s is missing", i+1, count, key)
			}
			b.WriteString(part)
		}
		v = b.String()
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		ww.t.Fatalf("keychain item %s is not JSON: %v", key, err)
	}
	return m, true
}

var headPattern = regexp.MustCompile(`^latchkey-chunks:v1:([0-9]+):([0-9]+)$`)

func parseHead(v string) (gen string, count int, ok bool) {
	m := headPattern.FindStringSubmatch(v)
	if m == nil {
		return "", 0, false
	}
	fmt.Sscan(m[2], &count)
	return m[1], count, true
}

// expire rewrites the access item of account/resource as expired, through
// credtool, as a program could.
func (ww *wineWorld) expire(account, resource string) {
	ww.t.Helper()
	key := account + "/access/" + resource
	m, ok := ww.item(key)
	if !ok {
		ww.t.Fatalf("no credential for %s", key)
	}
	ww.cred(expired(m), false, "set", accounts.KeychainService+":"+key)
}

// chunksOf checks that key is stored as one head and count chunks of
// generation gen, none over Windows' limit, and returns the chunk sizes.
func (ww *wineWorld) chunksOf(key string, gen string, count int) []int {
	ww.t.Helper()
	items := ww.creds(accounts.KeychainService + ":" + key)
	var sizes []int
	want := []string{accounts.KeychainService + ":" + key}
	for i := range count {
		want = append(want, fmt.Sprintf("%s:%s#%s.%d", accounts.KeychainService, key, gen, i))
	}
	var got []string
	for _, it := range items {
		got = append(got, it.target)
		if it.size > credMaxBlob {
			ww.t.Errorf("credential %s holds %d bytes, over Windows' %d", it.target, it.size, credMaxBlob)
		}
		if strings.Contains(it.target, "#") {
			sizes = append(sizes, it.size)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		ww.t.Fatalf("credentials of %s:\n got %v\nwant %v", key, got, want)
	}
	if v, _ := ww.raw(key); v != fmt.Sprintf("latchkey-chunks:v1:%s:%d", gen, count) {
		ww.t.Errorf("head of %s = %q", key, v)
	}
	return sizes
}

// TestWineEndToEnd drives latchkey.exe under Wine through the life of a
// Microsoft account whose refresh token is over Credential Manager's
// 2,560-byte limit (connect, token, refresh with rotation, remove) and of
// a Google account (connect, token, refresh, revoke), checks exit codes
// and messages against the Linux build's, and leaves no credential behind.
func TestWineEndToEnd(t *testing.T) {
	start := time.Now()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice@contoso.test", RefreshTokenSize: 6000})
	g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: "bob@gmail.test"})
	config := fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL) +
		fmt.Sprintf("[providers.google]\nclient_id = %q\nclient_secret = %q\nauthorize_url = %q\ntoken_url = %q\nrevoke_url = %q\nissuer = %q\n",
			g.ClientID, g.ClientSecret, g.AuthURL, g.TokenURL, g.RevokeURL, g.Issuer)
	ww := newWineWorld(t, config)
	setup := time.Since(start)
	const msID, gID = "microsoft:alice@contoso.test", "google:bob@gmail.test"
	const graph = "https://graph.microsoft.com"

	t.Run("microsoft, refresh token over 2560 bytes", func(t *testing.T) {
		ww.t = t
		out := ww.must("connect", "microsoft", "--timeout", "90s")
		if !strings.Contains(out, "Connected alice@contoso.test") {
			t.Errorf("connect said %q", out)
		}
		// The sign-in went from latchkey.exe through Wine's URL handling
		// (rundll32 url.dll) to the host's xdg-open, the stand-in: the
		// local start page, which keeps state and PKCE out of argv, as on
		// Linux.
		opened, _ := os.ReadFile(filepath.Join(filepath.Dir(ww.bin), "browser.log"))
		if !strings.HasPrefix(string(opened), "http://localhost:") || !strings.Contains(string(opened), "/start/") || strings.Contains(string(opened), "state=") {
			t.Errorf("the stand-in browser was asked to open %q", opened)
		}
		if l := ww.list(); len(l) != 1 || l[0].ID != msID || l[0].Status != "connected" {
			t.Fatalf("list --json = %+v", l)
		}
		rt1, _ := ww.item(msID + "/refresh")
		rt, _ := rt1["refresh_token"].(string)
		if len(rt) != 6000 {
			t.Fatalf("the refresh token read back from the chunks is %d bytes, want 6000", len(rt))
		}
		sizes := ww.chunksOf(msID+"/refresh", "1", 3)
		t.Logf("refresh item: a head and chunks of %v bytes (a %d-byte refresh token)", sizes, len(rt))
		if _, ok := ww.raw(msID + "/access/" + graph); !ok {
			t.Fatal("no access item in Credential Manager")
		}

		tok1 := strings.TrimSpace(ww.must("token", "alice@contoso.test"))
		if item, _ := ww.item(msID + "/access/" + graph); item["access_token"] != tok1 {
			t.Fatal("token printed something other than the access item")
		}
		if ms.Refreshes() != 0 {
			t.Errorf("refreshes before expiry = %d", ms.Refreshes())
		}

		ww.expire(msID, graph)
		tok2 := strings.TrimSpace(ww.must("token", msID))
		if tok2 == tok1 || ms.Refreshes() != 1 {
			t.Fatalf("after expiry: new token %v, %d refreshes", tok2 != tok1, ms.Refreshes())
		}
		if info, ok := ms.Lookup(tok2); !ok || info.Resource != "" {
			t.Errorf("refreshed token is for %+v", info)
		}
		rt2, _ := ww.item(msID + "/refresh")
		if rt2["refresh_token"] == rt1["refresh_token"] || len(rt2["refresh_token"].(string)) != 6000 {
			t.Error("the rotated refresh token was not saved whole")
		}
		// The rotated token is a new generation; the old one's chunks are gone.
		ww.chunksOf(msID+"/refresh", "2", 3)

		out = ww.must("remove", "alice@contoso.test")
		if !strings.Contains(out, "still exists at the provider") {
			t.Errorf("remove said %q", out)
		}
		if left := ww.creds(accounts.KeychainService + ":" + msID); len(left) != 0 {
			t.Errorf("credentials left after remove: %v", left)
		}
		ww.expectExit(exitUnknownAccount, "token", msID)
	})

	t.Run("google, revoke", func(t *testing.T) {
		ww.t = t
		ww.must("connect", "google", "--timeout", "90s")
		rt1, _ := ww.item(gID + "/refresh")
		ww.must("token", gID)
		ww.expire(gID, "default")
		ww.must("token", gID)
		if g.Refreshes() != 1 {
			t.Errorf("refreshes = %d, want 1", g.Refreshes())
		}
		if rt2, _ := ww.item(gID + "/refresh"); rt2["refresh_token"] != rt1["refresh_token"] {
			t.Error("the refresh token changed although Google sent none")
		}
		out := ww.must("revoke", "bob@gmail.test")
		if !strings.Contains(out, "The provider revoked Latchkey's access") || g.Revokes() != 1 {
			t.Errorf("revoke (%d at Google): %s", g.Revokes(), out)
		}
		ww.expectExit(exitUnknownAccount, "revoke", gID)
	})

	t.Run("exit codes and messages as on Linux", func(t *testing.T) {
		ww.t = t
		linux := &world{t: t, dir: ww.dir, env: append(keyring.Environ(), "LATCHKEY_CONFIG_DIR="+ww.dir, "LATCHKEY_KEYCHAIN_TIMEOUT=5s")}
		for _, c := range []struct {
			code int
			args []string
		}{
			{exitUnknownAccount, []string{"token", "nobody@example.test"}},
			{exitUsage, []string{"token"}},
			{exitUsage, []string{"token", "a@b.test", "--format", "yaml"}},
			{exitUsage, []string{"connect", "nosuchprovider"}},
			{exitUsage, []string{"frobnicate"}},
			{exitUnknownAccount, []string{"show", "nobody@example.test"}},
		} {
			win := ww.expectExit(c.code, c.args...)
			lin := linux.expectExit(c.code, c.args...)
			// The same file, named as each OS names it.
			win.stderr = strings.ReplaceAll(win.stderr, winetest.WindowsPath(ww.dir)+`\config.toml`, filepath.Join(ww.dir, "config.toml"))
			if win.stderr != lin.stderr || win.stdout != lin.stdout {
				t.Errorf("latchkey %s: Windows and Linux differ\nwindows: %q\nlinux:   %q", strings.Join(c.args, " "), win.stderr, lin.stderr)
			}
		}
	})

	ww.t = t
	if left := ww.creds(accounts.KeychainService + ":"); len(left) != 0 {
		t.Errorf("credentials left in Wine's Credential Manager: %v", left)
	}
	if l := ww.list(); len(l) != 0 {
		t.Errorf("accounts left: %+v", l)
	}
	ww.noLeaks(append(ms.IssuedTokens(), g.IssuedTokens()...))
	t.Logf("Wine end to end: %s in all, %s of it building and preparing the prefix", time.Since(start).Round(100*time.Millisecond), setup.Round(100*time.Millisecond))
}
