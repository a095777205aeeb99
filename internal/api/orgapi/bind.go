package orgapi

import (
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/org"
)

// Binding is the Organizations API as iamd serves it: the operations org.Service has, and NotImplemented for the others.
type Binding struct {
	UnimplementedOrganizations
	*org.Service
}

// A method of org.Service named after an operation of Organizations but with another signature than the operation's makes
// Binding fail to implement Organizations, and this line fail to compile.
var _ Organizations = Binding{}

// Bind returns the Organizations operations that svc runs; with a nil svc, every operation answers NotImplemented.
func Bind(svc *org.Service) []dispatch.Operation {
	if svc == nil {
		return Operations(UnimplementedOrganizations{}, nil)
	}
	return Operations(Binding{Service: svc}, svc)
}
