package catalog

import (
	"sync"
	"testing"
)

// A fresh lazily decoded catalog used from many goroutines at once gives every
// goroutine the same answers (run with -race).
func TestConcurrentFirstUseIsSafe(t *testing.T) {
	c, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	const workers = 8
	type result struct {
		action  *Action
		key     *ConditionKey
		tmpl    *ConditionKey
		policy  *ManagedPolicy
		s3      *Service
		nsvc    int
		npolicy int
		date    string
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := &results[w]
			// Vary the order so that each lazy path is entered first by someone.
			for i := range 4 {
				switch (w + i) % 4 {
				case 0:
					r.action, _ = c.Action("s3", "GetObject")
					r.s3, _ = c.Service("S3")
				case 1:
					r.key, _ = c.ConditionKey("aws:SourceIp")
					r.tmpl, _ = c.ConditionKey("s3:ExistingObjectTag/team")
				case 2:
					r.policy, _ = c.ManagedPolicy("AdministratorAccess")
					r.npolicy = len(c.ManagedPolicies())
					r.date = c.DataDate()
				case 3:
					r.nsvc = len(c.Services())
				}
			}
		})
	}
	wg.Wait()
	for w, r := range results {
		if r != results[0] {
			t.Errorf("worker %d saw %+v, worker 0 saw %+v", w, r, results[0])
		}
	}
	r := results[0]
	if r.action == nil || r.key == nil || r.tmpl == nil || r.policy == nil || r.s3 == nil ||
		r.nsvc != 455 || r.npolicy != 1594 || r.date != "2026-08-26" {
		t.Errorf("unexpected results %+v", r)
	}
}
