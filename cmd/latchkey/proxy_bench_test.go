package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// xoauth2Raw is a SASL client that sends a ready XOAUTH2 response, as a
// mail program given `latchkey token --format xoauth2` does.
type xoauth2Raw []byte

func (x xoauth2Raw) Start() (string, []byte, error) { return "XOAUTH2", x, nil }
func (x xoauth2Raw) Next([]byte) ([]byte, error)    { return nil, errors.New("unexpected challenge") }

// TestProxyBench measures what the proxy costs, in one run against the
// same test servers: a whole SMTP session (connect, log in, send one
// message, quit) through `latchkey proxy` against a direct XOAUTH2 session
// with a token from `latchkey token`, and one message sent or fetched in an
// open session each way. `make bench` runs it (LATCHKEY_PROXY_BENCH=1);
// BENCH_PROXY_RUNS sets the runs of each side (default 200). The sides run
// interleaved so that machine noise hits both alike.
func TestProxyBench(t *testing.T) {
	if os.Getenv("LATCHKEY_PROXY_BENCH") == "" {
		t.Skip("a benchmark: `make bench` runs it with LATCHKEY_PROXY_BENCH=1")
	}
	runs := 200
	if n, err := strconv.Atoi(os.Getenv("BENCH_PROXY_RUNS")); err == nil && n > 0 {
		runs = n
	}
	w, _, srv, _ := proxyWorld(t, 0)
	const user = "proxy@gmail.test"
	pw := strings.TrimSpace(w.must("proxy", "password", user, "--client", "bench"))
	p := startProxy(t, w, srv, "--imap", "0", "--pop3", "0", "--smtp", "0")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(w.run("token", user, "--format", "xoauth2").stdout))
	if err != nil {
		t.Fatal(err)
	}
	pem, err := os.ReadFile(srv.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tlsConfig := &tls.Config{RootCAs: roots, ServerName: srv.Host}
	directSMTP := net.JoinHostPort(srv.Host, strconv.Itoa(srv.SMTPPort))
	proxySMTP := "127.0.0.1:" + strconv.Itoa(p.ports["smtp"])
	msg := "From: " + user + "\r\nTo: bob@example.test\r\nSubject: bench\r\n\r\n" + strings.Repeat("A line of a message body.\r\n", 200)

	dialSMTP := func(direct bool) *smtp.Client {
		var c *smtp.Client
		var err error
		if direct {
			c, err = smtp.DialStartTLS(directSMTP, tlsConfig)
			if err == nil {
				err = c.Auth(xoauth2Raw(raw))
			}
		} else {
			c, err = smtp.Dial(proxySMTP)
			if err == nil {
				err = c.Auth(sasl.NewPlainClient("", user, pw))
			}
		}
		if err != nil {
			t.Fatalf("SMTP session (direct %v): %v", direct, err)
		}
		return c
	}
	send := func(c *smtp.Client) {
		if err := c.SendMail(user, []string{"bob@example.test"}, strings.NewReader(msg)); err != nil {
			t.Fatal(err)
		}
	}
	session := func(direct bool) {
		c := dialSMTP(direct)
		send(c)
		c.Quit()
	}
	dialIMAP := func(direct bool) *imapclient.Client {
		var c *imapclient.Client
		var err error
		if direct {
			c, err = imapclient.DialTLS(net.JoinHostPort(srv.Host, strconv.Itoa(srv.IMAPPort)), &imapclient.Options{TLSConfig: tlsConfig})
			if err == nil {
				err = c.Authenticate(xoauth2Raw(raw))
			}
		} else {
			c, err = imapclient.DialInsecure("127.0.0.1:"+strconv.Itoa(p.ports["imap"]), nil)
			if err == nil {
				err = c.Login(user, pw).Wait()
			}
		}
		if err == nil {
			_, err = c.Select("INBOX", nil).Wait()
		}
		if err != nil {
			t.Fatalf("IMAP session (direct %v): %v", direct, err)
		}
		return c
	}
	fetch := func(c *imapclient.Client) {
		if _, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect(); err != nil {
			t.Fatal(err)
		}
	}

	type side struct {
		name string
		run  func()
		us   []int64
	}
	measure := func(a, b *side) {
		for range 5 { // warm-up
			a.run()
			b.run()
		}
		for range runs {
			for _, s := range []*side{a, b} {
				t0 := time.Now()
				s.run()
				s.us = append(s.us, time.Since(t0).Microseconds())
			}
		}
	}
	stats := func(us []int64) (float64, float64) {
		s := slices.Clone(us)
		slices.Sort(s)
		med := float64(s[len(s)/2])
		if len(s)%2 == 0 {
			med = float64(s[len(s)/2-1]+s[len(s)/2]) / 2
		}
		r := max(int(0.95*float64(len(s))+0.999999), 1)
		return med / 1000, float64(s[r-1]) / 1000
	}

	dSMTP, pSMTP := dialSMTP(true), dialSMTP(false)
	defer dSMTP.Close()
	defer pSMTP.Close()
	dIMAP, pIMAP := dialIMAP(true), dialIMAP(false)
	defer dIMAP.Close()
	defer pIMAP.Close()
	pairs := [][2]*side{
		{{name: "SMTP session, direct XOAUTH2", run: func() { session(true) }}, {name: "SMTP session, through the proxy", run: func() { session(false) }}},
		{{name: "SMTP message in an open session, direct", run: func() { send(dSMTP) }}, {name: "SMTP message in an open session, proxy", run: func() { send(pSMTP) }}},
		{{name: "IMAP FETCH in an open session, direct", run: func() { fetch(dIMAP) }}, {name: "IMAP FETCH in an open session, proxy", run: func() { fetch(pIMAP) }}},
	}
	fmt.Printf("\n%-44s %6s %10s %10s\n", fmt.Sprintf("latchkey proxy bench (%d-byte message)", len(msg)), "runs", "median ms", "p95 ms")
	for _, pr := range pairs {
		a, b := pr[0], pr[1]
		measure(a, b)
		am, ap := stats(a.us)
		bm, bp := stats(b.us)
		fmt.Printf("%-44s %6d %10.2f %10.2f\n", a.name, runs, am, ap)
		fmt.Printf("%-44s %6d %10.2f %10.2f  +%.2f ms (%.2fx)\n", b.name, runs, bm, bp, bm-am, bm/am)
	}
}
