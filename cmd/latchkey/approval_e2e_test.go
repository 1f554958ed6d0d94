package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/ui/session"
)

// privateRuntimeFor gives w, and this test process, a runtime dir of
// their own: where the desktop app's socket is looked for.
func privateRuntimeFor(t *testing.T, w *world) string {
	t.Helper()
	rt := t.TempDir()
	if err := os.Chmod(rt, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", rt)
	w.env = w.withEnv("XDG_RUNTIME_DIR=" + rt)
	return rt
}

// standInApp plays the desktop app's side of approval (as the tray
// process does, through session.ClaimApp): each request is sent on asked,
// and answered with what the test sends on answers.
type standInApp struct {
	asked   chan accounts.ApprovalRequest
	answers chan accounts.Decision
	ended   chan error // the request's ctx ended without an answer
}

func startStandInApp(t *testing.T) *standInApp {
	t.Helper()
	a := &standInApp{asked: make(chan accounts.ApprovalRequest, 4), answers: make(chan accounts.Decision, 4), ended: make(chan error, 4)}
	in, err := session.ClaimApp(session.TrayInstance, session.Handlers{
		Approve: func(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error) {
			a.asked <- req
			select {
			case d := <-a.answers:
				return d, nil
			case <-ctx.Done():
				a.ended <- ctx.Err()
				return "", ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { in.Close() })
	return a
}

// notAsked fails the test if the app was asked.
func (a *standInApp) notAsked(t *testing.T, step string) {
	t.Helper()
	select {
	case r := <-a.asked:
		t.Errorf("%s: the app was asked about %+v", step, r)
	default:
	}
}

// TestApprovalThroughTheApp runs the real latchkey binary, with this test
// as the program asking for a token, against a stand-in for the desktop
// app on the real socket: no app, Allow once, Deny, Always (then not
// asked), forget (asked again), Deny always, a timeout, approval off.
func TestApprovalThroughTheApp(t *testing.T) {
	_, w, id := msWorld(t, "approve@contoso.test", 0)
	privateRuntimeFor(t, w)
	me, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	w.must("token", id) // approval is off until turned on
	if out := w.must("approval", "on", id); !strings.Contains(out, "Approval is on for "+id) {
		t.Errorf("approval on said %q", out)
	}

	// No app: exit 17 at once, no token.
	start := time.Now()
	r := w.expectExit(exitNoApproval, "token", id)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("token with no app to ask took %v", d)
	} else {
		t.Logf("no app: exit 17 after %v", d.Round(time.Millisecond))
	}
	if r.stdout != "" || !strings.Contains(r.stderr, "desktop app is not running") || !strings.Contains(r.stderr, "latchkey approval off") {
		t.Errorf("token with no app: stdout %q, stderr %q", r.stdout, r.stderr)
	}

	app := startStandInApp(t)
	// ask runs token in the background, checks what the app is asked and
	// answers d.
	ask := func(d accounts.Decision, args ...string) result {
		t.Helper()
		res := make(chan result, 1)
		go func() { res <- w.run(append([]string{"token", id}, args...)...) }()
		select {
		case req := <-app.asked:
			if req.Account != id || req.Requester.Exe != me || req.Requester.PID != os.Getpid() || !req.CanKeep || req.For == "" {
				t.Errorf("the app was asked %+v; want %s, pid %d", req, me, os.Getpid())
			}
		case r := <-res:
			t.Fatalf("token ended without asking: exit %d, %s", r.code, r.stderr)
		}
		app.answers <- d
		return <-res
	}

	r = ask(accounts.DecisionOnce, "--format", "header")
	if r.code != 0 || r.stdout == "" || !strings.Contains(r.stderr, "waiting up to 1m0s for you to allow "+me) {
		t.Errorf("allowed once: exit %d, stderr %q", r.code, r.stderr)
	}
	r = ask(accounts.DecisionDeny)
	if r.code != exitDenied || r.stdout != "" || !strings.Contains(r.stderr, "you refused") || !strings.Contains(r.stderr, "latchkey approval forget") {
		t.Errorf("denied: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r = ask(accounts.DecisionAlways); r.code != 0 || r.stdout == "" {
		t.Errorf("always: exit %d, %s", r.code, r.stderr)
	}
	w.must("token", id) // kept: not asked
	app.notAsked(t, "after always")

	var listed []approvalListing
	if err := json.Unmarshal([]byte(w.must("approval", "list", id, "--json")), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 || !listed[0].Approval || len(listed[0].Programs) != 1 || listed[0].Programs[0].Exe != me || !listed[0].Programs[0].Allow {
		t.Errorf("approval list --json = %+v", listed)
	}
	if out := w.must("approval", "list"); !strings.Contains(out, me) || !strings.Contains(out, "always") {
		t.Errorf("approval list = %q", out)
	}

	// Forgotten: asked again; kept refused: exit 16 without asking.
	w.must("approval", "forget", id, me)
	if r = ask(accounts.DecisionDenyAlways); r.code != exitDenied {
		t.Errorf("deny always: exit %d, %s", r.code, r.stderr)
	}
	r = w.expectExit(exitDenied, "token", id)
	app.notAsked(t, "after deny always")
	if !strings.Contains(r.stderr, "always refused") {
		t.Errorf("kept refusal said %q", r.stderr)
	}
	w.must("approval", "forget", id, "--all")
	w.expectExit(exitUsage, "approval", "forget", id, "/no/such/program")

	// Nobody answers: exit 17 after --approval-timeout, and the prompt is
	// told to close.
	start = time.Now()
	res := make(chan result, 1)
	go func() { res <- w.run("token", id, "--approval-timeout", "1s") }()
	<-app.asked
	r = <-res
	if r.code != exitNoApproval || !strings.Contains(r.stderr, "nobody answered") || time.Since(start) > 10*time.Second {
		t.Errorf("timeout: exit %d after %v, stderr %q", r.code, time.Since(start), r.stderr)
	}
	select {
	case <-app.ended:
	case <-time.After(5 * time.Second):
		t.Error("the app's prompt was not closed when the command gave up")
	}

	w.must("approval", "off", id)
	w.must("token", id)
	app.notAsked(t, "approval off")
	w.expectExit(exitUsage, "approval", "maybe", id)
	w.expectExit(exitUnknownAccount, "approval", "on", "nobody@contoso.test")

	// The decisions are in the account index, the user's alone; no token there.
	info, err := os.Stat(filepath.Join(w.dir, accounts.IndexFileName))
	if err != nil || info.Mode().Perm()&0o077 != 0 {
		t.Errorf("index mode %v, %v", info.Mode(), err)
	}
}
