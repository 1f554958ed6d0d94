package accounts

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"strings"
	"syscall"
	"time"

	"github.com/latchkey/latchkey/accounts/safetext"
)

// The XOAUTH2 logins of `latchkey check`: one IMAP and one SMTP session
// that log in with the account's token and leave. Each is bounded by its
// context's deadline (the whole session, TLS included), reads lines of at
// most maxServerLine bytes, and reports the server's words sanitized and
// cut: they are another program's text.

// maxServerLine bounds one line read from a mail server.
const maxServerLine = 16 << 10

// loginError is a mail server that answered but refused the login.
type loginError struct {
	// Said is what the server said, sanitized and cut.
	Said string
}

func (e *loginError) Error() string { return "the server refused the login: " + e.Said }

// serverText makes a server's words fit for a message: one line, no
// control characters, at most 300 characters.
func serverText(s string) string {
	s = safetext.Line(strings.TrimSpace(s))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// dialMail connects to srv within ctx, with TLS from the start unless
// srv.StartTLS (then plain text, for the protocol to upgrade).
func dialMail(ctx context.Context, srv MailServer) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.String())
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if srv.StartTLS {
		return conn, nil
	}
	return startTLS(ctx, conn, srv.Host)
}

func startTLS(ctx context.Context, conn net.Conn, host string) (net.Conn, error) {
	tc := tls.Client(conn, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("TLS: %w", err)
	}
	return tc, nil
}

// readLine reads one CRLF line of at most maxServerLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > maxServerLine {
			return "", errors.New("the server sent a line too long")
		}
		if err == nil {
			return strings.TrimRight(string(b), "\r\n"), nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
}

// imapLogin logs in to an IMAP server with AUTHENTICATE XOAUTH2 (SASL-IR,
// as Exchange Online and Gmail take it) and logs out.
func imapLogin(ctx context.Context, srv MailServer, xoauth2 string) error {
	conn, err := dialMail(ctx, srv)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	greeting, err := readLine(r)
	if err != nil {
		return fmt.Errorf("no greeting: %w", err)
	}
	if !strings.HasPrefix(greeting, "* OK") && !strings.HasPrefix(greeting, "* PREAUTH") {
		return fmt.Errorf("not an IMAP server's greeting: %s", serverText(greeting))
	}
	if srv.StartTLS {
		if _, err := imapCommand(conn, r, "a0 STARTTLS"); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		if conn, err = startTLS(ctx, conn, srv.Host); err != nil {
			return err
		}
		defer conn.Close()
		r = bufio.NewReader(conn)
	}
	if _, err := io.WriteString(conn, "a1 AUTHENTICATE XOAUTH2 "+xoauth2+"\r\n"); err != nil {
		return err
	}
	detail := ""
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(line, "+"):
			detail = xoauth2Detail(strings.TrimPrefix(line, "+"))
			// A challenge after the initial response is the error
			// (base64 JSON): answer it empty to get the tagged NO.
			if _, err := io.WriteString(conn, "\r\n"); err != nil {
				return err
			}
			continue
		case strings.HasPrefix(line, "a1 OK"):
			_, _ = imapCommand(conn, r, "a2 LOGOUT")
			return nil
		case strings.HasPrefix(line, "a1 "):
			said := serverText(strings.TrimPrefix(line, "a1 "))
			if detail != "" {
				said += " (" + detail + ")"
			}
			return &loginError{Said: said}
		}
	}
}

// imapCommand sends a tagged command and reads up to its tagged answer,
// which must be OK.
func imapCommand(conn net.Conn, r *bufio.Reader, cmd string) (string, error) {
	tag, _, _ := strings.Cut(cmd, " ")
	if _, err := io.WriteString(conn, cmd+"\r\n"); err != nil {
		return "", err
	}
	for {
		line, err := readLine(r)
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(line, tag+" ") {
			if !strings.HasPrefix(line, tag+" OK") {
				return "", errors.New(serverText(strings.TrimPrefix(line, tag+" ")))
			}
			return line, nil
		}
	}
}

// xoauth2Auth is SASL XOAUTH2 for net/smtp: the initial response, and an
// empty answer to the error challenge so that the server ends the
// exchange with its error code.
type xoauth2Auth struct{ ir []byte }

func (a xoauth2Auth) Start(*smtp.ServerInfo) (string, []byte, error) { return "XOAUTH2", a.ir, nil }

func (a xoauth2Auth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return []byte{}, nil
	}
	return nil, nil
}

// smtpLogin logs in to an SMTP submission server with AUTH XOAUTH2 (after
// STARTTLS on 587) and quits; no mail is sent.
func smtpLogin(ctx context.Context, srv MailServer, xoauth2 string) error {
	conn, err := dialMail(ctx, srv)
	if err != nil {
		return err
	}
	defer conn.Close()
	c, err := smtp.NewClient(conn, srv.Host)
	if err != nil {
		return fmt.Errorf("no greeting: %w", smtpErr(err))
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("EHLO: %w", smtpErr(err))
	}
	if srv.StartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS, so the token would travel in plain text; nothing was sent")
		}
		if err := c.StartTLS(&tls.Config{ServerName: srv.Host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("TLS: %w", smtpErr(err))
		}
	}
	if ok, mechs := c.Extension("AUTH"); !ok || !strings.Contains(" "+strings.ToUpper(mechs)+" ", " XOAUTH2 ") {
		return &loginError{Said: "it does not offer AUTH XOAUTH2 (it offers: " + serverText(mechs) + ")"}
	}
	ir, err := base64.StdEncoding.DecodeString(xoauth2)
	if err != nil {
		return err
	}
	if err := c.Auth(xoauth2Auth{ir: ir}); err != nil {
		return &loginError{Said: serverText(err.Error())}
	}
	_ = c.Quit()
	return nil
}

// smtpErr keeps a server's words in an error sanitized.
func smtpErr(err error) error {
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	return errors.New(serverText(err.Error()))
}

// connProblem says in plain words why a connection to target failed.
func connProblem(target string, timeout time.Duration, err error) string {
	var (
		dns     *net.DNSError
		unknown x509.UnknownAuthorityError
		host    x509.HostnameError
		invalid x509.CertificateInvalidError
		verify  *tls.CertificateVerificationError
		nerr    net.Error
	)
	switch {
	case errors.As(err, &dns):
		return "the name " + serverText(dns.Name) + " could not be found (DNS)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		return fmt.Sprintf("%s did not answer within %s", target, timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return target + " refused the connection"
	case errors.As(err, &unknown), errors.As(err, &host), errors.As(err, &invalid), errors.As(err, &verify):
		return target + "'s certificate is not trusted here: " + serverText(err.Error())
	}
	return "the connection to " + target + " failed: " + serverText(err.Error())
}

// xoauth2Detail reads the JSON a server may put in its error challenge
// ({"status":"401","schemes":"bearer","scope":"..."}), for the message.
func xoauth2Detail(challenge string) string {
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(challenge))
	if err != nil {
		return ""
	}
	var v struct {
		Status string `json:"status"`
		Scope  string `json:"scope"`
	}
	if json.Unmarshal(data, &v) != nil || v.Status == "" {
		return ""
	}
	return serverText("status " + v.Status + ", scope " + v.Scope)
}
