package iamapi

import (
	"github.com/iamd-dev/iamd/internal/api/dispatch"
	"github.com/iamd-dev/iamd/internal/iam"
)

// Binding is the IAM API as iamd serves it: the operations iam.Service has, and NotImplemented for the others.
type Binding struct {
	UnimplementedIAM
	*iam.Service
}

// A method of iam.Service named after an operation of IAM but with another signature than the operation's makes
// Binding fail to implement IAM, and this line fail to compile.
var _ IAM = Binding{}

// Bind returns the IAM operations that svc runs; with a nil svc, every operation answers NotImplemented.
func Bind(svc *iam.Service) []dispatch.QueryOperation {
	if svc == nil {
		return Operations(UnimplementedIAM{}, nil)
	}
	return Operations(Binding{Service: svc}, svc)
}
