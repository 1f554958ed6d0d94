package accounts

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// Token returns a valid access token for account (its email, or
// provider:email), renewing it first if it expires within five minutes.
// With scopes, the token covers them (Microsoft: and their resource);
// without, it is for the account's default resource.
//
// It is the one call a Go program needs: it reads the same configuration
// and keychain as the latchkey command, takes the same cross-process lock
// to refresh (so it never races the command or the desktop app), records
// the access in the access log, and fails with the same errors: branch on
// ErrUnknownAccount, ErrKeychain, ErrProviderUnreachable, ErrBusy,
// ErrStorage, ErrProvider, ErrUsage with errors.Is, and on
// *ReconnectError with errors.As. Use Open and Service.TokenFor to choose
// the config dir, the keychain or what the log records.
func Token(ctx context.Context, account string, scopes ...string) (*AccessToken, error) {
	s, err := Open(Options{})
	if err != nil {
		return nil, err
	}
	return s.TokenFor(ctx, account, TokenRequest{Scopes: scopes})
}

// TokenRequest is a request for an access token, with what the access log
// records of it.
type TokenRequest struct {
	// Scopes the token must cover; none means the account's default.
	Scopes []string
	// Mail asks, when Scopes is empty, for a token the account's mail
	// servers accept: for Microsoft, one for Exchange Online in the
	// account's cloud (https://outlook.office.com in the global cloud)
	// rather than the default resource. It changes nothing elsewhere.
	Mail bool
	// Format is how the token is handed over, for the log: raw, json,
	// header, xoauth2, oauthbearer (the command), clipboard (the desktop
	// app's Copy access token); "go" when empty.
	Format string
	// Requester is the program the token is for; nil means this process.
	Requester *Requester
	// Mailbox is a shared mailbox (Microsoft 365) the token is to open: it
	// must be a plain address, and is remembered with the account (see
	// AddSharedMailbox). The token is the account's own; XOAUTH2 and
	// OAUTHBEARER name the mailbox instead of the account.
	Mailbox string
}

// TokenFor is Token on this Service with everything a request can say.
// The access is recorded in the access log; failing to record it (a full
// disk) does not fail the request, but a log or state dir another user
// could have written, or a FIFO or device at the log's path, does: that
// is tampering, and a token handed out unrecorded would hide it.
func (s *Service) TokenFor(ctx context.Context, account string, req TokenRequest) (*AccessToken, error) {
	if req.Mailbox != "" {
		if _, err := s.AddSharedMailbox(ctx, account, req.Mailbox); err != nil {
			return nil, err
		}
	}
	t, err := s.token(ctx, account, req.Scopes, req.Mail)
	if err != nil {
		return nil, err
	}
	t.Mailbox = req.Mailbox
	// The last check before a token is printed or copied: whatever its
	// source, it cannot carry a line break or a header into the output.
	if !oauthflow.IsB64Token(t.Token) {
		return nil, fmt.Errorf("%w: the access token of %s has characters outside RFC 6750's token alphabet, so it is not handed out", ErrProvider, t.Account)
	}
	a := Use{Time: s.now().UTC(), Account: t.Account, Scopes: t.Scopes, Resource: t.Resource, Format: req.Format}
	if a.Format == "" {
		a.Format = "go"
	}
	if req.Requester != nil {
		a.Requester = *req.Requester
	} else {
		a.Requester = CurrentProcess()
	}
	var untrusted *untrustedError
	if err := s.recordAccess(ctx, a); errors.As(err, &untrusted) {
		return nil, err
	}
	return t, nil
}

// XOAUTH2 returns the SASL XOAUTH2 initial response for the token's
// account, base64-encoded, as IMAP's AUTHENTICATE XOAUTH2 and SMTP's AUTH
// XOAUTH2 take it.
func (t *AccessToken) XOAUTH2() string {
	return base64.StdEncoding.EncodeToString([]byte("user=" + t.saslUser() + "\x01auth=Bearer " + t.Token + "\x01\x01"))
}

// OAuthBearer returns the SASL OAUTHBEARER initial response (RFC 7628)
// for the token's account, base64-encoded.
func (t *AccessToken) OAuthBearer() string {
	return base64.StdEncoding.EncodeToString([]byte("n,a=" + saslName(t.saslUser()) + ",\x01auth=Bearer " + t.Token + "\x01\x01"))
}

// saslUser is who a SASL string logs in as: the shared mailbox when there
// is one (Exchange then checks the account may open it), else the account.
func (t *AccessToken) saslUser() string {
	if t.Mailbox != "" {
		return t.Mailbox
	}
	return t.Email
}

// saslName escapes a GS2 authzid (RFC 5801): "=" and "," become =3D and =2C.
func saslName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}
