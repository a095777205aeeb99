package api

import (
	"net/http"
	"sync/atomic"

	"github.com/iamd-dev/iamd/internal/awserr"
)

// Admission bounds the requests iamd is reading or authenticating at once: the work anyone who can reach the port
// makes iamd do before it knows who is asking (reading a body, a key lookup, a signature, a password hash). A
// request that finds every slot taken is answered at once with 503 ServiceUnavailable, which the AWS SDKs retry,
// rather than queued; authenticated work and /healthz are not counted. A nil *Admission admits every request.
type Admission struct {
	slots atomic.Pointer[chan struct{}] // replaced whole by SetSlots; a request gives its slot back to its own
}

// NewAdmission returns an Admission of n slots (at least 1).
func NewAdmission(n int) *Admission {
	a := &Admission{}
	a.SetSlots(n)
	return a
}

// SetSlots changes the number of slots to n (at least 1). Call it before serving: a request admitted before gives
// its slot back to the old set.
func (a *Admission) SetSlots(n int) {
	ch := make(chan struct{}, max(n, 1))
	a.slots.Store(&ch)
}

// InUse is how many slots are taken now (for metrics and tests).
func (a *Admission) InUse() int {
	if a == nil {
		return 0
	}
	return len(*a.slots.Load())
}

// enter takes a slot and returns the function that gives it back, or false when every slot is taken.
func (a *Admission) enter() (leave func(), ok bool) {
	if a == nil {
		return func() {}, true
	}
	ch := *a.slots.Load()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
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
