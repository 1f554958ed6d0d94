// Command latchkey connects accounts through the browser, keeps their
// tokens in the OS keychain and hands fresh access tokens to local
// programs. It is pure Go (no Fyne, no cgo) so it runs on any server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"

	"github.com/latchkey/latchkey/accounts"
	"github.com/latchkey/latchkey/accounts/safetext"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	oneShotRuntime(os.Args[1:])
	accounts.HardenProcess()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	usage   string // the full help, with examples
	run     func(ctx context.Context, env *cli, c *command, args []string) error
}

// cli is what every command gets: its output streams and the accounts.
type cli struct {
	stdout, stderr io.Writer
	svc            *accounts.Service
}

// commands lists every command in the order --help shows them. It is filled
// in init because the help command reads it (a package-level initializer
// would be an initialization cycle).
var commands []command

func init() {
	commands = []command{
		connectCommand, listCommand, showCommand, tokenCommand,
		scopesCommand, grantCommand, reduceCommand, revokeCommand, removeCommand,
		logCommand, approvalCommand, setupCommand, checkCommand, hooksCommand, proxyCommand,
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		fmt.Fprint(stdout, mainHelp())
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	name := args[0]
	if name == "help" {
		name = args[1]
		args = []string{name, "--help"}
	}
	if name == "version" || name == "--version" {
		printVersion(stdout, stderr)
		return 0
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		hooks := &hookReports{}
		svc, err := accounts.Open(accounts.Options{OnHook: hooks.add})
		if err != nil {
			return report(stderr, err)
		}
		err = c.run(ctx, &cli{stdout: stdout, stderr: stderr, svc: svc}, &c, args[1:])
		defer hooks.wait(svc, stdout, stderr)
		if errors.Is(err, errHelpShown) {
			return 0
		}
		if err != nil {
			return report(stderr, err)
		}
		return 0
	}
	fmt.Fprintf(stderr, "latchkey: unknown command %q\nRun `latchkey --help` to see the commands.\n", name)
	return exitUsage
}

func mainHelp() string {
	s := `latchkey connects your mail and calendar accounts once, in your own browser,
keeps their tokens in the OS keychain, and hands fresh access tokens to mail
clients and scripts.

Usage:
  latchkey COMMAND [ARGUMENTS] [FLAGS]

Commands:
`
	for _, c := range commands {
		s += fmt.Sprintf("  %-9s %s\n", c.name, c.summary)
	}
	s += `  version   Print the version

Run "latchkey help COMMAND" (or COMMAND --help) for a command's flags and examples.

Examples:
` + connectExample() + `  latchkey list                           see connected accounts and their state
  latchkey token alice@contoso.com        print a fresh access token
  latchkey setup msmtp alice@contoso.com  print an msmtp configuration that uses it
  latchkey log                            see which programs took tokens
` + exitCodesHelp
	return s
}

// printVersion prints the version and which app registration each
// built-in provider signs in with: config.toml's, the build's default or
// none yet.
func printVersion(stdout, stderr io.Writer) {
	fmt.Fprintln(stdout, "latchkey", version)
	dir, err := accounts.ConfigDir()
	var cfg *accounts.Config
	if err == nil {
		cfg, err = accounts.LoadConfig(dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "latchkey: cannot tell which app registrations are in use: %s\n", safetext.Line(err.Error()))
		return
	}
	fmt.Fprintln(stdout, "App registrations (client_id in config.toml or --client-id overrides the built-in default):")
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, r := range cfg.Registrations() {
		what := r.Source + "\t" + safetext.Line(r.ClientID)
		if r.Source == accounts.RegistrationNone {
			what = "none\t`latchkey connect " + r.Provider + "` explains how to register your own app"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Provider, r.Cloud, what)
	}
	tw.Flush()
}
