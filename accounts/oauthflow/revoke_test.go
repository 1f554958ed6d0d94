package oauthflow

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRevoke(t *testing.T) {
	const rt = "1//0gRefreshTokenThatMustNotLeak"
	for _, tc := range []struct {
		name      string
		reply     reply
		wantErr   bool
		code      string
		transient bool
	}{
		{"ok", reply{status: 200, body: `{}`}, false, "", false},
		{"already revoked", reply{status: 400, body: `{"error":"invalid_token","error_description":"Token expired or revoked: ` + rt + `"}`}, true, "invalid_token", false},
		{"server error", reply{status: 503, body: `{"error":"internal_failure"}`}, true, "internal_failure", true},
		{"redirect", reply{status: 302, header: map[string]string{"Location": "http://127.0.0.1:1/steal"}}, true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stub := &stubToken{replies: []reply{tc.reply}}
			srv := httptest.NewServer(stub)
			defer srv.Close()
			err := Endpoint{ClientID: "cid", ClientSecret: "csecret"}.Revoke(context.Background(), nil, srv.URL+"/revoke", rt)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Revoke = %v", err)
			}
			f := stub.forms[0]
			if f.Get("token") != rt || f.Get("token_type_hint") != "refresh_token" || f.Get("client_id") != "cid" || f.Get("client_secret") != "csecret" {
				t.Errorf("form = %v", f)
			}
			if err == nil {
				return
			}
			var te *TokenError
			if !errors.As(err, &te) || te.Code != tc.code || te.Transient != tc.transient {
				t.Errorf("error = %#v", err)
			}
			if strings.Contains(err.Error(), rt) || strings.Contains(err.Error(), "csecret") {
				t.Error("the error holds the token or the client secret")
			}
		})
	}
	// No network: transient, and no token in the error.
	srv := httptest.NewServer(&stubToken{replies: []reply{{status: 200}}})
	u := srv.URL
	srv.Close()
	err := Endpoint{ClientID: "cid"}.Revoke(context.Background(), nil, u+"/revoke", rt)
	var te *TokenError
	if !errors.As(err, &te) || !te.Transient || !IsTransient(err) || strings.Contains(err.Error(), rt) {
		t.Errorf("closed server: %v", err)
	}
	if err := (Endpoint{}).Revoke(context.Background(), nil, "http://example.test/revoke", rt); err == nil {
		t.Error("a plain-http, non-loopback revocation endpoint was accepted")
	}
}
