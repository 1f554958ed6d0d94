// Command credtool reads and writes the Windows Credential Manager directly
// (CredEnumerateW, CredReadW, CredWriteW, CredDeleteW), for tests that run
// Latchkey under Wine and want a reader independent of Latchkey, as
// secret-tool is on Linux. Secrets go through stdin and stdout only.
//
// Usage:
//
//	credtool list PREFIX     one line per generic credential whose target
//	                         starts with PREFIX: TARGET<TAB>BLOB-SIZE, sorted
//	credtool get TARGET      the credential's blob on stdout
//	credtool set TARGET      store stdin as the credential's blob, as
//	                         go-keyring does but without its size check
//	credtool delete TARGET   delete the credential
//
// Exit status 1 with the system's message on stderr when a call fails; 3
// when get or delete finds no such credential.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/danieljoos/wincred"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: credtool list PREFIX | get TARGET | set TARGET | delete TARGET")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "credtool:", err)
		if errors.Is(err, syscall.Errno(1168)) { // ERROR_NOT_FOUND
			os.Exit(3)
		}
		os.Exit(1)
	}
}

// list is wincred.List, tried again when Wine's CredEnumerateW fails
// with ERROR_KEY_DELETED: Wine keeps credentials as registry keys, and
// its enumeration now and then meets a key that a Latchkey process that
// has already exited deleted (seen once in about ten runs, right after a
// rotation deleted a refresh token's old chunks). A second enumeration
// does not meet it. Real Windows does not keep credentials in the
// registry.
func list() ([]*wincred.Credential, error) {
	var err error
	for range 5 {
		var creds []*wincred.Credential
		if creds, err = wincred.List(); !errors.Is(err, syscall.Errno(1018)) {
			return creds, err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, err
}

func run(verb, arg string) error {
	switch verb {
	case "list":
		creds, err := list()
		if err != nil {
			return err
		}
		var lines []string
		for _, c := range creds {
			if strings.HasPrefix(c.TargetName, arg) {
				lines = append(lines, fmt.Sprintf("%s\t%d", c.TargetName, len(c.CredentialBlob)))
			}
		}
		slices.Sort(lines)
		for _, l := range lines {
			fmt.Println(l)
		}
		return nil
	case "get":
		c, err := wincred.GetGenericCredential(arg)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(c.CredentialBlob)
		return err
	case "set":
		blob, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		c := wincred.NewGenericCredential(arg)
		_, c.UserName, _ = strings.Cut(arg, ":")
		c.CredentialBlob = blob
		if err := c.Write(); err != nil {
			return fmt.Errorf("write %d bytes: %w", len(blob), err)
		}
		return nil
	case "delete":
		c, err := wincred.GetGenericCredential(arg)
		if err != nil {
			return err
		}
		return c.Delete()
	}
	return fmt.Errorf("unknown command %q", verb)
}
