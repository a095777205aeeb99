package main

import "context"

const eventsUsage = `Usage:
  iamd events export --out DIR [--data DIR] [--bucket NAME] [--region REGION] [--settle DURATION]
  iamd events verify [--public-key FILE] DIR

export writes the audit trail as CloudTrail log files and signed hourly digest files; verify checks them.
Run "iamd events COMMAND -h" for a command's flags.

`

// runEvents runs "iamd events SUBCOMMAND".
func runEvents(ctx context.Context, s stdio, args []string) int {
	return runSubcommand(ctx, s, "iamd events", eventsUsage, args, map[string]command{
		"export": runEventsExport,
		"verify": runEventsVerify,
	})
}
