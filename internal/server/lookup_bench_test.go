package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/config"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/server"
	"github.com/iamd-dev/iamd/internal/sigv4"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

// dataDirWithEntities makes a data directory as iamd serve does (master key, database, default account with the
// harness's root key), then adds n IAM users with IDs to the default account in one transaction.
func dataDirWithEntities(b *testing.B, n int) string {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(b.TempDir(), "data")
	cfg.RootAccessKeyID, cfg.RootSecretAccessKey = rootKeyID, rootSecret
	srv, err := server.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	srv.Close()
	st, err := sqlite.Open(ctx, cfg.DatabasePath())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	created := time.Now().UTC()
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := range n {
			name := fmt.Sprintf("user%06d", i)
			e := &store.Entity{Account: account, Kind: iam.KindUser, Name: name, Path: "/", ID: fmt.Sprintf("AIDA%017d", i),
				ARN: "arn:aws:iam::" + account + ":user/" + name, Created: created, Data: []byte(`{"name":"` + name + `"}`)}
			if err := tx.Insert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return cfg.DataDir
}

// BenchmarkLookupUnknownAccessKey: STS GetCallerIdentity signed with an access key ID that iamd does not know — a
// new one each time, as an attacker would send them — over HTTP/1.1 keep-alive on loopback to a real iamd whose
// default account holds entities=N IAM users besides its root key. iamd looks the key ID up before it can check
// the signature and answers 403 InvalidClientTokenId; the cost must not grow with N (the lookup uses the index on
// entity IDs, and a not-found is never a reason to scan).
func BenchmarkLookupUnknownAccessKey(b *testing.B) {
	const body = "Action=GetCallerIdentity&Version=2011-06-15"
	for _, n := range []int{0, 5000, 50000} {
		b.Run(fmt.Sprintf("entities=%d/key=unknown/op=sts.GetCallerIdentity", n), func(b *testing.B) {
			dir := dataDirWithEntities(b, n)
			s := startServer(b, func(c *config.Config) { c.DataDir = dir })
			client := &http.Client{}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				creds := sigv4.Credentials{AccessKeyID: fmt.Sprintf("AKIAUNKNOWN%09d", i), SecretAccessKey: rootSecret}
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				sigv4.Sign(req, []byte(body), creds, "us-east-1", "sts", time.Now())
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusForbidden {
					b.Fatalf("status %d, want 403", resp.StatusCode)
				}
			}
		})
	}
}
