package server

import (
	"testing"

	"github.com/iamd-dev/iamd/catalog"
	"github.com/iamd-dev/iamd/internal/audit"
)

// TestReadOnlyJudgesAsTheCatalog: the trail's readOnly answers, from its map of the served services' actions, what
// the AWS service data says of each action (List and Read only read), in any case; and judges an operation the
// data lacks, or a service not served (a decision API data event's), by the data or by its name, as before.
func TestReadOnlyJudgesAsTheCatalog(t *testing.T) {
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	served := []string{"iam", "sts", "organizations", "cloudtrail", "access-analyzer"}
	readOnly := readOnlyFrom(cat, served)
	byData := func(service, operation string) bool {
		if a, ok := cat.Action(service, operation); ok {
			return a.AccessLevel == catalog.AccessList || a.AccessLevel == catalog.AccessRead
		}
		return audit.ReadOnlyByName(operation)
	}
	n := 0
	for _, name := range served {
		s, ok := cat.Service(name)
		if !ok {
			t.Fatalf("the service data has no %s", name)
		}
		for _, a := range s.Actions {
			for _, op := range []string{a.Name, a.Name, "x" + a.Name} { // asked twice: judged, then from the map
				if got, want := readOnly(name, op), byData(name, op); got != want {
					t.Errorf("%s:%s: readOnly %v, the data says %v", name, op, got, want)
				}
				n++
			}
		}
	}
	for _, c := range []struct {
		service, operation string
		want               bool
	}{
		{"iam", "PutUserPolicy", false}, {"iam", "GetUser", true}, {"iam", "getuser", true}, {"IAM", "ListUsers", true},
		{"iam", "GetMadeUpThing", true}, {"iam", "MadeUpChange", false}, {"s3", "GetObject", true}, {"s3", "PutObject", false},
		{"iamd", "Authorize", false}, {"signin", "ConsoleLogin", false},
	} {
		if got := readOnly(c.service, c.operation); got != c.want || got != byData(c.service, c.operation) {
			t.Errorf("%s:%s: readOnly %v, want %v", c.service, c.operation, got, c.want)
		}
	}
	if nilCat := readOnlyFrom(nil, served); nilCat("iam", "GetUser") != true || nilCat("iam", "PutUserPolicy") != false {
		t.Error("without service data, operations are not judged by their names")
	}
	t.Logf("%d actions of %d services", n/3, len(served))
}

// BenchmarkReadOnly: the trail's readOnly of an IAM write, from the map of the served services' actions
// (judge=map), and from the service data's lookup as before (judge=catalog).
func BenchmarkReadOnly(b *testing.B) {
	cat, err := catalog.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name   string
		served []string
	}{{"judge=map", []string{"iam"}}, {"judge=catalog", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			readOnly := readOnlyFrom(cat, bc.served)
			readOnly("iam", "PutUserPolicy")
			b.ReportAllocs()
			for b.Loop() {
				if readOnly("iam", "PutUserPolicy") {
					b.Fatal("PutUserPolicy reads only")
				}
			}
		})
	}
}
