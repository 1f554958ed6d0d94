package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// realApp is the real desktop app (latchkey-tray, built with cgo) running
// on a private X server (Xvfb) in a world: the tray process answers
// approval requests on its socket and shows each prompt in a prompt
// process, which xdotool answers from the keyboard.
type realApp struct {
	t       *testing.T
	display string
}

// startRealApp builds latchkey-tray, starts Xvfb and the app in w's
// environment (private runtime dir, config dir, keyring), and waits for
// the app's socket. It skips the test without Xvfb or xdotool.
func startRealApp(t *testing.T, w *world, rt string) *realApp {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian: xvfb, xdotool)", tool)
		}
	}
	tray := filepath.Join(t.TempDir(), "latchkey-tray")
	build := exec.Command("go", "build", "-tags", "migrated_fynedo", "-o", tray, "../latchkey-tray")
	// The app needs cgo (GL) even where the tests run without it (anydate).
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build latchkey-tray (needs cgo and the GL headers): %v\n%s", err, out)
	}

	// Xvfb picks a free display and writes its number on fd 3.
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{wr}
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	wr.Close()
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		num <- strings.TrimSpace(line)
	}()
	a := &realApp{t: t}
	select {
	case n := <-num:
		a.display = ":" + n
	case <-time.After(20 * time.Second):
		t.Fatal("Xvfb did not start")
	}

	app := exec.Command(tray, "--hidden")
	app.Env = mergeEnv(w.env, []string{"DISPLAY=" + a.display})
	logf, err := os.Create(filepath.Join(t.TempDir(), "tray.log"))
	if err != nil {
		t.Fatal(err)
	}
	app.Stdout, app.Stderr = logf, logf
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		app.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { app.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			app.Process.Kill()
			<-done
		}
		if t.Failed() {
			log, _ := os.ReadFile(logf.Name())
			t.Logf("latchkey-tray's log:\n%s", log)
		}
	})
	sock := filepath.Join(rt, "latchkey", "tray.sock")
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the app did not claim its socket")
		}
	}
	return a
}

// xdotool runs xdotool on the app's display.
func (a *realApp) xdotool(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+a.display)
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// answer waits for the prompt window, focuses it and types keys.
func (a *realApp) answer(keys ...string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	ids, err := a.xdotool(ctx, "search", "--sync", "--onlyvisible", "--name", "^Allow a program")
	if err != nil || ids == "" {
		a.t.Fatalf("no prompt window appeared: %v", err)
	}
	a.t.Logf("the prompt appeared %v after the command started", time.Since(start).Round(time.Millisecond))
	win := strings.Fields(ids)[0]
	// The window takes keys once drawn; with no window manager, focus is
	// given again before each key, so none goes astray.
	time.Sleep(time.Second)
	for _, k := range keys {
		if _, err := a.xdotool(ctx, "windowfocus", "--sync", win, "key", k); err != nil {
			a.t.Fatalf("type %s: %v", k, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// promptOpen reports whether a prompt window is shown.
func (a *realApp) promptOpen() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ids, _ := a.xdotool(ctx, "search", "--onlyvisible", "--name", "^Allow a program")
	return ids != ""
}

// TestApprovalWithTheRealApp: the real latchkey binary asks the real
// desktop app, whose prompt is answered from the keyboard: Escape denies
// (16), Tab to "Allow once" and Space allows, "Always" is kept (no prompt
// next time), forget asks again, and a prompt nobody answers closes when
// the command gives up (17).
func TestApprovalWithTheRealApp(t *testing.T) {
	_, w, id := msWorld(t, "prompt@contoso.test", 0)
	rt := privateRuntimeFor(t, w)
	w.must("approval", "on", id)
	app := startRealApp(t, w, rt)

	// token runs `latchkey token` while keys answer the prompt.
	token := func(keys ...string) result {
		t.Helper()
		res := make(chan result, 1)
		go func() { res <- w.run("token", id, "--approval-timeout", "60s") }()
		app.answer(keys...)
		return <-res
	}
	if r := token("Escape"); r.code != exitDenied || r.stdout != "" {
		t.Errorf("Escape: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	// The buttons in focus order: Deny always, Deny, Allow once, Always.
	if r := token("Tab", "Tab", "Tab", "space"); r.code != 0 || r.stdout == "" {
		t.Errorf("Allow once: exit %d, stderr %s", r.code, r.stderr)
	}
	if r := token("Tab", "Tab", "Tab", "Tab", "space"); r.code != 0 || r.stdout == "" {
		t.Errorf("Always: exit %d, stderr %s", r.code, r.stderr)
	}
	start := time.Now()
	w.must("token", id) // kept: no prompt
	if d := time.Since(start); d > 5*time.Second || app.promptOpen() {
		t.Errorf("after Always: a prompt is open (token took %v)", d)
	}
	me, _ := os.Executable()
	w.must("approval", "forget", id, me)
	if r := token("Tab", "space"); r.code != exitDenied { // Deny always
		t.Errorf("Deny always: exit %d, stderr %s", r.code, r.stderr)
	}
	w.expectExit(exitDenied, "token", id)
	w.must("approval", "forget", id, "--all")

	// Nobody answers: 17 after the timeout, and the prompt closes.
	r := w.run("token", id, "--approval-timeout", "3s")
	if r.code != exitNoApproval || !strings.Contains(r.stderr, "nobody answered") {
		t.Errorf("unanswered: exit %d, stderr %s", r.code, r.stderr)
	}
	for deadline := time.Now().Add(10 * time.Second); app.promptOpen(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Error("the prompt stayed open after the command gave up")
			break
		}
	}
}
