package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/telemetry"
)

// runServe runs the server until the context ends (SIGINT or SIGTERM).
func runServe(ctx context.Context, s stdio, args []string) int {
	cfg, err := config.Parse("iamd serve", args, s.getenv, s.stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd serve: %v\n", err)
		return exitUsage
	}
	logger := telemetry.NewLogger(s.stderr, cfg.LogLevel, cfg.LogFormat)
	srv, err := server.New(ctx, cfg, logger, server.WithStdout(s.stdout))
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd serve: %v\n", err)
		return exitFail
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		fmt.Fprintf(s.stderr, "iamd serve: %v\n", err)
		return exitFail
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	endpoint := scheme + "://" + ln.Addr().String()
	if srv.Root.SecretAccessKey != "" && cfg.RootSecretAccessKey == "" {
		fmt.Fprintf(s.stdout, `iamd created the root access key of account %s. Its secret is shown only this once:

  export AWS_ACCESS_KEY_ID=%s
  export AWS_SECRET_ACCESS_KEY=%s
  export AWS_DEFAULT_REGION=%s
  export AWS_ENDPOINT_URL=%s

`, cfg.AccountID, srv.Root.AccessKeyID, srv.Root.SecretAccessKey, cfg.Region, endpoint)
	}
	logger.Info("iamd serving", "endpoint", endpoint, "account", cfg.AccountID, "root_access_key_id", srv.Root.AccessKeyID,
		"config", cfg.String(), "version", version)
	if err := srv.Run(ctx, ln); err != nil && !strings.Contains(err.Error(), "Server closed") {
		logger.Error("server stopped", "err", err)
		return exitFail
	}
	logger.Info("iamd stopped")
	return exitOK
}
