//go:build linux

package secretstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
	"github.com/zalando/go-keyring"
)

// Tests in this file talk to the private gnome-keyring started by TestMain.

const testService = "latchkey-test"

func usernames(t *testing.T) []string {
	t.Helper()
	names, err := session.Usernames(testService)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return names
}

func cleanKey(t *testing.T, k *Keyring, key string) {
	t.Helper()
	t.Cleanup(func() {
		if err := k.Delete(context.Background(), key); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

func TestRealRoundTrip(t *testing.T) {
	k := New(testService, 10*time.Second)
	ctx := context.Background()
	cleanKey(t, k, "google:a@example.org")
	if err := k.Set(ctx, "google:a@example.org", []byte("1//refresh-token")); err != nil {
		t.Fatal(err)
	}
	got, err := k.Get(ctx, "google:a@example.org")
	if err != nil || string(got) != "1//refresh-token" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	// An independent reader sees the plain item, as a person would.
	v, ok, err := session.Lookup(testService, "google:a@example.org")
	if err != nil || !ok || v != "1//refresh-token" {
		t.Fatalf("secret-tool lookup = %q, %v, %v", v, ok, err)
	}
	// And an item written by secret-tool reads back.
	if err := session.Store(testService, "google:a@example.org", "from-secret-tool"); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(ctx, "google:a@example.org"); err != nil || string(got) != "from-secret-tool" {
		t.Fatalf("Get after secret-tool store = %q, %v", got, err)
	}
	if err := k.Delete(ctx, "google:a@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, "google:a@example.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := k.Delete(ctx, "google:a@example.org"); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	if _, ok, _ := session.Lookup(testService, "google:a@example.org"); ok {
		t.Fatal("secret-tool still finds the deleted item")
	}
}

// TestProperty15_SecretsOfAnySize: an 8 KiB secret round-trips through the
// real Secret Service, whole or split into chunks.
func TestProperty15_SecretsOfAnySize(t *testing.T) {
	ctx := context.Background()
	t.Run("default chunk size: one item", func(t *testing.T) {
		k := New(testService, 10*time.Second)
		cleanKey(t, k, "big")
		secret := base64.StdEncoding.EncodeToString(randomBytes(t, 6144)) // 8 KiB of text
		if err := k.Set(ctx, "big", []byte(secret)); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(ctx, "big"); err != nil || string(got) != secret {
			t.Fatalf("Get: %d bytes, %v", len(got), err)
		}
		if names := usernames(t); !slices.Equal(names, []string{"big"}) {
			t.Fatalf("items %v, want one", names)
		}
		if v, ok, err := session.Lookup(testService, "big"); err != nil || !ok || v != secret {
			t.Fatalf("secret-tool lookup: %d bytes, %v, %v", len(v), ok, err)
		}
	})
	t.Run("chunks of 1000 bytes", func(t *testing.T) {
		k := New(testService, 10*time.Second)
		k.chunkSize = 1000
		cleanKey(t, k, "big")
		secret := randomBytes(t, 8192)
		if err := k.Set(ctx, "big", secret); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get(ctx, "big"); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Get: %d bytes, %v", len(got), err)
		}
		if names, want := usernames(t), chunkNames("big", 1, 8192, 1000); !slices.Equal(names, want) {
			t.Fatalf("items %v, want %v", names, want)
		}
		// Shrink: 3 chunks of generation 2, nothing of generation 1 left.
		smaller := randomBytes(t, 2500)
		if err := k.Set(ctx, "big", smaller); err != nil {
			t.Fatal(err)
		}
		if names, want := usernames(t), chunkNames("big", 2, 2500, 1000); !slices.Equal(names, want) {
			t.Fatalf("after shrinking: items %v, want %v", names, want)
		}
		if got, err := k.Get(ctx, "big"); err != nil || !bytes.Equal(got, smaller) {
			t.Fatalf("Get after shrinking: %d bytes, %v", len(got), err)
		}
		if err := k.Delete(ctx, "big"); err != nil {
			t.Fatal(err)
		}
		if names := usernames(t); len(names) != 0 {
			t.Fatalf("items left after Delete: %v", names)
		}
	})
}

// lockedWithItem stores the item "acct" and locks the keychain until the
// test ends.
func lockedWithItem(t *testing.T) *Keyring {
	t.Helper()
	k := New(testService, 10*time.Second)
	if err := k.Set(context.Background(), "acct", []byte("v")); err != nil {
		t.Fatal(err)
	}
	cleanKey(t, k, "acct")
	lockSession(t)
	return k
}

func lockSession(t *testing.T) {
	t.Helper()
	if err := session.Lock(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := session.Unlock(keyringtest.Password); err != nil {
			t.Fatalf("unlock: %v", err)
		}
	})
}

// TestRealLocked: with no prompter (the private bus can start none, and
// there is no display) gnome-keyring dismisses the unlock prompt at once;
// go-keyring then fails with "failed to unlock correct collection", and
// the Locked property turns that into ErrLocked.
func TestRealLocked(t *testing.T) {
	k := lockedWithItem(t)
	ctx := context.Background()
	k.timeout = 2 * time.Second
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"Get", func() error { _, err := k.Get(ctx, "acct"); return err }},
		{"Set", func() error { return k.Set(ctx, "acct", []byte("w")) }},
		{"Delete", func() error { return k.Delete(ctx, "acct") }},
	} {
		start := time.Now()
		err := op.run()
		elapsed := time.Since(start)
		if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s on a locked keychain: %v, want ErrLocked", op.name, err)
		}
		if elapsed > 2500*time.Millisecond {
			t.Errorf("%s took %v with a 2s timeout", op.name, elapsed)
		}
		t.Logf("%s: %v after %v", op.name, err, elapsed.Round(time.Millisecond))
	}
}

// TestRealLockedAndStuck stands in for a prompter that never gets an answer
// (go-keyring then blocks forever): the keychain call hangs, and the real
// Locked property still turns the timeout into ErrLocked, on time.
func TestRealLockedAndStuck(t *testing.T) {
	lockSession(t)
	f := newFakeStore()
	release := make(chan struct{})
	defer close(release)
	f.blockSet = func(string, string) { <-release }
	k := newKeyring(testService, 2*time.Second, f)
	k.ready = checkSessionBus
	k.locked = defaultCollectionLocked
	start := time.Now()
	err := k.Set(context.Background(), "acct", []byte("v"))
	if elapsed := time.Since(start); elapsed > 2500*time.Millisecond {
		t.Errorf("Set took %v with a 2s timeout", elapsed)
	}
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("stuck Set on a locked keychain: %v, want ErrLocked", err)
	}
}

// helper runs this test binary as a keychain client with env and returns
// its result kind, how long the Get took, and its error text.
func helper(t *testing.T, env []string) (kind string, took time.Duration, msg string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(env, helperEnv+"=get", "LATCHKEY_SECRETSTORE_KEY=acct", "LATCHKEY_KEYCHAIN_TIMEOUT=5s")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	first, rest, _ := strings.Cut(string(out), "\n")
	kind, d, _ := strings.Cut(first, " ")
	took, err = time.ParseDuration(d)
	if err != nil {
		t.Fatalf("helper printed %q", out)
	}
	return kind, took, strings.TrimSpace(rest)
}

// fakeDBusLaunch puts a dbus-launch first on PATH that only records that it
// ran, and returns the new environment and the record's path.
func fakeDBusLaunch(t *testing.T, env []string) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	record := filepath.Join(dir, "dbus-launch-ran")
	script := "#!/bin/sh\ntouch '" + record + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "dbus-launch"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "PATH=") {
			out = append(out, kv)
		}
	}
	return append(out, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH")), record
}

// busDaemons lists the PIDs of running (not zombie) dbus-daemon and
// dbus-launch processes whose environment holds tag. A daemon that a child
// autolaunched inherits the child's environment; the tag keeps other
// programs' buses on the same machine out of the count.
func busDaemons(t *testing.T, tag string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || end+2 >= len(s) {
			continue
		}
		comm, state := s[open+1:end], s[end+2]
		if (comm != "dbus-daemon" && comm != "dbus-launch") || state == 'Z' {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || slices.Contains(strings.Split(string(environ), "\x00"), tag) {
			pids = append(pids, e.Name()) // unreadable counts, to be safe
		}
	}
	return pids
}

// TestProperty14_NoDBusAutolaunch: without a session bus, keychain calls
// fail at once saying so, and no dbus-launch or dbus-daemon is started.
func TestProperty14_NoDBusAutolaunch(t *testing.T) {
	nobus := session.NoBusEnv()
	tests := []struct {
		name string
		env  []string
	}{
		{"address unset", nobus},
		{"address autolaunch:", append(slices.Clone(nobus), "DBUS_SESSION_BUS_ADDRESS=autolaunch:")},
		{"XDG_RUNTIME_DIR unset", slices.DeleteFunc(slices.Clone(nobus), func(kv string) bool {
			return strings.HasPrefix(kv, "XDG_RUNTIME_DIR=")
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tag := "LATCHKEY_SECRETSTORE_RUN=" + base64.RawURLEncoding.EncodeToString(randomBytes(t, 12))
			env, record := fakeDBusLaunch(t, append(slices.Clone(tt.env), tag))
			before := busDaemons(t, tag)
			kind, took, msg := helper(t, env)
			if kind != "unavailable" || !strings.Contains(msg, "no D-Bus session bus") || !strings.Contains(msg, "dbus-run-session") {
				t.Fatalf("got %s: %s; want ErrUnavailable saying there is no session bus", kind, msg)
			}
			if took > 500*time.Millisecond {
				t.Errorf("took %v to find there is no bus", took)
			}
			if _, err := os.Stat(record); err == nil {
				t.Fatal("dbus-launch ran: D-Bus autolaunch happened")
			}
			if after := busDaemons(t, tag); len(slices.DeleteFunc(after, func(p string) bool { return slices.Contains(before, p) })) > 0 {
				t.Fatalf("new dbus-daemon or dbus-launch processes: %v", after)
			}
		})
	}
}

// TestRealBusFromRuntimeDir: with DBUS_SESSION_BUS_ADDRESS unset, the bus
// socket in $XDG_RUNTIME_DIR is used (godbus alone would only look in
// /run/user/<uid> and then autolaunch).
func TestRealBusFromRuntimeDir(t *testing.T) {
	env := slices.DeleteFunc(session.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=")
	})
	env, record := fakeDBusLaunch(t, env)
	kind, _, msg := helper(t, env)
	if kind != "notfound" {
		t.Fatalf("got %s: %s; want ErrNotFound from the private keyring", kind, msg)
	}
	if _, err := os.Stat(record); err == nil {
		t.Fatal("dbus-launch ran")
	}
}

func TestRealBusWithoutSecretService(t *testing.T) {
	bus, err := keyringtest.StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	kind, took, msg := helper(t, bus.Environ())
	if kind != "unavailable" || !strings.Contains(msg, "no Secret Service") || !strings.Contains(msg, "gnome-keyring") {
		t.Fatalf("got %s: %s; want ErrUnavailable saying there is no Secret Service", kind, msg)
	}
	if took > 2*time.Second {
		t.Errorf("took %v", took)
	}
	t.Logf("message: %s", msg)
}

// TestGoKeyringMock runs the goKeyring adapter against go-keyring's
// in-memory mock. MockInit replaces go-keyring's provider for the whole
// process, so it runs in a child process.
func TestGoKeyringMock(t *testing.T) {
	if os.Getenv(helperEnv) != "mock" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGoKeyringMock$", "-test.v")
		cmd.Env = append(os.Environ(), helperEnv+"=mock")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestGoKeyringMock") {
			t.Fatalf("mock run failed: %v\n%s", err, out)
		}
		return
	}
	k := newKeyring("svc", time.Second, goKeyring{})
	k.chunkSize = 100
	ctx := context.Background()
	secret := randomBytes(t, 8192)
	if err := k.Set(ctx, "acct", secret); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Get(ctx, "acct"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get: %d bytes, %v", len(got), err)
	}
	if raw, err := keyring.Get("svc", "acct"); err != nil || raw != marker(1, 82) {
		t.Fatalf("head = %q, %v", raw, err)
	}
	if err := k.Delete(ctx, "acct"); err != nil {
		t.Fatal(err)
	}
	for i := range 82 {
		if _, err := keyring.Get("svc", chunkName("acct", 1, i)); !errors.Is(err, keyring.ErrNotFound) {
			t.Fatalf("chunk %d after Delete: %v", i, err)
		}
	}
	if _, err := k.Get(ctx, "acct"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}

	keyring.MockInitWithError(keyring.ErrUnsupportedPlatform)
	_, err := k.Get(ctx, "acct")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unsupported platform: %v, want ErrUnavailable", err)
	}
	keyring.MockInitWithError(fmt.Errorf("some D-Bus failure"))
	if err := k.Set(ctx, "acct", []byte("SECRET")); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Fatalf("failing backend: %v", err)
	}
}

// TestRealSameItemsAsGoKeyring: this package's Secret Service client and
// go-keyring read each other's items, and secret-tool reads ours, so items
// written before the client existed keep working and direct readers too.
func TestRealSameItemsAsGoKeyring(t *testing.T) {
	k := New(testService, 10*time.Second)
	ctx := context.Background()
	for _, key := range []string{"ours", "theirs"} {
		cleanKey(t, k, key)
	}
	if err := k.Set(ctx, "ours", []byte("written by latchkey")); err != nil {
		t.Fatal(err)
	}
	if v, err := keyring.Get(testService, "ours"); err != nil || v != "written by latchkey" {
		t.Fatalf("go-keyring Get = %q, %v", v, err)
	}
	if v, ok, err := session.Lookup(testService, "ours"); err != nil || !ok || v != "written by latchkey" {
		t.Fatalf("secret-tool lookup = %q, %v, %v", v, ok, err)
	}
	if err := keyring.Set(testService, "theirs", "written by go-keyring"); err != nil {
		t.Fatal(err)
	}
	got, err := k.GetMany(ctx, "ours", "theirs", "nobody")
	if err != nil || string(got["ours"]) != "written by latchkey" || string(got["theirs"]) != "written by go-keyring" || len(got) != 2 {
		t.Fatalf("GetMany = %d values, %v", len(got), err)
	}
	// Overwriting go-keyring's item replaces it: still one item per key.
	for key, v := range map[string]string{"theirs": "v2", "ours": "v3"} {
		if err := k.Set(ctx, key, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if names := usernames(t); !slices.Equal(names, []string{"ours", "theirs"}) {
		t.Fatalf("items %v, want one per key", names)
	}
	if v, err := keyring.Get(testService, "theirs"); err != nil || v != "v2" {
		t.Fatalf("go-keyring Get after Set = %q, %v", v, err)
	}
}

// TestRealWaitForTimedOutWrite stops gnome-keyring while a write is on its
// way to it, so that the write times out in flight, then checks what a
// long-running program relies on: Wait does not return until the keychain
// has carried out everything sent, and a newer write made meanwhile lands
// after the late one.
func TestRealWaitForTimedOutWrite(t *testing.T) {
	k := New(testService, 10*time.Second)
	ctx := context.Background()
	cleanKey(t, k, "acct")
	if err := k.Set(ctx, "acct", []byte("v0")); err != nil {
		t.Fatal(err)
	}
	pid := session.KeyringPID()
	stop := func(sig syscall.Signal) {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatal(err)
		}
	}
	resumed := false
	defer func() {
		if !resumed {
			stop(syscall.SIGCONT)
		}
	}()

	// A Keyring job whose lookup is done and whose SetSecret then waits
	// for a keychain that does not answer: the write is in flight when
	// its deadline comes.
	ss := k.store.(*secretService)
	k.queue.submit(ctx, func() {
		ss.beginJob(newLookups())
		defer ss.endJob()
		if err := ss.prefetch(ctx, testService, "acct"); err != nil {
			t.Error(err)
			return
		}
		stop(syscall.SIGSTOP)
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		if err := ss.Set(short, testService, "acct", "v1"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Set with the keychain stopped: %v, want DeadlineExceeded", err)
		}
	})
	newer := make(chan error, 1)
	go func() { newer <- k.Set(ctx, "acct", []byte("v2")) }()
	wctx, wcancel := context.WithTimeout(ctx, time.Second)
	defer wcancel()
	if err := k.Wait(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with writes in flight: %v, want DeadlineExceeded", err)
	}
	stop(syscall.SIGCONT)
	resumed = true
	if err := <-newer; err != nil {
		t.Fatalf("newer Set: %v", err)
	}
	if err := k.Wait(ctx); err != nil {
		t.Fatalf("Wait after the keychain resumed: %v", err)
	}
	ss.pendingMu.Lock()
	defer ss.pendingMu.Unlock()
	if n := len(ss.pending); n == 0 {
		t.Error("the timed-out write was not kept as pending")
	}
	for _, answered := range ss.pending {
		if !isClosed(answered) {
			t.Error("Wait returned with a call still unanswered")
		}
	}
	if v, ok, err := session.Lookup(testService, "acct"); err != nil || !ok || v != "v2" {
		t.Fatalf("secret-tool lookup = %q, %v, %v; want the newer write v2", v, ok, err)
	}
}

// TestRealSharedLookupsToleratesDeletedItem: an item deleted by another
// program after a shared lookup found it is created again by the write.
func TestRealSharedLookupsToleratesDeletedItem(t *testing.T) {
	k := New(testService, 10*time.Second)
	ctx := ShareLookups(context.Background())
	cleanKey(t, k, "acct")
	if err := k.Set(ctx, "acct", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	if got, err := k.GetMany(ctx, "acct"); err != nil || string(got["acct"]) != "v1" {
		t.Fatalf("GetMany = %q, %v", got["acct"], err)
	}
	if err := keyring.Delete(testService, "acct"); err != nil {
		t.Fatal(err)
	}
	if err := k.Set(ctx, "acct", []byte("v2")); err != nil {
		t.Fatalf("Set after another program deleted the item: %v", err)
	}
	if v, ok, err := session.Lookup(testService, "acct"); err != nil || !ok || v != "v2" {
		t.Fatalf("secret-tool lookup = %q, %v, %v", v, ok, err)
	}
	if names := usernames(t); !slices.Equal(names, []string{"acct"}) {
		t.Fatalf("items %v, want one", names)
	}
}

// TestRealKeyringRestarted: a long-running program's client survives the
// Secret Service restarting (its session and objects gone): the next call
// opens a new session on the same connection and works.
func TestRealKeyringRestarted(t *testing.T) {
	k := New(testService, 10*time.Second)
	ctx := context.Background()
	cleanKey(t, k, "acct")
	if err := k.Set(ctx, "acct", []byte("v1")); err != nil {
		t.Fatal(err)
	}
	before := session.KeyringPID()
	if err := session.RestartKeyring(); err != nil {
		t.Fatal(err)
	}
	if session.KeyringPID() == before {
		t.Fatal("the keyring daemon was not restarted")
	}
	if got, err := k.Get(ctx, "acct"); err != nil || string(got) != "v1" {
		t.Fatalf("Get after the keyring restarted = %q, %v", got, err)
	}
	if err := k.Set(ctx, "acct", []byte("v2")); err != nil {
		t.Fatalf("Set after the keyring restarted: %v", err)
	}
	if v, ok, err := session.Lookup(testService, "acct"); err != nil || !ok || v != "v2" {
		t.Fatalf("secret-tool lookup = %q, %v, %v", v, ok, err)
	}
}

// TestRealLockedNoUnlockPrompt: under NoUnlockPrompt a locked keychain is
// reported as locked at once, without asking to unlock it (the look of
// latchkey list, whose short deadline would leave a prompt on screen).
func TestRealLockedNoUnlockPrompt(t *testing.T) {
	k := lockedWithItem(t)
	ctx := context.Background()
	start := time.Now()
	_, err := k.GetMany(NoUnlockPrompt(ctx), "acct")
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("GetMany on a locked keychain without prompting: %v, want ErrLocked", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v: it must not wait for a prompt", took)
	}
	if locked, err := session.Locked(); err != nil || !locked {
		t.Errorf("the keychain was unlocked (%v, %v)", locked, err)
	}
}
