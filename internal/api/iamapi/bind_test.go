package iamapi

import (
	"testing"

	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/iam"
)

// TestBindMarksTheDomainsOperationsImplemented: every operation is in the table; those *iam.Service has a method
// for are Implemented, with or without a service (a nil one implements none).
func TestBindMarksTheDomainsOperationsImplemented(t *testing.T) {
	ops := dispatch.Index(Operations(Binding{}, (*iam.Service)(nil)))
	if len(ops) < 150 {
		t.Fatalf("%d operations in the table", len(ops))
	}
	for _, name := range []string{"CreateUser", "DeleteUser", "GetAccountSummary", "ListUsers"} {
		if !ops[name].Implemented {
			t.Errorf("%s is not implemented", name)
		}
	}
	for name, o := range dispatch.Index(Bind(nil)) {
		if o.Implemented {
			t.Errorf("%s is implemented without a service", name)
		}
	}
}
