package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ with the current output")

// result is what one run of iamd did.
type result struct {
	code           int
	stdout, stderr string
}

// runIamd runs iamd with args, the environment env and stdin, as main would.
func runIamd(t *testing.T, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	var in io.Reader = strings.NewReader(stdin)
	code := run(context.Background(), args, getenv, in, &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

func TestCommandsAndUsage(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stdout string // a substring of standard output
		stderr string // a substring of standard error
	}{
		{name: "no command is a usage error", args: nil, code: exitUsage, stderr: "Usage:"},
		{name: "an unknown command is a usage error", args: []string{"serve-coffee"}, code: exitUsage, stderr: `unknown command "serve-coffee"`},
		{name: "help prints usage to standard output", args: []string{"help"}, code: exitOK, stdout: "iamd policy simulate"},
		{name: "version prints the version and the AWS data's date", args: []string{"version"}, code: exitOK, stdout: "iamd dev\nAWS data 20"},
		{name: "version reads the AWS data from --aws-data", args: []string{"version", "--aws-data", "../../catalog/awsdata"}, code: exitOK, stdout: "(from ../../catalog/awsdata)"},
		{name: "IAMD_AWS_DATA is --aws-data's twin", args: []string{"version"}, env: map[string]string{envAWSData: "testdata/no-such-dir"}, code: exitUsage, stderr: "loading AWS data from testdata/no-such-dir"},
		{name: "--aws-data wins over IAMD_AWS_DATA", args: []string{"version", "--aws-data", "../../catalog/awsdata"}, env: map[string]string{envAWSData: "testdata/no-such-dir"}, code: exitOK, stdout: "AWS data"},
		{name: "version -h prints its usage and succeeds", args: []string{"version", "-h"}, code: exitOK, stderr: "Usage: iamd version"},
		{name: "version takes no arguments", args: []string{"version", "extra"}, code: exitUsage, stderr: `unexpected argument "extra"`},
		{name: "policy without a subcommand is a usage error", args: []string{"policy"}, code: exitUsage, stderr: "iamd policy validate"},
		{name: "an unknown policy subcommand is a usage error", args: []string{"policy", "lint"}, code: exitUsage, stderr: `unknown command "lint"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runIamd(t, c.env, "", c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, c.stdout) {
				t.Errorf("stdout %q does not contain %q", r.stdout, c.stdout)
			}
			if !strings.Contains(r.stderr, c.stderr) {
				t.Errorf("stderr %q does not contain %q", r.stderr, c.stderr)
			}
		})
	}
}

func TestParseFlagsAcceptsFlagsAnywhere(t *testing.T) {
	cases := []struct {
		name string
		args []string
		pos  []string
		out  string
	}{
		{"flags before files", []string{"--output", "json", "a", "b"}, []string{"a", "b"}, "json"},
		{"flags after files", []string{"a", "--output=json", "b"}, []string{"a", "b"}, "json"},
		{"- is a file", []string{"-", "--output", "json"}, []string{"-"}, "json"},
		{"-- ends the flags", []string{"a", "--", "--output", "b"}, []string{"a", "--output", "b"}, "text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newFlagSet("t", "", io.Discard)
			out := fs.String("output", "text", "")
			pos, _, ok := parseFlags(fs, c.args)
			if !ok || strings.Join(pos, " ") != strings.Join(c.pos, " ") || *out != c.out {
				t.Errorf("got %q output=%s ok=%v, want %q output=%s", pos, *out, ok, c.pos, c.out)
			}
		})
	}
}
