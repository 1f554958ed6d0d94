//go:build unix

package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

var askReq = accounts.ApprovalRequest{Account: "microsoft:a@x.test", For: "an IMAP/SMTP login", CanKeep: true,
	Requester: accounts.Requester{Program: "msmtp", Exe: "/usr/bin/msmtp", PID: 42}}

func TestAskAppGetsTheAnswer(t *testing.T) {
	privateRuntime(t)
	for _, want := range []accounts.Decision{accounts.DecisionOnce, accounts.DecisionAlways, accounts.DecisionDeny, accounts.DecisionDenyAlways} {
		got := make(chan accounts.ApprovalRequest, 1)
		in, err := ClaimApp("tray", Handlers{Approve: func(ctx context.Context, r accounts.ApprovalRequest) (accounts.Decision, error) {
			got <- r
			return want, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		d, err := AskApp(ctx, "tray", askReq, nil)
		cancel()
		in.Close()
		if err != nil || d != want {
			t.Errorf("AskApp = %q, %v; want %q", d, err, want)
		}
		if r := <-got; r != askReq {
			t.Errorf("the app was asked %+v, want %+v", r, askReq)
		}
	}
}

func TestAskAppNoApp(t *testing.T) {
	dir := privateRuntime(t)
	start := time.Now()
	_, err := AskApp(context.Background(), "tray", askReq, nil)
	if !errors.Is(err, accounts.ErrApprovalUnavailable) || !strings.Contains(err.Error(), "not running") {
		t.Errorf("AskApp with no app = %v", err)
	}
	// A socket left by a crashed app: nothing answers.
	in, err := Claim("tray", nil)
	if err != nil {
		t.Fatal(err)
	}
	in.ln.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
	in.Close()
	if _, err := os.Stat(filepath.Join(dir, "tray.sock")); err != nil {
		t.Fatal(err)
	}
	if _, err := AskApp(context.Background(), "tray", askReq, nil); !errors.Is(err, accounts.ErrApprovalUnavailable) {
		t.Errorf("AskApp with a stale socket = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("AskApp with no app took %v", d)
	}
}

func TestAskAppOldAppCannotAsk(t *testing.T) {
	privateRuntime(t)
	in, err := Claim("tray", func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	_, err = AskApp(context.Background(), "tray", askReq, nil)
	if !errors.Is(err, accounts.ErrApprovalUnavailable) {
		t.Errorf("AskApp of an app without Approve = %v", err)
	}
}

// TestAskAppTimeoutClosesPrompt: when the command stops waiting, the
// app's prompt is told (its ctx ends) and the command says nobody answered.
func TestAskAppTimeoutClosesPrompt(t *testing.T) {
	privateRuntime(t)
	ended := make(chan error, 1)
	in, err := ClaimApp("tray", Handlers{Approve: func(ctx context.Context, r accounts.ApprovalRequest) (accounts.Decision, error) {
		<-ctx.Done()
		ended <- ctx.Err()
		return "", ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err = AskApp(ctx, "tray", askReq, nil)
	if !errors.Is(err, accounts.ErrApprovalUnavailable) || !strings.Contains(err.Error(), "nobody answered") {
		t.Errorf("AskApp past its deadline = %v", err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt was not told that the command stopped waiting")
	}

	// Interrupted (Ctrl-C): context.Canceled, not "nobody answered".
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	if _, err := AskApp(ctx, "tray", askReq, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("AskApp interrupted = %v", err)
	}
	<-ended
}

// TestCloseEndsWaitingPrompts: quitting the app does not wait for the
// person to answer.
func TestCloseEndsWaitingPrompts(t *testing.T) {
	privateRuntime(t)
	asked := make(chan struct{})
	in, err := ClaimApp("tray", Handlers{Approve: func(ctx context.Context, r accounts.ApprovalRequest) (accounts.Decision, error) {
		close(asked)
		<-ctx.Done()
		return "", errors.New("the app is quitting")
	}})
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := AskApp(ctx, "tray", askReq, nil)
		res <- err
	}()
	<-asked
	start := time.Now()
	in.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v with a prompt open", d)
	}
	if err := <-res; !errors.Is(err, accounts.ErrApprovalUnavailable) {
		t.Errorf("AskApp when the app quit = %v", err)
	}
}

// TestActivateStillAnswered: the activation request is unchanged.
func TestActivateStillAnsweredWithApprove(t *testing.T) {
	privateRuntime(t)
	activated := make(chan struct{}, 1)
	in, err := ClaimApp("tray", Handlers{Activate: func() { activated <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := Claim("tray", nil); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Claim = %v", err)
	}
	<-activated
}
