package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/iamd-dev/iamd/internal/audit/logfile"
)

const eventsVerifyUsage = `Usage:
  iamd events verify [--public-key FILE] DIR

Checks the log files and digests that "iamd events export" wrote to DIR, as "aws cloudtrail validate-logs" checks a
trail's bucket: per account and Region it walks the digest chain back from the newest digest, checking each
digest's signature and its link to the next, and each log file's SHA-256. It also reports a log file that no
digest names and a digest that no chain reaches. Problems go to standard error, naming the file; the summary to
standard output. Exits 0 when every file is valid, 1 otherwise.

The public keys are read from --public-key (PEM, "RSA PUBLIC KEY" or "PUBLIC KEY" blocks), or else from
DIR/` + logfile.PublicKeyDir + `. A key from DIR itself proves nothing against whoever could rewrite DIR: keep a copy of
the key elsewhere and pass it with --public-key.

`

// runEventsVerify verifies an export's directory.
func runEventsVerify(ctx context.Context, s stdio, args []string) int {
	fset := newFlagSet("iamd events verify", eventsVerifyUsage, s.stderr)
	keyFile := fset.String("public-key", "", "PEM file of the digest public key(s)")
	pos, code, ok := parseFlags(fset, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(fset, "want one DIR, got %q", pos)
	}
	dir := pos[0]
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		fmt.Fprintf(s.stderr, "iamd events verify: %s is not a directory\n", dir)
		return exitUsage
	}
	keys, err := verifyKeys(dir, *keyFile)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events verify: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(s.stdout, "Validating log files in %s\n\n", dir)
	rep, err := logfile.Verify(os.DirFS(dir), keys)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd events verify: %v\n", err)
		return exitUsage
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(s.stderr, "%s\t%s\tINVALID: %s\n\n", p.Kind, filepath.Join(dir, filepath.FromSlash(p.Object)), p.Message)
	}
	rep.WriteSummary(s.stdout)
	if !rep.OK() {
		return exitFail
	}
	return exitOK
}

// verifyKeys reads the public keys from file, or else from the export's key directory.
func verifyKeys(dir, file string) (map[string]*rsa.PublicKey, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		keys, err := logfile.ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		return keys, nil
	}
	keys := map[string]*rsa.PublicKey{}
	entries, err := os.ReadDir(filepath.Join(dir, logfile.PublicKeyDir))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		b, err := fs.ReadFile(os.DirFS(dir), logfile.PublicKeyDir+"/"+e.Name())
		if err != nil {
			return nil, err
		}
		ks, err := logfile.ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		for fp, k := range ks {
			keys[fp] = k
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no public key: none in %s and no --public-key", filepath.Join(dir, logfile.PublicKeyDir))
	}
	return keys, nil
}
