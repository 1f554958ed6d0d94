package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// scriptedAsker answers with the next of its decisions (or err), and
// records what it was asked.
type scriptedAsker struct {
	answers []Decision
	err     error
	asked   []ApprovalRequest
}

func (a *scriptedAsker) Ask(ctx context.Context, req ApprovalRequest) (Decision, error) {
	a.asked = append(a.asked, req)
	if a.err != nil {
		return "", a.err
	}
	d := a.answers[0]
	a.answers = a.answers[1:]
	return d, nil
}

var msmtp = Requester{Program: "msmtp", Exe: "/usr/bin/msmtp", PID: 4242}

func TestCheckApprovalPolicy(t *testing.T) {
	m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: "alice@contoso.test"})
	store := newMemStore()
	s := connectMicrosoft(t, m, store)
	ctx := context.Background()
	day := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	clock := s.now
	s.now = func() time.Time { return day }

	// Off (the default): nobody is asked.
	never := &scriptedAsker{err: errors.New("asked with approval off")}
	if err := s.CheckApproval(ctx, msID, msmtp, "a login", never); err != nil {
		t.Fatalf("approval off: %v", err)
	}
	a, err := s.SetApproval(ctx, "alice@contoso.test", true)
	if err != nil || !a.Approval {
		t.Fatalf("SetApproval = %+v, %v", a, err)
	}
	if a, _ := s.Show(ctx, msID); !a.Approval {
		t.Fatal("Show does not say approval is on")
	}

	steps := []struct {
		who     Requester
		answer  Decision // "" = must not be asked
		wantErr error
	}{
		{msmtp, DecisionOnce, nil},
		{msmtp, DecisionDeny, ErrApprovalDenied},
		{msmtp, DecisionAlways, nil},
		{msmtp, "", nil}, // kept
		{Requester{Program: "evil", Exe: "/tmp/evil", PID: 7}, DecisionDenyAlways, ErrApprovalDenied},
		{Requester{Program: "evil", Exe: "/tmp/evil", PID: 8}, "", ErrApprovalDenied}, // kept
		// A replaced executable is not the one allowed.
		{Requester{Program: "msmtp", Exe: "/usr/bin/msmtp (deleted)"}, DecisionDeny, ErrApprovalDenied},
		// No path: asked every time, and "always" cannot be kept.
		{Requester{Program: "thing"}, DecisionOnce, nil},
		{Requester{Program: "thing"}, DecisionAlways, ErrApprovalDenied},
		{Requester{Program: "thing"}, DecisionOnce, nil},
	}
	for i, st := range steps {
		ask := &scriptedAsker{}
		if st.answer == "" {
			ask.err = errors.New("asked about a kept program")
		} else {
			ask.answers = []Decision{st.answer}
		}
		err := s.CheckApproval(ctx, "alice@contoso.test", st.who, "a login", ask)
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil) != (err == nil) {
			t.Errorf("step %d (%s, %q): %v, want %v", i, st.who.Exe, st.answer, err, st.wantErr)
		}
		if st.answer != "" {
			if len(ask.asked) != 1 {
				t.Fatalf("step %d: asked %d times", i, len(ask.asked))
			}
			q := ask.asked[0]
			if q.Account != msID || q.Requester != st.who || q.For != "a login" || q.CanKeep != (st.who.Exe != "") {
				t.Errorf("step %d: asked %+v", i, q)
			}
		}
	}

	_, kept, err := s.Approvals(ctx, msID)
	if err != nil {
		t.Fatal(err)
	}
	want := []ProgramDecision{{Exe: "/tmp/evil", Allow: false, Decided: day}, {Exe: "/usr/bin/msmtp", Allow: true, Decided: day}}
	if mustJSON(t, kept) != mustJSON(t, want) {
		t.Errorf("kept = %s, want %s", mustJSON(t, kept), mustJSON(t, want))
	}

	// Forget one: it is asked again.
	if n, err := s.ForgetApproval(ctx, msID, "/usr/bin/msmtp"); n != 1 || err != nil {
		t.Fatalf("ForgetApproval = %d, %v", n, err)
	}
	ask := &scriptedAsker{answers: []Decision{DecisionOnce}}
	if err := s.CheckApproval(ctx, msID, msmtp, "", ask); err != nil || len(ask.asked) != 1 {
		t.Errorf("after forget: %v, asked %d", err, len(ask.asked))
	}
	// Nobody to ask: the asker's error, and no token.
	unavailable := &scriptedAsker{err: ErrApprovalUnavailable}
	if err := s.CheckApproval(ctx, msID, msmtp, "", unavailable); !errors.Is(err, ErrApprovalUnavailable) {
		t.Errorf("nobody to ask: %v", err)
	}
	// A reconnect keeps approval on and the decisions.
	s.now = clock
	if _, err := s.Connect(ctx, ConnectRequest{Provider: "microsoft", Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
	a, kept, _ = s.Approvals(ctx, msID)
	if !a.Approval || len(kept) != 1 {
		t.Errorf("after a reconnect: approval %v, kept %+v", a.Approval, kept)
	}
	if n, _ := s.ForgetApproval(ctx, msID, ""); n != 1 {
		t.Errorf("forget all dropped %d", n)
	}
	if _, err := s.SetApproval(ctx, msID, false); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckApproval(ctx, msID, msmtp, "", never); err != nil {
		t.Errorf("approval off again: %v", err)
	}
	if err := s.CheckApproval(ctx, "nobody@x.test", msmtp, "", never); !errors.Is(err, ErrUnknownAccount) {
		t.Errorf("unknown account: %v", err)
	}
}
