package ui

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// hostileReq asks for a token for a program whose path holds a terminal
// escape, a bidi override and a newline.
var hostileReq = accounts.ApprovalRequest{
	Account: "microsoft:alice@contoso.test", For: "an IMAP/POP/SMTP login (XOAUTH2)", CanKeep: true,
	Requester: accounts.Requester{Program: "msmtp", Exe: "/home/a/bin/\x1b[31mmsmtp\u202e\ngpj", PID: 4242, Parent: "neomutt", ParentPID: 4200},
}

// newTestPrompt shows a prompt for req on a test app and returns it and
// its answers.
func newTestPrompt(t *testing.T, req accounts.ApprovalRequest) (*ApprovalPrompt, chan accounts.Decision) {
	t.Helper()
	answers := make(chan accounts.Decision, 2)
	p := NewApprovalPrompt(test.NewTempApp(t), req, func(d accounts.Decision) { answers <- d })
	p.Show()
	t.Cleanup(p.Cancel) // the test driver keeps windows across tests
	return p, answers
}

func TestApprovalPromptButtons(t *testing.T) {
	for _, d := range []accounts.Decision{accounts.DecisionOnce, accounts.DecisionAlways, accounts.DecisionDeny, accounts.DecisionDenyAlways} {
		p, answers := newTestPrompt(t, hostileReq)
		test.Tap(p.buttons[d])
		test.Tap(p.buttons[accounts.DecisionOnce]) // a second click answers nothing more
		if got := <-answers; got != d {
			t.Errorf("tapping %s answered %s", d, got)
		}
		if len(answers) != 0 {
			t.Errorf("%s: answered twice", d)
		}
	}
}

func TestApprovalPromptEscapeAndCloseDeny(t *testing.T) {
	p, answers := newTestPrompt(t, hostileReq)
	typeKey := p.win.Canvas().OnTypedKey()
	typeKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) // Return is no answer: no default button
	typeKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if got := <-answers; got != accounts.DecisionDeny {
		t.Errorf("Escape answered %s", got)
	}
	p, answers = newTestPrompt(t, hostileReq)
	p.closed() // the close button (the test driver runs no close intercept)
	if got := <-answers; got != accounts.DecisionDeny {
		t.Errorf("closing answered %s", got)
	}
	// Cancelled (the command gave up): no answer, and nothing later.
	p, answers = newTestPrompt(t, hostileReq)
	p.Cancel()
	test.Tap(p.buttons[accounts.DecisionAlways])
	if len(answers) != 0 {
		t.Error("a cancelled prompt answered")
	}
}

// TestApprovalPromptShowsWhoEscaped: the program's path, pid, parent,
// account and purpose are shown, the path with its control and format
// characters escaped; the layout is the golden's.
func TestApprovalPromptShowsWhoEscaped(t *testing.T) {
	p, _ := newTestPrompt(t, hostileReq)
	test.AssertRendersToMarkup(t, "approval_prompt.xml", p.win.Canvas())
	content := visibleText(p.win.Content())
	for _, want := range []string{`/home/a/bin/\x1b[31mmsmtp\u202e\ngpj`, "4242", "neomutt (pid 4200)", "microsoft:alice@contoso.test", "XOAUTH2"} {
		if !strings.Contains(content, want) {
			t.Errorf("the prompt does not show %q", want)
		}
	}
	if strings.ContainsAny(content, "\x1b\u202e") {
		t.Error("the prompt shows a raw control or format character")
	}
}

// TestApprovalPromptNoPath: a program without a known path can only be
// allowed once or denied.
func TestApprovalPromptNoPath(t *testing.T) {
	req := hostileReq
	req.Requester = accounts.Requester{Program: "thing", PID: 7}
	req.CanKeep = false
	p, answers := newTestPrompt(t, req)
	if !p.buttons[accounts.DecisionAlways].Disabled() || !p.buttons[accounts.DecisionDenyAlways].Disabled() {
		t.Error("Always or Deny always offered for a program without a path")
	}
	if c := visibleText(p.win.Content()); !strings.Contains(c, "thing (path unknown)") || !strings.Contains(c, "allow it once") {
		t.Errorf("the prompt says:\n%s", c)
	}
	test.Tap(p.buttons[accounts.DecisionOnce])
	if got := <-answers; got != accounts.DecisionOnce {
		t.Errorf("answered %s", got)
	}
}

// TestServePrompt: the prompt process reads the request, shows it and
// writes the answer; it ends without one when the tray hangs up.
func TestServePrompt(t *testing.T) {
	a := test.NewTempApp(t)
	inR, inW := io.Pipe()
	out := make(lines, 4)
	done := make(chan error, 1)
	shown := make(chan *ApprovalPrompt, 1)
	go func() { done <- servePrompt(a, inR, out, func(p *ApprovalPrompt) { shown <- p }) }()
	inW.Write(append(Message{Kind: kindApprove, Approval: &hostileReq}.encode(), '\n'))
	prompt := <-shown
	test.Tap(findButton(t, prompt.win.Canvas(), "Always"))
	out.wait(t, string(Message{Kind: kindAnswer, Decision: accounts.DecisionAlways}.encode()))
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	a = test.NewTempApp(t)
	inR, inW = io.Pipe()
	go func() { done <- servePrompt(a, inR, out, func(p *ApprovalPrompt) { shown <- p }) }()
	inW.Write(append(Message{Kind: kindApprove, Approval: &hostileReq}.encode(), '\n'))
	<-shown
	inW.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the prompt process did not end when the tray hung up")
	}
	if len(out) != 0 {
		t.Errorf("answered %q without a click", <-out)
	}
	if err := ServePrompt(test.NewTempApp(t), strings.NewReader(`{"kind":"show"}`+"\n"), out); err == nil {
		t.Error("ServePrompt took a message that is no approval request")
	}
}

// TestTrayAppApprove: the tray starts a prompt process, sends it the
// request and returns its answer; a command that gives up stops it.
func TestTrayAppApprove(t *testing.T) {
	prompts := &fakeWindows{}
	ta, _, _ := newTestTray(t, nil, TrayOptions{StartPrompt: prompts.start})
	res := make(chan accounts.Decision, 1)
	go func() {
		d, err := ta.Approve(context.Background(), hostileReq)
		if err != nil {
			t.Error(err)
		}
		res <- d
	}()
	p := waitStarted(t, prompts, 1)
	waitFor(t, func() bool { return len(p.messages()) == 1 })
	if m := p.messages()[0]; m.Kind != kindApprove || *m.Approval != hostileReq {
		t.Errorf("the prompt process was sent %+v", m)
	}
	p.tell(Message{Kind: kindAnswer, Decision: accounts.DecisionDeny})
	if d := <-res; d != accounts.DecisionDeny {
		t.Errorf("Approve = %s", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := ta.Approve(ctx, hostileReq)
		errs <- err
	}()
	p = waitStarted(t, prompts, 2)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Errorf("Approve after the command gave up = %v", err)
	}
	if !p.stopped {
		t.Error("the prompt process was not stopped")
	}

	// The prompt process dies without answering.
	go func() {
		_, err := ta.Approve(context.Background(), hostileReq)
		errs <- err
	}()
	p = waitStarted(t, prompts, 3)
	p.onExit()
	if err := <-errs; err == nil {
		t.Error("Approve with a dead prompt process answered")
	}
	// No way to show prompts.
	bare, _, _ := newTestTray(t, nil, TrayOptions{})
	if _, err := bare.Approve(context.Background(), hostileReq); err == nil {
		t.Error("Approve without StartPrompt answered")
	}
}

func waitStarted(t *testing.T, f *fakeWindows, n int) *fakeWindow {
	t.Helper()
	waitFor(t, func() bool { return len(f.started()) >= n })
	return f.started()[n-1]
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

// answerWith is an accounts.Asker that answers d.
type answerWith accounts.Decision

func (d answerWith) Ask(context.Context, accounts.ApprovalRequest) (accounts.Decision, error) {
	return accounts.Decision(d), nil
}

// TestApprovalInAccountsWindow: the detail pane shows the approval switch
// and the kept decisions (paths escaped), over the real core; Forget
// drops one, and the switch turns asking off.
func TestApprovalInAccountsWindow(t *testing.T) {
	core := newRealCore(t, providertest.MicrosoftOptions{}, nil)
	a := connectAlice(t, core)
	ctx := context.Background()
	if _, err := core.svc.SetApproval(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	keep := map[string]accounts.Decision{"/usr/bin/msmtp": accounts.DecisionAlways, "/tmp/\x1b[2Jevil": accounts.DecisionDenyAlways}
	for exe, d := range keep {
		core.svc.CheckApproval(ctx, a.ID, accounts.Requester{Program: "p", Exe: exe, PID: 1}, "", answerWith(d))
	}
	s, _, _ := newRealShell(t, core)
	w := s.window
	if w.approval == nil || !w.approval.Checked {
		t.Fatal("the approval switch is not shown on")
	}
	text := visibleText(w.detail)
	for _, want := range []string{approvalLabel, "/usr/bin/msmtp", "always allowed", `/tmp/\x1b[2Jevil`, "always refused"} {
		if !strings.Contains(text, want) {
			t.Errorf("the detail pane does not show %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Error("a raw escape character reached the window")
	}

	test.Tap(w.buttons["Forget /usr/bin/msmtp"])
	settle(t, s.bg)
	settle(t, s.bg)
	if _, kept, _ := core.svc.Approvals(ctx, a.ID); len(kept) != 1 || kept[0].Exe != "/tmp/\x1b[2Jevil" {
		t.Errorf("after Forget, kept %+v", kept)
	}
	if text := visibleText(w.detail); strings.Contains(text, "always allowed") || !strings.Contains(text, "will be asked about again") {
		t.Errorf("after Forget the pane says:\n%s", text)
	}

	test.Tap(w.approval)
	settle(t, s.bg)
	settle(t, s.bg)
	if acc, _ := core.svc.Show(ctx, a.ID); acc.Approval {
		t.Error("the switch did not turn approval off")
	}
	if w.approval.Checked || !strings.Contains(visibleText(w.detail), "Off: every program") {
		t.Error("the pane does not show approval off")
	}
}
