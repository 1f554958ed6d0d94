// Package mailproxy is Latchkey's local IMAP, POP3 and SMTP proxy, for
// programs that only know a password (old mail clients, scanners, scripts
// using smtplib or imaplib).
//
// A program connects to 127.0.0.1 and logs in with the account's address
// and a password Latchkey made for it (LOGIN, AUTHENTICATE PLAIN/LOGIN,
// USER and PASS, AUTH PLAIN/LOGIN). The proxy checks the password (Logins),
// gets a fresh access token for the account's mail servers, connects to
// the provider's server over TLS, logs in there with XOAUTH2 and from then
// on copies bytes both ways, untouched. Before the login the proxy speaks
// the protocol itself: it offers STARTTLS with a certificate it makes at
// start and keeps in memory, bounds line and literal sizes, reads with
// deadlines, and answers every failure with the protocol's own error
// (IMAP NO, POP3 -ERR, SMTP 4xx/5xx) in plain words of its own, never the
// provider's text.
package mailproxy

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// Protocol is one of the protocols the proxy speaks.
type Protocol string

// The protocols.
const (
	IMAP Protocol = "imap"
	POP3 Protocol = "pop3"
	SMTP Protocol = "smtp"
)

// Upstream is a provider's mail server.
type Upstream struct {
	Host string
	Port int
	// StartTLS: the connection starts in plain text and is upgraded
	// before anything else is said; false means TLS from the first byte.
	StartTLS bool
}

// String is HOST:PORT.
func (u Upstream) String() string { return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)) }

// Account is one account the proxy serves, and its servers; a server
// with no Host is not offered for that account.
type Account struct {
	// ID is the account's ID, provider:email.
	ID               string
	IMAP, POP3, SMTP Upstream
}

// Logins is what the proxy needs of Latchkey's accounts. Both calls must
// return in bounded time.
type Logins interface {
	// CheckProxyLogin tells which account and client a user name and
	// password are, or fails with accounts.ErrProxyPassword.
	CheckProxyLogin(ctx context.Context, user, password string) (accounts.ProxyLogin, error)
	// MailToken returns a fresh token for the account's mail servers,
	// for the client at the other end of conn.
	MailToken(ctx context.Context, login accounts.ProxyLogin, conn Conn) (*accounts.AccessToken, error)
}

// Conn is a client's connection, as MailToken is told of it.
type Conn struct {
	Protocol Protocol
	// Local is the proxy's end, Peer the client's.
	Local, Peer net.Addr
}

// Config configures a Proxy; zero durations mean the defaults.
type Config struct {
	// Accounts are the accounts served; a login as any other is refused.
	Accounts []Account
	// Logins checks passwords and hands out tokens.
	Logins Logins
	// RootCAs are the authorities trusted for the provider's servers;
	// nil means the system's. Only tests set it.
	RootCAs *x509.CertPool
	// FailDelay is how long a wrong password waits before its answer
	// (default 1s): guessing is slow, and the wait is the same whatever
	// was wrong.
	FailDelay time.Duration
	// LoginTimeout bounds each read before the login, and the whole
	// login at the provider (default 60s).
	LoginTimeout time.Duration
	// IdleTimeout ends a logged-in session when neither side has sent
	// anything for that long (default 31m: IMAP IDLE renews every 29).
	IdleTimeout time.Duration
	// MaxSessions is how many sessions may be open at once (default 500).
	MaxSessions int
	// Logf, when set, is told of logins and failures: never a password
	// or token.
	Logf func(format string, args ...any)
}

// Limits on what a client may send before it has logged in.
const (
	maxLine      = 8 << 10 // one command line
	maxLiteral   = 4 << 10 // one IMAP literal in LOGIN
	maxFails     = 3       // wrong passwords before the proxy hangs up
	maxBadInputs = 20      // unknown commands before the proxy hangs up
)

// Proxy serves IMAP, POP3 and SMTP clients on listeners it is given.
type Proxy struct {
	cfg         Config
	accounts    map[string]Account
	clientTLS   *tls.Config
	fingerprint string
	sessions    chan struct{}

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

// New makes a proxy, and the certificate it offers clients with
// STARTTLS (self-signed, for 127.0.0.1 and localhost, kept in memory).
func New(cfg Config) (*Proxy, error) {
	if cfg.Logins == nil || len(cfg.Accounts) == 0 {
		return nil, errors.New("mailproxy: Config.Logins and Config.Accounts are required")
	}
	if cfg.FailDelay == 0 {
		cfg.FailDelay = time.Second
	}
	if cfg.LoginTimeout == 0 {
		cfg.LoginTimeout = time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 31 * time.Minute
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = 500
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	p := &Proxy{cfg: cfg, accounts: map[string]Account{}, sessions: make(chan struct{}, cfg.MaxSessions),
		listeners: map[net.Listener]struct{}{}, conns: map[net.Conn]struct{}{}}
	for _, a := range cfg.Accounts {
		p.accounts[a.ID] = a
	}
	cert, err := selfSigned()
	if err != nil {
		return nil, fmt.Errorf("make the proxy's certificate: %w", err)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	p.fingerprint = strings.ToUpper(strings.Join(hexPairs(sum[:]), ":"))
	p.clientTLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return p, nil
}

// Fingerprint is the SHA-256 fingerprint of the certificate offered with
// STARTTLS, for clients that pin it.
func (p *Proxy) Fingerprint() string { return p.fingerprint }

// CheckListenAddr turns a listening address given with flag into
// 127.0.0.1:PORT: v is PORT or 127.0.0.1:PORT ("" means defPort). Any
// other address is refused with accounts.ErrUsage: the proxy's only gate
// is the client's password, so it never listens beyond this machine.
func CheckListenAddr(flag, v string, defPort int) (string, error) {
	if v == "" {
		v = strconv.Itoa(defPort)
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		host, port = "127.0.0.1", v
	}
	p, perr := strconv.Atoi(port)
	if perr != nil || p < 0 || p > 65535 {
		return "", fmt.Errorf("%w: %s %q: give a port (0 lets the system choose) or 127.0.0.1:PORT", accounts.ErrUsage, flag, v)
	}
	if ip, err := netip.ParseAddr(host); err != nil || ip != netip.AddrFrom4([4]byte{127, 0, 0, 1}) {
		return "", fmt.Errorf("%w: %s %q: the proxy listens on 127.0.0.1 only, where only this computer can reach it; give a port or 127.0.0.1:PORT", accounts.ErrUsage, flag, v)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

// Serve accepts proto's clients on ln until Close.
func (p *Proxy) Serve(ln net.Listener, proto Protocol) error {
	if !p.track(ln, nil) {
		ln.Close()
		return net.ErrClosed
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		if !p.track(nil, c) {
			c.Close()
			return nil
		}
		go p.serveConn(c, proto)
	}
}

// track registers a listener or a connection for Close; false once closed.
func (p *Proxy) track(ln net.Listener, c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	if ln != nil {
		p.listeners[ln] = struct{}{}
	}
	if c != nil {
		p.conns[c] = struct{}{}
		p.wg.Add(1)
	}
	return true
}

// Close stops every listener and session, and waits for them.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	for ln := range p.listeners {
		ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *Proxy) serveConn(c net.Conn, proto Protocol) {
	s := &session{p: p, proto: proto, conn: c, r: bufio.NewReaderSize(c, 4096), peer: c.RemoteAddr().String()}
	defer func() {
		s.conn.Close()
		c.Close()
		p.mu.Lock()
		delete(p.conns, c)
		delete(p.conns, s.conn)
		p.mu.Unlock()
		p.wg.Done()
	}()
	select {
	case p.sessions <- struct{}{}:
		defer func() { <-p.sessions }()
	default:
		s.busy()
		return
	}
	switch proto {
	case IMAP:
		s.serveIMAP()
	case POP3:
		s.servePOP3()
	case SMTP:
		s.serveSMTP()
	}
}

// session is one client connection.
type session struct {
	p     *Proxy
	proto Protocol
	conn  net.Conn
	r     *bufio.Reader
	peer  string
	tls   bool
	fails int
	bad   int
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line before the login, without its CRLF, within
// the login timeout and the line limit.
func (s *session) readLine() (string, error) {
	s.conn.SetReadDeadline(time.Now().Add(s.p.cfg.LoginTimeout))
	return readLimitedLine(s.r, maxLine)
}

// readLimitedLine reads a line of at most max bytes, without CRLF.
func readLimitedLine(r *bufio.Reader, max int) (string, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > max+2 {
			return "", errLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(line), "\r\n"), nil
	}
}

// send writes one line and CRLF.
func (s *session) send(format string, a ...any) error {
	s.conn.SetWriteDeadline(time.Now().Add(s.p.cfg.LoginTimeout))
	_, err := io.WriteString(s.conn, fmt.Sprintf(format, a...)+"\r\n")
	return err
}

// startTLS upgrades the client's connection. Plain text the client sent
// after the STARTTLS command would be read as if it came through TLS
// (the STARTTLS command injection of CVE-2011-0411): it ends the session.
func (s *session) startTLS() error {
	if s.r.Buffered() > 0 {
		return errors.New("the client sent more after STARTTLS")
	}
	tc := tls.Server(s.conn, s.p.clientTLS)
	tc.SetDeadline(time.Now().Add(s.p.cfg.LoginTimeout))
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	s.p.mu.Lock()
	s.p.conns[tc] = struct{}{} // Close must close the TLS layer too
	s.p.mu.Unlock()
	s.conn, s.r, s.tls = tc, bufio.NewReaderSize(tc, 4096), true
	return nil
}

// badInput counts a command the proxy does not take before the login;
// too many end the session.
func (s *session) badInput() bool {
	s.bad++
	return s.bad < maxBadInputs
}

// busy turns a client away when MaxSessions are open.
func (s *session) busy() {
	const text = "Too many sessions are open through Latchkey's proxy; try again in a moment"
	switch s.proto {
	case IMAP:
		s.send("* BYE [UNAVAILABLE] %s", text)
	case POP3:
		s.send("-ERR [SYS/TEMP] %s", text)
	case SMTP:
		s.send("421 4.3.2 %s", text)
	}
}

// failure is why a login did not go through, in plain words.
type failure struct {
	auth      bool // a credential was refused: the local password, or the token upstream
	temporary bool // worth trying again later
	text      string
}

// login checks the client's password and gets a fresh token: the first
// half of every protocol's login. A wrong password waits FailDelay.
func (s *session) login(user, password string) (Account, *accounts.AccessToken, *failure) {
	ctx, cancel := context.WithTimeout(context.Background(), s.p.cfg.LoginTimeout)
	defer cancel()
	l, err := s.p.cfg.Logins.CheckProxyLogin(ctx, user, password)
	acct, served := s.p.accounts[l.Account]
	if err == nil && !served {
		err = accounts.ErrProxyPassword
	}
	if err == nil {
		switch s.proto {
		case IMAP:
			served = acct.IMAP.Host != ""
		case POP3:
			served = acct.POP3.Host != ""
		case SMTP:
			served = acct.SMTP.Host != ""
		}
		if !served {
			return acct, nil, &failure{text: fmt.Sprintf("Latchkey does not know the %s server of %s; start the proxy with --%s-host", strings.ToUpper(string(s.proto)), l.Account, s.proto)}
		}
	}
	if errors.Is(err, accounts.ErrProxyPassword) {
		s.fails++
		s.p.cfg.Logf("%s %s: wrong user name or password (%d of %d)", s.proto, s.peer, s.fails, maxFails)
		time.Sleep(s.p.cfg.FailDelay)
		return acct, nil, &failure{auth: true, text: "Wrong user name or password: log in with the account's address and the password `latchkey proxy password` made for this program"}
	}
	if err != nil {
		s.p.cfg.Logf("%s %s: checking the password failed: %v", s.proto, s.peer, err)
		return acct, nil, &failure{temporary: true, text: "Latchkey could not check the password: " + tokenProblem(err)}
	}
	tok, err := s.p.cfg.Logins.MailToken(ctx, l, Conn{Protocol: s.proto, Local: s.conn.LocalAddr(), Peer: s.conn.RemoteAddr()})
	if err != nil {
		s.p.cfg.Logf("%s %s: no token for %s: %v", s.proto, s.peer, l.Account, err)
		f := &failure{temporary: true, text: "Latchkey could not get a token for " + l.Account + ": " + tokenProblem(err)}
		var rc *accounts.ReconnectError
		if errors.As(err, &rc) || errors.Is(err, accounts.ErrNeedsReconnect) {
			f.temporary = false
		}
		return acct, nil, f
	}
	s.p.cfg.Logf("%s %s: %s logged in as %s", s.proto, s.peer, l.Client, l.Account)
	return acct, tok, nil
}

// tokenProblem says in plain words why a token could not be had.
func tokenProblem(err error) string {
	var rc *accounts.ReconnectError
	switch {
	case errors.As(err, &rc):
		provider, _, _ := strings.Cut(rc.Account, ":")
		return "the provider no longer accepts its saved sign-in; run `latchkey connect " + provider + "`"
	case errors.Is(err, accounts.ErrNeedsReconnect):
		return "the provider no longer accepts its saved sign-in; connect the account again"
	case errors.Is(err, accounts.ErrKeychain):
		return "the keychain is locked or not answering; unlock it and try again"
	case errors.Is(err, accounts.ErrProviderUnreachable):
		return "the provider could not be reached; try again later"
	case errors.Is(err, accounts.ErrBusy):
		return "another Latchkey process is renewing the account; try again in a moment"
	case errors.Is(err, context.DeadlineExceeded):
		return "it took too long; try again"
	}
	return "run `latchkey token ACCOUNT` to see why"
}

// clean makes a message one line of printable text, at most 300 bytes.
func clean(s string) string {
	s = safetext.Line(s)
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// upstream is a connection to the provider's server.
type upstream struct {
	Upstream
	conn net.Conn
	r    *bufio.Reader
}

// dial connects to the provider's server within ctx, with TLS from the
// first byte unless u.StartTLS.
func (p *Proxy) dial(ctx context.Context, u Upstream) (*upstream, *failure) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.String())
	if err != nil {
		p.cfg.Logf("dial %s: %v", u, err)
		return nil, &failure{temporary: true, text: "Latchkey could not reach the mail server " + u.String() + "; check the network and try again"}
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	up := &upstream{Upstream: u, conn: c, r: bufio.NewReaderSize(c, 16<<10)}
	if !u.StartTLS {
		if f := up.startTLS(ctx, p.cfg.RootCAs, p.cfg.Logf); f != nil {
			return nil, f
		}
	}
	return up, nil
}

// startTLS puts TLS on the connection, checking the server's
// certificate for its host name.
func (u *upstream) startTLS(ctx context.Context, roots *x509.CertPool, logf func(string, ...any)) *failure {
	if u.r.Buffered() > 0 {
		u.conn.Close()
		return u.garbled()
	}
	tc := tls.Client(u.conn, &tls.Config{ServerName: u.Host, RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err := tc.HandshakeContext(ctx); err != nil {
		u.conn.Close()
		logf("TLS with %s: %v", u, err)
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			return &failure{text: "the mail server " + u.String() + " showed a certificate this computer does not trust, so Latchkey sent it nothing"}
		}
		return &failure{temporary: true, text: "Latchkey could not set up TLS with the mail server " + u.String() + "; try again later"}
	}
	u.conn, u.r = tc, bufio.NewReaderSize(tc, 16<<10)
	return nil
}

// line reads one line from the server.
func (u *upstream) line() (string, error) { return readLimitedLine(u.r, 64<<10) }

// write sends one line and CRLF.
func (u *upstream) write(s string) error {
	_, err := io.WriteString(u.conn, s+"\r\n")
	return err
}

// answer answers the server's "+" during AUTHENTICATE XOAUTH2: with the
// XOAUTH2 response the first time, then with an empty line (the server
// sent an error challenge, as Gmail does before its refusal).
func (u *upstream) answer(tok *accounts.AccessToken, sent *bool) error {
	if *sent {
		return u.write("")
	}
	*sent = true
	return u.write(tok.XOAUTH2())
}

// garbled is the failure for a server that said something unexpected.
func (u *upstream) garbled() *failure {
	return &failure{temporary: true, text: "the mail server " + u.String() + " answered something Latchkey did not expect; try again later"}
}

// refused is the failure for a server that refused the token.
func (u *upstream) refused(account string, proto Protocol) *failure {
	return &failure{auth: true, text: fmt.Sprintf("the mail server %s refused Latchkey's token for %s; check that the account may use %s (`latchkey show %s`)",
		u, account, strings.ToUpper(string(proto)), account)}
}

// relay copies bytes both ways until either side closes or both have
// been quiet for IdleTimeout. Bytes the client sent along with its login
// (already in cr's buffer) go first.
func (p *Proxy) relay(client net.Conn, cr *bufio.Reader, up *upstream) {
	up.conn.SetDeadline(time.Time{})
	client.SetDeadline(time.Time{})
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	done := make(chan struct{}, 2)
	pump := func(dst, src net.Conn, r io.Reader) {
		defer func() { done <- struct{}{} }()
		buf := make([]byte, 32<<10)
		for {
			src.SetReadDeadline(time.Now().Add(p.cfg.IdleTimeout))
			n, err := r.Read(buf)
			if n > 0 {
				last.Store(time.Now().UnixNano())
				dst.SetWriteDeadline(time.Now().Add(p.cfg.IdleTimeout))
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, last.Load())) < p.cfg.IdleTimeout {
				continue // the other side is busy: a long download, an IDLE
			}
			if err != nil {
				return
			}
		}
	}
	go pump(up.conn, client, cr)
	go pump(client, up.conn, up.r)
	<-done
	client.Close()
	up.conn.Close()
	<-done
}

// selfSigned makes the certificate offered to clients with STARTTLS.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Latchkey mail proxy"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func hexPairs(b []byte) []string {
	out := make([]string, len(b))
	for i, x := range b {
		out[i] = strconv.FormatUint(uint64(x)|0x100, 16)[1:]
	}
	return out
}

// saslOutcome is how a SASL exchange with the client ended.
type saslOutcome int

const (
	saslOK saslOutcome = iota
	saslCancelled
	saslMalformed
	saslUnknownMechanism
	saslBroken // the connection failed: end the session
)

// saslCredentials runs the client's side of AUTHENTICATE (IMAP) or AUTH
// (POP3, SMTP) PLAIN or LOGIN, with ir the initial response if any ("="
// is an empty one) and prompt the continuation ("+ " or "334 ").
func (s *session) saslCredentials(mech, ir, prompt string) (user, password string, out saslOutcome) {
	ask := func(challenge string) ([]byte, saslOutcome) {
		if err := s.send("%s%s", prompt, challenge); err != nil {
			return nil, saslBroken
		}
		line, err := s.readLine()
		if err != nil {
			return nil, saslBroken
		}
		if line == "*" {
			return nil, saslCancelled
		}
		b, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return nil, saslMalformed
		}
		return b, saslOK
	}
	given := func() ([]byte, saslOutcome, bool) {
		if ir == "" {
			return nil, saslOK, false
		}
		if ir == "=" {
			return []byte{}, saslOK, true
		}
		b, err := base64.StdEncoding.DecodeString(ir)
		if err != nil {
			return nil, saslMalformed, true
		}
		return b, saslOK, true
	}
	switch strings.ToUpper(mech) {
	case "PLAIN":
		msg, out, ok := given()
		if !ok {
			msg, out = ask("")
		}
		if out != saslOK {
			return "", "", out
		}
		u, pw, ok := decodePlain(msg)
		if !ok {
			return "", "", saslMalformed
		}
		return u, pw, saslOK
	case "LOGIN":
		u, out, ok := given()
		if !ok {
			u, out = ask("VXNlcm5hbWU6") // "Username:"
		}
		if out != saslOK {
			return "", "", out
		}
		pw, out := ask("UGFzc3dvcmQ6") // "Password:"
		if out != saslOK {
			return "", "", out
		}
		return string(u), string(pw), saslOK
	}
	return "", "", saslUnknownMechanism
}

// decodePlain reads a SASL PLAIN message: authzid NUL authcid NUL passwd.
func decodePlain(msg []byte) (user, password string, ok bool) {
	parts := strings.Split(string(msg), "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}
