// Package mailtest runs an IMAP, an SMTP and a POP3 server on 127.0.0.1 for tests
// that drive real mail programs (mbsync, msmtp, neomutt, OfflineIMAP...)
// the way they would talk to Exchange Online or Gmail.
//
// Both servers demand what those providers demand: TLS (IMAP from the
// first byte, SMTP through STARTTLS) and an XOAUTH2 login whose bearer
// token the test decides on (Options.CheckToken); nothing else logs in.
// The certificate is made for the test and written to Server.CAFile for
// the clients' trust settings. The mailboxes are named as the test says
// (a provider's "Sent Items" or "[Gmail]/Sent Mail"), and, as Gmail does,
// the server can file every message sent through it in a folder by itself
// (Options.FileSentIn).
//
// The IMAP side is go-imap's in-memory server; the SMTP side is go-smtp.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options describe the one mailbox the servers hold.
type Options struct {
	// User is the address that logs in: the user= of XOAUTH2.
	User string
	// CheckToken decides whether token logs User in over IMAP, SMTP or
	// POP3 (protocol "imap", "smtp" or "pop3"); an error refuses the login. It is
	// required: a test says which tokens are good.
	CheckToken func(protocol, token string) error
	// Folders are created besides INBOX, e.g. "Sent Items".
	Folders []string
	// FileSentIn, when set, is the folder where the SMTP server itself
	// puts a copy of each message it accepts, as Gmail does in
	// "[Gmail]/Sent Mail".
	FileSentIn string
}

// Server is a running pair of servers. Both stop when the test ends.
type Server struct {
	// Host is the name to give clients: localhost, which the certificate
	// names (some clients match only names, never IP addresses). Both
	// servers listen on 127.0.0.1 and, where the port is free there too,
	// on [::1].
	Host string
	// IMAPPort serves IMAP over TLS (like port 993); SMTPPort serves
	// SMTP submission with STARTTLS (like port 587); POP3Port serves POP3
	// over TLS (like port 995), with the messages delivered to INBOX.
	IMAPPort, SMTPPort, POP3Port int
	// CAFile is the PEM certificate clients must trust.
	CAFile string

	opts Options
	user *imapmemserver.User

	mu      sync.Mutex
	sent    []Sent
	logins  map[string]int
	fetches map[string]int
	pop     []popMessage
	popUID  int
}

// Sent is one message the SMTP server accepted.
type Sent struct {
	From    string
	To      []string
	Subject string
	Data    []byte
}

// Start runs the servers until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.User == "" || opts.CheckToken == nil {
		t.Fatal("mailtest: Options.User and Options.CheckToken are required")
	}
	cert, caFile := newCertificate(t)
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s := &Server{Host: "localhost", CAFile: caFile, opts: opts, logins: map[string]int{}, fetches: map[string]int{}}

	// The in-memory server checks a password at Login; XOAUTH2 never
	// reaches it, and the password is a random value nobody knows.
	s.user = imapmemserver.NewUser(opts.User, rand.Text())
	for _, f := range append([]string{"INBOX"}, opts.Folders...) {
		if err := s.user.Create(f, nil); err != nil {
			t.Fatalf("mailtest: create %q: %v", f, err)
		}
	}
	if opts.FileSentIn != "" && !contains(opts.Folders, opts.FileSentIn) {
		t.Fatalf("mailtest: FileSentIn %q is not among the folders", opts.FileSentIn)
	}

	imapLns := listenLoopback(t, tlsConfig)
	imapSrv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &imapSession{srv: s}, nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapSASLIR: {}, imap.CapUIDPlus: {}, imap.CapMove: {}, imap.CapNamespace: {}},
		Logger: testLogger{t},
	})
	for _, ln := range imapLns {
		go imapSrv.Serve(ln)
	}

	smtpLns := listenLoopback(t, nil)
	smtpSrv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: s}, nil }))
	smtpSrv.Domain = "localhost"
	smtpSrv.TLSConfig = tlsConfig
	smtpSrv.ReadTimeout, smtpSrv.WriteTimeout = 30*time.Second, 30*time.Second
	smtpSrv.ErrorLog = testLogger{t}
	for _, ln := range smtpLns {
		go smtpSrv.Serve(ln)
	}
	popLns := listenLoopback(t, tlsConfig)
	for _, ln := range popLns {
		go s.servePOP3(ln)
	}
	t.Cleanup(func() {
		imapSrv.Close()
		smtpSrv.Close()
		for _, ln := range popLns {
			ln.Close()
		}
	})
	s.POP3Port = popLns[0].Addr().(*net.TCPAddr).Port
	s.IMAPPort = imapLns[0].Addr().(*net.TCPAddr).Port
	s.SMTPPort = smtpLns[0].Addr().(*net.TCPAddr).Port
	return s
}

// listenLoopback listens on a free port of 127.0.0.1 and, if it can, the
// same port of [::1], so that "localhost" reaches it whichever address a
// client tries first; with config, both listeners speak TLS.
func listenLoopback(t testing.TB, config *tls.Config) []net.Listener {
	ln4, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lns := []net.Listener{ln4}
	port := ln4.Addr().(*net.TCPAddr).Port
	if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", strconv.Itoa(port))); err == nil {
		lns = append(lns, ln6)
	}
	if config != nil {
		for i, ln := range lns {
			lns[i] = tls.NewListener(ln, config)
		}
	}
	return lns
}

// Deliver puts a message in a folder, as if it had arrived; one
// delivered to INBOX is also in the POP3 maildrop.
func (s *Server) Deliver(t testing.TB, folder string, msg []byte) {
	t.Helper()
	if _, err := s.user.Append(folder, bytes.NewReader(msg), &imap.AppendOptions{}); err != nil {
		t.Fatalf("mailtest: deliver to %q: %v", folder, err)
	}
	if folder == "INBOX" {
		s.mu.Lock()
		s.popUID++
		s.pop = append(s.pop, popMessage{uid: "uid" + strconv.Itoa(s.popUID), data: msg})
		s.mu.Unlock()
	}
}

// Count is how many messages in folder have subject as their Subject.
func (s *Server) Count(t testing.TB, folder, subject string) int {
	t.Helper()
	sess := imapmemserver.NewUserSession(s.user)
	defer sess.Close()
	if _, err := sess.Select(folder, &imap.SelectOptions{ReadOnly: true}); err != nil {
		t.Fatalf("mailtest: select %q: %v", folder, err)
	}
	data, err := sess.Search(imapserver.NumKindUID, &imap.SearchCriteria{
		Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: subject}},
	}, &imap.SearchOptions{})
	if err != nil {
		t.Fatalf("mailtest: search %q: %v", folder, err)
	}
	return int(data.Count)
}

// Folders lists the mailboxes, INBOX first.
func (s *Server) Folders() []string {
	return append([]string{"INBOX"}, s.opts.Folders...)
}

// Sent returns the messages the SMTP server accepted, oldest first.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sent(nil), s.sent...)
}

// Logins is how many XOAUTH2 logins each protocol ("imap", "smtp",
// "pop3") accepted.
func (s *Server) Logins(protocol string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins[protocol]
}

// Fetches is how many FETCH commands clients ran in folder: a client
// that shows or copies a folder's messages fetches them. "POP3" counts
// the messages POP3 clients retrieved (RETR).
func (s *Server) Fetches(folder string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[folder]
}

// xoauth2 is the server side of XOAUTH2: one message,
// "user=EMAIL^Aauth=Bearer TOKEN^A^A", checked strictly.
type xoauth2 struct {
	srv      *Server
	protocol string
	done     func()
}

func (x *xoauth2) Next(response []byte) ([]byte, bool, error) {
	if response == nil {
		return []byte{}, false, nil // no initial response: ask for it
	}
	parts := strings.Split(string(response), "\x01")
	if len(parts) != 4 || parts[2] != "" || parts[3] != "" {
		return nil, false, errors.New("malformed XOAUTH2 response")
	}
	user, ok1 := strings.CutPrefix(parts[0], "user=")
	token, ok2 := strings.CutPrefix(parts[1], "auth=Bearer ")
	if !ok1 || !ok2 || token == "" {
		return nil, false, errors.New("malformed XOAUTH2 fields")
	}
	if user != x.srv.opts.User {
		return nil, false, fmt.Errorf("unknown user %q", user)
	}
	// The reason stays in the test's log, never the token.
	if err := x.srv.opts.CheckToken(x.protocol, token); err != nil {
		if x.protocol == "smtp" { // as the providers answer: 535, not go-smtp's default 454
			return nil, false, &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "invalid credentials"}
		}
		return nil, false, errors.New("invalid credentials")
	}
	x.srv.mu.Lock()
	x.srv.logins[x.protocol]++
	x.srv.mu.Unlock()
	x.done()
	return nil, true, nil
}

// imapSession logs in only with XOAUTH2, then is the in-memory user's
// session, counting fetches.
type imapSession struct {
	*imapmemserver.UserSession // nil until logged in
	srv                        *Server
	selected                   string
}

func (s *imapSession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	data, err := s.UserSession.Select(name, options)
	if err == nil {
		s.selected = name
	}
	return data, err
}

func (s *imapSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	s.srv.mu.Lock()
	s.srv.fetches[s.selected]++
	s.srv.mu.Unlock()
	return s.UserSession.Fetch(w, numSet, options)
}

var _ imapserver.SessionSASL = (*imapSession)(nil)

func (s *imapSession) Login(username, password string) error { return imapserver.ErrAuthFailed }

func (s *imapSession) AuthenticateMechanisms() []string { return []string{"XOAUTH2"} }

func (s *imapSession) Authenticate(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "only XOAUTH2"}
	}
	return &xoauth2{srv: s.srv, protocol: "imap", done: func() {
		s.UserSession = imapmemserver.NewUserSession(s.srv.user)
	}}, nil
}

func (s *imapSession) Close() error {
	if s.UserSession != nil {
		return s.UserSession.Close()
	}
	return nil
}

// smtpSession accepts mail only after an XOAUTH2 login over TLS.
type smtpSession struct {
	srv    *Server
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string { return []string{"XOAUTH2"} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != "XOAUTH2" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return &xoauth2{srv: s.srv, protocol: "smtp", done: func() { s.authed = true }}, nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	subject := ""
	if m, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		subject = m.Header.Get("Subject")
	}
	s.srv.mu.Lock()
	s.srv.sent = append(s.srv.sent, Sent{From: s.from, To: s.to, Subject: subject, Data: data})
	s.srv.mu.Unlock()
	if f := s.srv.opts.FileSentIn; f != "" {
		if _, err := s.srv.user.Append(f, bytes.NewReader(data), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}}); err != nil {
			return err
		}
	}
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// newCertificate makes a self-signed certificate for 127.0.0.1 and
// localhost, its own authority, and writes it to a PEM file. It is valid
// years either side of now, so that a test whose clock is shifted (make
// anydate) and clients reading the real clock both accept it.
func newCertificate(t testing.TB) (tls.Certificate, string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"latchkey mailtest"}},
		NotBefore:             now.AddDate(-5, 0, 0),
		NotAfter:              now.AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mailtest-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file
}

// String is the servers' addresses, for messages.
func (s *Server) String() string {
	return "IMAP " + net.JoinHostPort(s.Host, strconv.Itoa(s.IMAPPort)) + ", SMTP " + net.JoinHostPort(s.Host, strconv.Itoa(s.SMTPPort))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// testLogger sends the servers' error messages to the test's log.
type testLogger struct{ t testing.TB }

func (l testLogger) Printf(format string, args ...any) { l.t.Logf("mailtest: "+format, args...) }
func (l testLogger) Println(args ...any)               { l.t.Log(append([]any{"mailtest:"}, args...)...) }

// Silent listens on 127.0.0.1 and accepts connections without ever saying
// a word, as a server behind a black-holing firewall or a hung one does,
// until the test ends. It returns HOST:PORT.
func Silent(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}
