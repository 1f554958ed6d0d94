package mailproxy

import (
	"context"
	"errors"
	"strings"

	"github.com/latchkey/latchkey/accounts"
)

// servePOP3 speaks POP3 until the client logs in, then relays.
func (s *session) servePOP3() {
	if s.send("+OK Latchkey POP3 proxy ready") != nil {
		return
	}
	user := ""
	for {
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			s.send("-ERR Line too long")
			return
		}
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(cmd) {
		case "CAPA":
			caps := "+OK Capability list follows\r\nUSER\r\nSASL PLAIN LOGIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nUIDL\r\nTOP\r\n"
			if !s.tls {
				caps += "STLS\r\n"
			}
			s.send("%sIMPLEMENTATION Latchkey-proxy\r\n.", caps)
		case "STLS":
			if s.tls {
				s.send("-ERR TLS is already on")
				continue
			}
			s.send("+OK Begin TLS negotiation")
			if s.startTLS() != nil {
				return
			}
		case "USER":
			if arg == "" {
				s.send("-ERR USER takes the account's address")
				continue
			}
			user = arg
			s.send("+OK Now the password (PASS)")
		case "PASS":
			if user == "" {
				s.send("-ERR Give USER first")
				continue
			}
			if s.popLogin(user, arg) {
				return
			}
			user = ""
		case "AUTH":
			if arg == "" {
				s.send("+OK\r\nPLAIN\r\nLOGIN\r\n.")
				continue
			}
			mech, ir, _ := strings.Cut(arg, " ")
			u, pw, out := s.saslCredentials(mech, ir, "+ ")
			switch out {
			case saslBroken:
				return
			case saslCancelled:
				s.send("-ERR AUTH cancelled")
			case saslMalformed:
				s.send("-ERR Malformed SASL response")
			case saslUnknownMechanism:
				s.send("-ERR Latchkey's proxy takes AUTH PLAIN or LOGIN, or USER and PASS")
			default:
				if s.popLogin(u, pw) {
					return
				}
			}
		case "QUIT":
			s.send("+OK Latchkey POP3 proxy signing off")
			return
		default:
			s.send("-ERR Log in first: before a login Latchkey's proxy takes only CAPA, STLS, USER, PASS, AUTH and QUIT")
			if !s.badInput() {
				return
			}
		}
	}
}

// popLogin logs in upstream and relays; it reports whether the session
// is over.
func (s *session) popLogin(user, password string) bool {
	acct, tok, f := s.login(user, password)
	var up *upstream
	if f == nil {
		up, f = s.p.popUpstream(acct, tok)
	}
	if f != nil {
		code := "[SYS/PERM] "
		switch {
		case f.auth:
			code = "[AUTH] "
		case f.temporary:
			code = "[SYS/TEMP] "
		}
		s.send("-ERR %s%s", code, clean(f.text))
		return s.fails >= maxFails
	}
	if s.send("+OK Logged in through Latchkey") != nil {
		up.conn.Close()
		return true
	}
	s.p.relay(s.conn, s.r, up)
	return true
}

// popUpstream connects to the account's POP3 server and logs in there
// with XOAUTH2 (AUTH XOAUTH2, then the response after the "+").
func (p *Proxy) popUpstream(acct Account, tok *accounts.AccessToken) (*upstream, *failure) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.LoginTimeout)
	defer cancel()
	up, f := p.dial(ctx, acct.POP3)
	if f != nil {
		return nil, f
	}
	fail := func(f *failure) (*upstream, *failure) {
		up.conn.Close()
		return nil, f
	}
	if l, err := up.line(); err != nil || !strings.HasPrefix(l, "+OK") {
		return fail(up.garbled())
	}
	if acct.POP3.StartTLS {
		if up.write("STLS") != nil {
			return fail(up.garbled())
		}
		if l, err := up.line(); err != nil || !strings.HasPrefix(l, "+OK") {
			return fail(up.garbled())
		}
		if f := up.startTLS(ctx, p.cfg.RootCAs, p.cfg.Logf); f != nil {
			return nil, f
		}
	}
	if up.write("AUTH XOAUTH2") != nil {
		return fail(up.garbled())
	}
	sent := false
	for {
		l, err := up.line()
		if err != nil {
			return fail(up.garbled())
		}
		switch {
		case strings.HasPrefix(l, "+OK"):
			return up, nil
		case strings.HasPrefix(l, "-ERR"):
			p.cfg.Logf("pop3 %s refused the token for %s", acct.POP3, acct.ID)
			return fail(up.refused(acct.ID, POP3))
		case strings.HasPrefix(l, "+"):
			if up.answer(tok, &sent) != nil {
				return fail(up.garbled())
			}
		default:
			return fail(up.garbled())
		}
	}
}
