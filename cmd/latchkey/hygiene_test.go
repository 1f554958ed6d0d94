package main

// Hygiene and local attacks through the real binary: no token anywhere but
// the keychain and token's stdout, no core dumps, and files planted by
// another local program are refused rather than followed.

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestProperty16_TokensNeverLeak runs an account's whole life with faults
// and collects every line latchkey printed (token's stdout aside), the
// files it left in the config and lock dirs, what the stand-in browser was
// given, and the argv and environment of a process holding the refresh
// token in the middle of a refresh; none holds any token the provider
// issued. token's stdout holds the access token only, never the refresh
// token, in every format.
func TestProperty16_TokensNeverLeak(t *testing.T) {
	t.Parallel()
	ms, w, id := msWorld(t, "hygiene@contoso.test", 0)
	browserLog := filepath.Join(t.TempDir(), "browser.log")
	w.env = append(w.env, "STANDIN_BROWSER_LOG="+browserLog)
	// With the mail servers' scope too, for the SASL formats.
	w.must("connect", "microsoft", "--timeout", "60s", "--json", "--scope", "User.Read", "--scope", "https://outlook.office.com/IMAP.AccessAsUser.All")
	var printed bytes.Buffer // token's stdout in every format
	for _, format := range []string{"raw", "json", "header", "xoauth2", "oauthbearer"} {
		out := w.must("token", id, "--format", format)
		printed.WriteString(out)
		if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out)); err == nil {
			printed.Write(dec)
		}
	}
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"show", id}, {"show", id, "--json"}} {
		w.must(args...)
	}
	w.expire(id, "https://graph.microsoft.com")
	printed.WriteString(w.must("token", id, "--format", "json"))

	for _, c := range []struct {
		faults []providertest.Fault
		code   int
	}{{repeat(providertest.Status(500), 3), exitUnreachable}, {repeat(providertest.HTML200(), 3), exitProvider}, {[]providertest.Fault{providertest.Reset()}, exitUnreachable}} {
		w.expire(id, "https://graph.microsoft.com")
		for _, f := range c.faults {
			ms.FailNext(f)
		}
		w.expectExit(c.code, "token", id)
	}

	// A process in the middle of a refresh, the provider not answering.
	w.expire(id, "https://graph.microsoft.com")
	ms.FailNext(providertest.Hang(time.Minute))
	before := ms.Refreshes()
	cmd := exec.Command(binary, "token", id)
	cmd.Env = w.env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ms.Refreshes() == before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	var procFiles bytes.Buffer
	for _, f := range []string{"cmdline", "environ"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", cmd.Process.Pid, f))
		if err != nil {
			t.Errorf("read %s of a refreshing process: %v", f, err)
		}
		procFiles.Write(data)
	}
	cmd.Process.Kill()
	cmd.Wait()

	ms.FailNext(providertest.InvalidGrant(700082))
	w.expire(id, "https://graph.microsoft.com")
	w.expectExit(exitNeedsReconnect, "token", id)
	w.must("connect", "microsoft", "--timeout", "60s")
	printed.WriteString(w.must("token", id))
	rt, _ := w.item(id + "/refresh")
	w.must("remove", id)

	issued := ms.IssuedTokens()
	w.noLeaks(issued)
	browsed, _ := os.ReadFile(browserLog)
	if len(browsed) == 0 {
		t.Error("the stand-in browser logged nothing: the scan of its input proves nothing")
	}
	for _, tok := range issued {
		if bytes.Contains(browsed, []byte(tok)) {
			t.Errorf("an issued token (%d bytes) was handed to the browser", len(tok))
		}
		if bytes.Contains(procFiles.Bytes(), []byte(tok)) {
			t.Errorf("an issued token (%d bytes) is in a process's argv or environment", len(tok))
		}
	}
	if refresh, _ := rt["refresh_token"].(string); refresh == "" || bytes.Contains(printed.Bytes(), []byte(refresh)) {
		t.Error("the refresh token was printed by `latchkey token`, or not found to check")
	}
}

// TestProperty17_CoreDumpsOff looks at a running latchkey (waiting for a
// sign-in) from outside: its core size limit is 0, and it is not dumpable,
// which the kernel shows by giving its /proc files to root. As root, the
// process runs as nobody so the owner tells; a dumpable process of the
// same user is checked too, to show that the test can tell the difference.
func TestProperty17_CoreDumpsOff(t *testing.T) {
	t.Parallel()
	if binary == "" {
		t.Skip("end-to-end tests run on Linux")
	}
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
	// A dir others may enter, for a binary and config an unprivileged
	// user runs and reads.
	dir, err := os.MkdirTemp("", "latchkey-coredump-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "latchkey")
	data, _ := os.ReadFile(binary)
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	os.Mkdir(config, 0o700)
	os.WriteFile(filepath.Join(config, "config.toml"), []byte(fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL)), 0o600)

	uid := os.Getuid()
	var cred *syscall.Credential
	if uid == 0 {
		uid = 65534 // nobody
		cred = &syscall.Credential{Uid: uint32(uid), Gid: 65534}
		filepath.Walk(config, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, uid, 65534) })
	}
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + config, "LATCHKEY_CONFIG_DIR=" + config, "XDG_RUNTIME_DIR=" + config}
	// start runs a program as the user; its output, line by line, comes on
	// the channel.
	start := func(name string, args ...string) (*exec.Cmd, <-chan string) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		out, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 100)
		go func() {
			defer close(lines)
			for sc := bufio.NewScanner(out); sc.Scan(); {
				lines <- sc.Text()
			}
		}()
		return cmd, lines
	}
	owner := func(pid int) int {
		var st syscall.Stat_t
		if err := syscall.Stat(fmt.Sprintf("/proc/%d/status", pid), &st); err != nil {
			t.Fatal(err)
		}
		return int(st.Uid)
	}

	control, _ := start("sleep", "60")
	defer func() { control.Process.Kill(); control.Wait() }()
	if got := owner(control.Process.Pid); got != uid {
		t.Fatalf("a dumpable process's /proc files belong to %d, not %d: this check cannot work here", got, uid)
	}

	cmd, lines := start(bin, "connect", "microsoft", "--no-browser", "--timeout", "60s")
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	timeout := time.After(20 * time.Second)
	for waiting := false; !waiting; {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("latchkey ended before it waited for the sign-in")
			}
			waiting = strings.Contains(line, "Waiting for you")
		case <-timeout:
			t.Fatal("latchkey did not start waiting for the sign-in")
		}
	}
	limits, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(limits), "\n") {
		if f := strings.Fields(strings.TrimPrefix(line, "Max core file size")); strings.HasPrefix(line, "Max core file size") &&
			(len(f) < 2 || f[0] != "0" || f[1] != "0") {
			t.Errorf("core size limit: %q, want 0 0", line)
		}
	}
	if got := owner(cmd.Process.Pid); got != 0 {
		t.Errorf("latchkey's /proc files belong to %d: it is dumpable", got)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err == nil || cmd.ProcessState.ExitCode() != exitInterrupted {
		t.Errorf("interrupted connect: %v, want exit %d", err, exitInterrupted)
	}
}

// TestAttackSymlinkPlanted: another program plants a symbolic link at the
// account's lock file or at the index: latchkey refuses to follow it (exit
// 11, saying why), the link's target is neither changed nor created, and
// the account works once the link is gone.
func TestAttackSymlinkPlanted(t *testing.T) {
	t.Parallel()
	ms, w, id := msWorld(t, "symlink@contoso.test", 0)
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep me"), 0o644)
	unchanged := func(what string) {
		t.Helper()
		fi, err := os.Stat(victim)
		if data, _ := os.ReadFile(victim); err != nil || string(data) != "keep me" || fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: the link's target changed", what)
		}
	}
	refused := func(what string, args ...string) {
		t.Helper()
		if r := w.expectExit(exitStorage, args...); !strings.Contains(r.stderr, "symbolic link") {
			t.Errorf("%s: stderr does not say why: %s", what, r.stderr)
		}
	}

	lock := w.lockPath(id)
	os.Remove(lock)
	for _, target := range []string{victim, victim + "-dangling"} {
		if err := os.Symlink(target, lock); err != nil {
			t.Fatal(err)
		}
		w.expire(id, "https://graph.microsoft.com")
		refused("lock file", "token", id)
		if _, err := os.Lstat(victim + "-dangling"); err == nil {
			t.Error("latchkey created the target of a dangling link at its lock file")
		}
		os.Remove(lock)
	}
	unchanged("lock file")
	tokenWorks(t, ms, w, id)

	index := filepath.Join(w.dir, "accounts.json")
	moved := index + ".real"
	if err := os.Rename(index, moved); err != nil {
		t.Fatal(err)
	}
	os.Symlink(victim, index)
	refused("index", "list")
	refused("index", "connect", "microsoft", "--timeout", "60s")
	unchanged("index")
	os.Remove(index)
	os.Rename(moved, index)
	tokenWorks(t, ms, w, id)
	w.noLeaks(ms.IssuedTokens())
}
