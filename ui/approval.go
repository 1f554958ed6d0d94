package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// ApprovalPrompt is the window that asks the person whether a program may
// have a token of an account (approval, see accounts.CheckApproval): who
// asks (the program's path, escaped, and process ID), for which account
// and what for, with Allow once, Always, Deny and Deny always. Escape and
// the close button deny. It answers once.
type ApprovalPrompt struct {
	win      fyne.Window
	answer   func(accounts.Decision)
	answered bool // touched on the UI goroutine only
	buttons  map[accounts.Decision]*widget.Button
}

// NewApprovalPrompt builds the prompt for req on a, hidden; answer runs
// once, on the UI goroutine, with the person's decision. Call it on the UI
// goroutine.
func NewApprovalPrompt(a fyne.App, req accounts.ApprovalRequest, answer func(accounts.Decision)) *ApprovalPrompt {
	p := &ApprovalPrompt{win: a.NewWindow("Allow a program? – " + AppName), answer: answer, buttons: map[accounts.Decision]*widget.Button{}}
	who := req.Requester
	program := who.Exe
	if program == "" {
		program = who.Program + " (path unknown)"
	}
	started := "—"
	if who.Parent != "" {
		started = safetext.Line(who.Parent) + " (pid " + strconv.Itoa(who.ParentPID) + ")"
	}
	form := widget.NewForm(
		widget.NewFormItem("Program", paragraph(safetext.Line(program))),
		widget.NewFormItem("Process ID", widget.NewLabel(strconv.Itoa(who.PID))),
		widget.NewFormItem("Started by", widget.NewLabel(started)),
		widget.NewFormItem("Account", widget.NewLabel(safetext.Line(req.Account))),
		widget.NewFormItem("For", paragraph(safetext.Line(req.For))),
	)
	note := "Allow once gives it this one token. Always lets this program (by its path) take this account's tokens " +
		"without asking, until you forget it in the accounts window. Escape denies."
	if !req.CanKeep {
		note = "Latchkey cannot tell this program's path, so it could not recognize it next time: " +
			"you can only allow it once or deny it. Escape denies."
	}
	add := func(d accounts.Decision, label string, imp widget.Importance) *widget.Button {
		b := widget.NewButton(label, func() { p.decide(d) })
		b.Importance = imp
		p.buttons[d] = b
		return b
	}
	buttons := container.NewHBox(
		add(accounts.DecisionDenyAlways, "Deny always", widget.MediumImportance),
		add(accounts.DecisionDeny, "Deny", widget.MediumImportance),
		add(accounts.DecisionOnce, "Allow once", widget.HighImportance),
		add(accounts.DecisionAlways, "Always", widget.MediumImportance),
	)
	if !req.CanKeep {
		p.buttons[accounts.DecisionAlways].Disable()
		p.buttons[accounts.DecisionDenyAlways].Disable()
	}
	title := heading("A program asks for a token of " + safetext.Line(req.Account))
	content := container.NewPadded(container.NewVBox(title, form, wrapped(note, 480), container.NewCenter(buttons)))
	p.win.SetContent(content)
	p.win.Resize(fyne.NewSize(520, content.MinSize().Height))
	p.win.SetCloseIntercept(p.closed)
	p.win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name == fyne.KeyEscape {
			p.decide(accounts.DecisionDeny)
		}
	})
	return p
}

// closed is what the window's close button does: deny.
func (p *ApprovalPrompt) closed() { p.decide(accounts.DecisionDeny) }

// Show shows the prompt and brings it forward.
func (p *ApprovalPrompt) Show() {
	p.win.Show()
	p.win.RequestFocus()
}

// decide answers d, once, and closes the prompt.
func (p *ApprovalPrompt) decide(d accounts.Decision) {
	if p.answered {
		return
	}
	p.answered = true
	p.win.Close()
	p.answer(d)
}

// Cancel closes the prompt without an answer: the command stopped
// waiting. Call it on the UI goroutine.
func (p *ApprovalPrompt) Cancel() {
	if !p.answered {
		p.answered = true
		p.win.Close()
	}
}

// ServePrompt runs a prompt process: it reads one kindApprove Message
// from in, shows the prompt, writes the answer to out as a kindAnswer
// Message and returns. It returns without an answer when in ends first
// (the tray gave up). The caller then quits the app.
func ServePrompt(a fyne.App, in io.Reader, out io.Writer) error {
	return servePrompt(a, in, out, nil)
}

// servePrompt is ServePrompt; shown, if not nil, gets the prompt once
// shown (for tests).
func servePrompt(a fyne.App, in io.Reader, out io.Writer, shown func(*ApprovalPrompt)) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 4096), maxMessage)
	if !sc.Scan() {
		return errors.New("no request")
	}
	m, err := decodeMessage(sc.Bytes())
	if err != nil || m.Kind != kindApprove || m.Approval == nil {
		return fmt.Errorf("not an approval request")
	}
	done := make(chan struct{})
	var once sync.Once
	var p *ApprovalPrompt
	fyne.Do(func() {
		p = NewApprovalPrompt(a, *m.Approval, func(d accounts.Decision) {
			out.Write(append(Message{Kind: kindAnswer, Decision: d}.encode(), '\n'))
			once.Do(func() { close(done) })
		})
		p.Show()
		if shown != nil {
			shown(p)
		}
	})
	gone := make(chan struct{})
	go func() {
		for sc.Scan() {
		}
		close(gone)
	}()
	select {
	case <-done:
	case <-gone:
		fyne.DoAndWait(func() { p.Cancel() })
	}
	return nil
}

// Approve asks the person, in a prompt process the tray starts
// (TrayOptions.StartPrompt), whether the program in req may have a token.
// The prompt closes when ctx ends. It is the tray's session.Handlers.Approve.
func (t *TrayApp) Approve(ctx context.Context, req accounts.ApprovalRequest) (accounts.Decision, error) {
	if t.opts.StartPrompt == nil {
		return "", errors.New("this app cannot show prompts")
	}
	answers := make(chan accounts.Decision, 1)
	ended := make(chan struct{})
	conn, err := t.opts.StartPrompt(func(line []byte) {
		if m, err := decodeMessage(line); err == nil && m.Kind == kindAnswer && m.Decision.Valid() {
			select {
			case answers <- m.Decision:
			default:
			}
		}
	}, func() { close(ended) })
	if err != nil {
		return "", fmt.Errorf("show the prompt: %w", err)
	}
	if err := conn.Send(Message{Kind: kindApprove, Approval: &req}.encode()); err != nil {
		conn.Stop(windowStopWait)
		return "", fmt.Errorf("show the prompt: %w", err)
	}
	select {
	case d := <-answers:
		conn.Close()
		return d, nil
	case <-ended:
		select {
		case d := <-answers:
			return d, nil
		default:
		}
		return "", errors.New("the prompt ended without an answer")
	case <-ctx.Done():
		conn.Stop(windowStopWait)
		return "", ctx.Err()
	}
}
