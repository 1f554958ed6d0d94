package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/oauthflow"
)

// TestPrintDeviceCode: the page and the code each on their own line,
// escaped; a QR code of the page only when asked (a terminal), drawn with
// block characters; the wait is the shorter of the timeout and the code's
// life.
func TestPrintDeviceCode(t *testing.T) {
	d := oauthflow.DeviceCode{UserCode: "ABCD\x1b[2J", VerificationURI: "https://microsoft.com/devicelogin", Expiry: time.Now().Add(90 * time.Second)}
	var plain, term bytes.Buffer
	printDeviceCode(&plain, d, 5*time.Minute, false)
	printDeviceCode(&term, d, 5*time.Minute, true)
	for _, want := range []string{"\n  https://microsoft.com/devicelogin\n", "\n  ABCD\\x1b[2J\n", "up to 1m30s"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, plain.String())
		}
	}
	if strings.ContainsAny(plain.String(), "\x1b█▀▄") {
		t.Errorf("a pipe got an escape or a QR code:\n%s", plain.String())
	}
	if !strings.Contains(term.String(), "scan this") || !strings.ContainsAny(term.String(), "█▀▄") {
		t.Errorf("a terminal got no QR code:\n%s", term.String())
	}
	if isTerminal(&plain) {
		t.Error("a buffer is taken for a terminal")
	}
}
