package catalog

import (
	"testing"
)

// BenchmarkEmbedded measures Embedded(): reading the embedded files,
// gunzipping the 11 MB service reference and splitting it into its 455
// services. No service or policy is decoded (that happens on first use).
func BenchmarkEmbedded(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Embedded(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmbeddedFirstUse measures what a fresh catalog costs before it can
// answer everything: Embedded(), then the first Action lookup (decodes s3),
// the first ConditionKey lookup (reads every service's ConditionKeys) and the
// first ManagedPolicy lookup (gunzips and decodes all policies).
func BenchmarkEmbeddedFirstUse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := Embedded()
		if err != nil {
			b.Fatal(err)
		}
		c.Action("s3", "GetObject")
		c.ConditionKey("aws:SourceIp")
		c.ManagedPolicy("AdministratorAccess")
	}
}

// BenchmarkServicesDecodeAll measures Embedded() followed by Services(),
// which decodes all 455 services.
func BenchmarkServicesDecodeAll(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c, err := Embedded()
		if err != nil {
			b.Fatal(err)
		}
		c.Services()
	}
}

// BenchmarkLoadDir measures the eager, fully checked load of the awsdata
// directory from disk.
func BenchmarkLoadDir(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadDir("awsdata"); err != nil {
			b.Fatal(err)
		}
	}
}

var actionLookups = []struct{ service, name string }{
	{"s3", "GetObject"},
	{"IAM", "passrole"},
	{"ec2", "DescribeInstances"},
	{"sts", "GetCallerIdentity"},
}

// BenchmarkAction measures Catalog.Action on already decoded services, half of
// the queries in non-canonical case. It must not allocate.
func BenchmarkAction(b *testing.B) {
	c := mustEmbedded(b)
	for _, q := range actionLookups {
		c.Action(q.service, q.name) // decode the services first
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q := actionLookups[i%len(actionLookups)]
		if _, ok := c.Action(q.service, q.name); !ok {
			b.Fatal(q)
		}
	}
}

// BenchmarkConditionKey measures ConditionKey on a built index: an exact name,
// a templated name, and a name that matches nothing.
func BenchmarkConditionKey(b *testing.B) {
	c := mustEmbedded(b)
	for _, q := range []string{"aws:SourceIp", "s3:ExistingObjectTag/team", "aws:NoSuchKey"} {
		b.Run(q, func(b *testing.B) {
			c.ConditionKey(q)
			b.ReportAllocs()
			for b.Loop() {
				c.ConditionKey(q)
			}
		})
	}
}

func TestActionLookupDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	c := mustEmbedded(t)
	for _, q := range actionLookups {
		c.Action(q.service, q.name)
		if n := testing.AllocsPerRun(100, func() { c.Action(q.service, q.name) }); n != 0 {
			t.Errorf("Action(%q, %q): %v allocations, want 0", q.service, q.name, n)
		}
	}
	for _, q := range []string{"aws:SourceIp", "AWS:REQUESTTAG/x", "s3:ExistingObjectTag/team"} {
		c.ConditionKey(q)
		if n := testing.AllocsPerRun(100, func() { c.ConditionKey(q) }); n != 0 {
			t.Errorf("ConditionKey(%q): %v allocations, want 0", q, n)
		}
	}
}
