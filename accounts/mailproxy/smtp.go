package mailproxy

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/accounts"
)

// serveSMTP speaks SMTP submission until the client logs in, then relays.
// Before the login it offers only what every provider's server also
// offers (8BITMIME, ENHANCEDSTATUSCODES), since after it the client talks
// to that server.
func (s *session) serveSMTP() {
	if s.send("220 localhost ESMTP Latchkey SMTP proxy ready") != nil {
		return
	}
	for {
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			s.send("500 5.5.6 Line too long")
			return
		}
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(cmd) {
		case "EHLO":
			tls := "250-STARTTLS\r\n"
			if s.tls {
				tls = ""
			}
			s.send("250-localhost Latchkey SMTP proxy\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n%s250 AUTH PLAIN LOGIN", tls)
		case "HELO":
			s.send("250 localhost Latchkey SMTP proxy")
		case "STARTTLS":
			if s.tls {
				s.send("503 5.5.1 TLS is already on")
				continue
			}
			s.send("220 2.0.0 Ready to start TLS")
			if s.startTLS() != nil {
				return
			}
		case "AUTH":
			mech, ir, _ := strings.Cut(arg, " ")
			u, pw, out := s.saslCredentials(mech, ir, "334 ")
			switch out {
			case saslBroken:
				return
			case saslCancelled:
				s.send("501 5.7.0 Authentication cancelled")
			case saslMalformed:
				s.send("501 5.5.2 Malformed SASL response")
			case saslUnknownMechanism:
				s.send("504 5.5.4 Latchkey's proxy takes AUTH PLAIN or LOGIN")
			default:
				if s.smtpLogin(u, pw) {
					return
				}
			}
		case "NOOP", "RSET":
			s.send("250 2.0.0 OK")
		case "QUIT":
			s.send("221 2.0.0 Latchkey SMTP proxy closing")
			return
		case "MAIL", "RCPT", "DATA":
			s.send("530 5.7.0 Log in first (AUTH PLAIN or LOGIN) with the account's address and the password `latchkey proxy password` made")
		default:
			s.send("502 5.5.2 Before a login Latchkey's proxy takes only EHLO, HELO, STARTTLS, AUTH, NOOP, RSET and QUIT")
			if !s.badInput() {
				return
			}
		}
	}
}

// smtpLogin logs in upstream and relays; it reports whether the session
// is over.
func (s *session) smtpLogin(user, password string) bool {
	acct, tok, f := s.login(user, password)
	var up *upstream
	if f == nil {
		up, f = s.p.smtpUpstream(acct, tok)
	}
	if f != nil {
		code := "535 5.7.8 "
		if f.temporary && !f.auth {
			code = "454 4.7.0 "
		}
		if s.fails >= maxFails {
			s.send("421 4.7.0 Too many wrong passwords")
			return true
		}
		s.send("%s%s", code, clean(f.text))
		return false
	}
	if s.send("235 2.7.0 Logged in through Latchkey") != nil {
		up.conn.Close()
		return true
	}
	s.p.relay(s.conn, s.r, up)
	return true
}

// reply reads an SMTP reply, one or more lines, and returns its code.
func (u *upstream) reply() (int, error) {
	for {
		l, err := u.line()
		if err != nil {
			return 0, err
		}
		if len(l) < 3 {
			return 0, errors.New("short reply")
		}
		code, err := strconv.Atoi(l[:3])
		if err != nil {
			return 0, err
		}
		if len(l) == 3 || l[3] == ' ' {
			return code, nil
		}
	}
}

// smtpUpstream connects to the account's SMTP server, greets it, puts
// TLS on (STARTTLS, or from the start on port 465) and logs in there
// with XOAUTH2.
func (p *Proxy) smtpUpstream(acct Account, tok *accounts.AccessToken) (*upstream, *failure) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.LoginTimeout)
	defer cancel()
	up, f := p.dial(ctx, acct.SMTP)
	if f != nil {
		return nil, f
	}
	fail := func(f *failure) (*upstream, *failure) {
		up.conn.Close()
		return nil, f
	}
	expect := func(cmd string, want int) bool {
		if cmd != "" && up.write(cmd) != nil {
			return false
		}
		code, err := up.reply()
		return err == nil && code == want
	}
	if !expect("", 220) || !expect("EHLO localhost", 250) {
		return fail(up.garbled())
	}
	if acct.SMTP.StartTLS {
		if !expect("STARTTLS", 220) {
			return fail(up.garbled())
		}
		if f := up.startTLS(ctx, p.cfg.RootCAs, p.cfg.Logf); f != nil {
			return nil, f
		}
		if !expect("EHLO localhost", 250) {
			return fail(up.garbled())
		}
	}
	if up.write("AUTH XOAUTH2 "+tok.XOAUTH2()) != nil {
		return fail(up.garbled())
	}
	code, err := up.reply()
	if err == nil && code == 334 { // an error challenge (Gmail): answer empty
		if up.write("") != nil {
			return fail(up.garbled())
		}
		code, err = up.reply()
	}
	switch {
	case err != nil:
		return fail(up.garbled())
	case code == 235:
		return up, nil
	case code >= 400 && code < 500:
		return fail(&failure{temporary: true, text: "the mail server " + up.String() + " could not log in just now; try again later"})
	}
	p.cfg.Logf("smtp %s refused the token for %s", acct.SMTP, acct.ID)
	return fail(up.refused(acct.ID, SMTP))
}
