package oauthflow

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
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
	var written atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { written.Store(true) },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("revocation endpoint: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if client == nil {
		client = defaultClient()
	}
	c := *client
	c.CheckRedirect = refuseRedirect
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == context.Canceled {
			return err
		}
		return &TokenError{Transient: true, Err: err, written: written.Load()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		return &TokenError{Status: resp.StatusCode, Transient: true, Err: fmt.Errorf("reading response: %w", err)}
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	secrets := []string{token}
	if e.ClientSecret != "" {
		secrets = append(secrets, e.ClientSecret)
	}
	return parseTokenError(resp.StatusCode, resp.Header, body, time.Now(), secrets)
}
