package oauthflow

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const testTenant = "9188040d-6c67-4c5b-b112-36a304b66dad"

var idNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// makeJWT builds an unsigned-but-shaped JWS: header and claims as given, a
// dummy signature.
func makeJWT(header string, claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc(b) + "." + enc([]byte("signature"))
}

func baseClaims() map[string]any {
	return map[string]any{
		"iss": "https://login.test/" + testTenant + "/v2.0", "sub": "subject-1", "aud": "client-1",
		"exp": idNow.Add(time.Hour).Unix(), "iat": idNow.Add(-time.Minute).Unix(),
		"nonce": "nonce-1", "tid": testTenant, "email": "a@b.test", "preferred_username": "a@b.test", "name": "A B",
	}
}

func TestIDToken(t *testing.T) {
	const rs = `{"alg":"RS256","kid":"k"}`
	expect := Expect{Issuer: "https://login.test/{tid}/v2.0", ClientID: "client-1", Nonce: "nonce-1", Now: idNow}
	tests := []struct {
		name     string
		raw      func() string
		want     Expect
		parseErr bool
		checkErr bool
	}{
		{name: "valid with {tid}", raw: func() string { return makeJWT(rs, baseClaims()) }, want: expect},
		{name: "valid exact issuer", raw: func() string { return makeJWT(rs, baseClaims()) },
			want: Expect{Issuer: "https://login.test/" + testTenant + "/v2.0", ClientID: "client-1", Nonce: "nonce-1", Now: idNow}},
		{name: "refresh: no nonce check, same subject", raw: func() string {
			c := baseClaims()
			delete(c, "nonce")
			return makeJWT(rs, c)
		}, want: Expect{Issuer: expect.Issuer, ClientID: "client-1", Subject: "subject-1", Now: idNow}},
		{name: "subject changed on refresh", raw: func() string { return makeJWT(rs, baseClaims()) },
			want: Expect{Issuer: expect.Issuer, ClientID: "client-1", Subject: "other", Now: idNow}, checkErr: true},
		{name: "aud array", raw: func() string {
			c := baseClaims()
			c["aud"] = []string{"other", "client-1"}
			return makeJWT(rs, c)
		}, want: expect},
		{name: "aud array without us", raw: func() string {
			c := baseClaims()
			c["aud"] = []string{"other"}
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "azp of another client", raw: func() string {
			c := baseClaims()
			c["azp"] = "other"
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "wrong iss", raw: func() string {
			c := baseClaims()
			c["iss"] = "https://evil.test/" + testTenant + "/v2.0"
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "tid not a GUID", raw: func() string {
			c := baseClaims()
			c["tid"] = "x/../y"
			c["iss"] = "https://login.test/x/../y/v2.0"
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "tid missing", raw: func() string {
			c := baseClaims()
			delete(c, "tid")
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "expired", raw: func() string {
			c := baseClaims()
			c["exp"] = idNow.Add(-6 * time.Minute).Unix()
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "expired within skew", raw: func() string {
			c := baseClaims()
			c["exp"] = idNow.Add(-4 * time.Minute).Unix()
			return makeJWT(rs, c)
		}, want: expect},
		{name: "issued in the future", raw: func() string {
			c := baseClaims()
			c["iat"] = idNow.Add(10 * time.Minute).Unix()
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "nonce mismatch", raw: func() string { return makeJWT(rs, baseClaims()) },
			want: Expect{Issuer: expect.Issuer, ClientID: "client-1", Nonce: "nonce-2", Now: idNow}, checkErr: true},
		{name: "nonce missing at sign-in", raw: func() string {
			c := baseClaims()
			delete(c, "nonce")
			return makeJWT(rs, c)
		}, want: expect, checkErr: true},
		{name: "no expectations", raw: func() string { return makeJWT(rs, baseClaims()) }, want: Expect{}, checkErr: true},
		{name: "alg none", raw: func() string { return makeJWT(`{"alg":"none"}`, baseClaims()) }, parseErr: true},
		{name: "alg NoNe", raw: func() string { return makeJWT(`{"alg":"NoNe"}`, baseClaims()) }, parseErr: true},
		{name: "no alg", raw: func() string { return makeJWT(`{"typ":"JWT"}`, baseClaims()) }, parseErr: true},
		{name: "empty signature", raw: func() string { return strings.TrimSuffix(makeJWT(rs, baseClaims()), "c2lnbmF0dXJl") }, parseErr: true},
		{name: "2 segments", raw: func() string {
			s := makeJWT(rs, baseClaims())
			return s[:strings.LastIndex(s, ".")]
		}, parseErr: true},
		{name: "4 segments", raw: func() string { return makeJWT(rs, baseClaims()) + ".eA" }, parseErr: true},
		{name: "bad base64", raw: func() string { return "eyJ!!!.eyJ.c2ln" }, parseErr: true},
		{name: "padded base64", raw: func() string {
			s := makeJWT(rs, baseClaims())
			return s + "=="
		}, parseErr: true},
		{name: "huge", raw: func() string {
			c := baseClaims()
			c["name"] = strings.Repeat("x", 20000)
			return makeJWT(rs, c)
		}, parseErr: true},
		{name: "aud wrong type", raw: func() string {
			c := baseClaims()
			c["aud"] = 5
			return makeJWT(rs, c)
		}, parseErr: true},
		{name: "exp as string", raw: func() string {
			c := baseClaims()
			c["exp"] = "tomorrow"
			return makeJWT(rs, c)
		}, parseErr: true},
		{name: "no sub", raw: func() string {
			c := baseClaims()
			delete(c, "sub")
			return makeJWT(rs, c)
		}, parseErr: true},
		{name: "claims not JSON", raw: func() string {
			return base64.RawURLEncoding.EncodeToString([]byte(rs)) + ".bm90IGpzb24.c2ln"
		}, parseErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseIDToken(tt.raw())
			if tt.parseErr {
				if err == nil || !errors.Is(err, ErrInvalidIDToken) {
					t.Fatalf("ParseIDToken err = %v, want ErrInvalidIDToken", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIDToken: %v", err)
			}
			err = c.Check(tt.want)
			if tt.checkErr != (err != nil) || (err != nil && !errors.Is(err, ErrInvalidIDToken)) {
				t.Fatalf("Check err = %v, want error %v", err, tt.checkErr)
			}
		})
	}
}

func TestParseIDTokenFields(t *testing.T) {
	c, err := ParseIDToken(makeJWT(`{"alg":"ES256"}`, baseClaims()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "subject-1" || c.Email != "a@b.test" || c.PreferredUsername != "a@b.test" || c.Name != "A B" ||
		c.TenantID != testTenant || c.Nonce != "nonce-1" || len(c.Audience) != 1 || c.Audience[0] != "client-1" ||
		!c.Expiry.Equal(idNow.Add(time.Hour)) || !c.IssuedAt.Equal(idNow.Add(-time.Minute)) {
		t.Errorf("claims %+v", *c)
	}
}

// TestIDTokenEmailVerification: email_verified as a boolean or a string,
// and Microsoft's xms_edov, are read; anything else counts as absent.
func TestIDTokenEmailVerification(t *testing.T) {
	const rs = `{"alg":"RS256","kid":"k"}`
	yes, no := true, false
	tests := []struct {
		name     string
		claims   map[string]any
		verified *bool
		edov     bool
	}{
		{"absent", map[string]any{}, nil, false},
		{"true", map[string]any{"email_verified": true}, &yes, false},
		{"false", map[string]any{"email_verified": false}, &no, false},
		{"string false", map[string]any{"email_verified": "false"}, &no, false},
		{"string true", map[string]any{"email_verified": "true"}, &yes, false},
		{"not a boolean", map[string]any{"email_verified": 1}, nil, false},
		{"xms_edov true", map[string]any{"xms_edov": true}, nil, true},
		{"xms_edov string", map[string]any{"xms_edov": "1"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseClaims()
			for k, v := range tt.claims {
				c[k] = v
			}
			got, err := ParseIDToken(makeJWT(rs, c))
			if err != nil {
				t.Fatal(err)
			}
			if (got.EmailVerified == nil) != (tt.verified == nil) || got.EmailVerified != nil && *got.EmailVerified != *tt.verified {
				t.Errorf("EmailVerified = %v, want %v", got.EmailVerified, tt.verified)
			}
			if got.EmailDomainOwnerVerified != tt.edov {
				t.Errorf("EmailDomainOwnerVerified = %v, want %v", got.EmailDomainOwnerVerified, tt.edov)
			}
		})
	}
}
