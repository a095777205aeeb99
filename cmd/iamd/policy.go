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
	return runSubcommand(ctx, s, "iamd policy", policyUsage, args, map[string]command{
		"validate": runPolicyValidate,
		"simulate": runPolicySimulate,
	})
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
