package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlags returns a silent flag set for command c: parse prints c.usage
// on -h/--help and turns errors into usage errors.
func newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with flags and positionals in any order (the flag
// package stops at the first positional) and returns the positionals.
func parse(c *command, fs *flag.FlagSet, out io.Writer, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				fmt.Fprint(out, helpText(c.usage))
				return nil, errHelpShown
			}
			return nil, usagef(c.name, "%s %s", c.name, strings.TrimPrefix(err.Error(), "flag provided but not defined: "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// listFlag collects a repeatable flag (--scope A --scope B), also
// accepting space- or comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, " ") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		*l = append(*l, s)
	}
	return nil
}
