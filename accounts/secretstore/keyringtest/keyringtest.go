//go:build linux

// Package keyringtest runs a real, private Secret Service for tests: a
// dbus-daemon of its own and a gnome-keyring-daemon on it, in a 0700 temporary
// directory, so tests exercise go-keyring, secret-tool and locking exactly as
// on a desktop without touching the person's own keyring.
//
// Nothing it starts may outlive the test process: every daemon runs in its own
// process group, gets SIGKILL when the test process dies (Pdeathsig) and is
// killed by Session.Close. The private bus has no standard service
// directories, so it activates nothing on its own (no gcr prompter, no second
// keyring daemon), and every environment it hands out names its bus
// explicitly, so dbus-launch autolaunch can never happen.
//
// A keyring daemon that ends without being told to (Close, RestartKeyring)
// is reported on standard error with its exit status and output, and
// started again on the same bus and data, so that one lost daemon shows up
// as a message, not as every later test failing with "no Secret Service".
package keyringtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Password is the login keyring's password in a Session started by Start.
const Password = "latchkey-test-password"

const (
	secretsName        = "org.freedesktop.secrets"
	secretsPath        = dbus.ObjectPath("/org/freedesktop/secrets")
	defaultCollection  = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	serviceIface       = "org.freedesktop.Secret.Service"
	collectionIface    = "org.freedesktop.Secret.Collection"
	itemIface          = "org.freedesktop.Secret.Item"
	gnomeInternalIface = "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
	startTimeout       = 15 * time.Second
	// maxRestarts bounds how often a keyring daemon that keeps dying is
	// started again; from the second restart on, each waits 100 ms longer
	// than the one before, up to a second, so that the restarts outlast a
	// burst of kills (about 15 s) without spinning.
	maxRestarts = 20
)

// Session is a private D-Bus session bus, with or without a Secret Service.
type Session struct {
	// Dir is the session's private 0700 directory; Close removes it.
	Dir string
	// Env holds DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR and XDG_DATA_HOME
	// for child processes (append it to os.Environ(), or use Environ).
	Env []string
	// Address is the private bus address.
	Address string

	mu       sync.Mutex
	procs    []*daemon
	bus      *daemon
	keyrng   *daemon
	closing  bool
	restarts int
	problems []string // daemons that ended unexpectedly, and what came of it
	// restarting is held while a keyring daemon is being started again.
	restarting sync.Mutex
}

// daemon is a process the session started and watches.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once it has ended and been waited for
	// killed is set before the session ends it on purpose.
	killed bool
}

func (d *daemon) pid() int { return d.cmd.Process.Pid }

func (d *daemon) ended() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and our reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// KeyringPID is the process id of the session's gnome-keyring-daemon, 0 if
// it has none. Tests stop it (SIGSTOP) to play a keychain that hangs.
func (s *Session) KeyringPID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyrng == nil {
		return 0
	}
	return s.keyrng.pid()
}

// Ready waits until the Secret Service answers on the bus: for a keyring
// daemon being started again (which answers on the bus before its login
// keyring is unlocked, hence the wait for the restart itself), then for up
// to startTimeout more. Tests call it before they rely on the keychain; its
// error says what became of the daemon.
func (s *Session) Ready() error {
	deadline := time.Now().Add(startTimeout)
	for {
		s.restarting.Lock()
		s.restarting.Unlock()
		_, err := s.Locked()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("keyringtest: the Secret Service does not answer: %v%s", err, s.Problems())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Problems describes the daemons that ended unexpectedly ("" if none), for
// a test's failure message.
func (s *Session) Problems() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.problems) == 0 {
		return ""
	}
	return "\n" + strings.Join(s.problems, "\n")
}

// Start starts a private bus and a gnome-keyring-daemon whose login keyring
// is unlocked with Password. It is meant for TestMain and returns an error,
// not a skip, when the programs are missing.
func Start() (*Session, error) {
	if err := need("dbus-daemon", "dbus"); err != nil {
		return nil, err
	}
	if err := need("gnome-keyring-daemon", "gnome-keyring"); err != nil {
		return nil, err
	}
	if err := need("secret-tool", "libsecret-tools"); err != nil {
		return nil, err
	}
	s, err := startBus()
	if err != nil {
		return nil, err
	}
	if err := s.startKeyring(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// StartBusOnly starts a private bus with no Secret Service on it (and none
// that it could activate), for "missing keychain" tests.
func StartBusOnly() (*Session, error) {
	if err := need("dbus-daemon", "dbus"); err != nil {
		return nil, err
	}
	return startBus()
}

func need(program, debianPackage string) error {
	if _, err := exec.LookPath(program); err != nil {
		return fmt.Errorf("keyringtest: %s not found: install the Debian package %s (apt-get install dbus gnome-keyring libsecret-tools)", program, debianPackage)
	}
	return nil
}

func startBus() (*Session, error) {
	dir, err := os.MkdirTemp("", "latchkey-keyring-")
	if err != nil {
		return nil, fmt.Errorf("keyringtest: %w", err)
	}
	s := &Session{Dir: dir}
	fail := func(err error) (*Session, error) {
		s.Close()
		return nil, fmt.Errorf("keyringtest: %w", err)
	}
	for _, d := range []string{"", "run", "data", "services", "nobus"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return fail(err)
		}
		if err := os.Chmod(filepath.Join(dir, d), 0o700); err != nil {
			return fail(err)
		}
	}
	socket := filepath.Join(dir, "run", "bus")
	// No <standard_session_servicedirs/>: the bus can activate nothing, so a
	// locked collection has no prompter and "no Secret Service" stays true.
	conf := `<busconfig>
  <type>session</type>
  <listen>unix:path=` + xmlEscape(socket) + `</listen>
  <servicedir>` + xmlEscape(filepath.Join(dir, "services")) + `</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
	confPath := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return fail(err)
	}
	s.Address = "unix:path=" + dbus.EscapeBusAddressValue(socket)
	s.Env = []string{
		"DBUS_SESSION_BUS_ADDRESS=" + s.Address,
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"),
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+confPath, "--nofork", "--print-address=1")
	cmd.Env = s.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	bus, err := s.start(cmd, stderr)
	if err != nil {
		return fail(fmt.Errorf("start dbus-daemon: %w", err))
	}
	s.bus = bus
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = bufio.NewReader(stdout).WriteTo(discard{}) // keep the pipe drained
	}()
	select {
	case l, ok := <-line:
		if !ok || !strings.HasPrefix(l, "unix:") {
			return fail(fmt.Errorf("dbus-daemon did not print its address: %s", stderr.String()))
		}
	case <-time.After(startTimeout):
		return fail(errors.New("dbus-daemon did not start in time"))
	}
	return s, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// keyringProgramName is what the session's gnome-keyring-daemon runs as: a
// symbolic link to it in the session's directory, so that its process name
// (comm and argv[0]) is its own, and whatever ends a person's leftover
// keyring daemons by name (pkill gnome-keyring-daemon) leaves a test's
// alone.
const keyringProgramName = "latchkey-test-keyring"

func (s *Session) startKeyring() error {
	prog := filepath.Join(s.Dir, keyringProgramName)
	if _, err := os.Lstat(prog); err != nil {
		target, err := exec.LookPath("gnome-keyring-daemon")
		if err != nil {
			return fmt.Errorf("keyringtest: %w", err)
		}
		if err := os.Symlink(target, prog); err != nil {
			return fmt.Errorf("keyringtest: %w", err)
		}
	}
	// --foreground keeps the daemon our child (in our process group) instead
	// of double-forking away from Close; --unlock reads the password on stdin
	// and creates the login keyring with it.
	cmd := exec.Command(prog, "--foreground", "--unlock", "--components=secrets")
	cmd.Env = s.Environ()
	cmd.Stdin = strings.NewReader(Password)
	out := &syncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	d, err := s.start(cmd, out)
	if err != nil {
		return fmt.Errorf("keyringtest: start gnome-keyring-daemon: %w", err)
	}
	s.mu.Lock()
	s.keyrng = d
	s.mu.Unlock()
	go s.watchKeyring(d)
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		if d.ended() {
			return fmt.Errorf("keyringtest: gnome-keyring-daemon ended while starting; its output: %s", out.String())
		}
		locked, err := s.Locked()
		if err == nil && !locked {
			return nil
		}
		if err == nil {
			last = errors.New("login collection is still locked")
		} else {
			last = err
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("keyringtest: gnome-keyring-daemon did not answer on the private bus: %v; its output: %s", last, out.String())
}

// watchKeyring waits for the keyring daemon d to end and, unless the
// session ended it, starts a new one on the same bus and data (at most
// maxRestarts times); start has already reported the end.
func (s *Session) watchKeyring(d *daemon) {
	<-d.done
	s.restarting.Lock()
	defer s.restarting.Unlock()
	s.mu.Lock()
	if d.killed || s.closing || s.keyrng != d || s.restarts >= maxRestarts || s.bus.ended() {
		// Ended on purpose, superseded, given up on, or its bus is gone
		// (a keyring without its bus cannot work).
		s.mu.Unlock()
		return
	}
	s.restarts++
	pause := min(time.Duration(s.restarts-1)*100*time.Millisecond, time.Second)
	s.mu.Unlock()
	time.Sleep(pause)
	msg := "keyringtest: gnome-keyring-daemon started again"
	if err := s.startKeyring(); err != nil {
		msg = "keyringtest: starting gnome-keyring-daemon again failed: " + err.Error()
	}
	s.mu.Lock()
	closing := s.closing // then the failure is Close's doing
	if !closing {
		s.problems = append(s.problems, msg)
	}
	s.mu.Unlock()
	if !closing {
		fmt.Fprintln(os.Stderr, msg)
	}
}

// RestartKeyring kills the session's gnome-keyring-daemon and starts a new
// one on the same bus and data (its login keyring unlocked again), as
// happens when a desktop's keyring daemon crashes and is started again:
// sessions and objects of the old one are gone.
func (s *Session) RestartKeyring() error {
	s.restarting.Lock()
	defer s.restarting.Unlock()
	s.mu.Lock()
	old := s.keyrng
	if old != nil {
		old.killed = true
	}
	s.mu.Unlock()
	if old == nil {
		return errors.New("keyringtest: this session has no keyring")
	}
	if !old.ended() {
		_ = syscall.Kill(-old.pid(), syscall.SIGKILL)
	}
	<-old.done
	return s.startKeyring()
}

// start starts cmd in its own process group, with SIGKILL as its parent-death
// signal, and waits for it in the background; out is where its output goes.
//
// The kernel sends the parent-death signal when the thread that forked the
// child ends, not the process (prctl(2), PR_SET_PDEATHSIG), and the Go
// runtime ends a thread whenever a goroutine locked to it returns. So the
// daemon is forked from a goroutine locked to its thread that then blocks
// in Wait for the daemon's whole life: no other goroutine can run on that
// thread and end it meanwhile.
func (s *Session) start(cmd *exec.Cmd, out *syncBuffer) (*daemon, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Locked only for the daemon's life: a goroutine that returned
		// locked would end its thread, and with it, through their own
		// parent-death signals, any processes that other code had
		// forked from that thread before.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		s.mu.Lock()
		unexpected := !d.killed && !s.closing
		name := filepath.Base(cmd.Path)
		if name == keyringProgramName {
			name = "gnome-keyring-daemon"
		}
		msg := fmt.Sprintf("keyringtest: %s (pid %d) ended unexpectedly: %v; its output: %q",
			name, d.pid(), err, out.String())
		if unexpected {
			s.problems = append(s.problems, msg)
		}
		s.mu.Unlock()
		if unexpected {
			fmt.Fprintln(os.Stderr, msg)
		}
		close(d.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.closing { // closed meanwhile (a restart racing Close)
		d.killed = true
		s.mu.Unlock()
		_ = syscall.Kill(-d.pid(), syscall.SIGKILL)
		<-d.done
		return nil, errors.New("keyringtest: the session was closed")
	}
	s.procs = append(s.procs, d)
	s.mu.Unlock()
	return d, nil
}

// Close kills every process the session started (their whole process
// groups) and removes Dir. It is safe to call more than once.
func (s *Session) Close() {
	s.mu.Lock()
	s.closing = true
	procs := s.procs
	s.procs = nil
	for _, p := range procs {
		p.killed = true
	}
	s.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if !p.ended() { // an ended one's pid may belong to another process now
			_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		}
		<-p.done
	}
	// A restart under way sees closing and gives up; wait for it, so that
	// nothing writes into Dir after it is removed.
	s.restarting.Lock()
	s.restarting.Unlock()
	if s.Dir != "" {
		_ = os.RemoveAll(s.Dir)
	}
}

// Environ returns os.Environ() with Env applied and any display removed, so
// that no child can show (or wait for) a prompt.
func (s *Session) Environ() []string {
	return mergeEnv(os.Environ(), s.Env, "DISPLAY", "WAYLAND_DISPLAY")
}

// NoBusEnv returns an environment with no session bus: no
// DBUS_SESSION_BUS_ADDRESS, no display, and XDG_RUNTIME_DIR pointing to an
// empty directory.
func (s *Session) NoBusEnv() []string {
	return mergeEnv(os.Environ(), []string{"XDG_RUNTIME_DIR=" + filepath.Join(s.Dir, "nobus")},
		"DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY")
}

func mergeEnv(base, set []string, remove ...string) []string {
	drop := map[string]bool{}
	for _, r := range remove {
		drop[r] = true
	}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	var out []string
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// Setenv applies Env to this process (and unsets DISPLAY and
// WAYLAND_DISPLAY) so that in-process go-keyring uses the private bus.
// restore puts the previous values back.
func (s *Session) Setenv() (restore func()) {
	type saved struct {
		val string
		ok  bool
	}
	prev := map[string]saved{}
	apply := func(k, v string, unset bool) {
		if _, done := prev[k]; !done {
			old, ok := os.LookupEnv(k)
			prev[k] = saved{old, ok}
		}
		if unset {
			_ = os.Unsetenv(k)
		} else {
			_ = os.Setenv(k, v)
		}
	}
	for _, kv := range s.Env {
		k, v, _ := strings.Cut(kv, "=")
		apply(k, v, false)
	}
	apply("DISPLAY", "", true)
	apply("WAYLAND_DISPLAY", "", true)
	return func() {
		for k, v := range prev {
			if v.ok {
				_ = os.Setenv(k, v.val)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}
}

// connect opens a private connection to the session's bus, bounded by ctx.
func (s *Session) connect(ctx context.Context) (*dbus.Conn, error) {
	return dbus.Connect(s.Address, dbus.WithContext(ctx))
}

func (s *Session) withConn(f func(ctx context.Context, c *dbus.Conn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := s.connect(ctx)
	if err != nil {
		return fmt.Errorf("keyringtest: connect to private bus: %w", err)
	}
	defer c.Close()
	// A connection's first call to gnome-keyring-daemon must be one that
	// cannot abort it (see greet in package secretstore): OpenSession or
	// Properties.Get sent first kill it about once in a thousand
	// connections, and Lock or Unlock sent first may find no collection.
	// Its error, if any, shows again in f's calls.
	_ = c.Object(secretsName, secretsPath).CallWithContext(ctx, serviceIface+".SearchItems",
		dbus.FlagNoAutoStart, map[string]string{"latchkey-greeting": "1"}).Err
	return f(ctx, c)
}

// Locked reports whether the default collection is locked.
func (s *Session) Locked() (bool, error) {
	var locked bool
	err := s.withConn(func(ctx context.Context, c *dbus.Conn) error {
		var v dbus.Variant
		err := c.Object(secretsName, defaultCollection).CallWithContext(ctx,
			"org.freedesktop.DBus.Properties.Get", dbus.FlagNoAutoStart, collectionIface, "Locked").Store(&v)
		if err != nil {
			return err
		}
		b, ok := v.Value().(bool)
		if !ok {
			return fmt.Errorf("keyringtest: Locked is a %s", v.Signature())
		}
		locked = b
		return nil
	})
	return locked, err
}

// Lock locks the default ("login") collection.
func (s *Session) Lock() error {
	return s.withConn(func(ctx context.Context, c *dbus.Conn) error {
		var locked []dbus.ObjectPath
		var prompt dbus.ObjectPath
		err := c.Object(secretsName, secretsPath).CallWithContext(ctx, serviceIface+".Lock", 0,
			[]dbus.ObjectPath{defaultCollection}).Store(&locked, &prompt)
		if err != nil {
			return fmt.Errorf("keyringtest: lock: %w", err)
		}
		if prompt != "/" {
			return errors.New("keyringtest: lock asked for a prompt")
		}
		return nil
	})
}

// Unlock unlocks the default collection with password, without a prompt,
// through gnome-keyring's internal master-password interface.
func (s *Session) Unlock(password string) error {
	return s.withConn(func(ctx context.Context, c *dbus.Conn) error {
		svc := c.Object(secretsName, secretsPath)
		var out dbus.Variant
		var session dbus.ObjectPath
		if err := svc.CallWithContext(ctx, serviceIface+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
			return fmt.Errorf("keyringtest: open session: %w", err)
		}
		defer c.Object(secretsName, session).CallWithContext(ctx, "org.freedesktop.Secret.Session.Close", 0)
		secret := struct {
			Session     dbus.ObjectPath
			Parameters  []byte
			Value       []byte
			ContentType string
		}{session, []byte{}, []byte(password), "text/plain"}
		if err := svc.CallWithContext(ctx, gnomeInternalIface+".UnlockWithMasterPassword", 0, defaultCollection, secret).Err; err != nil {
			return fmt.Errorf("keyringtest: unlock: %w", err)
		}
		return nil
	})
}

// Usernames lists the "username" attribute of every item stored for
// service, without reading any secret.
func (s *Session) Usernames(service string) ([]string, error) {
	var names []string
	err := s.withConn(func(ctx context.Context, c *dbus.Conn) error {
		_, users, err := serviceItems(ctx, c, service)
		names = users
		return err
	})
	return names, err
}

// Forget deletes the items of service whose username match accepts, so a
// test can leave the shared keyring as it found it.
func (s *Session) Forget(service string, match func(username string) bool) error {
	return s.withConn(func(ctx context.Context, c *dbus.Conn) error {
		items, users, err := serviceItems(ctx, c, service)
		for i, item := range items {
			if err != nil || !match(users[i]) {
				continue
			}
			var prompt dbus.ObjectPath
			if derr := c.Object(secretsName, item).CallWithContext(ctx, itemIface+".Delete", 0).Store(&prompt); derr != nil {
				err = fmt.Errorf("keyringtest: delete %s: %w", item, derr)
			}
		}
		return err
	})
}

// serviceItems lists the items of service and their usernames.
func serviceItems(ctx context.Context, c *dbus.Conn, service string) ([]dbus.ObjectPath, []string, error) {
	var unlocked, locked []dbus.ObjectPath
	if err := c.Object(secretsName, secretsPath).CallWithContext(ctx, serviceIface+".SearchItems", 0,
		map[string]string{"service": service}).Store(&unlocked, &locked); err != nil {
		return nil, nil, fmt.Errorf("keyringtest: search: %w", err)
	}
	items := append(unlocked, locked...)
	users := make([]string, len(items))
	for i, item := range items {
		var v dbus.Variant
		if err := c.Object(secretsName, item).CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0,
			itemIface, "Attributes").Store(&v); err != nil {
			return nil, nil, fmt.Errorf("keyringtest: attributes of %s: %w", item, err)
		}
		attrs, _ := v.Value().(map[string]string)
		users[i] = attrs["username"]
	}
	return items, users, nil
}

// Lookup reads an item the way a person would, with
// `secret-tool lookup service SERVICE username KEY`.
func (s *Session) Lookup(service, key string) (string, bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", "lookup", "service", service, "username", key)
	cmd.Env = s.Environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1 && stderr.Len() == 0 && stdout.Len() == 0:
		return "", false, nil
	default:
		return "", false, fmt.Errorf("keyringtest: secret-tool lookup %q: %v: %s", key, err, strings.TrimSpace(stderr.String()))
	}
}

// Store writes an item with `secret-tool store`, the value on stdin.
func (s *Session) Store(service, key, value string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", "store", "--label=keyringtest "+key, "service", service, "username", key)
	cmd.Env = s.Environ()
	cmd.Stdin = strings.NewReader(value)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("keyringtest: secret-tool store %q: %v: %s", key, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
