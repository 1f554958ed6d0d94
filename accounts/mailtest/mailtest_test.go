package mailtest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
)

// xoauth2Client is the client side of XOAUTH2.
type xoauth2Client struct{ user, token string }

func (c xoauth2Client) Start() (string, []byte, error) {
	return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c xoauth2Client) Next([]byte) ([]byte, error) { return nil, errors.New("unexpected challenge") }

func start(t *testing.T) (*Server, *tls.Config) {
	srv := Start(t, Options{
		User: "alice@gmail.test",
		CheckToken: func(protocol, token string) error {
			if token != "good-"+protocol {
				return errors.New("bad token")
			}
			return nil
		},
		Folders:    []string{"[Gmail]/Sent Mail", "[Gmail]/Drafts"},
		FileSentIn: "[Gmail]/Sent Mail",
	})
	pem, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return srv, &tls.Config{RootCAs: pool, ServerName: srv.Host}
}

// TestSMTP: no login before STARTTLS, none with a bad token, no mail
// without a login; a sent message is filed in FileSentIn once.
func TestSMTP(t *testing.T) {
	srv, tlsConfig := start(t)
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.SMTPPort))
	plain, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Auth(xoauth2Client{"alice@gmail.test", "good-smtp"}); err == nil {
		t.Error("XOAUTH2 accepted before STARTTLS")
	}
	plain.Close()

	c, err := smtp.DialStartTLS(addr, tlsConfig)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("alice@gmail.test", nil); err == nil {
		t.Error("MAIL accepted without a login")
	}
	if err := c.Auth(xoauth2Client{"alice@gmail.test", "good-imap"}); err == nil {
		t.Error("a token refused by CheckToken logged in")
	}
	if err := c.Auth(xoauth2Client{"alice@gmail.test", "good-smtp"}); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	msg := "From: alice@gmail.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHi.\r\n"
	if err := c.SendMail("alice@gmail.test", []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
		t.Fatal(err)
	}
	if s := srv.Sent(); len(s) != 1 || s[0].Subject != "hello" || !slices.Equal(s[0].To, []string{"bob@example.test"}) {
		t.Errorf("Sent() = %+v", s)
	}
	if n := srv.Count(t, "[Gmail]/Sent Mail", "hello"); n != 1 || srv.Logins("smtp") != 1 {
		t.Errorf("%d copies filed, %d logins", n, srv.Logins("smtp"))
	}
}

// TestIMAP: TLS from the start, XOAUTH2 only, the folders as given.
func TestIMAP(t *testing.T) {
	srv, tlsConfig := start(t)
	addr := net.JoinHostPort(srv.Host, strconv.Itoa(srv.IMAPPort))
	c, err := imapclient.DialTLS(addr, &imapclient.Options{TLSConfig: tlsConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice@gmail.test", "anything").Wait(); err == nil {
		t.Error("LOGIN with a password succeeded")
	}
	if err := c.Authenticate(xoauth2Client{"alice@gmail.test", "bad"}); err == nil {
		t.Error("a bad token logged in")
	}
	if err := c.Authenticate(xoauth2Client{"alice@gmail.test", "good-imap"}); err != nil {
		t.Fatalf("a good token: %v", err)
	}
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range list {
		names = append(names, m.Mailbox)
	}
	slices.Sort(names)
	if want := []string{"INBOX", "[Gmail]/Drafts", "[Gmail]/Sent Mail"}; !slices.Equal(names, want) {
		t.Errorf("folders %q, want %q", names, want)
	}
	srv.Deliver(t, "INBOX", []byte("Subject: in\r\n\r\nx\r\n"))
	if srv.Count(t, "INBOX", "in") != 1 || srv.Logins("imap") != 1 {
		t.Errorf("count %d, logins %d", srv.Count(t, "INBOX", "in"), srv.Logins("imap"))
	}
}
