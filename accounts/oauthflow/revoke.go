package oauthflow

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Revoke asks the provider's RFC 7009 revocation endpoint to revoke token
// (a refresh token: with Google, revoking it ends the whole grant). The
// client credentials are sent in the form when given. A 200 answer is nil;
// anything else is a *TokenError: Code "invalid_token" means the provider
// no longer knows the token (already revoked or expired); Transient marks
// network failures and 5xx answers, after which nothing may have happened.
// It does not retry.
func (e Endpoint) Revoke(ctx context.Context, client *http.Client, revokeURL, token string) error {
	u, err := endpointURL(revokeURL)
	if err != nil {
		return fmt.Errorf("revocation endpoint: %w", err)
	}
	form := url.Values{"token": {token}, "token_type_hint": {"refresh_token"}}
	if e.ClientID != "" {
		form.Set("client_id", e.ClientID)
	}
	if e.ClientSecret != "" {
		form.Set("client_secret", e.ClientSecret)
	}
	resp, body, _, err := postForm(ctx, client, u, form, "", "", e.now)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	secrets := []string{token}
	if e.ClientSecret != "" {
		secrets = append(secrets, e.ClientSecret)
	}
	return parseTokenError(resp.StatusCode, resp.Header, body, e.now(), secrets)
}
