//go:build linux

package keyringtest

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// lookupWithin runs secret-tool lookup, killed after d, and reports
// whether it finished on its own.
func lookupWithin(s *Session, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", "lookup", "service", "kt", "username", "a")
	cmd.Env = s.Environ()
	_ = cmd.Run()
	return ctx.Err() == nil
}

// TestSilentPrompter: with the prompter's name owned and never answering,
// reading from a locked keyring blocks (gnome-keyring waits for the
// prompt); without it, the read fails at once.
func TestSilentPrompter(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Store("kt", "a", "v"); err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(); err != nil {
		t.Fatal(err)
	}
	if !lookupWithin(s, 10*time.Second) {
		t.Fatal("a locked keyring with no prompter did not answer")
	}
	p, err := s.StartSilentPrompter()
	if err != nil {
		t.Fatal(err)
	}
	if lookupWithin(s, 2*time.Second) {
		t.Error("a locked keyring answered although its prompter never did")
	}
	if p.Calls() == 0 {
		t.Error("gnome-keyring-daemon never called the prompter")
	}
	p.Close()
	if err := s.Unlock(Password); err != nil {
		t.Fatal(err)
	}
	if !lookupWithin(s, 10*time.Second) {
		t.Error("the keyring did not recover after the prompter left")
	}
}

// TestStall: a stalled keyring answers nothing until resumed.
func TestStall(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resume, err := s.Stall()
	if err != nil {
		t.Fatal(err)
	}
	if lookupWithin(s, time.Second) {
		t.Error("a stalled keyring answered")
	}
	resume()
	if !lookupWithin(s, 10*time.Second) {
		t.Error("the keyring did not answer after resume")
	}
}
