package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestCountdown: on a terminal, the wait counts down on one line, which is
// cleared at the end.
func TestCountdown(t *testing.T) {
	var b bytes.Buffer
	tick := make(chan time.Time)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		countdown(&b, time.Now().Add(30*time.Second), tick, stop)
		close(done)
	}()
	tick <- time.Now()
	close(stop)
	<-done
	out := b.String()
	if strings.Count(out, "left (Ctrl-C gives up)") != 2 || !strings.Contains(out, "30s left") || strings.Contains(out, "\n") {
		t.Errorf("countdown wrote %q", out)
	}
	if last := out[strings.LastIndex(out[:len(out)-1], "\r"):]; strings.TrimSpace(last) != "" {
		t.Errorf("the line was not cleared: %q", last)
	}
}

func TestTokenPurpose(t *testing.T) {
	for _, c := range []struct {
		format  string
		scopes  []string
		mailbox string
		want    string
	}{
		{"raw", nil, "", "an access token"},
		{"xoauth2", nil, "support@x.test", "an IMAP/POP/SMTP login (XOAUTH2) for the shared mailbox support@x.test"},
		{"header", []string{"Mail.Read"}, "", "an HTTP Authorization header with Mail.Read"},
	} {
		if got := tokenPurpose(c.format, c.scopes, c.mailbox); got != c.want {
			t.Errorf("tokenPurpose(%s) = %q, want %q", c.format, got, c.want)
		}
	}
}
