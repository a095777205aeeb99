package api

import (
	"net/http"

	"github.com/iamd-dev/iamd/internal/awserr"
)

// Admission bounds the requests iamd is reading or authenticating at once: the work anyone who can reach the port
// makes iamd do before it knows who is asking (reading a body, a key lookup, a signature, a password hash). A
// request that finds every slot taken is answered at once with 503 ServiceUnavailable, which the AWS SDKs retry,
// rather than queued; authenticated work and /healthz are not counted. A nil *Admission admits every request.
type Admission struct {
	slots chan struct{}
}

// NewAdmission returns an Admission of n slots (at least 1).
func NewAdmission(n int) *Admission {
	return &Admission{slots: make(chan struct{}, max(n, 1))}
}

// SetSlots changes the number of slots to n (at least 1). Call it before serving: requests admitted under the old
// number would give back their slots to the new one.
func (a *Admission) SetSlots(n int) { a.slots = make(chan struct{}, max(n, 1)) }

// InUse is how many slots are taken now (for metrics and tests).
func (a *Admission) InUse() int {
	if a == nil {
		return 0
	}
	return len(a.slots)
}

// enter takes a slot and returns the function that gives it back, or false when every slot is taken.
func (a *Admission) enter() (leave func(), ok bool) {
	if a == nil {
		return func() {}, true
	}
	select {
	case a.slots <- struct{}{}:
		return func() { <-a.slots }, true
	default:
		return nil, false
	}
}

// errBusy is AWS's common ServiceUnavailable error (the IAM and STS API references' "Common Errors": "The request
// has failed due to a temporary failure of the server.", HTTP 503).
func errBusy() *awserr.Error {
	return &awserr.Error{Code: "ServiceUnavailable", HTTPStatus: http.StatusServiceUnavailable, Receiver: true,
		Message: "The request has failed due to a temporary failure of the server."}
}
