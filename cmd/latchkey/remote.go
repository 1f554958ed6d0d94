package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/oauthflow"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// stdin is where --paste reads the pasted address: the terminal or a pipe,
// never the command line, which other local users can read.
var stdin io.Reader = os.Stdin

// remoteFlags are the ways to sign in with a browser on another computer:
// a fixed loopback port for an SSH tunnel (--port), or pasting back the
// address the browser ended on (--paste).
type remoteFlags struct {
	port  int
	paste bool
}

func (f *remoteFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.port, "port", 0, "")
	fs.BoolVar(&f.paste, "paste", false, "")
}

// chosen reports whether the person chose how to sign in remotely.
func (f *remoteFlags) chosen() bool { return f.port != 0 || f.paste }

func (f *remoteFlags) check(command string) error {
	if f.port < 0 || f.port > 65535 {
		return usagef(command, "--port takes a TCP port from 1 to 65535, e.g. --port 8400")
	}
	return nil
}

// apply sets up req for the chosen mode, with what to tell the person
// on out (stderr).
func (f *remoteFlags) apply(req *accounts.ConnectRequest, out io.Writer, timeout time.Duration) {
	req.Port = f.port
	onURL := req.OnURL
	switch {
	case f.paste:
		req.Paste = stdin
		req.NoBrowser = true
		req.OnURL = func(u string) { printPasteURL(out, u, timeout) }
		req.OnPasteRefused = func(err error) {
			fmt.Fprintf(out, "latchkey: %s\n", safetext.Line(err.Error()))
			if !errors.Is(err, oauthflow.ErrPasteEnded) {
				fmt.Fprintln(out, "Paste the whole address from the browser's address bar and press Enter:")
			}
		}
	case f.port != 0:
		req.NoBrowser = true
		req.OnURL = func(u string) {
			p := strconv.Itoa(f.port)
			fmt.Fprintf(out, "Listening on 127.0.0.1:%s. If you are on this computer over SSH, forward that port from yours first:\n\n  ssh -L %s:127.0.0.1:%s THIS-COMPUTER\n\n", p, p, p)
			if onURL != nil {
				onURL(u)
			}
		}
	}
}

// printPasteURL tells the person how the paste-back sign-in goes.
func printPasteURL(out io.Writer, u string, timeout time.Duration) {
	fmt.Fprintf(out, "Open this address in a browser on any computer and sign in:\n\n  %s\n\n"+
		"The browser then fails to load a page at 127.0.0.1 or localhost: that is expected.\n"+
		"Copy the whole address from its address bar, paste it here and press Enter\n"+
		"(up to %s; Ctrl-C cancels):\n", safetext.Line(u), timeout)
}
