package mailproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey/accounts"
)

// imapCaps are the capabilities offered before the login.
func (s *session) imapCaps() string {
	caps := "IMAP4rev1 LITERAL+ SASL-IR ID AUTH=PLAIN AUTH=LOGIN"
	if !s.tls {
		caps += " STARTTLS"
	}
	return caps
}

// serveIMAP speaks IMAP until the client logs in, then relays.
func (s *session) serveIMAP() {
	if s.send("* OK [CAPABILITY %s] Latchkey IMAP proxy ready", s.imapCaps()) != nil {
		return
	}
	for {
		line, err := s.readLine()
		if errors.Is(err, errLineTooLong) {
			s.send("* BYE [LIMIT] Line too long")
			return
		}
		if err != nil {
			return
		}
		tag, cmd, rest := splitIMAP(line)
		if tag == "" {
			s.send("* BAD Every command starts with a tag, e.g. a1 LOGIN user password")
			if !s.badInput() {
				return
			}
			continue
		}
		switch strings.ToUpper(cmd) {
		case "CAPABILITY":
			s.send("* CAPABILITY %s", s.imapCaps())
			s.send("%s OK CAPABILITY completed", tag)
		case "NOOP":
			s.send("%s OK NOOP completed", tag)
		case "ID":
			s.send("* ID NIL")
			s.send("%s OK ID completed", tag)
		case "LOGOUT":
			s.send("* BYE Latchkey IMAP proxy logging out")
			s.send("%s OK LOGOUT completed", tag)
			return
		case "STARTTLS":
			if s.tls {
				s.send("%s BAD TLS is already on", tag)
				continue
			}
			s.send("%s OK Begin TLS negotiation now", tag)
			if err := s.startTLS(); err != nil {
				return
			}
		case "LOGIN":
			args, end := s.imapArgs(tag, rest)
			if end {
				return
			}
			if args == nil {
				continue
			}
			if len(args) != 2 {
				s.send("%s BAD LOGIN takes a user name and a password", tag)
				continue
			}
			if s.imapLogin(tag, args[0], args[1]) {
				return
			}
		case "AUTHENTICATE":
			mech, ir, _ := strings.Cut(rest, " ")
			user, pw, out := s.saslCredentials(mech, ir, "+ ")
			switch out {
			case saslBroken:
				return
			case saslCancelled:
				s.send("%s BAD AUTHENTICATE cancelled", tag)
			case saslMalformed:
				s.send("%s BAD Malformed SASL response", tag)
			case saslUnknownMechanism:
				s.send("%s NO [CANNOT] Latchkey's proxy takes AUTHENTICATE PLAIN or LOGIN, or LOGIN", tag)
			default:
				if s.imapLogin(tag, user, pw) {
					return
				}
			}
		default:
			s.send("%s BAD Log in first: before a login Latchkey's proxy takes only CAPABILITY, NOOP, ID, STARTTLS, LOGIN, AUTHENTICATE and LOGOUT", tag)
			if !s.badInput() {
				return
			}
		}
	}
}

// imapLogin logs in upstream and relays; it reports whether the session
// is over (relayed, or too many wrong passwords).
func (s *session) imapLogin(tag, user, password string) bool {
	acct, tok, f := s.login(user, password)
	var up *upstream
	caps := ""
	if f == nil {
		up, caps, f = s.p.imapUpstream(acct, tok, s.proto)
	}
	if f != nil {
		code := ""
		switch {
		case f.auth:
			code = "[AUTHENTICATIONFAILED] "
		case f.temporary:
			code = "[UNAVAILABLE] "
		}
		s.send("%s NO %s%s", tag, code, clean(f.text))
		if s.fails >= maxFails {
			s.send("* BYE Too many wrong passwords")
			return true
		}
		return false
	}
	if caps != "" {
		caps = "[CAPABILITY " + caps + "] "
	}
	if s.send("%s OK %sLogged in through Latchkey", tag, caps) != nil {
		up.conn.Close()
		return true
	}
	s.p.relay(s.conn, s.r, up)
	return true
}

// splitIMAP splits "tag command rest"; the tag is "" if malformed.
func splitIMAP(line string) (tag, cmd, rest string) {
	tag, after, _ := strings.Cut(line, " ")
	cmd, rest, _ = strings.Cut(after, " ")
	if tag == "" || cmd == "" || strings.ContainsAny(tag, "(){%*\"\\]+") {
		return "", "", ""
	}
	return tag, cmd, rest
}

var literalRe = regexp.MustCompile(`^\{(\d{1,9})(\+?)\}$`)

// imapArgs reads astrings (atoms, quoted strings, literals) to the end of
// the command, reading literals from the connection. It returns nil args
// after answering a bad command, and end when the session must end.
func (s *session) imapArgs(tag, rest string) (args []string, end bool) {
	for {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			if args == nil {
				args = []string{}
			}
			return args, false
		}
		switch rest[0] {
		case '"':
			v, after, ok := unquote(rest)
			if !ok {
				s.send("%s BAD Unterminated quoted string", tag)
				return nil, false
			}
			args, rest = append(args, v), after
		case '{':
			m := literalRe.FindStringSubmatch(rest)
			if m == nil {
				s.send("%s BAD Malformed literal", tag)
				return nil, false
			}
			n, _ := strconv.Atoi(m[1])
			plus := m[2] == "+"
			if n > maxLiteral {
				if plus { // the bytes are on their way: nothing sane follows
					s.send("* BYE [LIMIT] Literal too large before a login")
					return nil, true
				}
				s.send("%s BAD [LIMIT] A literal before a login holds at most %d bytes", tag, maxLiteral)
				return nil, false
			}
			if !plus && s.send("+ Ready for the literal") != nil {
				return nil, true
			}
			buf := make([]byte, n)
			s.conn.SetReadDeadline(time.Now().Add(s.p.cfg.LoginTimeout))
			if _, err := io.ReadFull(s.r, buf); err != nil {
				return nil, true
			}
			line, err := s.readLine()
			if err != nil {
				return nil, true
			}
			args, rest = append(args, string(buf)), line
		default:
			v, after, _ := strings.Cut(rest, " ")
			args, rest = append(args, v), after
		}
	}
}

// unquote reads an IMAP quoted string at the start of s.
func unquote(s string) (value, rest string, ok bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", "", false
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

var capsRe = regexp.MustCompile(`\[CAPABILITY ([^\]]*)\]`)

// imapCapsOf returns the capabilities in a response code, filtered to
// plain atoms, without those that matter only before a login.
func imapCapsOf(line string) string {
	m := capsRe.FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	var keep []string
	for _, c := range strings.Fields(m[1]) {
		u := strings.ToUpper(c)
		if !atomRe.MatchString(c) || strings.HasPrefix(u, "AUTH=") || u == "STARTTLS" || u == "LOGINDISABLED" || u == "SASL-IR" {
			continue
		}
		keep = append(keep, c)
	}
	return strings.Join(keep, " ")
}

var atomRe = regexp.MustCompile(`^[A-Za-z0-9=+._/-]{1,64}$`)

// imapUpstream connects to the account's IMAP server and logs in there
// with XOAUTH2; it returns the server's capabilities after the login
// when it said them.
func (p *Proxy) imapUpstream(acct Account, tok *accounts.AccessToken, proto Protocol) (*upstream, string, *failure) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.LoginTimeout)
	defer cancel()
	up, f := p.dial(ctx, acct.IMAP)
	if f != nil {
		return nil, "", f
	}
	fail := func(f *failure) (*upstream, string, *failure) {
		up.conn.Close()
		return nil, "", f
	}
	greeting, err := up.line()
	if err != nil || !strings.HasPrefix(greeting, "* OK") {
		return fail(up.garbled())
	}
	caps := greeting
	if acct.IMAP.StartTLS {
		if up.write("L0 STARTTLS") != nil {
			return fail(up.garbled())
		}
		if st, err := up.tagged("L0"); err != nil || !strings.HasPrefix(st, "OK") {
			return fail(up.garbled())
		}
		if f := up.startTLS(ctx, p.cfg.RootCAs, p.cfg.Logf); f != nil {
			return nil, "", f
		}
		caps = ""
	}
	if !capsRe.MatchString(caps) {
		if up.write("L1 CAPABILITY") != nil {
			return fail(up.garbled())
		}
		caps = ""
		for {
			l, err := up.line()
			if err != nil {
				return fail(up.garbled())
			}
			if strings.HasPrefix(l, "* CAPABILITY ") {
				caps = "[CAPABILITY " + strings.TrimPrefix(l, "* CAPABILITY ") + "]"
			}
			if strings.HasPrefix(l, "L1 ") {
				break
			}
		}
	}
	ir := strings.Contains(strings.ToUpper(caps), " SASL-IR")
	if ir {
		err = up.write("L2 AUTHENTICATE XOAUTH2 " + tok.XOAUTH2())
	} else {
		err = up.write("L2 AUTHENTICATE XOAUTH2")
	}
	if err != nil {
		return fail(up.garbled())
	}
	sent := ir
	for {
		l, err := up.line()
		if err != nil {
			return fail(up.garbled())
		}
		switch {
		case strings.HasPrefix(l, "+"):
			if up.answer(tok, &sent) != nil {
				return fail(up.garbled())
			}
		case strings.HasPrefix(l, "L2 OK"):
			return up, imapCapsOf(l), nil
		case strings.HasPrefix(l, "L2 NO"):
			p.cfg.Logf("imap %s refused the token for %s", acct.IMAP, acct.ID)
			return fail(up.refused(acct.ID, proto))
		case strings.HasPrefix(l, "L2 "):
			return fail(up.garbled())
		}
	}
}

// tagged reads to the tagged response and returns its status and text.
func (u *upstream) tagged(tag string) (string, error) {
	for {
		l, err := u.line()
		if err != nil {
			return "", err
		}
		if after, ok := strings.CutPrefix(l, tag+" "); ok {
			return after, nil
		}
		if !strings.HasPrefix(l, "*") {
			return "", fmt.Errorf("unexpected line")
		}
	}
}
