package main

// Signing in over SSH through the real binary, for every kind of provider:
// a fixed loopback port for `ssh -L` (--port) and pasting back the address
// the browser ended on (--paste), against the real OpenID provider and the
// Microsoft and Google emulators.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/accounts/oidcprovidertest"
	"github.com/latchkey/latchkey/accounts/providertest"
)

// remoteProvider is a provider to sign in to over SSH, and the world that
// connects it.
type remoteProvider struct {
	name     string // provider name for connect
	world    func(t *testing.T) (*world, func() []string)
	redirect string // redirect URI host
}

func remoteProviders() []remoteProvider {
	return []remoteProvider{
		{"testidp", func(t *testing.T) (*world, func() []string) {
			srv := oidcprovidertest.Start(t, oidcprovidertest.Options{Email: ownEmail(t, "example.test")})
			return newWorld(t, oidcConfig(srv)), nil
		}, "127.0.0.1"},
		{"microsoft", func(t *testing.T) (*world, func() []string) {
			w, ms := microsoftWorld(t)
			return w, ms.IssuedTokens
		}, "localhost"},
		{"google", func(t *testing.T) (*world, func() []string) {
			g := providertest.NewGoogle(t, providertest.GoogleOptions{Email: ownEmail(t, "gmail.test")})
			return googleWorld(t, g), g.IssuedTokens
		}, "127.0.0.1"},
	}
}

// microsoftWorld is a world with the Microsoft emulator as microsoft.
func microsoftWorld(t *testing.T) (*world, *providertest.Microsoft) {
	ms := providertest.NewMicrosoft(t, providertest.MicrosoftOptions{Email: ownEmail(t, "contoso.test")})
	return newWorld(t, fmt.Sprintf("[providers.microsoft]\nclient_id = %q\nauthority = %q\n", ms.ClientID, ms.URL)), ms
}

// interactive is a latchkey command the test talks to: its stdin, and its
// stderr read line by line as it comes.
type interactive struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr bytes.Buffer // all of it, once the command ended
	stdout bytes.Buffer
	done   chan struct{}
}

func (w *world) start(env []string, args ...string) *interactive {
	w.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	in, err := cmd.StdinPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	p := &interactive{cmd: cmd, stdin: in, lines: make(chan string, 100), done: make(chan struct{})}
	cmd.Stdout = &p.stdout
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			p.stderr.WriteString(sc.Text() + "\n")
			select {
			case p.lines <- sc.Text():
			default:
			}
		}
	}()
	w.t.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done; _ = cmd.Wait() })
	return p
}

// await returns the first stderr line that matches, or fails.
func (p *interactive) await(t *testing.T, match func(string) bool) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if match(l) {
				return l
			}
		case <-p.done:
			select {
			case l := <-p.lines:
				if match(l) {
					return l
				}
				continue
			default:
			}
			t.Fatalf("latchkey ended before printing what was awaited:\n%s", p.stderr.String())
		case <-deadline:
			t.Fatal("latchkey printed nothing awaited within 60s")
		}
	}
}

// link returns the sign-in address printed with marker in it.
func (p *interactive) link(t *testing.T, marker string) string {
	t.Helper()
	return strings.TrimSpace(p.await(t, func(l string) bool { return strings.HasPrefix(l, "  http") && strings.Contains(l, marker) }))
}

// wait returns the exit code; stdout and stderr are whole then.
func (w *world) wait(p *interactive) int {
	w.t.Helper()
	p.stdin.Close()
	<-p.done
	err := p.cmd.Wait()
	w.mu.Lock()
	w.output.Write(p.stderr.Bytes())
	w.output.Write(p.stdout.Bytes())
	w.mu.Unlock()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		w.t.Fatal(err)
	}
	return 0
}

// browse plays the person's browser on another computer with the stand-in
// browser: remote, it ends on an address it cannot load and returns it;
// otherwise it browses (through the tunnel) to the end.
func browse(t *testing.T, w *world, link string, remote bool) string {
	t.Helper()
	final := filepath.Join(t.TempDir(), "final")
	env := append(slicesClone(w.env), "STANDIN_BROWSER_WAIT=1", "STANDIN_BROWSER_FINAL="+final)
	if remote {
		env = append(env, "STANDIN_BROWSER_MODE=remote")
	}
	cmd := exec.Command(filepath.Join(oidcprovidertest.BrowserDir(), "xdg-open"), link)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("stand-in browser: %v\n%s", err, out)
	}
	if !remote {
		return ""
	}
	data, err := os.ReadFile(final)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		t.Fatalf("the remote browser ended on no redirect: %v", err)
	}
	return strings.TrimSpace(string(data))
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestSignInPaste: `connect --paste` prints the provider's sign-in URL,
// opens no browser, and takes the address the browser on another computer
// ended on from stdin. A pasted address with another state is refused
// without ending the sign-in; the right one connects the account, for the
// real OpenID provider, Microsoft and Google. A pasted answer from another
// issuer fails as through the listener.
func TestSignInPaste(t *testing.T) {
	t.Parallel()
	for _, p := range remoteProviders() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			w, issued := p.world(t)
			log := filepath.Join(t.TempDir(), "argv.log")
			env := append(slicesClone(w.env), "STANDIN_BROWSER_LOG="+log)
			cmd := w.start(env, "connect", p.name, "--paste", "--timeout", "60s")
			link := cmd.link(t, "state=")
			u, err := url.Parse(link)
			if err != nil || u.Query().Get("state") == "" || u.Query().Get("code_challenge") == "" {
				t.Fatalf("--paste printed %q, not the provider's sign-in URL", link)
			}
			redirect, err := url.Parse(u.Query().Get("redirect_uri"))
			if err != nil || redirect.Hostname() != p.redirect || redirect.Path != "/" {
				t.Errorf("redirect_uri %q, want http://%s:PORT/", u.Query().Get("redirect_uri"), p.redirect)
			}
			cmd.await(t, func(l string) bool { return strings.Contains(l, "paste it here") })
			final := browse(t, w, link, true)
			fu, err := url.Parse(final)
			if err != nil {
				t.Fatal(err)
			}
			fq := fu.Query()
			fq.Set("state", "x"+fq.Get("state"))
			fu.RawQuery = fq.Encode()
			forged := fu.String()
			fmt.Fprintln(cmd.stdin, forged)
			cmd.await(t, func(l string) bool { return strings.Contains(l, "not this sign-in's answer") })
			fmt.Fprintln(cmd.stdin, final)
			if code := w.wait(cmd); code != 0 {
				t.Fatalf("exit %d\n%s", code, cmd.stderr.String())
			}
			if !strings.Contains(cmd.stdout.String(), "Connected ") {
				t.Errorf("stdout: %s", cmd.stdout.String())
			}
			if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
				t.Errorf("list = %+v", l)
			}
			if _, err := os.Stat(log); err == nil {
				t.Error("--paste opened a browser on this computer")
			}
			for _, l := range strings.Split(cmd.stderr.String(), "\n") {
				if strings.HasPrefix(l, "latchkey:") && strings.Contains(l, u.Query().Get("state")) {
					t.Errorf("a refusal quoted the state: %s", l)
				}
			}
			if issued != nil {
				w.noLeaks(issued())
			}
		})
	}
	t.Run("another issuer", func(t *testing.T) {
		t.Parallel()
		w, ms := microsoftWorld(t)
		ms.SetAuthResponseIssuer("https://evil.test/tenant/v2.0")
		cmd := w.start(w.env, "connect", "microsoft", "--paste", "--timeout", "60s")
		link := cmd.link(t, "state=")
		fmt.Fprintln(cmd.stdin, browse(t, w, link, true))
		if code := w.wait(cmd); code != exitSignIn || !strings.Contains(cmd.stderr.String(), "unexpected issuer") {
			t.Fatalf("exit %d, want %d\n%s", code, exitSignIn, cmd.stderr.String())
		}
		if l := w.list(); len(l) != 0 {
			t.Errorf("list = %+v", l)
		}
	})
}

// TestSignInFixedPort: `connect --port N` listens on 127.0.0.1:N (and
// [::1]:N) only, as `ssh -L N:127.0.0.1:N` needs, and the redirect URI
// sent is on N; the browser at the other end of the tunnel finishes the
// sign-in. A port another program holds is refused at once with exit 2
// and what to do.
func TestSignInFixedPort(t *testing.T) {
	t.Parallel()
	for _, p := range remoteProviders() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			w, issued := p.world(t)
			port := freePort(t)
			log := filepath.Join(t.TempDir(), "argv.log")
			env := append(slicesClone(w.env), "STANDIN_BROWSER_LOG="+log)
			cmd := w.start(env, "connect", p.name, "--port", strconv.Itoa(port), "--timeout", "60s")
			cmd.await(t, func(l string) bool { return strings.Contains(l, fmt.Sprintf("ssh -L %d:127.0.0.1:%d", port, port)) })
			link := cmd.link(t, "/start/")
			if want := fmt.Sprintf("http://%s:%d/start/", p.redirect, port); !strings.HasPrefix(link, want) {
				t.Fatalf("link %q, want one on %s", link, want)
			}
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.2:%d", port), time.Second); err == nil {
				c.Close()
				t.Error("connect --port listens beyond 127.0.0.1")
			}
			browse(t, w, link, false)
			if code := w.wait(cmd); code != 0 {
				t.Fatalf("exit %d\n%s", code, cmd.stderr.String())
			}
			if l := w.list(); len(l) != 1 || l[0].Status != "connected" {
				t.Errorf("list = %+v", l)
			}
			if _, err := os.Stat(log); err == nil {
				t.Error("--port opened a browser on this computer")
			}
			if issued != nil {
				w.noLeaks(issued())
			}
		})
	}
	t.Run("port taken", func(t *testing.T) {
		t.Parallel()
		w, _ := microsoftWorld(t)
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port := ln.Addr().(*net.TCPAddr).Port
		start := time.Now()
		r := w.expectExit(exitUsage, "connect", "microsoft", "--port", strconv.Itoa(port), "--timeout", "60s")
		if !strings.Contains(r.stderr, fmt.Sprintf("127.0.0.1:%d", port)) || !strings.Contains(r.stderr, "another --port") {
			t.Errorf("stderr: %s", r.stderr)
		}
		if time.Since(start) > 20*time.Second {
			t.Errorf("a taken port took %v to report", time.Since(start))
		}
		w.expectExit(exitUsage, "connect", "microsoft", "--port", "70000")
		w.expectExit(exitUsage, "connect", "microsoft", "--port", "8400", "--device")
	})
}
