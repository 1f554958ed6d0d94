package accounts

import (
	"encoding/base64"
	"errors"
	"testing"
)

// TestCheckMailbox: only plain addresses pass; each refusal is a usage
// error that names the problem.
func TestCheckMailbox(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{
		{"support@contoso.com", true},
		{"team.sales+eu@mail.contoso.co.uk", true},
		{"", false},
		{"support", false},
		{"support@localhost", false},
		{"@contoso.com", false},
		{"a@b@contoso.com", false},
		{"Support <support@contoso.com>", false},
		{"support@contoso.com, boss@contoso.com", false},
		{"support@contoso.com\r\nBcc: x@y.com", false},
		{"sup\u202eport@contoso.com", false},
		{"sup\u200bport@contoso.com", false},
		{"sup port@contoso.com", false},
		{"support@contoso.com.", false},
		{"\"quoted\"@contoso.com", false},
		{"support@contoso\x00.com", false},
	} {
		got, err := CheckMailbox(c.addr)
		if c.ok != (err == nil) || c.ok && got != c.addr || !c.ok && !errors.Is(err, ErrUsage) {
			t.Errorf("CheckMailbox(%q) = %q, %v; want ok %v", c.addr, got, err, c.ok)
		}
	}
}

// TestSASLNamesSharedMailbox: XOAUTH2 and OAUTHBEARER log in as the shared
// mailbox when the token has one, with the account's own token.
func TestSASLNamesSharedMailbox(t *testing.T) {
	tok := &AccessToken{Email: "alice@contoso.com", Token: "tok", Mailbox: "support@contoso.com"}
	x, _ := base64.StdEncoding.DecodeString(tok.XOAUTH2())
	if string(x) != "user=support@contoso.com\x01auth=Bearer tok\x01\x01" {
		t.Errorf("XOAUTH2 = %q", x)
	}
	o, _ := base64.StdEncoding.DecodeString(tok.OAuthBearer())
	if string(o) != "n,a=support@contoso.com,\x01auth=Bearer tok\x01\x01" {
		t.Errorf("OAUTHBEARER = %q", o)
	}
}
