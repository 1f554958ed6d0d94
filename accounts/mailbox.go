package accounts

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"

	"github.com/latchkey/latchkey/accounts/catalog"
)

// Shared mailboxes (Microsoft 365): a team's support@ box that an
// administrator lets a person open. Programs open it with the person's own
// token: over IMAP and SMTP, XOAUTH2's user= is the shared mailbox's
// address; through Microsoft Graph, the Mail.Read.Shared, Mail.Send.Shared
// and Calendars.Read.Shared permissions (catalog.CapabilitySharedMailboxes).

// CheckMailbox returns addr if it is a plain email address (local@domain,
// no display name, no spaces, control or format characters, at most 254
// bytes), else an ErrUsage error that says what is wrong.
func CheckMailbox(addr string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: mailbox %q is not a plain email address: %s; write it as name@example.com", ErrUsage, addr, why)
	}
	if addr == "" {
		return bad("it is empty")
	}
	if len(addr) > 254 {
		return bad("it is longer than 254 bytes")
	}
	for _, r := range addr {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) || r == unicode.ReplacementChar {
			return bad(fmt.Sprintf("it holds the character %U", r))
		}
	}
	if strings.ContainsAny(addr, `<>,;"()[]\`) {
		return bad("it holds a name, a list or quoting")
	}
	a, err := mail.ParseAddress(addr)
	local, domain, ok := strings.Cut(addr, "@")
	if err != nil || a.Name != "" || a.Address != addr || !ok || local == "" || !strings.Contains(domain, ".") ||
		strings.Contains(domain, "@") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return bad("it needs one @ between a name and a domain")
	}
	return addr, nil
}

// AddSharedMailbox validates mailbox and remembers it as a shared mailbox
// of account (a Microsoft account), so front ends can list it under the
// account. It changes nothing when the account already has it or when
// mailbox is the account's own address.
func (s *Service) AddSharedMailbox(ctx context.Context, account, mailbox string) (Account, error) {
	mailbox, err := CheckMailbox(mailbox)
	if err != nil {
		return Account{}, err
	}
	r, err := findRecord(s.dir, account)
	if err != nil {
		return Account{}, err
	}
	if r.Family != catalog.FamilyMicrosoft {
		return Account{}, fmt.Errorf("%w: shared mailboxes are a Microsoft 365 feature; %s is a %s account (Gmail delegates sign in as themselves)", ErrUsage, r.ID, r.Provider)
	}
	if strings.EqualFold(mailbox, r.Email) || slices.ContainsFunc(r.SharedMailboxes, func(m string) bool { return strings.EqualFold(m, mailbox) }) {
		return r.view(), nil
	}
	var out Account
	err = s.updateIndex(ctx, func(ix *index) error {
		cur := ix.byID(r.ID)
		if cur == nil {
			return fmt.Errorf("%w: %s", ErrUnknownAccount, r.ID)
		}
		if !slices.ContainsFunc(cur.SharedMailboxes, func(m string) bool { return strings.EqualFold(m, mailbox) }) {
			cur.SharedMailboxes = append(cur.SharedMailboxes, mailbox)
			slices.Sort(cur.SharedMailboxes)
		}
		out = cur.view()
		return nil
	})
	return out, err
}
