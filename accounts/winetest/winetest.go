// Package winetest runs Latchkey's Windows programs on Linux under Wine, for
// tests: it finds Wine, prepares a Wine prefix (a private Windows user
// profile, registry and Credential Manager) once, cross-builds Windows
// programs and test binaries, and runs them in the prefix.
//
// Two gaps of Debian 12's Wine 8.0 are bridged here, for tests only:
//
//   - Go programs since Go 1.22 load ProcessPrng from bcryptprimitives.dll,
//     which Wine 8.0 lacks (later Wine versions and every supported Windows
//     have it), and die at start. Open builds a stand-in DLL from
//     testdata/bcryptprimitives.c with mingw-w64 and copies it into the
//     prefix's system32, the only directory Go loads it from.
//   - Go 1.26's os.RemoveAll deletes through FileDispositionInformationEx,
//     which Wine 8.0 answers with "Invalid function" (Windows 10 1607 and
//     later support it), and only falls back on the answers Windows gives.
//     Test binaries built by BuildTest import package deletefallback, which
//     makes Go use its fallback, so t.TempDir cleans up under Wine.
//
// The prefix is the one named by LATCHKEY_WINEPREFIX when set (make wine
// shares one between the test processes of a run, so that wineboot runs
// once), else a new one in a temporary directory that Close removes.
package winetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// EnableEnv is the environment variable that turns on the tests that run
// Windows programs under Wine (make wine sets it): they take a minute or
// two and need Wine and mingw-w64, so a plain go test skips them.
const EnableEnv = "LATCHKEY_WINE_TEST"

// PrefixEnv names a Wine prefix to use (and create if missing) instead of
// a temporary one.
const PrefixEnv = "LATCHKEY_WINEPREFIX"

// wineCandidates are where Wine's loader is: Debian's wine64 package puts
// nothing on PATH.
var wineCandidates = []string{"wine64", "wine", "/usr/lib/wine/wine64"}

// mingwCC is the C cross-compiler for 64-bit Windows (Debian's
// gcc-mingw-w64-x86-64).
const mingwCC = "x86_64-w64-mingw32-gcc"

// Skip skips tb unless EnableEnv is set and Wine and mingw-w64 are here,
// saying which is missing.
func Skip(tb skipper) {
	tb.Helper()
	if os.Getenv(EnableEnv) == "" {
		tb.Skip("Windows programs under Wine: set " + EnableEnv + "=1 (make wine does)")
	}
	if _, err := findWine(); err != nil {
		tb.Skip(err.Error())
	}
	if _, err := exec.LookPath(mingwCC); err != nil {
		tb.Skip("no " + mingwCC + " (Debian: gcc-mingw-w64-x86-64)")
	}
}

// skipper is what Skip needs of a *testing.T or *testing.B.
type skipper interface {
	Helper()
	Skip(args ...any)
}

func findWine() (string, error) {
	if p := os.Getenv("LATCHKEY_WINE"); p != "" {
		return p, nil
	}
	for _, c := range wineCandidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Wine (Debian: wine64, whose loader is /usr/lib/wine/wine64)")
}

// Prefix is a booted Wine prefix with the stand-in DLL installed.
type Prefix struct {
	// Dir is the prefix (WINEPREFIX).
	Dir  string
	wine string
	temp bool // Dir is ours alone: Close ends its wineserver and removes it
}

// Open returns the prefix named by PrefixEnv, or a new temporary one,
// booted (about 10 s the first time) and with the stand-in DLL in its
// system32. Concurrent Opens of the same prefix wait for each other.
func Open() (*Prefix, error) {
	wine, err := findWine()
	if err != nil {
		return nil, err
	}
	p := &Prefix{Dir: os.Getenv(PrefixEnv), wine: wine}
	if p.Dir == "" {
		if p.Dir, err = os.MkdirTemp("", "latchkey-wine-"); err != nil {
			return nil, err
		}
		p.temp = true
	}
	if p.Dir, err = filepath.Abs(p.Dir); err != nil {
		return nil, err
	}
	lock := flock.New(p.Dir + ".lock")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := lock.TryLockContext(ctx, 100*time.Millisecond); err != nil {
		return nil, fmt.Errorf("lock the Wine prefix %s: %w", p.Dir, err)
	}
	defer lock.Unlock()
	if err := p.boot(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// boot creates the prefix if wineboot has not, and installs the stand-in
// DLL if it is missing.
func (p *Prefix) boot() error {
	if _, err := os.Stat(filepath.Join(p.Dir, "system.reg")); err != nil {
		if err := os.MkdirAll(p.Dir, 0o700); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := p.runQuiet(p.Command(ctx, "wineboot", "-i")); err != nil {
			return fmt.Errorf("wineboot -i in %s: %w", p.Dir, err)
		}
		// wineboot returns before the prefix's registry is written.
		if err := p.runQuiet(p.serverCommand(ctx, "-w")); err != nil {
			return fmt.Errorf("wineserver -w: %w", err)
		}
	}
	if err := p.installDLL(); err != nil {
		return err
	}
	return p.warm()
}

// warm starts the prefix's wineserver and Wine's own services
// (services.exe, winedevice.exe, …) without the output pipes of the
// programs tests run: started by a test's program, they would inherit its
// pipes and keep them open after it ends, and Wait would wait for them.
// The server is kept 60 s after its last program, so that the programs of
// a test share it; a gap longer than that only costs a restart (a few
// seconds) and Wait's WaitDelay.
func (p *Prefix) warm() error {
	_ = p.serverCommand(context.Background(), "-p60").Run() // fails when one runs: fine
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.runQuiet(p.Command(ctx, "wineboot")); err != nil {
		return fmt.Errorf("start the Wine prefix's services: %w", err)
	}
	return nil
}

// installDLL builds the stand-in bcryptprimitives.dll into the prefix's
// system32 unless it is there.
func (p *Prefix) installDLL() error {
	dll := filepath.Join(p.Dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if _, err := os.Stat(dll); err == nil {
		return nil
	}
	src := filepath.Join(packageDir(), "testdata")
	tmp := dll + ".tmp"
	cc := exec.Command(mingwCC, "-shared", "-O2", "-o", tmp,
		filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def"), "-ladvapi32")
	if out, err := cc.CombinedOutput(); err != nil {
		return fmt.Errorf("build the stand-in bcryptprimitives.dll: %v\n%s", err, out)
	}
	return os.Rename(tmp, dll)
}

// wineserver is the wineserver beside the Wine loader.
func (p *Prefix) wineserver() string {
	dir := filepath.Dir(p.wine)
	for _, name := range []string{"wineserver", "wineserver64"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return filepath.Join(dir, name)
		}
	}
	if path, err := exec.LookPath("wineserver"); err == nil {
		return path
	}
	return "/usr/lib/wine/wineserver"
}

// serverCommand runs this prefix's wineserver with args.
func (p *Prefix) serverCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wineserver(), args...)
	cmd.Env = p.Env()
	return cmd
}

// runQuiet runs cmd with its output in a file rather than a pipe, which
// the Wine processes it leaves running would hold open, and returns the
// output with the error.
func (p *Prefix) runQuiet(cmd *exec.Cmd) error {
	f, err := os.CreateTemp("", "latchkey-wine-out-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(f.Name())
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

// Env is the environment of a program run in the prefix: this process's,
// less XDG_RUNTIME_DIR (a Linux path, which a Windows program would take
// for a path on its current drive), plus WINEPREFIX, Wine's messages off,
// and extra.
func (p *Prefix) Env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		switch name, _, _ := strings.Cut(kv, "="); name {
		case "XDG_RUNTIME_DIR", "WINEPREFIX", "WINEDEBUG", "WINEDLLOVERRIDES":
			continue
		}
		env = append(env, kv)
	}
	// mscoree and mshtml off: no dialog offering to install Mono or Gecko.
	env = append(env, "WINEPREFIX="+p.Dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=")
	return append(env, extra...)
}

// Command runs the Windows program exe (a Linux path, or a program of
// Wine's own such as "wineboot") with args in the prefix.
func (p *Prefix) Command(ctx context.Context, exe string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.wine, append([]string{exe}, args...)...)
	cmd.Env = p.Env()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// Argv is the command line that runs exe in the prefix, for callers that
// build their own exec.Cmd (with p.Env() as its environment).
func (p *Prefix) Argv(exe string) []string { return []string{p.wine, exe} }

// Close removes a temporary prefix after ending its wineserver; a shared
// one (PrefixEnv) stays for the other processes of the run.
func (p *Prefix) Close() error {
	if !p.temp {
		return nil
	}
	_ = p.serverCommand(context.Background(), "-k").Run()
	os.Remove(p.Dir + ".lock")
	return os.RemoveAll(p.Dir)
}

// WindowsPath is the Linux path path as Windows programs in a prefix see
// it: Wine maps the Linux root to drive Z:.
func WindowsPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return `Z:` + strings.ReplaceAll(abs, "/", `\`)
}

// Build cross-builds the main package pkg (a directory or import path) for
// 64-bit Windows without cgo into out, with extra go build arguments.
func Build(out, pkg string, args ...string) error {
	return goWindows(append(append([]string{"build", "-o", out}, args...), pkg)...)
}

// BuildTest cross-builds the test binary of package pkg for 64-bit Windows
// into out, with the wine build tag: test files tagged wine import
// deletefallback, which needs its link check off.
func BuildTest(out, pkg string) error {
	return goWindows("test", "-c", "-o", out, "-tags", "wine", "-ldflags=-checklinkname=0", pkg)
}

func goWindows(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out.Bytes())
	}
	return nil
}

// packageDir is this package's source directory, where testdata is.
func packageDir() string {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		return filepath.Dir(file)
	}
	panic("winetest: cannot find the package's source directory")
}
