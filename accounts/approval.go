package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Approval asks the person before a program they have not allowed gets a
// token, as oidc-agent --confirm does. It is off by default and switched
// per account (SetApproval). With it on, CheckApproval looks the program
// up by its executable path among the account's lasting decisions; a
// program it finds none for is asked about through an Asker (the desktop
// app), whose answer is kept when it is "always" or "deny always".
//
// The switch and the decisions are kept in the account index, which only
// the user can write (trust.go), under the index lock. Another local user
// cannot allow themselves; a program of the user's own can, as it can
// read the keychain too (SECURITY.md says what this protects against).

// Decision is the person's answer to an approval request.
type Decision string

// The answers. Once and Deny are for this request only; Always and
// DenyAlways are kept for the program's executable.
const (
	DecisionOnce       Decision = "allow-once"
	DecisionAlways     Decision = "always"
	DecisionDeny       Decision = "deny"
	DecisionDenyAlways Decision = "deny-always"
)

// Valid reports whether d is one of the four answers.
func (d Decision) Valid() bool {
	switch d {
	case DecisionOnce, DecisionAlways, DecisionDeny, DecisionDenyAlways:
		return true
	}
	return false
}

// Allows reports whether d lets the program have the token.
func (d Decision) Allows() bool { return d == DecisionOnce || d == DecisionAlways }

// lasting reports whether d is kept for later requests.
func (d Decision) lasting() bool { return d == DecisionAlways || d == DecisionDenyAlways }

// ProgramDecision is one kept decision: a program, by executable path,
// always allowed or always refused an account's tokens.
type ProgramDecision struct {
	// Exe is the executable's full path.
	Exe string `json:"exe"`
	// Allow is true for "always", false for "deny always".
	Allow bool `json:"allow"`
	// Decided is when the person answered.
	Decided time.Time `json:"decided"`
}

// ApprovalRequest is what the person is asked: which program wants a
// token of which account, and for what. It holds no token.
type ApprovalRequest struct {
	// Account is the account's id (provider:email).
	Account string `json:"account"`
	// Requester is the program asking (its Exe may be "").
	Requester Requester `json:"requester"`
	// For says what the token is for, in a few words ("an IMAP/SMTP
	// login", "the Graph API").
	For string `json:"for,omitempty"`
	// CanKeep is false when the program's path is unknown: then only
	// "allow once" and "deny" make sense, as nothing could recognize the
	// program next time.
	CanKeep bool `json:"can_keep"`
}

// Asker asks the person about one request and returns their answer. It
// returns an error matching ErrApprovalUnavailable when nobody can be
// asked or nobody answers before ctx ends.
type Asker interface {
	Ask(ctx context.Context, req ApprovalRequest) (Decision, error)
}

// SetApproval switches approval on or off for the account named, and
// returns it.
func (s *Service) SetApproval(ctx context.Context, name string, on bool) (Account, error) {
	var out Account
	err := s.updateAccount(ctx, name, func(r *record) {
		r.Approval = on
		out = r.view()
	})
	return out, err
}

// Approvals returns the account's kept decisions, by path.
func (s *Service) Approvals(ctx context.Context, name string) (Account, []ProgramDecision, error) {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return Account{}, nil, err
	}
	list := slices.Clone(r.Programs)
	slices.SortFunc(list, func(a, b ProgramDecision) int { return strings.Compare(a.Exe, b.Exe) })
	return r.view(), list, nil
}

// ForgetApproval drops the decision kept for exe ("" drops them all), so
// the program is asked about again. It reports how many it dropped.
func (s *Service) ForgetApproval(ctx context.Context, name, exe string) (int, error) {
	n := 0
	err := s.updateAccount(ctx, name, func(r *record) {
		before := len(r.Programs)
		r.Programs = slices.DeleteFunc(r.Programs, func(p ProgramDecision) bool { return exe == "" || p.Exe == exe })
		n = before - len(r.Programs)
	})
	return n, err
}

// CheckApproval decides whether who may have a token of the account
// named. It returns nil when approval is off for the account or the
// program is allowed (kept, or by the person now through ask), an error
// matching ErrApprovalDenied when it is refused, and ask's error
// (ErrApprovalUnavailable) when nobody answered. It reads no keychain
// item, so a refused program never causes one to be read.
func (s *Service) CheckApproval(ctx context.Context, name string, who Requester, what string, ask Asker) error {
	r, err := findRecord(s.dir, name)
	if err != nil {
		return err
	}
	if !r.Approval {
		return nil
	}
	if who.Exe != "" {
		for _, p := range r.Programs {
			if p.Exe != who.Exe {
				continue
			}
			if p.Allow {
				return nil
			}
			return fmt.Errorf("%w: %s (%s) is always refused %s's tokens", ErrApprovalDenied, who.Program, who.Exe, r.ID)
		}
	}
	d, err := ask.Ask(ctx, ApprovalRequest{Account: r.ID, Requester: who, For: what, CanKeep: who.Exe != ""})
	if err != nil {
		return fmt.Errorf("ask whether %s may have a token of %s: %w", who.Program, r.ID, err)
	}
	if !d.Valid() || d.lasting() && who.Exe == "" {
		return fmt.Errorf("%w: the answer %q makes no sense for this request", ErrApprovalDenied, d)
	}
	if d.lasting() {
		if err := s.keepDecision(ctx, r.ID, ProgramDecision{Exe: who.Exe, Allow: d.Allows(), Decided: s.now().UTC()}); err != nil {
			return err
		}
	}
	if !d.Allows() {
		return fmt.Errorf("%w: you refused %s (pid %d) a token of %s", ErrApprovalDenied, who.Program, who.PID, r.ID)
	}
	return nil
}

// keepDecision records p for the account id, replacing one for the same path.
func (s *Service) keepDecision(ctx context.Context, id string, p ProgramDecision) error {
	return s.updateAccount(ctx, id, func(r *record) {
		r.Programs = slices.DeleteFunc(r.Programs, func(q ProgramDecision) bool { return q.Exe == p.Exe })
		r.Programs = append(r.Programs, p)
	})
}

// updateAccount changes the account named under the index lock and saves
// the index.
func (s *Service) updateAccount(ctx context.Context, name string, change func(*record)) error {
	return s.updateIndex(ctx, func(ix *index) error {
		r, err := ix.find(name)
		if err != nil {
			return err
		}
		change(r)
		return nil
	})
}
