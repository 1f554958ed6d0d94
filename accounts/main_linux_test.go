//go:build linux

package accounts

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// keyringSession is the private gnome-keyring TestMain starts.
var keyringSession *keyringtest.Session

// TestMain gives the examples a real world, since an example cannot set
// one up: a private gnome-keyring on its own bus, the OpenID provider of
// the end-to-end tests, and an account connected to it through the
// stand-in browser, all named by this process's environment the way a
// person's session names them. Access tokens live 5 minutes there, inside
// the refresh margin, so the examples' Token calls refresh for real.
func TestMain(m *testing.M) {
	if os.Getenv(failingWritesChild) != "" {
		os.Exit(m.Run()) // one test that needs no world: see runAloneInChild
	}
	os.Exit(func() int {
		stop, err := startExampleWorld()
		if err != nil {
			fmt.Fprintln(os.Stderr, "accounts tests:", err)
			return 1
		}
		defer stop()
		return m.Run()
	}())
}

func startExampleWorld() (func(), error) {
	var undo []func()
	// stop is not the named result: a failing return sets that to nil
	// before the deferred cleanup runs.
	stop := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	started := false
	defer func() {
		if !started {
			stop()
		}
	}()
	var err error
	keyringSession, err = keyringtest.Start()
	if err != nil {
		return nil, err
	}
	undo = append(undo, keyringSession.Close, keyringSession.Setenv())
	srv, err := oidcprovidertest.Launch(oidcprovidertest.Options{AccessTTL: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { srv.Close() })
	dir, err := os.MkdirTemp("", "latchkey-example-")
	if err != nil {
		return nil, err
	}
	undo = append(undo, func() { os.RemoveAll(dir) })
	config := fmt.Sprintf("[providers.testidp]\ntype = \"oidc\"\nissuer = %q\nclient_id = %q\n", srv.Issuer, srv.ClientID)
	if err := os.WriteFile(filepath.Join(dir, ConfigFileName), []byte(config), 0o600); err != nil {
		return nil, err
	}
	os.Setenv("LATCHKEY_CONFIG_DIR", dir)
	os.Setenv("PATH", oidcprovidertest.BrowserDir()+string(os.PathListSeparator)+os.Getenv("PATH"))
	s, err := Open(Options{})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "testidp", Timeout: time.Minute}); err != nil {
		return nil, fmt.Errorf("connect the examples' account: %w%s", err, keyringSession.Problems())
	}
	started = true
	return stop, nil
}
