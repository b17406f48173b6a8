// Command halo trains, evaluates and runs the HALO cross-view object geo-localisation
// model on CPU cores. Run "halo help" for the list of subcommands.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand. Each lives in its own file and registers itself in init.
type command struct {
	name    string
	summary string
	// run parses args with fs (already named after the command) and does the work.
	// Returning a usageError makes halo print the command's usage and exit 2.
	run func(fs *flag.FlagSet, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("halo: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError marks an error caused by how the command was called (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func main() {
	useLazyFree()
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain is main without the process exit, so tests can drive the CLI.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 {
			c, ok := commands[args[1]]
			if !ok {
				fmt.Fprintf(stderr, "halo: unknown command %q\n", args[1])
				printHelp(stderr)
				return 2
			}
			fs := newFlagSet(c, stderr)
			c.run(fs, []string{"-h"}) //nolint:errcheck // -h only prints usage
			return 0
		}
		printHelp(stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "halo: unknown command %q\n", name)
		printHelp(stderr)
		return 2
	}
	fs := newFlagSet(c, stderr)
	err := c.run(fs, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "halo %s: %v\n", name, err)
		fs.Usage()
		return 2
	}
	var fe flagError
	if errors.As(err, &fe) {
		// The flag package already printed the problem and the usage.
		return 2
	}
	fmt.Fprintf(stderr, "halo %s: %v\n", name, err)
	return 1
}

// flagError wraps an error returned by FlagSet.Parse.
type flagError struct{ err error }

func (e flagError) Error() string { return e.err.Error() }
func (e flagError) Unwrap() error { return e.err }

// parse parses args and turns parse failures into flagError (exit 2).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return flagError{err}
	}
	return nil
}

func newFlagSet(c *command, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("halo "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: halo %s [flags]\n  %s\n\nflags:\n", c.name, c.summary)
		fs.PrintDefaults()
	}
	return fs
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "halo: cross-view object geo-localisation (HALO) on CPU cores")
	fmt.Fprintln(w, "\nusage: halo <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"halo help <command>\" for a command's flags.")
}
