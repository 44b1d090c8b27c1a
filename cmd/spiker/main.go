// Command spiker runs and administers Spiker Perak: the server, database
// migrations and staff accounts. Run `spiker help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// command is one `spiker <name>` subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, io cmdIO, args []string) error
}

// cmdIO is a command's standard streams and environment.
type cmdIO struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            env
}

var commands []command

func init() {
	commands = []command{
		{"serve", "[flags]", "run the server (public portal and back office)", runServe},
		{"migrate", "[flags]", "bring the database schema up to date", runMigrate},
		{"user", "add --username NAME --role ROLE [--region CODE]", "create a staff account and print its one-time enrolment link", runUser},
		{"escrow", "init --holders \"A; B; C\" | recover ...", "set up the 2-of-3 escrow, or re-grant a record with two shares", runEscrow},
		{"audit", "verify [--anchor A] | anchor | list ...", "check the audit log (against an anchor), print an anchor, list who did what", runAudit},
		{"backup", "--out FILE", "copy the live SQLite database into one file (PostgreSQL: pg_dump)", runBackup},
		{"restore", "--from FILE [--force]", "put a backup in place as a stopped instance's database", runRestore},
		{"keys", "rotate --purpose PURPOSE", "add a new version of a server key (old ones stay readable)", runKeys},
		{"demo", "--reports N [--case-every K]", "fill a fresh instance with encrypted synthetic reports and cases", runDemo},
		{"bench", "[--iterations N] | --http URL [--concurrency N --requests N]", "measure the back office's reads on demo data, or drive a running instance over HTTP", runBench},
		{"version", "", "print the version", runVersion},
		{"help", "", "list the commands", runHelp},
	}
}

// errUsage marks errors in how a command was called; the exit code is 2.
var errUsage = errors.New("usage")

// run executes one command and returns the exit code. Every failure is one
// line on stderr, never a stack trace.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cio := cmdIO{stdin: stdin, stdout: stdout, stderr: stderr, env: getenv}
	if len(args) == 0 {
		runHelp(ctx, cio, nil)
		return 2
	}
	for _, c := range commands {
		if c.name == args[0] {
			err := c.run(ctx, cio, args[1:])
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				fmt.Fprintf(stderr, "spiker %s: %s\n", c.name, oneLine(strings.TrimPrefix(err.Error(), "usage: ")))
				return 2
			default:
				fmt.Fprintf(stderr, "spiker %s: %s\n", c.name, oneLine(err.Error()))
				return 1
			}
		}
	}
	fmt.Fprintf(stderr, "spiker: unknown command %q; run `spiker help` for the list\n", args[0])
	return 2
}

func runHelp(ctx context.Context, cio cmdIO, args []string) error {
	fmt.Fprintln(cio.stdout, "Spiker Perak: online reporting and case management for violence against women and children.")
	fmt.Fprintln(cio.stdout, "\nUsage: spiker <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(cio.stdout, "  %-8s %-50s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(cio.stdout, "\nRun `spiker <command> -h` for a command's flags. Every flag can also be set with its SPIKER_* variable.")
	return nil
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, cio cmdIO) *flag.FlagSet {
	fs := flag.NewFlagSet("spiker "+name, flag.ContinueOnError)
	fs.SetOutput(cio.stderr)
	return fs
}

// parseFlags parses args and turns a flag error into a usage error (the
// flag package has already printed the details).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// oneLine joins a message's lines (some driver errors have several) into one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// errReason returns the short reason of a file-system error ("permission
// denied") without repeating the path the caller already names.
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
