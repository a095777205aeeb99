// Package gate protects an HTTP service with iamd: it lets the service's callers sign their requests with SigV4
// for the service (as boto3, the AWS SDKs and the AWS CLI sign them), has iamd check the signature against the
// caller's IAM access key, and has iamd's policy engine decide whether the caller may perform the service's
// action on the service's resource, with the caller's identity-based policies, permissions boundary, session
// policies and any resource policy the service supplies.
//
// A Client speaks iamd's decision API (POST /iamd/v1/verify and POST /iamd/v1/authorize), signing its own calls
// with the service's credentials for the service name "iamd"; the service's principal needs iamd:Authorize.
// Middleware wraps an http.Handler: it verifies each request, resolves the action, resource and condition keys
// the request stands for, asks iamd for a decision about the caller's very access key (so its session policies
// and session facts count), and either answers 403 as an AWS service would or calls the handler with the
// caller's Identity in the request context (IdentityFrom). It fails closed: when iamd cannot be reached or
// answers anything unexpected, the request is refused with a 500 that tells the caller nothing more.
package gate
