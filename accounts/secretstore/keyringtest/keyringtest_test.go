//go:build linux

package keyringtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSession(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	fi, err := os.Stat(s.Dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("session dir: %v, %v; want mode 0700", fi.Mode(), err)
	}
	for _, v := range []string{"DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR=", "XDG_DATA_HOME="} {
		if !slices.ContainsFunc(s.Env, func(kv string) bool { return strings.HasPrefix(kv, v) }) {
			t.Errorf("Env lacks %s", v)
		}
	}
	if slices.ContainsFunc(s.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "HOME=") && kv != "HOME="+os.Getenv("HOME") }) {
		t.Error("Environ changes HOME")
	}
	if slices.ContainsFunc(s.NoBusEnv(), func(kv string) bool { return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") }) {
		t.Error("NoBusEnv names a bus")
	}

	if _, ok, err := s.Lookup("kt", "a"); err != nil || ok {
		t.Fatalf("Lookup of a missing item: %v, %v", ok, err)
	}
	if err := s.Store("kt", "a", "value with spaces\nand a newline"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Lookup("kt", "a"); err != nil || !ok || v != "value with spaces\nand a newline" {
		t.Fatalf("Lookup = %q, %v, %v", v, ok, err)
	}
	if names, err := s.Usernames("kt"); err != nil || !slices.Equal(names, []string{"a"}) {
		t.Fatalf("Usernames = %v, %v", names, err)
	}

	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	if locked, err := s.Locked(); err != nil || !locked {
		t.Fatalf("Locked after Lock = %v, %v", locked, err)
	}
	if err := s.Unlock("wrong password"); err == nil {
		if locked, _ := s.Locked(); !locked {
			t.Fatal("a wrong password unlocked the collection")
		}
	}
	if err := s.Unlock(Password); err != nil {
		t.Fatal(err)
	}
	if locked, err := s.Locked(); err != nil || locked {
		t.Fatalf("Locked after Unlock = %v, %v", locked, err)
	}

	pids := s.pids()
	s.Close()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d outlived Close: %v", pid, err)
		}
	}
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s: %v", s.Dir, err)
	}
}

func TestBusOnly(t *testing.T) {
	s, err := StartBusOnly()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Locked(); err == nil || !strings.Contains(err.Error(), "does not exist") && !strings.Contains(err.Error(), "not provided") {
		t.Fatalf("Locked on a bus without Secret Service: %v", err)
	}
}

func (s *Session) pids() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, p := range s.procs {
		out = append(out, p.pid())
	}
	return out
}

// TestDaemonsOutliveTheStartingThread: the parent-death signal follows the
// thread that forked a daemon, and the Go runtime ends a thread when a
// goroutine locked to it returns. A session started from such a goroutine
// must keep its daemons once that goroutine, and its thread, are gone.
func TestDaemonsOutliveTheStartingThread(t *testing.T) {
	var s *Session
	var tid int
	onThreadThatEnds(func() {
		tid = syscall.Gettid()
		var err error
		if s, err = Start(); err != nil {
			t.Error(err)
		}
	})
	if s == nil {
		t.FailNow()
	}
	defer s.Close()
	task := fmt.Sprintf("/proc/self/task/%d", tid)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(task); os.IsNotExist(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %d did not end: this test cannot check anything here", tid)
		}
	}
	time.Sleep(100 * time.Millisecond) // for a signal to land and be reported
	if p := s.Problems(); p != "" {
		t.Fatalf("a daemon died with the thread that started it:%s", p)
	}
	if _, err := s.Locked(); err != nil {
		t.Fatalf("the Secret Service is gone: %v", err)
	}
}

// TestCloseSparesOtherChildren: ending a session ends no thread, so a
// process that other code started with a parent-death signal lives on.
func TestCloseSparesOtherChildren(t *testing.T) {
	child := exec.Command("sleep", "60")
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	for range 3 {
		s, err := Start()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	time.Sleep(100 * time.Millisecond)
	var ws syscall.WaitStatus
	if pid, err := syscall.Wait4(child.Process.Pid, &ws, syscall.WNOHANG, nil); pid != 0 || err != nil {
		t.Fatalf("a child of the test process ended (%v, %v) when sessions closed", ws, err)
	}
}

// onThreadThatEnds runs f on an OS thread that ends when f returns: a
// goroutine locked to its thread returns without unlocking. The main
// thread is never ended (the runtime parks it instead), so a goroutine
// that lands there holds it and tries again on another.
func onThreadThatEnds(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if syscall.Gettid() == os.Getpid() {
			onThreadThatEnds(f)
			runtime.UnlockOSThread()
			return
		}
		f()
	}()
	<-done
}

// TestKeyringKilledIsStartedAgain: a keyring daemon killed from outside is
// reported and started again on the same data, and Ready waits for it.
func TestKeyringKilledIsStartedAgain(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Store("kt", "kept", "across a restart"); err != nil {
		t.Fatal(err)
	}
	before := s.KeyringPID()
	if err := syscall.Kill(before, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(startTimeout)
	for s.KeyringPID() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Ready(); err != nil {
		t.Fatal(err)
	}
	if s.KeyringPID() == before {
		t.Fatal("the killed daemon was not replaced")
	}
	if p := s.Problems(); !strings.Contains(p, "ended unexpectedly") || !strings.Contains(p, "started again") {
		t.Errorf("Problems() = %q, want the end reported and the restart", p)
	}
	if v, ok, err := s.Lookup("kt", "kept"); err != nil || !ok || v != "across a restart" {
		t.Fatalf("item after the restart: %q, %v, %v", v, ok, err)
	}
}
