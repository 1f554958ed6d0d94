package providertest_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// emulator is what the fault tests need of either provider.
type emulator interface {
	FailNext(providertest.Fault)
	Refreshes() int
}

// refresher signs in to a fresh emulator and returns a function that
// redeems the refresh token with the given client.
type refresher func(t *testing.T) (emulator, func(ctx context.Context) (*http.Response, error))

var providers = map[string]refresher{
	"microsoft": func(t *testing.T) (emulator, func(context.Context) (*http.Response, error)) {
		m := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{})
		r, _ := msSignIn(t, m, newApp(t), graphScopes, "")
		form := url.Values{"client_id": {m.ClientID}, "grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}}
		return m, postFunc(m.TokenURL(""), form)
	},
	"google": func(t *testing.T) (emulator, func(context.Context) (*http.Response, error)) {
		g := providertest.NewGoogle(t, providertest.GoogleOptions{})
		r, _ := gSignIn(t, g, newApp(t), nil)
		form := url.Values{"client_id": {g.ClientID}, "client_secret": {g.ClientSecret},
			"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}}
		return g, postFunc(g.TokenURL, form)
	},
}

func postFunc(endpoint string, form url.Values) func(context.Context) (*http.Response, error) {
	return func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A fresh transport each time, so a reset connection is not reused.
		return (&http.Client{Transport: &http.Transport{}}).Do(req)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   providertest.Fault
		timeout time.Duration
		check   func(t *testing.T, provider string, resp *http.Response, err error)
	}{
		{"invalid grant", providertest.InvalidGrant(700082), 0, func(t *testing.T, p string, resp *http.Response, err error) {
			body := wantStatus(t, resp, err, 400)
			want := map[string]string{"microsoft": `"error_codes":[700082]`, "google": `"Token has been expired or revoked."`}[p]
			if !strings.Contains(body, `"error":"invalid_grant"`) || !strings.Contains(body, want) {
				t.Errorf("body %s", body)
			}
		}},
		{"status 500", providertest.Status(500), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			wantStatus(t, resp, err, 500)
		}},
		{"429", providertest.TooManyRequests(1500 * time.Millisecond), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			wantStatus(t, resp, err, 429)
			if resp.Header.Get("Retry-After") != "2" {
				t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
			}
		}},
		{"html 200", providertest.HTML200(), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			body := wantStatus(t, resp, err, 200)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<html>") {
				t.Errorf("%s %s", resp.Header.Get("Content-Type"), body)
			}
		}},
		{"malformed 200", providertest.Malformed200(`{"access_token":"a","token_type":"mac"}`), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			body := wantStatus(t, resp, err, 200)
			if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || body != `{"access_token":"a","token_type":"mac"}` {
				t.Errorf("%s %s", resp.Header.Get("Content-Type"), body)
			}
		}},
		{"reset", providertest.Reset(), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			if err == nil {
				resp.Body.Close()
				t.Errorf("got %d, want a transport error", resp.StatusCode)
			}
		}},
		{"hang then serve", providertest.Hang(50 * time.Millisecond), 0, func(t *testing.T, _ string, resp *http.Response, err error) {
			wantStatus(t, resp, err, 200)
		}},
		{"hang past client timeout", providertest.Hang(time.Hour), 100 * time.Millisecond, func(t *testing.T, _ string, resp *http.Response, err error) {
			if err == nil {
				resp.Body.Close()
				t.Errorf("got %d, want a timeout", resp.StatusCode)
			}
		}},
	}
	for name, start := range providers {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				e, refresh := start(t)
				e.FailNext(tt.fault)
				ctx := context.Background()
				if tt.timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tt.timeout)
					defer cancel()
				}
				resp, err := refresh(ctx)
				tt.check(t, name, resp, err)
				// The fault is used up: the next request succeeds.
				resp, err = refresh(context.Background())
				wantStatus(t, resp, err, 200)
				if e.Refreshes() != 2 {
					t.Errorf("Refreshes = %d", e.Refreshes())
				}
			})
		}
	}
}

func TestFaultQueueOrderAndRevoking(t *testing.T) {
	for name, start := range providers {
		t.Run(name, func(t *testing.T) {
			e, refresh := start(t)
			e.FailNext(providertest.Status(503))
			e.FailNext(providertest.TooManyRequests(time.Second))
			e.FailNext(providertest.TestingExpired())
			// TestingExpired revokes: the fourth request fails without a fault.
			for _, want := range []int{503, 429, 400, 400} {
				resp, err := refresh(context.Background())
				wantStatus(t, resp, err, want)
			}
		})
	}
}

func wantStatus(t *testing.T, resp *http.Response, err error, status int) string {
	t.Helper()
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	return string(b)
}
