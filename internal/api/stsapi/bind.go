package stsapi

import (
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/sts"
)

// Binding is the STS API as iamd serves it: the operations sts.Service has, and NotImplemented for the others.
type Binding struct {
	UnimplementedSTS
	*sts.Service
}

// A method of sts.Service named after an operation of STS but with another signature than the operation's makes
// Binding fail to implement STS, and this line fail to compile.
var _ STS = Binding{}

// Bind returns the STS operations that svc runs; with a nil svc, every operation answers NotImplemented.
func Bind(svc *sts.Service) []dispatch.QueryOperation {
	if svc == nil {
		return Operations(UnimplementedSTS{}, nil)
	}
	return Operations(Binding{Service: svc}, svc)
}
