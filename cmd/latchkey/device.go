package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// printDeviceCode tells the person where to enter the device code, with a
// QR code of the page when qr (out is a terminal: a phone's camera opens
// it; in a pipe or a log it would be noise).
func printDeviceCode(out io.Writer, d oauthflow.DeviceCode, timeout time.Duration, qr bool) {
	page := d.VerificationURI
	qrText := page
	if d.VerificationURIComplete != "" {
		qrText = d.VerificationURIComplete
	}
	fmt.Fprintf(out, "To sign in, open this page on any device (a phone works):\n\n  %s\n\nand enter the code:\n\n  %s\n\n",
		safetext.Line(page), safetext.Line(d.UserCode))
	if qr {
		if code, err := qrcode.New(qrText, qrcode.Medium); err == nil {
			fmt.Fprintf(out, "Or scan this to open the page:\n\n%s\n", code.ToSmallString(false))
		}
	}
	wait := timeout
	if left := time.Until(d.Expiry).Round(time.Second); left > 0 && left < wait {
		wait = left
	}
	fmt.Fprintf(out, "Waiting for you to finish signing in (up to %s; Ctrl-C cancels)...\n", wait)
}

// printConnecting says what is being connected, and, when no browser can
// open here and the provider offers device sign-in, suggests --device
// (unless the person chose how to sign in).
func printConnecting(out io.Writer, su *accounts.ProviderSetup, provider string, chose bool) {
	fmt.Fprintf(out, "Connecting to %s.\n", safetext.Line(su.Title))
	why := noDisplay()
	switch {
	case why == "" || chose:
	case su.DeviceURL != "":
		fmt.Fprintf(out, "No browser can open here: %s. To sign in on another device (a phone) with a code instead, stop this (Ctrl-C) and run:\n\n  latchkey connect %s --device\n\n"+
			"(or --paste to paste back the address your browser ends on, or --port N through ssh -L N:127.0.0.1:N)\n\n",
			why, safetext.Line(provider))
	default:
		fmt.Fprintf(out, "No browser can open here: %s. To sign in with the browser of another computer, stop this (Ctrl-C) and run:\n\n  latchkey connect %s --paste\n\n"+
			"and paste back the address your browser ends on (or use --port N through ssh -L N:127.0.0.1:N)\n\n",
			why, safetext.Line(provider))
	}
}

// isTerminal reports whether w is a terminal (a character device), where
// a QR code drawn with block characters can be read.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// noDisplay reports why no browser can open on this computer: an SSH
// session, or no X11 or Wayland display on a Unix desktop. "" means one
// probably can.
func noDisplay() string {
	if os.Getenv("SSH_CONNECTION") != "" || os.Getenv("SSH_TTY") != "" {
		return "this is an SSH session"
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "android":
		return ""
	}
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return "there is no display (DISPLAY and WAYLAND_DISPLAY are not set)"
	}
	return ""
}
