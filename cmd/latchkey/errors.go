package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// Exit codes, documented in the README and in --help. Scripts branch on them.
const (
	exitFailure        = 1  // something unexpected
	exitUsage          = 2  // wrong command line
	exitUnknownAccount = 3  // no such account, or the name is ambiguous
	exitNeedsReconnect = 4  // the provider refused the saved sign-in
	exitKeychain       = 5  // the OS keychain is missing, locked or not answering
	exitUnreachable    = 6  // the provider could not be reached; nothing changed
	exitSignIn         = 7  // the browser sign-in did not complete or was refused
	exitConfig         = 8  // config.toml or the app registration is missing or wrong
	exitSignInTimeout  = 9  // nobody finished signing in before the deadline
	exitBusy           = 10 // another latchkey process holds the account and does not finish
	exitStorage        = 11 // the account index, config.toml or access log could not be read or written
	exitProvider       = 12 // the provider answered with something unusable
	exitUnknownClient  = 13 // setup has no configuration for that client
	exitNoMailServers  = 14 // setup does not know the account's mail servers
	exitOtherPerson    = 15 // another person signed in with a connected account's address; nothing changed
	exitDenied         = 16 // the person refused the program a token (approval)
	exitNoApproval     = 17 // approval is on and nobody could be asked, or nobody answered in time
	exitCheckFailed    = 18 // latchkey check: a part (IMAP, SMTP, profile) failed; or hooks try: the hook failed
	exitProxyListen    = 19 // the proxy cannot listen: the port is taken or not allowed
	exitInterrupted    = 130
)

const exitCodesHelp = `
Exit codes:
  0 success            5 keychain unavailable   10 account busy (lock held)
  1 unexpected error   6 provider unreachable   11 file read/write error
  2 usage error        7 sign-in failed         12 unusable provider answer
  3 unknown account    8 configuration problem  13 unknown setup client
  4 needs reconnect    9 sign-in timed out      14 mail servers unknown
                                                15 another person signed in
                                                16 program refused a token
                                                17 no app answered to allow it
                                                18 check (or hooks try) failed
                                                19 proxy cannot listen on a port
                                                130 interrupted
`

// errHelpShown ends a command that printed its help on request.
var errHelpShown = errors.New("help shown")

// usageError is a wrong command line.
type usageError struct{ msg, command string }

func (e *usageError) Error() string { return e.msg }

func usagef(command, format string, a ...any) error {
	return &usageError{msg: fmt.Sprintf(format, a...), command: command}
}

// report prints err as what happened and what to do next, and returns its
// exit code. This is the one place where the command's errors become
// plain language.
func report(w io.Writer, err error) int {
	code, hint := classify(err)
	// Errors quote names, addresses and provider text: one line, escaped.
	fmt.Fprintf(w, "latchkey: %s\n", safetext.Line(err.Error()))
	if hint != "" {
		fmt.Fprintln(w, strings.TrimRight(hint, "\n"))
	}
	return code
}

func classify(err error) (int, string) {
	var (
		usage     *usageError
		noClient  *accounts.NoClientError
		reconnect *accounts.ReconnectError
		consent   *accounts.AdminConsentError
		refused   *accounts.RefusedError
		mismatch  *accounts.IdentityMismatchError
	)
	var (
		listen     *listenError
		check      *checkFailedError
		hookFailed *hookFailedError
	)
	switch {
	case errors.As(err, &listen):
		return exitProxyListen, "Another program (perhaps another latchkey proxy) uses that port. Stop it, or choose another port,\n" +
			"e.g. " + listen.flag + " 0 to let the system choose (--json says which). Nothing is being served."
	case errors.As(err, &hookFailed):
		return exitCheckFailed, "Fix the hook's command under [hooks] in config.toml, then try it again with `latchkey hooks try`."
	case errors.As(err, &check):
		return exitCheckFailed, "Each failing part above says why and what to do; run the check again afterwards."
	case errors.As(err, &consent):
		code, _ := classify(consent.Err)
		return code, "Your organization decides which apps may use your account. Send this link to your IT department;\n" +
			"an administrator who opens it can approve Latchkey for everyone in the organization:\n\n  " + consent.URL +
			"\n\nOnce they have, connect again. Nothing was changed on this computer."
	case errors.As(err, &refused):
		return exitUsage, fmt.Sprintf("See what each provider offers with `latchkey scopes %s`.", refused.Provider)
	case errors.Is(err, accounts.ErrAdminConsent):
		return exitSignIn, "Your organization decides which apps may use your account: ask your IT department to approve Latchkey,\n" +
			"then connect again. Nothing was changed on this computer."
	case errors.Is(err, accounts.ErrRevoking):
		return exitNeedsReconnect, "Run `latchkey revoke` on the account again to finish taking its access back."
	case errors.As(err, &usage):
		return exitUsage, fmt.Sprintf("Run `latchkey help %s` for its flags and examples.", usage.command)
	case errors.Is(err, context.Canceled):
		return exitInterrupted, "Interrupted; nothing was changed."
	case errors.As(err, &noClient):
		return exitConfig, noClient.Help
	case errors.As(err, &reconnect):
		provider, _, _ := strings.Cut(reconnect.Account, ":")
		return exitNeedsReconnect, fmt.Sprintf("Sign in again with `latchkey connect %s`; the account keeps its place and settings.", provider)
	case errors.Is(err, accounts.ErrNeedsReconnect):
		return exitNeedsReconnect, "Sign in again with `latchkey connect PROVIDER`; the account keeps its place and settings."
	case errors.Is(err, errUnknownClient):
		return exitUnknownClient, "See the clients with `latchkey setup --help`."
	case errors.Is(err, accounts.ErrNoMailServers):
		return exitNoMailServers, "Example: latchkey setup msmtp ACCOUNT --imap-host imap.example.org --smtp-host smtp.example.org:587"
	case errors.Is(err, accounts.ErrApprovalDenied):
		return exitDenied, "You (or a decision you kept) refused this program a token. To be asked again, remove the kept decision:\n" +
			"`latchkey approval list ACCOUNT` shows them, `latchkey approval forget ACCOUNT PATH` removes one."
	case errors.Is(err, accounts.ErrApprovalUnavailable):
		return exitNoApproval, "Approval is on for this account: a program you have not allowed needs your OK in the Latchkey desktop app.\n" +
			"Start the app (latchkey-tray) and run the command again, answering within --approval-timeout (default 60s);\n" +
			"or turn asking off with `latchkey approval off ACCOUNT`. No token was handed out."
	case errors.Is(err, accounts.ErrProxyPassword):
		return exitUsage, "See the proxy passwords with `latchkey proxy clients ACCOUNT`; make a new one with\n" +
			"`latchkey proxy password ACCOUNT --client NAME`."
	case errors.Is(err, accounts.ErrUsage):
		return exitUsage, "Run `latchkey --help` for the commands and their flags."
	case errors.Is(err, accounts.ErrUnknownAccount):
		return exitUnknownAccount, "See the connected accounts with `latchkey list`, or connect one with `latchkey connect PROVIDER`."
	case errors.Is(err, accounts.ErrKeychain):
		return exitKeychain, "Latchkey keeps tokens only in the OS keychain, never in a file, so it cannot go on without it.\n" +
			"Unlock the keychain (on Linux: log in to your desktop session, or unlock \"Login\" in Passwords and Keys),\n" +
			"or start a Secret Service such as gnome-keyring or KeePassXC, then try again. Nothing was lost."
	case errors.Is(err, accounts.ErrProviderUnreachable):
		return exitUnreachable, "Check the network connection and try again; the saved sign-in is unchanged."
	case errors.Is(err, accounts.ErrSignInTimeout):
		return exitSignInTimeout, "Run the command again and finish signing in within the time limit (--timeout)."
	case errors.As(err, &mismatch):
		provider, _, _ := strings.Cut(mismatch.Account, ":")
		if !mismatch.CanReplace { // adding or reducing permissions
			return exitOtherPerson, fmt.Sprintf("Nothing was saved for the account that signed in now. Sign in again as the person %s belongs to;\n"+
				"to connect the other one instead, run `latchkey connect %s --replace`.", mismatch.Account, provider)
		}
		return exitOtherPerson, fmt.Sprintf("%s keeps working as before. To connect the account that signed in now in its place, run the same\n"+
			"`latchkey connect %s` command again with --replace, or remove the old one first (`latchkey remove %s`).", mismatch.Account, provider, mismatch.Account)
	case errors.Is(err, accounts.ErrSignIn):
		return exitSignIn, "Nothing was saved. Try again; if it keeps failing, check the app registration's redirect URI and permissions."
	case errors.Is(err, accounts.ErrConfig):
		return exitConfig, "Fix the configuration and try again."
	case errors.Is(err, accounts.ErrBusy):
		return exitBusy, "Another latchkey process is renewing this account. Try again in a moment."
	case errors.Is(err, accounts.ErrStorage):
		return exitStorage, "Check that the file or folder named above is yours, writable and not full, then try again\n" +
			"(the account index is in the config dir: LATCHKEY_CONFIG_DIR, else ~/.config/latchkey; the access log in the state dir: see `latchkey help log`)."
	case errors.Is(err, accounts.ErrProvider):
		return exitProvider, "The saved sign-in is unchanged. If this persists, the provider may be having trouble."
	}
	return exitFailure, ""
}
