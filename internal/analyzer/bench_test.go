package analyzer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/analyzer"
	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
	"github.com/iamd-dev/iamd/reason"
)

// benchRoles is AWS's default quota of roles per account (IAM and AWS STS quotas: 5,000 roles).
const benchRoles = 5000

// benchTrust is the trust policy of the i-th role of the benchmark's account: one in ten is trusted by an account
// outside the organization (a finding), one in ten by that account pinned to the organization with
// aws:PrincipalOrgID (decided by package reason: no finding), one in ten by a member account, and the rest by a
// service.
func benchTrust(i int) string {
	switch i % 10 {
	case 0:
		return trust(`{"AWS":"`+outsider+`"}`, "")
	case 1:
		return trust(`{"AWS":"`+outsider+`"}`, `{"StringEquals":{"aws:PrincipalOrgID":"`+orgID+`"}}`)
	case 2:
		return trust(`{"AWS":"arn:aws:iam::`+member+`:root"}`, "")
	}
	return trust(`{"Service":"lambda.amazonaws.com"}`, "")
}

func benchEnv(b *testing.B) (*sqlite.Store, func() *analyzer.Service) {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "iamd.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	err = st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := range benchRoles {
			name := fmt.Sprintf("role-%04d", i)
			arn := "arn:aws:iam::" + mgmt + ":role/" + name
			data, _ := json.Marshal(map[string]any{"name": name, "arn": arn, "path": "/", "trust": benchTrust(i)})
			if err := tx.Insert(ctx, &store.Entity{Account: mgmt, Kind: iam.KindRole, Name: name, Path: "/", ARN: arn, Data: data}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	checker := reason.New(reason.Options{})
	newService := func() *analyzer.Service {
		svc, err := analyzer.New(st, fakeIAM{}, analyzer.Options{Validator: listValidator{}, Checker: checker, Store: st, Orgs: fakeOrgs{},
			Region: "us-east-1", Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		return svc
	}
	return st, newService
}

func listAll(b *testing.B, svc *analyzer.Service, arn string) int {
	b.Helper()
	n := 0
	var token *string
	for {
		out, err := svc.ListFindings(context.Background(), callerIn(mgmt), &aatypes.ListFindingsRequest{AnalyzerArn: arn, NextToken: token, MaxResults: ptr(int32(1000))})
		if err != nil {
			b.Fatal(err)
		}
		n += len(out.Findings)
		if token = out.NextToken; token == nil {
			return n
		}
	}
}

// BenchmarkFindings: an organization analyzer's external-access findings for an account at AWS's quota of 5,000
// roles (500 trusted by an outside account, 500 by it pinned with aws:PrincipalOrgID, 500 by a member account,
// 3,500 by a service), read with ListFindings (1,000 a page):
//   - first-analysis: a new analyzer and a cold detector: every trust policy analyzed, 500 findings written;
//   - one-role-changed: a warm analyzer after one role's trust policy changed (its finding flips between ACTIVE and
//     RESOLVED): every role read, one analyzed, one finding written;
//   - unchanged: nothing changed since the last read: the findings read from the store alone.
func BenchmarkFindings(b *testing.B) {
	if testing.Short() {
		b.Skip("-short: the findings benchmark builds 5,000 roles")
	}
	ctx := context.Background()
	b.Run(fmt.Sprintf("roles=%d/first-analysis", benchRoles), func(b *testing.B) {
		_, newService := benchEnv(b)
		b.ReportAllocs()
		for b.Loop() {
			svc := newService()
			out, err := svc.CreateAnalyzer(ctx, callerIn(mgmt), &aatypes.CreateAnalyzerRequest{AnalyzerName: "org", Type: aatypes.TypeORGANIZATION})
			if err != nil {
				b.Fatal(err)
			}
			if n := listAll(b, svc, *out.Arn); n != benchRoles/10 {
				b.Fatalf("%d findings", n)
			}
			b.StopTimer()
			if err := svc.DeleteAnalyzer(ctx, callerIn(mgmt), &aatypes.DeleteAnalyzerRequest{AnalyzerName: "org"}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run(fmt.Sprintf("roles=%d/one-role-changed", benchRoles), func(b *testing.B) {
		st, newService := benchEnv(b)
		svc := newService()
		out, err := svc.CreateAnalyzer(ctx, callerIn(mgmt), &aatypes.CreateAnalyzerRequest{AnalyzerName: "org", Type: aatypes.TypeORGANIZATION})
		if err != nil {
			b.Fatal(err)
		}
		listAll(b, svc, *out.Arn)
		i := 0
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			i++
			doc := benchTrust(0)
			if i%2 == 1 {
				doc = benchTrust(1)
			}
			arn := "arn:aws:iam::" + mgmt + ":role/role-0000"
			data, _ := json.Marshal(map[string]any{"name": "role-0000", "arn": arn, "path": "/", "trust": doc})
			if err := st.Update(ctx, func(ctx context.Context, tx store.Tx) error {
				return tx.Update(ctx, &store.Entity{Account: mgmt, Kind: iam.KindRole, Name: "role-0000", Path: "/", ARN: arn, Data: data})
			}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			listAll(b, svc, *out.Arn)
		}
	})
	b.Run(fmt.Sprintf("roles=%d/unchanged", benchRoles), func(b *testing.B) {
		_, newService := benchEnv(b)
		svc := newService()
		out, err := svc.CreateAnalyzer(ctx, callerIn(mgmt), &aatypes.CreateAnalyzerRequest{AnalyzerName: "org", Type: aatypes.TypeORGANIZATION})
		if err != nil {
			b.Fatal(err)
		}
		listAll(b, svc, *out.Arn)
		b.ReportAllocs()
		for b.Loop() {
			listAll(b, svc, *out.Arn)
		}
	})
}
