package mailtest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// The POP3 server: TLS from the first byte (like port 995), AUTH XOAUTH2
// only (the response given after the "+", as Exchange Online documents
// it, or as an initial response), then STAT, LIST, UIDL, RETR, TOP,
// DELE, NOOP, RSET and QUIT over the messages delivered to INBOX.

// popMessage is one message in the POP3 maildrop.
type popMessage struct {
	uid  string
	data []byte
}

// servePOP3 accepts POP3 clients on ln until it is closed.
func (s *Server) servePOP3(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go s.popSession(c)
	}
}

func (s *Server) popSession(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Minute))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	say := func(format string, a ...any) {
		fmt.Fprintf(w, format+"\r\n", a...)
		w.Flush()
	}
	if tc, ok := c.(*tls.Conn); !ok || tc.Handshake() != nil {
		return
	}
	say("+OK mailtest POP3 ready")
	authed := false
	var msgs []popMessage
	deleted := map[int]bool{}
	check := func(ir string) bool {
		raw, err := base64.StdEncoding.DecodeString(ir)
		if err != nil {
			return false
		}
		x := &xoauth2{srv: s, protocol: "pop3", done: func() {}}
		_, _, err = x.Next(raw)
		return err == nil
	}
	msg := func(arg string) (int, bool) {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 || n > len(msgs) || deleted[n] {
			say("-ERR no such message")
			return 0, false
		}
		return n, true
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		cmd = strings.ToUpper(cmd)
		if !authed {
			switch cmd {
			case "CAPA":
				say("+OK\r\nSASL XOAUTH2\r\nUIDL\r\nTOP\r\n.")
			case "AUTH":
				mech, ir, _ := strings.Cut(arg, " ")
				if !strings.EqualFold(mech, "XOAUTH2") {
					say("-ERR only XOAUTH2")
					continue
				}
				if ir == "" {
					say("+ ")
					l, err := r.ReadString('\n')
					if err != nil {
						return
					}
					ir = strings.TrimRight(l, "\r\n")
				}
				if !check(ir) {
					say("-ERR [AUTH] invalid credentials")
					continue
				}
				authed = true
				msgs = s.popMessages()
				say("+OK logged in")
			case "QUIT":
				say("+OK bye")
				return
			default:
				say("-ERR log in with AUTH XOAUTH2 first")
			}
			continue
		}
		switch cmd {
		case "STAT":
			n, size := 0, 0
			for i, m := range msgs {
				if !deleted[i+1] {
					n, size = n+1, size+len(m.data)
				}
			}
			say("+OK %d %d", n, size)
		case "LIST", "UIDL":
			if arg != "" {
				if n, ok := msg(arg); ok {
					v := strconv.Itoa(len(msgs[n-1].data))
					if cmd == "UIDL" {
						v = msgs[n-1].uid
					}
					say("+OK %d %s", n, v)
				}
				continue
			}
			var b strings.Builder
			b.WriteString("+OK\r\n")
			for i, m := range msgs {
				if deleted[i+1] {
					continue
				}
				v := strconv.Itoa(len(m.data))
				if cmd == "UIDL" {
					v = m.uid
				}
				fmt.Fprintf(&b, "%d %s\r\n", i+1, v)
			}
			b.WriteString(".")
			say("%s", b.String())
		case "RETR", "TOP":
			num, lines, _ := strings.Cut(arg, " ")
			n, ok := msg(num)
			if !ok {
				continue
			}
			data := msgs[n-1].data
			if cmd == "TOP" {
				if head, _, found := bytes.Cut(data, []byte("\r\n\r\n")); found && lines == "0" {
					data = append(head, "\r\n\r\n"...)
				}
			} else {
				s.mu.Lock()
				s.fetches["POP3"]++
				s.mu.Unlock()
			}
			fmt.Fprintf(w, "+OK %d octets\r\n", len(data))
			for _, l := range strings.SplitAfter(string(data), "\n") {
				if strings.HasPrefix(l, ".") {
					w.WriteString(".")
				}
				w.WriteString(l)
			}
			if !bytes.HasSuffix(data, []byte("\n")) {
				w.WriteString("\r\n")
			}
			say(".")
		case "DELE":
			if n, ok := msg(arg); ok {
				deleted[n] = true
				say("+OK deleted")
			}
		case "NOOP":
			say("+OK")
		case "RSET":
			deleted = map[int]bool{}
			say("+OK")
		case "QUIT":
			s.popDelete(msgs, deleted)
			say("+OK bye")
			return
		default:
			say("-ERR unknown command")
		}
	}
}

// popMessages is a snapshot of the maildrop.
func (s *Server) popMessages() []popMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]popMessage(nil), s.pop...)
}

// popDelete removes the messages a session deleted, at its QUIT.
func (s *Server) popDelete(msgs []popMessage, deleted map[int]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gone := map[string]bool{}
	for n := range deleted {
		gone[msgs[n-1].uid] = true
	}
	keep := s.pop[:0]
	for _, m := range s.pop {
		if !gone[m.uid] {
			keep = append(keep, m)
		}
	}
	s.pop = keep
}
