package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"log/slog"
	"strings"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/secret"
	"github.com/iamd-dev/iamd/internal/server"
)

// envNewMasterKey gives the new master key itself to "iamd keys rotate", as IAMD_MASTER_KEY gives the current one.
const envNewMasterKey = "IAMD_NEW_MASTER_KEY"

const keysUsage = `Usage:
  iamd keys rotate [--data DIR] [--master-key-file FILE] [--new-master-key-file FILE] [--data-key] [--finish]

Secrets in the database are sealed with data keys; the database keeps the data keys wrapped by the master key
(--master-key-file, IAMD_MASTER_KEY, or master.key in DIR), which each node is given and the database never
holds. "iamd keys rotate" changes them in one transaction, beside running servers, without downtime:

  --new-master-key-file FILE (or ` + envNewMasterKey + `, base64 of 32 bytes)
      wraps the data keys by the new master key as well as the current one: nodes given either start, and nodes
      that run go on serving. FILE is created with a new random key (mode 0600) when it does not exist. Restart
      every node with the new key, then run --finish with it.
  --finish
      keeps only the master key given (the new one with --new-master-key-file, else the current one): nodes given
      the old key no longer start.
  --data-key
      adds a new data key that seals new secrets; secrets sealed before keep opening with their data key. Every
      node opens the new key's secrets at once and seals with it from its next start.

The current master key must open the data keys. Prints the master key IDs (fingerprints, not keys) and the data
keys. A data directory from before data keys is migrated first, as "iamd serve" does.

`

// runKeys runs "iamd keys SUBCOMMAND".
func runKeys(ctx context.Context, s stdio, args []string) int {
	return runSubcommand(ctx, s, "iamd keys", keysUsage, args, map[string]command{
		"rotate": runKeysRotate,
	})
}

// runKeysRotate rotates the master key or the data keys of the data directory.
func runKeysRotate(ctx context.Context, s stdio, args []string) int {
	cfg := config.Default()
	if v := s.getenv("IAMD_DATA"); v != "" {
		cfg.DataDir = v
	}
	var rot server.KeyRotation
	var newKeyFile string
	fs := newFlagSet("iamd keys rotate", keysUsage, s.stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (env IAMD_DATA)")
	cfg.AddMasterKeyFlags(fs, s.getenv)
	fs.StringVar(&newKeyFile, "new-master-key-file", "", "file of the new master key (created when it does not exist); or give the key in "+envNewMasterKey)
	fs.BoolVar(&rot.DataKey, "data-key", false, "add a new data key that seals new secrets")
	fs.BoolVar(&rot.Finish, "finish", false, "keep only the master key given (the new one, else the current one)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected arguments: %q", pos)
	}
	if cfg.DataDir == "" {
		return usageError(fs, "--data must not be empty")
	}
	if err := cfg.Validate(); err != nil {
		return usageError(fs, "%v", err)
	}
	newKeyEnv := s.getenv(envNewMasterKey)
	if newKeyEnv != "" && newKeyFile != "" {
		return usageError(fs, "give --new-master-key-file or %s, not both", envNewMasterKey)
	}
	if newKeyEnv == "" && newKeyFile == "" && !rot.DataKey && !rot.Finish {
		return usageError(fs, "give --new-master-key-file (or %s), --data-key or --finish", envNewMasterKey)
	}
	created := false
	switch {
	case newKeyEnv != "":
		c := config.Config{MasterKey: newKeyEnv}
		key, err := c.MasterKeyFromEnv()
		if err != nil {
			return usageError(fs, "%s", strings.ReplaceAll(err.Error(), config.EnvMasterKey, envNewMasterKey))
		}
		rot.NewMasterKey = key
	case newKeyFile != "":
		key, err := secret.ReadKey(newKeyFile)
		if errors.Is(err, iofs.ErrNotExist) {
			key, created = secret.NewKey(), true
			err = secret.WriteKey(newKeyFile, key)
		}
		if err != nil {
			fmt.Fprintf(s.stderr, "iamd keys rotate: new master key: %v\n", err)
			return exitFail
		}
		rot.NewMasterKey = key
	}
	res, err := server.RotateKeys(ctx, cfg, rot, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd keys rotate: %v\n", err)
		return exitFail
	}
	if created {
		fmt.Fprintf(s.stdout, "new master key %s written to %s (mode 0600)\n", res.New, newKeyFile)
	}
	if rot.NewMasterKey != nil {
		fmt.Fprintf(s.stdout, "data keys wrapped by the new master key %s\n", res.New)
	}
	if res.AddedDataKey {
		fmt.Fprintf(s.stdout, "data key %d added: it seals new secrets\n", res.ActiveDataKey)
	}
	for _, id := range res.Removed {
		fmt.Fprintf(s.stdout, "master key %s removed: nodes given it no longer start\n", id)
	}
	fmt.Fprintf(s.stdout, "master keys: %s\ndata keys: %d (active: %d)\n", strings.Join(res.MasterKeyIDs, " "), res.DataKeys, res.ActiveDataKey)
	if rot.NewMasterKey != nil && !rot.Finish && len(res.MasterKeyIDs) > 1 {
		next := "iamd keys rotate --data " + cfg.DataDir + " --finish --master-key-file " + newKeyFile
		if newKeyFile == "" {
			next = config.EnvMasterKey + "=NEW-KEY iamd keys rotate --data " + cfg.DataDir + " --finish"
		}
		fmt.Fprintf(s.stdout, "next: restart every node with the new master key, then run: %s\n", next)
	}
	return exitOK
}
