package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

const policyUsage = `Usage:
  iamd policy validate [--type TYPE] [--output text|json] [--aws-data DIR] FILE...
  iamd policy simulate --cli-input-json FILE [--output json|text] [--no-paginate] [--aws-data DIR]
`

// runPolicy dispatches "iamd policy SUBCOMMAND".
func runPolicy(ctx context.Context, s stdio, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(s.stderr, policyUsage)
		return exitUsage
	}
	switch args[0] {
	case "validate":
		return runPolicyValidate(ctx, s, args[1:])
	case "simulate":
		return runPolicySimulate(ctx, s, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(s.stdout, policyUsage)
		return exitOK
	}
	fmt.Fprintf(s.stderr, "iamd policy: unknown command %q\n\n%s", args[0], policyUsage)
	return exitUsage
}

// readInput reads a file named on the command line; "-" is standard input. It returns the name to use in messages.
func readInput(name string, stdin io.Reader) ([]byte, string, error) {
	if name == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, "", fmt.Errorf("reading standard input: %w", err)
		}
		return b, "<stdin>", nil
	}
	b, err := os.ReadFile(name)
	return b, name, err
}
