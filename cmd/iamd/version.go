package main

import (
	"context"
	"fmt"
)

const versionUsage = `Usage: iamd version [--aws-data DIR]

Prints iamd's version and the date of the AWS authorization data it uses.

`

func runVersion(_ context.Context, s stdio, args []string) int {
	fs := newFlagSet("iamd version", versionUsage, s.stderr)
	awsData := awsDataFlag(fs, s.getenv)
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected argument %q", pos[0])
	}
	cat, from, err := loadCatalog(*awsData)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(s.stdout, "iamd %s\nAWS data %s (%s)\n", version, cat.DataDate(), from)
	return exitOK
}
