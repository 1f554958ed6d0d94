package accounts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/accounts/catalog"
	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// Identity is who an account is at its provider: the issuer, the tenant
// (Microsoft's tid) and the subject (sub). An email address is only a
// label: Microsoft does not verify the email claim, and any provider may let
// two people show the same address. An account is pinned to the identity
// that first signed in, kept in its keychain refresh item.
type Identity struct {
	Issuer   string `json:"issuer,omitempty"`
	TenantID string `json:"tenant_id,omitempty"`
	Subject  string `json:"subject,omitempty"`
	// ObjectID is Microsoft's oid, the user in the tenant whatever app
	// signed in: sub is per app registration, so a reconnect through
	// another client id (a new registration, a distributor's default)
	// is still the same person when the oid is.
	ObjectID string `json:"object_id,omitempty"`
}

// same reports whether id and o are one person: the same issuer and
// tenant, and the same oid where both have one, else the same sub.
func (id Identity) same(o Identity) bool {
	if id.Issuer != o.Issuer || id.TenantID != o.TenantID {
		return false
	}
	if id.ObjectID != "" && o.ObjectID != "" {
		return id.ObjectID == o.ObjectID
	}
	return id.Subject == o.Subject
}

func (id Identity) String() string {
	if id.TenantID != "" {
		return fmt.Sprintf("tenant %s, user %s", id.TenantID, id.Subject)
	}
	return fmt.Sprintf("user %s at %s", id.Subject, id.Issuer)
}

func claimsIdentity(c *oauthflow.Claims) Identity {
	return Identity{Issuer: c.Issuer, TenantID: c.TenantID, Subject: c.Subject, ObjectID: c.ObjectID}
}

// IdentityMismatchError says who an account is pinned to and who signed in
// instead. Nothing was changed; ConnectRequest.Replace replaces the account
// on purpose.
type IdentityMismatchError struct {
	// Account is the account id.
	Account string
	// Connected is the pinned identity; SignedIn the one that signed in now.
	Connected, SignedIn Identity
	// ConnectedAs and SignedInAs name them for people (name and address).
	ConnectedAs, SignedInAs string
	// CanReplace is false when the sign-in could only add to the account
	// (adding permissions), where replacing is not on offer.
	CanReplace bool
}

func (e *IdentityMismatchError) Error() string {
	return fmt.Sprintf("%s is connected as %s (%s), but the sign-in was %s (%s), another account at the provider; nothing was changed",
		e.Account, e.ConnectedAs, e.Connected, e.SignedInAs, e.SignedIn)
}

// Is makes an IdentityMismatchError match ErrIdentityMismatch, and
// ErrSignIn for callers that only know that one.
func (e *IdentityMismatchError) Is(target error) bool {
	return target == ErrIdentityMismatch || target == ErrSignIn
}

// pinnedIdentity is the identity an account is pinned to: the keychain's,
// or for an item of layout 1 (or none) the index's. The zero Identity
// means none is known.
func (s *Service) pinnedIdentity(ctx context.Context, r *record) (Identity, error) {
	it, err := s.readRefresh(ctx, r.ID)
	var reconnect *ReconnectError
	switch {
	case isNotFound(err) || errors.As(err, &reconnect):
		return r.identity(), nil
	case err != nil:
		return Identity{}, err
	case it.Identity != Identity{}:
		return it.Identity, nil
	}
	return r.identity(), nil
}

// checkPin holds a sign-in to the identity the account it would change,
// on, is pinned to.
func (s *Service) checkPin(ctx context.Context, on *record, signedIn Identity, signedInAs string) error {
	want, err := s.pinnedIdentity(ctx, on)
	if err != nil || want == (Identity{}) || want.same(signedIn) {
		return err
	}
	return &IdentityMismatchError{Account: on.ID, Connected: want, SignedIn: signedIn,
		ConnectedAs: personLabel(on.Name, on.Email), SignedInAs: signedInAs}
}

// personLabel names a person for messages: "Name <address>", or what there is.
func personLabel(name, address string) string {
	if name != "" && address != "" {
		return name + " <" + address + ">"
	}
	return cmp.Or(name, address, "someone")
}

// accountName picks the address that names an account, and unverified: an
// address the provider gave but does not vouch for, shown as such.
//
// An email marked email_verified=false never names an account (anyone
// could claim it): the user name or subject does. Microsoft sends no
// email_verified and does not verify the email claim; it is taken as
// verified only when it is the sign-in name (preferred_username, whose
// domain the tenant has verified) or xms_edov says the tenant owns its
// domain.
func accountName(family catalog.Family, c *oauthflow.Claims) (name, unverified string) {
	switch {
	case c.Email != "" && c.EmailVerified != nil && !*c.EmailVerified:
		return cmp.Or(c.PreferredUsername, c.Subject), c.Email
	case c.Email != "":
		if family == catalog.FamilyMicrosoft && !c.EmailDomainOwnerVerified && !strings.EqualFold(c.Email, c.PreferredUsername) {
			unverified = c.Email
		}
		return c.Email, unverified
	}
	return cmp.Or(c.PreferredUsername, c.Subject), ""
}
