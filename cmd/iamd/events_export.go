package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/audit/logfile"
	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/store"
)

const eventsExportUsage = `Usage:
  iamd events export --out DIR [--data DIR] [--bucket NAME] [--region REGION] [--settle DURATION]

Writes the audit trail of the data directory to DIR as CloudTrail delivers a trail to S3 (DIR stands for the
bucket): gzip'd log files {"Records": [...]} at
  AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
and, for every hour, with or without log files, a digest file that names the hour's log files with their SHA-256,
links to the previous digest and is signed (SHA256withRSA) at
  AWSLogs/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_REGION_iamd_HOMEREGION_YYYYMMDDTHHmmssZ.json.gz
CloudTrail keeps a digest's signature in S3 object metadata; here it is in the file of the digest's name + ".sig",
the JSON object {"signature": HEX, "signature-algorithm": "SHA256withRSA"}. The public keys go to
DIR/` + logfile.PublicKeyDir + `/FINGERPRINT.pem; the signing key is made once and kept in the database, sealed with
a data key. An hour is exported once it ended --settle ago. The export is incremental: DIR/` + logfile.StateFile + `
keeps its place, and the next export continues the files and the digest chain. It runs beside a running server.
Events are stamped with the server's clock: for a server run with --clock-offset, give the export the same offset.

`

// runEventsExport exports the trail of the data directory.
func runEventsExport(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	if v := s.getenv("IAMD_REGION"); v != "" {
		cfg.Region = v
	}
	cfg.ClockOffset = s.getenv("IAMD_CLOCK_OFFSET")
	o := logfile.Options{Bucket: logfile.DefaultBucket, Settle: logfile.DefaultSettle}
	fs := newFlagSet("iamd events export", eventsExportUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	fs.StringVar(&o.Dir, "out", "", "output directory (it stands for the bucket)")
	fs.StringVar(&o.Bucket, "bucket", o.Bucket, "bucket name the log files and digests name")
	fs.StringVar(&cfg.Region, "region", cfg.Region, "the trail's home Region, in digest file names (env IAMD_REGION)")
	fs.DurationVar(&o.Settle, "settle", o.Settle, "export an hour once it ended this long ago")
	fs.StringVar(&cfg.ClockOffset, "clock-offset", cfg.ClockOffset, "the clock offset of the server that recorded the events, e.g. 90d (env IAMD_CLOCK_OFFSET)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	if o.Dir == "" {
		return usageError(fs, "--out is required")
	}
	if o.Settle <= 0 {
		return usageError(fs, "--settle must be positive")
	}
	o.HomeRegion = cfg.Region
	offset, err := cfg.ClockOffsetDuration()
	if err != nil {
		return usageError(fs, "--clock-offset: %v", err)
	}
	o.Now = func() time.Time { return time.Now().Add(offset) }
	st, box, err := server.OpenData(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events export: %v\n", err)
		return exitFail
	}
	defer st.Close()
	if o.Signer, err = audit.DigestSigningKey(ctx, st, box, o.Now()); err != nil {
		fmt.Fprintf(s.stderr, "iamd events export: %v\n", err)
		return exitFail
	}
	err = st.View(ctx, func(ctx context.Context, r store.Reader) error {
		o.PublicKeys, err = audit.DigestPublicKeys(ctx, r)
		return err
	})
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events export: %v\n", err)
		return exitFail
	}
	res, err := logfile.Export(ctx, st, o)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events export: %v\n", err)
		return exitFail
	}
	if res.Skipped > 0 {
		fmt.Fprintf(s.stderr, "iamd events export: left out %d events whose account is not a 12-digit account ID\n", res.Skipped)
	}
	until := "nothing yet"
	if !res.Until.IsZero() {
		until = res.Until.Format(audit.TimeFormat)
	}
	fmt.Fprintf(s.stdout, "Exported %d events in %d log files and %d digest files to %s (digested until %s; key %s)\n",
		res.Events, len(res.LogFiles), len(res.Digests), o.Dir, until, o.Signer.Fingerprint())
	return exitOK
}
