package oauthflow

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/providertest"
)

// TestDeviceAgainstMicrosoft: the device grant against the Microsoft
// emulator signs in after pending and slow_down answers, one request per
// tick and never faster than the interval, and fails with the sentinel
// errors on expiry and denial, with no device code in the error.
func TestDeviceAgainstMicrosoft(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, outcome string
		answers       []string
		want          error
	}{
		{"pending then slow_down then signed in", "", []string{"authorization_pending", "slow_down"}, nil},
		{"expired", "expired_token", []string{"authorization_pending"}, ErrDeviceExpired},
		{"declined", "authorization_declined", nil, ErrDeviceDenied},
		{"access denied", "access_denied", nil, ErrDeviceDenied},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{DeviceInterval: time.Second})
			ms.DeviceSignIn(c.outcome, c.answers...)
			var got DeviceCode
			tok, err := Device{
				DeviceAuthURL: ms.URL + "/common/oauth2/v2.0/devicecode", TokenURL: ms.TokenURL(""),
				ClientID: ms.ClientID, Scopes: []string{"openid", "profile", "offline_access", "User.Read"},
				OnCode: func(d DeviceCode) { got = d }, Timeout: time.Minute,
			}.Run(context.Background())
			if got.UserCode == "" || !strings.HasPrefix(got.VerificationURI, ms.URL) {
				t.Errorf("OnCode got %+v", got)
			}
			if !errors.Is(err, c.want) || (c.want == nil && (tok == nil || tok.RefreshToken == "" || tok.IDToken == "")) {
				t.Fatalf("Run = %v, %v; want %v", tok, err, c.want)
			}
			if err != nil {
				for _, s := range ms.IssuedTokens() {
					if strings.Contains(err.Error(), s) {
						t.Errorf("the error %q holds an issued secret", err)
					}
				}
			}
			polls := ms.DevicePolls()
			if want := len(c.answers) + 1; c.outcome != "expired_token" && len(polls) != want {
				t.Errorf("%d polls, want %d: one request per tick", len(polls), want)
			}
			if ms.DeviceTooFast() != 0 {
				t.Errorf("%d polls came sooner than the interval", ms.DeviceTooFast())
			}
			for i, a := range c.answers {
				if a == "slow_down" && i+1 < len(polls) && polls[i+1].Sub(polls[i]) < 5*time.Second {
					t.Errorf("after slow_down the next poll came %v later, want the interval 5 s longer", polls[i+1].Sub(polls[i]))
				}
			}
		})
	}
}

// TestDeviceTimeout: the person never finishes; Timeout ends the polling.
func TestDeviceTimeout(t *testing.T) {
	t.Parallel()
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{DeviceInterval: time.Second})
	ms.DeviceSignIn("", strings.Fields(strings.Repeat("authorization_pending ", 20))...)
	_, err := Device{DeviceAuthURL: ms.URL + "/common/oauth2/v2.0/devicecode", TokenURL: ms.TokenURL(""),
		ClientID: ms.ClientID, Scopes: []string{"openid"}, Timeout: 2500 * time.Millisecond}.Run(context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Run = %v, want ErrTimeout", err)
	}
}
