// Command iamd is AWS IAM as open-source software. This package is wiring only: it parses the command line and
// calls the packages that do the work. Each subcommand is in a file of its own.
//
//	iamd serve [--listen ADDR] [--data DIR] [...]
//	iamd version [--aws-data DIR]
//	iamd policy validate [--type TYPE] [--output text|json] [--aws-data DIR] FILE...
//	iamd policy simulate --cli-input-json FILE [--output json|text] [--no-paginate] [--aws-data DIR]
//	iamd analyze validate|check-no-new-access|check-access-not-granted|check-no-public-access [flags] FILE...
//	iamd analyze --git RANGE [flags]
//	iamd account create --id ACCOUNT_ID [--data DIR] [--access-key-id ID --secret-access-key SECRET]
//	iamd clock advance DURATION [--data DIR]
//	iamd events export --out DIR [--data DIR] [--bucket NAME] [--region REGION] [--settle DURATION]
//	iamd events verify [--public-key FILE] DIR
//	iamd events tail [--data DIR] [--follow] [-n N] [--since DURATION] [filters]
//	iamd export [--data DIR | --store URL] -o FILE
//	iamd import [--data DIR | --store URL] FILE
//	iamd backup [--data DIR] -o FILE
//	iamd migrate [--data DIR | --store URL]
//	iamd keys rotate [--data DIR] [--master-key-file FILE] [--new-master-key-file FILE] [--data-key] [--finish]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is the release version, set when building: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK    = 0 // done; for validate, no error-level finding
	exitFail  = 1 // the command ran and the answer is no: an invalid policy, an error from the operation
	exitUsage = 2 // the command could not run: bad usage, an unreadable file, unloadable AWS data
)

// envAWSData is the environment twin of the --aws-data flag.
const envAWSData = "IAMD_AWS_DATA"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// stdio is what a command reads and writes besides its arguments.
type stdio struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

const usage = `iamd is AWS IAM as open-source software.

Usage:
  iamd serve [--listen 127.0.0.1:4566] [--data ./iamd-data] [--account-id ID] [--tls-cert F --tls-key F]
  iamd version [--aws-data DIR]
  iamd policy validate [--type TYPE] [--output text|json] [--aws-data DIR] FILE...
  iamd policy simulate --cli-input-json FILE [--output json|text] [--no-paginate] [--aws-data DIR]
  iamd analyze validate|check-no-new-access|check-access-not-granted|check-no-public-access [flags] FILE...
  iamd analyze --git RANGE [--include GLOB] [--actions A,B] [--output text|json|sarif] [--fail-on LEVEL]
  iamd account create --id ACCOUNT_ID [--data DIR] [--access-key-id ID --secret-access-key SECRET]
  iamd clock advance DURATION [--data DIR]
  iamd events export --out DIR [--data DIR] [--bucket NAME] [--region REGION] [--settle DURATION]
  iamd events verify [--public-key FILE] DIR
  iamd events tail [--data DIR] [--follow] [-n N] [--since DURATION] [--username NAME] [--errors-only] [...]
  iamd export [--data DIR | --store URL] -o FILE
  iamd import [--data DIR | --store URL] FILE
  iamd backup [--data DIR] -o FILE
  iamd migrate [--data DIR | --store URL]
  iamd keys rotate [--data DIR] [--master-key-file FILE] [--new-master-key-file FILE] [--data-key] [--finish]

--aws-data DIR (or IAMD_AWS_DATA) reads the AWS authorization data from DIR instead of the copy built in.
--master-key-file FILE (or IAMD_MASTER_KEY_FILE, or the key itself in IAMD_MASTER_KEY) gives the master key that
opens the data keys in the database; by default master.key in the data directory.
Run "iamd COMMAND -h" for a command's flags.
`

// run runs iamd with the given arguments (without the program name) and returns the exit code. getenv reads the
// environment, as os.Getenv does.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := stdio{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, s, args[1:])
	case "version":
		return runVersion(ctx, s, args[1:])
	case "policy":
		return runPolicy(ctx, s, args[1:])
	case "analyze":
		return runAnalyze(ctx, s, args[1:])
	case "account":
		return runAccount(ctx, s, args[1:])
	case "clock":
		return runClock(ctx, s, args[1:])
	case "events":
		return runEvents(ctx, s, args[1:])
	case "export":
		return runExport(ctx, s, args[1:])
	case "import":
		return runImport(ctx, s, args[1:])
	case "backup":
		return runBackup(ctx, s, args[1:])
	case "keys":
		return runKeys(ctx, s, args[1:])
	case "migrate":
		return runMigrate(ctx, s, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "iamd: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

// command runs one subcommand with the arguments after its name and returns the exit code.
type command func(ctx context.Context, s stdio, args []string) int

// runSubcommand runs the subcommand of name (e.g. "iamd policy") that args[0] names, prints usage for help, and
// answers a missing or unknown subcommand with the usage and exitUsage.
func runSubcommand(ctx context.Context, s stdio, name, usage string, args []string, commands map[string]command) int {
	if len(args) == 0 {
		fmt.Fprint(s.stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(s.stdout, usage)
		return exitOK
	}
	if run, ok := commands[args[0]]; ok {
		return run(ctx, s, args[1:])
	}
	fmt.Fprintf(s.stderr, "%s: unknown command %q\n\n%s", name, args[0], usage)
	return exitUsage
}

// newFlagSet returns a flag set that reports errors to stderr and prints usageText (then the flags) for -h.
func newFlagSet(name, usageText string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args with fs, allowing flags after positional arguments ("FILE --output json") as well as
// before; "--" ends the flags. It returns the positional arguments, or the exit code to end with: 0 for -h, 2 for
// a usage error (already reported by fs).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, false
			}
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if consumed := args[:len(args)-len(rest)]; len(consumed) > 0 && consumed[len(consumed)-1] == "--" {
			return append(pos, rest...), 0, true
		}
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports a usage error of a flag set and returns exitUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) int {
	fmt.Fprintf(fs.Output(), "%s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}
