package main

// Faults through the real binary: a provider that fails in each way a
// network can, a keychain that is missing, locked, stuck at a prompt or
// slow, a process killed at every step of a refresh, a full disk or a
// read-only config dir, and a lock held by a hung process. After each, the
// account still works or says clearly that it must be reconnected, nothing
// stored is corrupt, and no token appears in any output or file.
//
// These tests run in parallel with each other (each has its own emulator,
// account name and, where it locks or stalls the keychain, its own
// Secret Service), after the sequential end-to-end tests.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/killpoint"
	"github.com/latchkey/latchkey/accounts/providertest"
	"github.com/latchkey/latchkey/accounts/secretstore/keyringtest"
)

// msWorld starts a Microsoft emulator playing email and a world configured
// for it, and connects the account. The refresh token the emulator
// rotates stays valid until grace runs out (0: for good, <0: at once).
func msWorld(t *testing.T, email string, grace time.Duration) (*providertest.Microsoft, *world, string) {
	t.Helper()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: email, RotatedGrace: grace})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.env = append(w.env, "LATCHKEY_LOCK_TIMEOUT=10s")
	w.must("connect", "microsoft", "--timeout", "60s")
	return ms, w, "microsoft:" + email
}

// withEnv returns w's environment with kv... set.
func (w *world) withEnv(kv ...string) []string {
	return mergeEnv(w.env, kv)
}

// mergeEnv returns env with each NAME=value of set replacing NAME.
func mergeEnv(env, set []string) []string {
	out := slices.Clone(env)
	for _, kv := range set {
		name, _, _ := strings.Cut(kv, "=")
		out = slices.DeleteFunc(out, func(e string) bool { return strings.HasPrefix(e, name+"=") })
	}
	return append(out, set...)
}

// expectExitEnv is expectExit with another environment.
func (w *world) expectExitEnv(env []string, code int, args ...string) result {
	w.t.Helper()
	r := w.runEnv(env, args...)
	if r.code != code {
		w.t.Fatalf("latchkey %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "latchkey: ") && !strings.Contains(r.stderr, "\nlatchkey: ") || strings.Count(strings.TrimSpace(r.stderr), "\n") < 1 {
		w.t.Errorf("latchkey %s: want what happened and what to do on stderr, got %q", strings.Join(args, " "), r.stderr)
	}
	return r
}

// intact checks that the account is listed with status and that its
// keychain items are whole JSON with a refresh token, and returns the
// saved refresh token.
func (w *world) intact(id, status string) string {
	w.t.Helper()
	l := w.list()
	i := slices.IndexFunc(l, func(a listed) bool { return a.ID == id })
	if i < 0 || l[i].Status != status {
		w.t.Fatalf("account %s: list = %+v, want status %s", id, l, status)
	}
	// Layout 2: the refresh item carries its endpoints and identity.
	rt, ok := w.item(id + "/refresh")
	if !ok || rt["refresh_token"] == "" || rt["version"] != float64(2) {
		w.t.Fatalf("refresh item of %s: present %v", id, ok)
	}
	data, err := os.ReadFile(filepath.Join(w.dir, "accounts.json"))
	if err != nil || !json.Valid(data) {
		w.t.Fatalf("accounts.json is not whole JSON: %v", err)
	}
	return rt["refresh_token"].(string)
}

// tokenWorks checks that `latchkey token` succeeds and prints an access
// token the emulator issued and still honours.
func tokenWorks(t *testing.T, ms *providertest.Microsoft, w *world, id string) string {
	t.Helper()
	tok := strings.TrimSpace(w.must("token", id))
	if info, ok := ms.Lookup(tok); !ok || !info.Valid(time.Now()) {
		t.Fatalf("token printed %d bytes that the provider does not honour", len(tok))
	}
	return tok
}

// TestProperty23_TransientProviderFailures: every way a token endpoint can fail short of
// refusing the sign-in is transient: a clear message and exit code 6 in
// bounded time, the account stays connected with its refresh token, and
// the next call works. A 200 that is no usable token response (an HTML
// page, another token_type) is not the network's fault: it says so with
// exit code 12 (the provider answered with something unusable), and the
// account is just as intact.
func TestProperty23_TransientProviderFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		faults []providertest.Fault
		env    []string
		code   int
		say    string
		within time.Duration
	}{
		{"500 on every attempt", repeat(providertest.Status(500), 3), nil, exitUnreachable, "HTTP 500", 15 * time.Second},
		{"429 with a short Retry-After, then an answer", []providertest.Fault{providertest.TooManyRequests(time.Second)}, nil, 0, "", 15 * time.Second},
		{"429 with a long Retry-After", []providertest.Fault{providertest.TooManyRequests(2 * time.Minute)}, nil, exitUnreachable, "retry after 2m0s", 10 * time.Second},
		{"hangs", []providertest.Fault{providertest.Hang(10 * time.Minute)}, []string{"LATCHKEY_HTTP_TIMEOUT=2s"}, exitUnreachable, "unreachable", 10 * time.Second},
		{"resets the connection", []providertest.Fault{providertest.Reset()}, nil, exitUnreachable, "unreachable", 15 * time.Second},
		{"HTML with status 200", repeat(providertest.HTML200(), 3), nil, exitProvider, "HTML", 15 * time.Second},
		{"token_type DPoP with status 200", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"DPoP","expires_in":3599}`)}, nil, exitProvider, "unusable", 15 * time.Second},
		{"bad expires_in with status 200", []providertest.Fault{providertest.Malformed200(`{"access_token":"a","token_type":"Bearer","expires_in":-1}`)}, nil, exitProvider, "expires_in", 15 * time.Second},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, w, id := msWorld(t, fmt.Sprintf("provider-fault-%d@contoso.test", i), 0)
			rtBefore := w.intact(id, "connected")
			w.expire(id, "https://graph.microsoft.com")
			for _, f := range tt.faults {
				ms.FailNext(f)
			}
			start := time.Now()
			env := w.withEnv(tt.env...)
			if tt.code == 0 {
				r := w.runEnv(env, "token", id)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if ms.Refreshes() != 2 {
					t.Errorf("refresh requests = %d, want 2 (one 429, one retry)", ms.Refreshes())
				}
			} else {
				r := w.expectExitEnv(env, tt.code, "token", id)
				if !strings.Contains(r.stderr, tt.say) {
					t.Errorf("stderr lacks %q: %s", tt.say, r.stderr)
				}
				if !strings.Contains(r.stderr, "saved sign-in is unchanged") {
					t.Errorf("stderr does not say the sign-in is unchanged: %s", r.stderr)
				}
				if rt := w.intact(id, "connected"); rt != rtBefore {
					t.Error("a transient failure changed the saved refresh token")
				}
			}
			if d := time.Since(start); d > tt.within {
				t.Errorf("took %v, want under %v", d, tt.within)
			}
			tokenWorks(t, ms, w, id)
			w.noLeaks(ms.IssuedTokens())
		})
	}
}

func repeat(f providertest.Fault, n int) []providertest.Fault {
	out := make([]providertest.Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// keyringWorld is a world on a Secret Service of its own, which the test
// may lock, stall or take away without disturbing other tests.
func keyringWorld(t *testing.T, email string) (*providertest.Microsoft, *world, *keyringtest.Session, string) {
	t.Helper()
	if binary == "" {
		t.Skip("end-to-end tests run on Linux")
	}
	ks, err := keyringtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ks.Close)
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: email})
	w := newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL))
	w.env = mergeEnv(w.env, append(slices.Clone(ks.Env), "LATCHKEY_KEYCHAIN_TIMEOUT=2s"))
	w.ks = ks
	w.must("connect", "microsoft", "--timeout", "60s")
	return ms, w, ks, "microsoft:" + email
}

// files lists the config dir and the lock dir of w: path and content.
func (w *world) files() map[string]string {
	out := map[string]string{}
	for _, root := range w.roots() {
		filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				data, _ := os.ReadFile(p)
				out[p] = string(data)
			}
			return nil
		})
	}
	return out
}

// roots are the dirs Latchkey may write to: the config dir and its lock dir.
func (w *world) roots() []string {
	roots := append([]string{w.dir}, w.moreRoots...)
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, "XDG_RUNTIME_DIR="); ok {
			roots = append(roots, filepath.Join(v, "latchkey"))
		}
	}
	return roots
}

// TestProperty13_KeychainCallsBounded: a keychain that is missing, locked with no prompter,
// locked with a prompter nobody answers, or too slow: exit code 5 with a
// clear message within the keychain deadline, not one file written in its
// place, and the account works as before once the keychain is back.
func TestProperty13_KeychainCallsBounded(t *testing.T) {
	t.Parallel()
	ms, w, ks, id := keyringWorld(t, "keychain-fault@contoso.test")
	tok := tokenWorks(t, ms, w, id)
	before := w.files()
	const deadline = 2 * time.Second

	check := func(name string, env []string, say string, args ...string) {
		t.Helper()
		start := time.Now()
		r := w.expectExitEnv(env, exitKeychain, args...)
		if took := time.Since(start); took > deadline+3*time.Second {
			t.Errorf("%s: took %v with a %v keychain deadline", name, took, deadline)
		}
		if !strings.Contains(r.stderr, say) || !strings.Contains(r.stderr, "never in a file") {
			t.Errorf("%s: stderr lacks %q: %s", name, say, r.stderr)
		}
		if after := w.files(); !mapsEqual(before, after) {
			t.Errorf("%s: files changed without a keychain: %v", name, keys(after))
		}
	}

	t.Run("missing", func(t *testing.T) {
		bus, err := keyringtest.StartBusOnly()
		if err != nil {
			t.Fatal(err)
		}
		defer bus.Close()
		env := w.withEnv(bus.Env...)
		check("missing", env, "Secret Service", "token", id)
		check("missing", env, "Secret Service", "connect", "microsoft", "--timeout", "60s")
	})
	t.Run("locked, no prompter", func(t *testing.T) {
		if err := ks.Lock(); err != nil {
			t.Fatal(err)
		}
		defer ks.Unlock(keyringtest.Password)
		check("locked", w.env, "locked", "token", id)
		check("locked", w.env, "locked", "connect", "microsoft", "--timeout", "60s")
	})
	t.Run("locked, prompter never answers", func(t *testing.T) {
		p, err := ks.StartSilentPrompter()
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := ks.Lock(); err != nil {
			t.Fatal(err)
		}
		defer ks.Unlock(keyringtest.Password)
		check("prompt", w.env, "locked", "token", id)
		if p.Calls() == 0 {
			t.Error("the keychain never asked the prompter: this did not test a stuck prompt")
		}
		// Giving up on the prompt must leave the person's keychain running.
		if _, err := ks.Locked(); err != nil {
			t.Fatalf("the Secret Service is gone after latchkey gave up on its prompt: %v", err)
		}
	})
	t.Run("slow", func(t *testing.T) {
		resume, err := ks.Stall()
		if err != nil {
			t.Fatal(err)
		}
		defer resume()
		check("slow", w.env, "did not answer within 2s", "token", id)
	})
	if again := strings.TrimSpace(w.must("token", id)); again != tok {
		t.Error("the account did not come back with its token after the keychain did")
	}
	w.noLeaks(ms.IssuedTokens())
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// killBinary is latchkey built with the latchkey_killpoints tag: it kills
// itself with SIGKILL at the point named in LATCHKEY_TEST_KILL_AT.
var killBinary = sync.OnceValues(func() (string, error) {
	path := filepath.Join(filepath.Dir(binary), "latchkey-killpoints")
	build := exec.Command("go", "build", "-tags", "latchkey_killpoints", "-o", path, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build latchkey with kill points: %v\n%s", err, out)
	}
	return path, nil
})

// killedBySIGKILL runs latchkey args with the kill-point binary and checks
// that it died of SIGKILL without printing anything.
func killedBySIGKILL(t *testing.T, w *world, env []string, args ...string) {
	t.Helper()
	bin, err := killBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	w.mu.Lock()
	w.output.Write(errb.Bytes())
	w.mu.Unlock()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("want death by SIGKILL, got %v (stderr %q)", err, errb.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed %d bytes before dying", out.Len())
	}
}

// TestProperty20_KilledRefreshLeavesWorkingAccount: `latchkey token` killed with SIGKILL at
// every step of a refresh (and during the request, at the network level):
// the next call works, with a token the provider honours, nothing is
// corrupt, and the lock was released with the process. Where the provider
// retires a rotated refresh token at once, the account says clearly that it
// must be reconnected, and a reconnect brings it back.
func TestProperty20_KilledRefreshLeavesWorkingAccount(t *testing.T) {
	t.Parallel()
	points := []string{killpoint.BeforeRefresh, killpoint.AfterRotation, killpoint.AfterRefreshSaved, killpoint.AfterAccessSaved, killpoint.BeforePrint}
	for _, point := range points {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			ms, w, id := msWorld(t, "kill-"+point+"@contoso.test", 0)
			w.expire(id, "https://graph.microsoft.com")
			killedBySIGKILL(t, w, w.withEnv("LATCHKEY_TEST_KILL_AT="+point), "token", id)
			w.intact(id, "connected")
			tokenWorks(t, ms, w, id)
			// And once more through a refresh, with whatever was saved.
			w.expire(id, "https://graph.microsoft.com")
			tokenWorks(t, ms, w, id)
			w.noLeaks(ms.IssuedTokens())
		})
	}
	t.Run("during the request", func(t *testing.T) {
		t.Parallel()
		ms, w, id := msWorld(t, "kill-in-flight@contoso.test", 0)
		w.expire(id, "https://graph.microsoft.com")
		ms.FailNext(providertest.Hang(time.Minute))
		cmd := exec.Command(binary, "token", id)
		cmd.Env = w.env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ms.Refreshes() == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("the refresh request never arrived")
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		w.intact(id, "connected")
		tokenWorks(t, ms, w, id)
		w.noLeaks(ms.IssuedTokens())
	})
	t.Run("after rotation, old token retired at once", func(t *testing.T) {
		t.Parallel()
		ms, w, id := msWorld(t, "kill-no-grace@contoso.test", -1)
		w.expire(id, "https://graph.microsoft.com")
		killedBySIGKILL(t, w, w.withEnv("LATCHKEY_TEST_KILL_AT="+killpoint.AfterRotation), "token", id)
		r := w.expectExit(exitNeedsReconnect, "token", id)
		if !strings.Contains(r.stderr, "latchkey connect microsoft") {
			t.Errorf("stderr does not say how to reconnect: %s", r.stderr)
		}
		w.intact(id, "needs-reconnect")
		w.must("connect", "microsoft", "--timeout", "60s")
		w.intact(id, "connected")
		w.expire(id, "https://graph.microsoft.com")
		tokenWorks(t, ms, w, id)
		w.noLeaks(ms.IssuedTokens())
	})
}

// limitedFileSize wraps a command so that it runs with a file size limit
// of 512 bytes (RLIMIT_FSIZE; Go ignores SIGXFSZ, so writes past it fail
// with EFBIG): a disk that fills up. It holds for root too.
func limitedFileSize(args ...string) []string {
	return append([]string{"sh", "-c", `ulimit -f 1 && exec "$0" "$@"`, binary}, args...)
}

// readOnlyConfigDir wraps a command so that it sees dir read-only: a bind
// mount in a user and mount namespace of its own (which binds root too),
// or, where namespaces are not allowed, a 0500 dir for a user who is not
// root. ok is false where neither can be had.
func readOnlyConfigDir(t *testing.T, dir string, args ...string) (wrapped []string, ok bool) {
	t.Helper()
	probe := exec.Command("unshare", "-r", "-m", "sh", "-c", `mount --bind -o ro "$0" "$0" && ! touch "$0/probe" 2>/dev/null`, dir)
	if probe.Run() == nil {
		return append([]string{"unshare", "-r", "-m", "sh", "-c", `mount --bind -o ro "$0" "$0" && exec "$@"`, dir, binary}, args...), true
	}
	if os.Getuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		return append([]string{binary}, args...), true
	}
	return nil, false
}

// runWrapped runs a wrapped latchkey command line in w's environment.
func (w *world) runWrapped(argv []string) result {
	w.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = w.env
	return w.runCmd(cmd, true)
}

// TestFaultIndexWrite: when the index cannot be written (a full disk, a
// read-only config dir), a reconnect fails with exit code 11 and says the
// previous index is unchanged; it is, byte for byte, no temporary file is
// left, and the account works.
func TestFaultIndexWrite(t *testing.T) {
	t.Parallel()
	for i, kind := range []string{"disk full", "read-only config dir"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			ms, w, id := msWorld(t, fmt.Sprintf("index-fault-%d@contoso.test", i), 0)
			old, err := os.ReadFile(filepath.Join(w.dir, "accounts.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(old) <= 512 {
				t.Fatalf("the index is %d bytes, too small for a 512-byte limit to stop it", len(old))
			}
			args := []string{"connect", "microsoft", "--timeout", "60s"}
			argv := limitedFileSize(args...)
			if kind != "disk full" {
				var ok bool
				if argv, ok = readOnlyConfigDir(t, w.dir, args...); !ok {
					t.Skip("no way to make a dir read-only for root here (no user namespaces)")
				}
			}
			r := w.runWrapped(argv)
			if r.code != exitStorage || !strings.Contains(r.stderr, "unchanged") {
				t.Fatalf("exit %d, want %d saying the index is unchanged: %s", r.code, exitStorage, r.stderr)
			}
			if now, _ := os.ReadFile(filepath.Join(w.dir, "accounts.json")); !bytes.Equal(now, old) {
				t.Error("the index changed")
			}
			if ents, _ := os.ReadDir(w.dir); len(ents) != 2 {
				t.Errorf("config dir holds %d entries, want config.toml and accounts.json", len(ents))
			}
			w.intact(id, "connected")
			w.expire(id, "https://graph.microsoft.com")
			tokenWorks(t, ms, w, id)
			w.noLeaks(ms.IssuedTokens())
		})
	}
}

// lockPath is the account lock file latchkey takes in w's runtime dir.
func (w *world) lockPath(id string) string {
	h := sha256.Sum256([]byte(id))
	return filepath.Join(w.roots()[1], "account-"+hex.EncodeToString(h[:8])+".lock")
}

// TestProperty32_LockHolderKilledOrHung: another process holds the account's
// refresh lock and never lets go: the waiter gives up after
// LATCHKEY_LOCK_TIMEOUT with exit code 10, naming the process; once that
// process is killed, the lock is free at once and the account works.
func TestProperty32_LockHolderKilledOrHung(t *testing.T) {
	t.Parallel()
	ms, w, id := msWorld(t, "lock-held@contoso.test", 0)
	w.expire(id, "https://graph.microsoft.com")
	// flock(1) takes the lock and runs sh, which says so and hangs; the
	// kernel records flock's process as the holder.
	holder := exec.Command("flock", w.lockPath(id), "sh", "-c", "echo locked && exec sleep 600")
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	holder.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	killHolder := func() { syscall.Kill(-holder.Process.Pid, syscall.SIGKILL); holder.Wait() }
	t.Cleanup(killHolder)
	if line := make([]byte, 7); func() bool { _, err := stdout.Read(line); return err != nil || string(line) != "locked\n" }() {
		t.Fatal("the holder did not take the lock")
	}

	start := time.Now()
	r := w.expectExitEnv(w.withEnv("LATCHKEY_LOCK_TIMEOUT=1s"), exitBusy, "token", id)
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("gave up after %v with a 1s lock timeout", took)
	}
	if want := fmt.Sprintf("process %d (flock)", holder.Process.Pid); !strings.Contains(r.stderr, want) {
		t.Errorf("stderr does not name the holder (%s): %s", want, r.stderr)
	}
	if ms.Refreshes() != 0 {
		t.Error("refreshed without the lock")
	}
	killHolder()
	tokenWorks(t, ms, w, id)
	if ms.Refreshes() != 1 {
		t.Errorf("refreshes = %d, want 1", ms.Refreshes())
	}
	w.noLeaks(ms.IssuedTokens())
}

// TestProperty26_RevokeSurvivesKill: `latchkey revoke` killed with SIGKILL
// after marking the account and after the provider revoked: the account
// hands out no token meanwhile, says to revoke again, and a second revoke
// finishes the job, leaving nothing in the keychain or the index.
func TestProperty26_RevokeSurvivesKill(t *testing.T) {
	t.Parallel()
	for _, point := range []string{killpoint.RevokeMarked, killpoint.RevokeBeforeWipe} {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			email := "revoke-" + point + "@gmail.test"
			g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: email})
			w := googleWorld(t, g)
			id := "google:" + email
			w.must("connect", "google", "--timeout", "60s")
			killedBySIGKILL(t, w, w.withEnv("LATCHKEY_TEST_KILL_AT="+point), "revoke", id)
			if r := w.expectExit(exitNeedsReconnect, "token", id); !strings.Contains(r.stderr, "revoke") {
				t.Errorf("token of a half-revoked account: %s", r.stderr)
			}
			w.intact(id, "revoking")
			out := w.must("revoke", id)
			if !strings.Contains(out, "revoked") || !strings.Contains(out, "now refuses the old sign-in") {
				t.Errorf("second revoke: %s", out)
			}
			for _, key := range []string{id + "/refresh", id + "/access/default"} {
				if _, ok := w.item(key); ok {
					t.Errorf("secret-tool still finds %s", key)
				}
			}
			if l := w.list(); len(l) != 0 {
				t.Errorf("still listed: %+v", l)
			}
			w.noLeaks(g.IssuedTokens())
		})
	}
}
