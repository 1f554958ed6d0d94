package main

// Files another local user could have written, through the real binary: a
// forged account index or config.toml in a dir others can write is
// refused before any request leaves, a FIFO at the access log is refused
// at once, and the lock dir is never a name in the shared temp dir.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// nobody is the other local user, played when the tests run as root.
const nobody = 65534

// forgedEndpoint is an attacker's token endpoint; it counts the requests
// it gets.
func forgedEndpoint(t *testing.T) (url string, requests *atomic.Int32) {
	t.Helper()
	requests = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "forged", http.StatusBadRequest)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, requests
}

// forgedIndex is w's account index with every token endpoint replaced by url.
func forgedIndex(t *testing.T, w *world, url string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(w.dir, "accounts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ix map[string]any
	if err := json.Unmarshal(data, &ix); err != nil {
		t.Fatal(err)
	}
	for _, a := range ix["accounts"].([]any) {
		a.(map[string]any)["token_url"] = url + "/token"
	}
	out, _ := json.Marshal(ix)
	return out
}

// refusedFile checks that latchkey args exits 11 saying that path has the
// problem, and that the forged endpoint got no request.
func refusedFile(t *testing.T, w *world, requests *atomic.Int32, path, problem string, args ...string) {
	t.Helper()
	r := w.expectExit(exitStorage, args...)
	if !strings.Contains(r.stderr, path+" "+problem) {
		t.Errorf("latchkey %s: stderr does not say %q:\n%s", strings.Join(args, " "), path+" "+problem, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("latchkey %s printed %d bytes", strings.Join(args, " "), len(r.stdout))
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the forged endpoint got %d requests", n)
	}
}

// TestForgedFilesRefused: an account index or config.toml that another
// user could have written (its dir or the file writable by others, a
// shared sticky dir) is refused with exit code 11 naming the file or dir
// and what is wrong, and no request reaches the endpoint it names.
func TestForgedFilesRefused(t *testing.T) {
	t.Parallel()
	ms, w, id := msWorld(t, "forged@contoso.test", 0)
	url, requests := forgedEndpoint(t)
	index := filepath.Join(w.dir, "accounts.json")
	config := filepath.Join(w.dir, "config.toml")
	genuineIndex, _ := os.ReadFile(index)
	genuineConfig, _ := os.ReadFile(config)
	forgedConfig := fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, url)
	restore := func() {
		t.Helper()
		os.Chmod(w.dir, 0o700)
		for path, data := range map[string][]byte{index: genuineIndex, config: genuineConfig} {
			os.Remove(path)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The config dir is writable by others: a forged index renamed over
	// the real one.
	os.Chmod(w.dir, 0o777)
	os.WriteFile(index+".forged", forgedIndex(t, w, url), 0o644)
	os.Rename(index+".forged", index)
	w.expire(id, "https://graph.microsoft.com")
	refusedFile(t, w, requests, w.dir, "is writable by other users", "token", id)
	refusedFile(t, w, requests, w.dir, "is writable by other users", "list")
	restore()

	// The index itself is writable by others.
	os.WriteFile(index, forgedIndex(t, w, url), 0o666)
	os.Chmod(index, 0o666)
	refusedFile(t, w, requests, index, "is writable by other users", "token", id)
	restore()

	// A shared sticky dir, like /tmp/x: anyone may create config.toml
	// where there was none.
	os.Chmod(w.dir, 0o777|os.ModeSticky)
	os.WriteFile(config, []byte(forgedConfig), 0o644)
	refusedFile(t, w, requests, w.dir, "is a shared directory", "connect", "microsoft", "--timeout", "20s")
	restore()

	if os.Geteuid() == 0 {
		// config.toml of another user in a private dir.
		os.WriteFile(config, []byte(forgedConfig), 0o644)
		os.Chown(config, nobody, nobody)
		refusedFile(t, w, requests, config, "is owned by uid 65534", "connect", "microsoft", "--timeout", "20s")
		restore()
	}

	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}

// TestFIFOAtAccessLog: a FIFO at the access log's path does not hang
// `latchkey token` or `latchkey log`: both stop at once with exit code 11
// saying what is there, token printing no token it could not record.
func TestFIFOAtAccessLog(t *testing.T) {
	t.Parallel()
	ms, w, id := msWorld(t, "fifo@contoso.test", 0)
	fifo := filepath.Join(w.dir, "access.log")
	os.Remove(fifo)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"token", id}, {"log"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Env = w.env
		start := time.Now()
		r := w.runCmd(cmd, false)
		took := time.Since(start)
		hung := ctx.Err() != nil
		cancel()
		if hung {
			t.Fatalf("latchkey %s hung on a FIFO at the access log", strings.Join(args, " "))
		}
		if r.code != exitStorage || !strings.Contains(r.stderr, fifo+" is a FIFO, not a regular file") || r.stdout != "" {
			t.Errorf("latchkey %s with a FIFO at the access log: exit %d after %s, %d bytes on stdout, stderr:\n%s",
				strings.Join(args, " "), r.code, took, len(r.stdout), r.stderr)
		}
	}
	os.Remove(fifo)
	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}

// asNobody runs the shell script as uid 65534 with no groups, the
// test's other local user, and returns its error and output.
func asNobody(t *testing.T, stdin []byte, script string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	cmd.Stdin = strings.NewReader(string(stdin))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// openToOthers lets other users reach dir, as they reach a home dir: every
// dir of the test's inside the temp dir, down to dir's parent, becomes
// 0755. It skips the test if the temp dir itself is closed to others.
func openToOthers(t *testing.T, dir string) {
	t.Helper()
	tmp := os.TempDir()
	if fi, err := os.Stat(tmp); err != nil || fi.Mode()&0o001 == 0 {
		t.Skipf("the temp dir %s is closed to other users, so the attacker cannot reach the victim's dir", tmp)
	}
	for p := filepath.Dir(dir); strings.HasPrefix(p, tmp+string(filepath.Separator)); p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSticky == 0 {
			os.Chmod(p, 0o755)
		}
	}
}

// TestProperty34_OtherUsersCannotPlantFiles: another local user (uid
// 65534) really replaces the account index in a config dir left writable
// to all, and plants config.toml in a shared sticky one: latchkey refuses
// both (exit 11) and sends nothing to the forged endpoint. In the private
// dir Latchkey makes, the same user can plant nothing.
func TestProperty34_OtherUsersCannotPlantFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("playing another local user needs root (to run the attacker as uid 65534); the same refusals are checked as one user by TestForgedFilesRefused")
	}
	t.Parallel()
	ms, w, id := msWorld(t, "property34@contoso.test", 0)
	url, requests := forgedEndpoint(t)
	openToOthers(t, w.dir)
	index := filepath.Join(w.dir, "accounts.json")
	config := filepath.Join(w.dir, "config.toml")
	genuineIndex, _ := os.ReadFile(index)
	genuineConfig, _ := os.ReadFile(config)
	const replace = `cat > "$1/.forged" && mv -f "$1/.forged" "$1/$2"`

	// The victim's dir is private: the attacker can plant nothing.
	if out, err := asNobody(t, forgedIndex(t, w, url), replace, w.dir, "accounts.json"); err == nil {
		t.Fatalf("uid 65534 replaced the index in a private config dir: %s", out)
	}
	tokenWorks(t, ms, w, id)

	// Left writable to all: the attack succeeds on disk and is refused.
	os.Chmod(w.dir, 0o777)
	if out, err := asNobody(t, forgedIndex(t, w, url), replace, w.dir, "accounts.json"); err != nil {
		t.Fatalf("uid 65534 could not replace the index in a dir writable by all (%v): %s", err, out)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(index, &st); err != nil || st.Uid != nobody {
		t.Fatalf("the index is not the attacker's after the attack: %v, uid %d", err, st.Uid)
	}
	w.expire(id, "https://graph.microsoft.com")
	refusedFile(t, w, requests, w.dir, "is writable by other users", "token", id)

	// A shared sticky dir: the attacker cannot replace the index but can
	// create config.toml where there is none.
	os.Remove(index)
	os.WriteFile(index, genuineIndex, 0o600)
	os.Remove(config)
	os.Chmod(w.dir, 0o777|os.ModeSticky)
	if out, err := asNobody(t, forgedIndex(t, w, url), replace, w.dir, "accounts.json"); err == nil {
		t.Fatalf("uid 65534 replaced the victim's index in a sticky dir: %s", out)
	}
	forgedConfig := fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, url)
	if out, err := asNobody(t, []byte(forgedConfig), `cat > "$1/config.toml"`, w.dir); err != nil {
		t.Fatalf("uid 65534 could not create config.toml in a sticky dir (%v): %s", err, out)
	}
	refusedFile(t, w, requests, w.dir, "is a shared directory", "connect", "microsoft", "--timeout", "20s")
	refusedFile(t, w, requests, w.dir, "is a shared directory", "token", id)

	os.Chmod(w.dir, 0o700)
	refusedFile(t, w, requests, config, "is owned by uid 65534", "connect", "microsoft", "--timeout", "20s")
	os.Remove(config)
	os.WriteFile(config, genuineConfig, 0o600)
	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}

// TestProperty39_LockDirNotSquattable: without XDG_RUNTIME_DIR, another
// local user who made the old guessable lock dir (TMPDIR/latchkey-UID,
// open to all) first gains nothing: latchkey takes its locks in a private
// dir in the user's cache dir and writes nothing in the squatted one. An
// XDG_RUNTIME_DIR that is not the user's is refused (exit 11).
func TestProperty39_LockDirNotSquattable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("playing another local user needs root (to run the attacker as uid 65534); the fallback itself is checked by TestLockDirFallback in accounts")
	}
	t.Parallel()
	ms, w, id := msWorld(t, "property39@contoso.test", 0)
	shared := filepath.Join(t.TempDir(), "tmp") // plays /tmp
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chmod(shared, 0o777|os.ModeSticky)
	openToOthers(t, shared)
	squat := filepath.Join(shared, fmt.Sprintf("latchkey-%d", os.Getuid()))
	if out, err := asNobody(t, nil, `mkdir -m 777 "$1"`, squat); err != nil {
		t.Fatalf("uid 65534 could not squat %s (%v): %s", squat, err, out)
	}
	cache := t.TempDir()
	env := slices.DeleteFunc(w.withEnv("TMPDIR="+shared, "XDG_CACHE_HOME="+cache, "HOME="+cache),
		func(kv string) bool { return strings.HasPrefix(kv, "XDG_RUNTIME_DIR=") })

	w.expire(id, "https://graph.microsoft.com")
	r := w.runEnv(env, "token", id)
	if r.code != 0 {
		t.Fatalf("token with a squatted temp lock dir: exit %d\n%s", r.code, r.stderr)
	}
	if entries, _ := os.ReadDir(squat); len(entries) != 0 {
		t.Errorf("latchkey wrote in the squatted dir: %v", entries)
	}
	run := filepath.Join(cache, "latchkey", "run")
	fi, err := os.Stat(run)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock dir %s: %v, %v; want a 0700 dir", run, fi, err)
	}
	if locks, _ := filepath.Glob(filepath.Join(run, "account-*.lock")); len(locks) != 1 {
		t.Errorf("lock files in %s: %v", run, locks)
	}

	// XDG_RUNTIME_DIR made by the other user.
	theirs := filepath.Join(shared, "run")
	if out, err := asNobody(t, nil, `mkdir -m 700 "$1"`, theirs); err != nil {
		t.Fatalf("uid 65534 could not make %s (%v): %s", theirs, err, out)
	}
	w.expire(id, "https://graph.microsoft.com")
	r = w.expectExitEnv(mergeEnv(env, []string{"XDG_RUNTIME_DIR=" + theirs}), exitStorage, "token", id)
	if !strings.Contains(r.stderr, theirs+" is owned by uid 65534") || !strings.Contains(r.stderr, "XDG_RUNTIME_DIR") {
		t.Errorf("token with another user's XDG_RUNTIME_DIR said:\n%s", r.stderr)
	}
	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}
