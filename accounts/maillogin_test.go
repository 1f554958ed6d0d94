package accounts

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeMailServer answers each connection with lines, whatever it is sent,
// and returns its address.
func fakeMailServer(t *testing.T, lines ...string) MailServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				for _, l := range lines {
					if _, err := c.Write([]byte(l)); err != nil {
						return
					}
				}
				time.Sleep(time.Second)
			}()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	return MailServer{Host: "127.0.0.1", Port: port, StartTLS: true}
}

// TestMailLoginHostileServers: what a mail server says reaches messages
// sanitized and cut, an endless line is refused, and a server that never
// finishes is given up on at the deadline.
func TestMailLoginHostileServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv := fakeMailServer(t, "* OK hello\r\n", "a0 NO \x1b[31mred\x07 "+strings.Repeat("x", 1000)+"\r\n")
	err := imapLogin(ctx, srv, "aXI=")
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || len(err.Error()) > 400 {
		t.Errorf("hostile NO: %q", err)
	}
	srv = fakeMailServer(t, "* OK "+strings.Repeat("y", maxServerLine+10))
	if err := imapLogin(ctx, srv, "aXI="); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("endless line: %v", err)
	}
	srv = fakeMailServer(t, "220 \x1b]0;title\x07 smtp\r\n", "250 ok\r\n")
	err = smtpLogin(ctx, srv, "aXI=")
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
		t.Errorf("hostile SMTP: %q", err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	srv = fakeMailServer(t)
	start := time.Now()
	err = imapLogin(short, srv, "aXI=")
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) > 3*time.Second {
		t.Errorf("silent server: %v after %v", err, time.Since(start))
	}
	if p := connProblem(srv.String(), 300*time.Millisecond, err); !strings.Contains(p, "did not answer within") {
		t.Errorf("connProblem: %s", p)
	}
}

// TestParseMailServerScheme: a scheme says TLS from the start or STARTTLS
// whatever the port; without one the port decides.
func TestParseMailServerScheme(t *testing.T) {
	for _, c := range []struct {
		in       string
		starttls bool
		port     int
	}{
		{"mail.example.org", false, 993},
		{"mail.example.org:143", true, 143},
		{"imaps://mail.example.org:1993", false, 1993},
		{"imap://mail.example.org:993", true, 993},
		{"smtps://mail.example.org", false, 993},
	} {
		m, err := parseMailServer("--imap-host", c.in, MailServer{Port: 993})
		if err != nil || m.StartTLS != c.starttls || m.Port != c.port || m.Host != "mail.example.org" {
			t.Errorf("%s: %+v %v", c.in, m, err)
		}
	}
	for _, bad := range []string{"https://mail.example.org", "imaps://", "imaps://a b"} {
		if _, err := parseMailServer("--imap-host", bad, MailServer{Port: 993}); !errors.Is(err, ErrUsage) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
