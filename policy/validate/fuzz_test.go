package validate

import (
	"context"
	"testing"
)

// FuzzValidate checks that Validate never panics, whatever the document, and that every finding is well formed:
// a known check, its type and link, and spans inside the document. It is seeded with the corpus and golden
// policies.
func FuzzValidate(f *testing.F) {
	for _, c := range loadCorpus(f) {
		f.Add(c.document(), uint8(0))
		f.Add(c.document(), uint8(1))
	}
	f.Add(`{"Statement":[{"Sid":"é","Resource":"arn:aws:s3:::${","Condition":{"IpAddress":{"aws:SourceIp":"::1/0"}}}]}`, uint8(2))
	c := cat(f)
	types := []Options{
		{PolicyType: IdentityPolicy}, {PolicyType: ResourcePolicy}, {PolicyType: ServiceControlPolicy},
		{PolicyType: ResourceControlPolicy}, {PolicyType: ResourcePolicy, ResourceType: ResourceRoleTrustPolicy},
		{PolicyType: ResourcePolicy, ResourceType: ResourceS3Bucket},
	}
	f.Fuzz(func(t *testing.T, doc string, which uint8) {
		opts := types[int(which)%len(types)]
		opts.Catalog = c
		got, err := Validate(context.Background(), doc, opts)
		if err != nil {
			if len(doc) <= maxDocument {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, fd := range got {
			checkFinding(t, doc, fd)
		}
	})
}
