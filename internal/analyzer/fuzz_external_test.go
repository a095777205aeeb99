package analyzer

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	aatypes "github.com/iamd-dev/iamd/internal/apitypes/accessanalyzer"
	"github.com/iamd-dev/iamd/policy"
	"github.com/iamd-dev/iamd/reason"
)

// FuzzExternalAccess feeds the external-access detector arbitrary trust policies (seeded from
// testdata/external_access.json): it never panics, answers the same twice, and every finding is an ExternalAccess
// finding of the resource with one ExternalAccessDetails naming one principal.
func FuzzExternalAccess(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "external_access.json"))
	if err != nil {
		f.Fatal(err)
	}
	var cases []struct{ Policy json.RawMessage }
	if err := json.Unmarshal(b, &cases); err != nil {
		f.Fatal(err)
	}
	for _, c := range cases {
		f.Add(string(c.Policy))
	}
	f.Add(`{"Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"1"},"Action":"*"}}`)
	x := NewExternalAccess(reason.New(reason.Options{Budget: 20_000}), 2*time.Second)
	zone := Zone{OrgID: "o-abcdefghij", Accounts: []string{"111111111111", "222222222222"}}
	const arn = "arn:aws:iam::111111111111:role/r"
	f.Fuzz(func(t *testing.T, doc string) {
		ctx := context.Background()
		first, err := x.analyze(ctx, arn, "111111111111", aatypes.ResourceTypeAWSIAMRole, doc, policy.TypeTrust, zone)
		if err != nil {
			t.Fatal(err)
		}
		again, err := x.analyze(ctx, arn, "111111111111", aatypes.ResourceTypeAWSIAMRole, doc, policy.TypeTrust, zone)
		if err != nil || len(again) != len(first) {
			t.Fatalf("%d findings, then %d (%v)", len(first), len(again), err)
		}
		for i, d := range first {
			if d.Resource != arn || d.FindingType != aatypes.FindingTypeExternalAccess || len(d.Details) != 1 ||
				d.Details[0].ExternalAccessDetails == nil || len(d.Details[0].ExternalAccessDetails.Principal) != 1 || d.Key != again[i].Key {
				t.Fatalf("finding %+v", d)
			}
		}
	})
}

// FuzzResourceTypeOf: any string gets a resource type of Access Analyzer's form AWS::<service>::<type>.
func FuzzResourceTypeOf(f *testing.F) {
	for _, s := range []string{"arn:aws:sqs:us-east-1:111111111111:q", "arn:aws:s3:::b", "arn:aws:lambda:us-east-1:1:layer:l:1", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arn string) {
		if rt := string(ResourceTypeOf(arn)); !strings.HasPrefix(rt, "AWS::") || strings.Count(rt, "::") < 2 {
			t.Fatalf("%q: %q", arn, rt)
		}
	})
}
