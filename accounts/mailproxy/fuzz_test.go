package mailproxy

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

// refuseAll refuses every password, at once.
type refuseAll struct{}

func (refuseAll) CheckProxyLogin(context.Context, string, string) (accounts.ProxyLogin, error) {
	return accounts.ProxyLogin{}, accounts.ErrProxyPassword
}

func (refuseAll) MailToken(context.Context, accounts.ProxyLogin, Conn) (*accounts.AccessToken, error) {
	panic("a token was asked for without a valid password")
}

// FuzzPreLogin feeds anything to each protocol before a login: the
// session never panics, never asks for a token, and ends once the client
// has said its piece.
func FuzzPreLogin(f *testing.F) {
	for _, seed := range []string{
		"a LOGIN alice secret\r\n", "a LOGIN {5}\r\nalice {3+}\r\nabc\r\n", "a AUTHENTICATE PLAIN\r\n*\r\n",
		"a AUTHENTICATE LOGIN\r\n!!!\r\n", "a LOGIN \"unterminated\r\n", "a STARTTLS\r\n", "* LOGIN x y\r\n",
		"USER a\r\nPASS b\r\nAUTH PLAIN AGEAYg==\r\nAUTH\r\nCAPA\r\nQUIT\r\n",
		"EHLO x\r\nAUTH LOGIN\r\nYQ==\r\nYg==\r\nAUTH PLAIN =\r\nMAIL FROM:<a@b>\r\n",
		"a LOGIN {999999999}\r\n", "a LOGIN {4096+}\r\n", "\x00\xff\r\n\n\r",
	} {
		f.Add([]byte(seed))
	}
	p, err := New(Config{Accounts: []Account{{ID: account, IMAP: Upstream{Host: "127.0.0.1", Port: 1}}}, Logins: refuseAll{},
		FailDelay: time.Microsecond, LoginTimeout: time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, proto := range []Protocol{IMAP, POP3, SMTP} {
			client, server := net.Pipe()
			p.track(nil, server)
			done := make(chan struct{})
			go func() { p.serveConn(server, proto); close(done) }()
			go io.Copy(io.Discard, client)
			client.SetWriteDeadline(time.Now().Add(2 * time.Second))
			client.Write(data)
			client.Close()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s: the session did not end after the client closed", proto)
			}
		}
	})
}
