package oauthflow

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// maxIDToken caps the size of an ID token.
const maxIDToken = 16 << 10

// DefaultSkew is the clock skew Expect allows when Skew is zero.
const DefaultSkew = 5 * time.Minute

// Claims are the ID token claims Latchkey uses (OpenID Connect Core 2, 5.1;
// tid is Microsoft's tenant).
type Claims struct {
	Issuer            string
	Subject           string
	Audience          []string
	AuthorizedParty   string // azp
	Email             string
	PreferredUsername string
	Name              string
	Nonce             string
	TenantID          string // tid
	// ObjectID is Microsoft's oid: the user in the tenant, the same for
	// every app (sub differs from one app registration to another).
	ObjectID string
	// EmailVerified is email_verified: nil when absent, else whether the
	// provider vouches for Email (a JSON boolean, or the strings "true" and
	// "false" some providers send).
	EmailVerified *bool
	// EmailDomainOwnerVerified is Microsoft's optional xms_edov claim: true
	// only when the tenant owns the domain of Email. Microsoft does not
	// verify the email claim otherwise.
	EmailDomainOwnerVerified bool
	Expiry                   time.Time
	IssuedAt                 time.Time
}

// ParseIDToken decodes the claims of an ID token in JWS compact form: exactly
// three base64url segments, at most 16 KiB, a header whose alg is not
// "none", and the required claims iss, sub, aud (string or array), exp and
// iat present with the right types.
//
// The signature is not verified. OpenID Connect Core 3.1.3.7 step 6 lets a
// client skip it for an ID token received directly from the token endpoint
// over TLS, which authenticates the issuer; Latchkey takes ID tokens from
// nowhere else (not from the redirect, not from another program). Do not
// call this on an ID token from any other channel.
func ParseIDToken(raw string) (*Claims, error) {
	if len(raw) > maxIDToken {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidIDToken, maxIDToken)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: %d segments, want 3", ErrInvalidIDToken, len(parts))
	}
	var seg [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.Strict().DecodeString(p)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("%w: segment %d is not base64url", ErrInvalidIDToken, i+1)
		}
		seg[i] = b
	}
	var hdr struct {
		Alg *string `json:"alg"`
	}
	if err := json.Unmarshal(seg[0], &hdr); err != nil || hdr.Alg == nil {
		return nil, fmt.Errorf("%w: bad header", ErrInvalidIDToken)
	}
	if *hdr.Alg == "" || strings.EqualFold(*hdr.Alg, "none") {
		return nil, fmt.Errorf("%w: unsigned (alg none)", ErrInvalidIDToken)
	}
	obj, err := decodeObject(seg[1])
	if err != nil {
		return nil, fmt.Errorf("%w: claims: %v", ErrInvalidIDToken, err)
	}
	c := &Claims{}
	for _, f := range []struct {
		name     string
		dst      *string
		required bool
	}{
		{"iss", &c.Issuer, true}, {"sub", &c.Subject, true}, {"azp", &c.AuthorizedParty, false},
		{"email", &c.Email, false}, {"preferred_username", &c.PreferredUsername, false},
		{"name", &c.Name, false}, {"nonce", &c.Nonce, false}, {"tid", &c.TenantID, false}, {"oid", &c.ObjectID, false},
	} {
		s, ok, err := stringMember(obj, f.name)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
		}
		if f.required && (!ok || s == "") {
			return nil, fmt.Errorf("%w: no %s", ErrInvalidIDToken, f.name)
		}
		*f.dst = s
	}
	c.EmailVerified = optionalBool(obj["email_verified"])
	if edov := optionalBool(obj["xms_edov"]); edov != nil {
		c.EmailDomainOwnerVerified = *edov
	}
	if c.Audience, err = audience(obj["aud"]); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
	}
	if c.Expiry, err = numericDate(obj["exp"], "exp"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
	}
	if c.IssuedAt, err = numericDate(obj["iat"], "iat"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
	}
	return c, nil
}

// audience reads aud: a string or a non-empty array of strings.
func audience(raw json.RawMessage) ([]string, error) {
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}, nil
	}
	var many []string
	if raw != nil && json.Unmarshal(raw, &many) == nil && len(many) > 0 {
		return many, nil
	}
	return nil, errors.New("aud is neither a string nor an array of strings")
}

// optionalBool reads a boolean claim: a JSON boolean or the string "true"
// or "false"; nil when absent or anything else.
func optionalBool(raw json.RawMessage) *bool {
	var b bool
	if raw != nil && json.Unmarshal(raw, &b) == nil {
		return &b
	}
	var s string
	if raw != nil && json.Unmarshal(raw, &s) == nil && (s == "true" || s == "false") {
		b = s == "true"
		return &b
	}
	return nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch, possibly
// with a fraction).
func numericDate(raw json.RawMessage, name string) (time.Time, error) {
	var f float64
	if raw == nil || json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || f < 0 || f > 1<<40 {
		return time.Time{}, fmt.Errorf("%s is not a NumericDate", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// Expect is what Claims.Check holds an ID token to.
type Expect struct {
	// Issuer is the exact expected iss. "{tid}" in it is replaced by the tid
	// claim (Microsoft's common and organizations endpoints, whose issuer
	// is only known after sign-in).
	Issuer string
	// ClientID must be in aud; azp, when present, must equal it.
	ClientID string
	// Nonce must equal the nonce claim; "" skips the check (refresh, where
	// OpenID Connect Core 12.2 says the ID token carries no new nonce).
	Nonce string
	// Now is the time to check against; zero means time.Now().
	Now time.Time
	// Skew is the clock skew allowed on exp and iat; zero means DefaultSkew.
	Skew time.Duration
	// Subject, when not "", must equal sub (on refresh: the same account,
	// OpenID Connect Core 12.2).
	Subject string
	// AuthResponseIssuer, when not "", must equal iss: it is the iss the
	// authorization response carried (Grant.Issuer), so that a response
	// that named one tenant cannot end in another tenant's ID token.
	AuthResponseIssuer string
}

// Check applies the checks of OpenID Connect Core 3.1.3.7 (and 12.2 on
// refresh) other than the signature: iss, aud, azp, exp, iat, nonce, sub.
// Errors wrap ErrInvalidIDToken.
func (c *Claims) Check(want Expect) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidIDToken}, args...)...)
	}
	if want.Issuer == "" || want.ClientID == "" {
		return fail("no expected issuer or client ID to check against")
	}
	iss := want.Issuer
	if strings.Contains(iss, "{tid}") {
		if !isTenantID(c.TenantID) {
			return fail("issuer depends on tid, which is missing or not a GUID")
		}
		iss = strings.ReplaceAll(iss, "{tid}", c.TenantID)
	}
	if c.Issuer != iss {
		return fail("issuer %q, want %q", sanitizeText(c.Issuer), iss)
	}
	if want.AuthResponseIssuer != "" && c.Issuer != want.AuthResponseIssuer {
		return fail("issuer %q is not the %q the authorization response named", sanitizeText(c.Issuer), sanitizeText(want.AuthResponseIssuer))
	}
	found := false
	for _, a := range c.Audience {
		found = found || a == want.ClientID
	}
	if !found {
		return fail("audience does not include this client")
	}
	if c.AuthorizedParty != "" && c.AuthorizedParty != want.ClientID {
		return fail("issued to another client (azp)")
	}
	now := want.Now
	if now.IsZero() {
		now = time.Now()
	}
	skew := want.Skew
	if skew <= 0 {
		skew = DefaultSkew
	}
	if !now.Before(c.Expiry.Add(skew)) {
		return fail("expired at %s", c.Expiry.Format(time.RFC3339))
	}
	if c.IssuedAt.After(now.Add(skew)) {
		return fail("issued in the future (%s)", c.IssuedAt.Format(time.RFC3339))
	}
	if want.Nonce != "" && subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(want.Nonce)) != 1 {
		return fail("nonce does not match the one sent")
	}
	if want.Subject != "" && c.Subject != want.Subject {
		return fail("subject changed")
	}
	return nil
}

// issuerMatches reports whether iss is the issuer template, in which each
// "{tid}" stands for one and the same tenant GUID.
func issuerMatches(template, iss string) bool {
	i := strings.Index(template, "{tid}")
	if i < 0 {
		return iss == template
	}
	const guidLen = 36
	if len(iss) < i+guidLen {
		return false
	}
	tid := iss[i : i+guidLen]
	return isTenantID(tid) && iss == strings.ReplaceAll(template, "{tid}", tid)
}

// isTenantID reports whether s is a GUID in the 8-4-4-4-12 form.
func isTenantID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
