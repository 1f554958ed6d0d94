package ui

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/accounts"
)

// lines gets what the window process writes to the tray: one message a
// Write, as WindowProcess.tell writes them.
type lines chan string

func (l lines) Write(p []byte) (int, error) {
	l <- strings.TrimSuffix(string(p), "\n")
	return len(p), nil
}

// wait waits for the line want, passing over others.
func (l lines) wait(t *testing.T, want string) {
	t.Helper()
	var got []string
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line := <-l:
			if line == want {
				return
			}
			got = append(got, line)
		case <-timeout:
			t.Fatalf("the window process wrote %q, want the line %s", got, want)
		}
	}
}

// serve runs a window process on the test app with the tray's messages ms.
func serve(t *testing.T, ms ...Message) (*WindowProcess, lines) {
	t.Helper()
	return serveWith(t, func(*WindowProcess) {}, messages(ms...))
}

// messages is what the tray writes for ms.
func messages(ms ...Message) *bytes.Buffer {
	var in bytes.Buffer
	for _, m := range ms {
		in.Write(append(m.encode(), '\n'))
	}
	return &in
}

// serveWith is serve, calling set on the window process before Serve,
// which reads in.
func serveWith(t *testing.T, set func(*WindowProcess), in io.Reader) (*WindowProcess, lines) {
	t.Helper()
	out := make(lines, 16)
	p := NewWindowProcess(test.NewTempApp(t), &fakeLister{accounts: []accounts.Account{alice, bob}}, Options{}, out)
	set(p)
	if err := p.Serve(in); err != nil {
		t.Fatal(err)
	}
	// A reload the messages started ends before the test goes on (the
	// test driver runs fyne.Do at once, on the load's goroutine).
	settle(t, p.shell.bg)
	return p, out
}

// Hiding the last window tells the tray, with how many requests it handled.
func TestWindowProcessReportsHidden(t *testing.T) {
	// The reload goes last: Fyne's test driver runs fyne.Do at once, so a
	// message after it would race the load's goroutine.
	p, out := serve(t, Message{Kind: kindShow}, Message{Kind: kindShow, Account: alice.ID}, Message{Kind: kindReload})
	w := p.shell.window
	if !w.win.Content().Visible() || w.selected != alice.ID {
		t.Fatalf("show did not open the window on alice (selected %q)", w.selected)
	}
	fyne.Do(func() { w.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
	out.wait(t, `{"kind":"hidden","seq":2}`)
}

// gated reads r once gate is closed, as a pipe the tray writes to later.
type gated struct {
	gate chan struct{}
	r    io.Reader
}

func (g gated) Read(b []byte) (int, error) {
	<-g.gate
	return g.r.Read(b)
}

// A process readied before any request (the menu opened) runs Prepare
// once, before the first request is handled; Shown runs after each window
// was shown.
func TestWindowProcessPrepareThenShown(t *testing.T) {
	var steps []string
	in := gated{gate: make(chan struct{}), r: messages(Message{Kind: kindShow}, Message{Kind: kindShow, Account: alice.ID})}
	serveWith(t, func(p *WindowProcess) {
		p.prepareAfter = time.Millisecond
		p.Prepare = func() {
			steps = append(steps, "prepare")
			close(in.gate)
		}
		p.Shown = func() {
			steps = append(steps, "shown "+strconv.FormatBool(p.shell.window.win.Content().Visible()))
		}
	}, in)
	var got string
	fyne.DoAndWait(func() { got = strings.Join(steps, ", ") })
	if want := "prepare, shown true, shown true"; got != want {
		t.Errorf("steps: %s, want %s", got, want)
	}
}

// A process started for a request finds it waiting and handles it without
// Prepare, which would only delay it.
func TestWindowProcessNoPrepareWhenARequestWaits(t *testing.T) {
	prepared := false
	p, _ := serveWith(t, func(p *WindowProcess) {
		// Long enough for the request to be read, however slow the machine.
		p.prepareAfter = time.Minute
		p.Prepare = func() { prepared = true }
	}, messages(Message{Kind: kindShow, Account: alice.ID}))
	var shown bool
	fyne.DoAndWait(func() { shown = p.shell.window.win.Content().Visible() && p.shell.window.selected == alice.ID })
	if prepared || !shown {
		t.Errorf("prepared %v, window shown on alice %v; want no Prepare and the window", prepared, shown)
	}
}

// Messages that open no window (a renewal failure the tray passes on as
// it starts the process) do not keep Prepare from running, and are handled.
func TestWindowProcessPrepareAfterOtherMessages(t *testing.T) {
	prepared := false
	// The pipe stays open until Prepare ran.
	rest := gated{gate: make(chan struct{}), r: messages()}
	in := io.MultiReader(messages(Message{Kind: kindRenew, Account: alice.ID, Text: "Latchkey could not renew the access token."}), rest)
	p, _ := serveWith(t, func(p *WindowProcess) {
		p.prepareAfter = time.Millisecond
		p.Prepare = func() {
			prepared = true
			close(rest.gate)
		}
	}, in)
	var failure string
	fyne.DoAndWait(func() { failure = p.shell.details(alice).RenewFailure })
	if !prepared || failure == "" {
		t.Errorf("prepared %v, renewal failure %q; want both", prepared, failure)
	}
}

// The wizard on its own: dismissing it is hiding the last window.
func TestWindowProcessWizardAlone(t *testing.T) {
	p, out := serve(t, Message{Kind: kindConnect})
	fyne.Do(p.shell.wizard.dismiss)
	out.wait(t, `{"kind":"hidden","seq":1}`)
}

// A process started only to send a notification asks to end once it is sent.
func TestWindowProcessNotifies(t *testing.T) {
	_, out := serve(t, Message{Kind: kindNotify, Title: "bob@example.com needs you to sign in again", Text: "Google no longer accepts it."})
	out.wait(t, `{"kind":"hidden"}`)
}

// Ctrl+Q in the window asks the tray to quit the whole app.
func TestWindowProcessQuitAsksTheTray(t *testing.T) {
	p, out := serve(t, Message{Kind: kindShow})
	fyne.Do(p.shell.window.shortcuts[fyne.KeyQ])
	out.wait(t, `{"kind":"quit"}`)
}

// The tray's renewal results show in the account's details.
func TestWindowProcessShowsRenewals(t *testing.T) {
	p, _ := serve(t, Message{Kind: kindRenew, Account: alice.ID, Text: "Latchkey could not renew the access token."})
	if got := p.shell.details(alice).RenewFailure; got != "Latchkey could not renew the access token." {
		t.Errorf("RenewFailure = %q", got)
	}
	fyne.Do(func() { p.handle(Message{Kind: kindRenew, Account: alice.ID}) })
	if got := p.shell.details(alice).RenewFailure; got != "" {
		t.Errorf("after a renewal succeeded RenewFailure = %q", got)
	}
}

// Reconnect on a fresh process waits for the accounts, then opens the
// wizard on the account.
func TestWindowProcessReconnect(t *testing.T) {
	p, _ := serve(t, Message{Kind: kindReconnect, Account: bob.ID})
	settle(t, p.shell.bg)
	if got := p.shell.wizard.reconnect.ID; got != bob.ID {
		t.Errorf("the wizard reconnects %q, want %q", got, bob.ID)
	}
}
