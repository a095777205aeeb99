package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamd-dev/iamd/internal/api/awsquery"
	"github.com/iamd-dev/iamd/internal/audit"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/iam"
)

// signinMaxBody bounds a sign-in request: four short strings.
const signinMaxBody = 8 << 10

// SignInHandler serves POST /iamd/v1/signin: console-style password sign-in for IAM users, answering a session
// token. It runs through the pipeline as an Endpoint whose credential is the password (checked inside the admission
// slot: each attempt hashes a password). It owns the in-memory limiter of failed attempts. It never logs the
// password or the MFA code; it logs each refused attempt with the user, account, source address and the reason.
type SignInHandler struct {
	*Endpoint[*iam.SignInResult]
	svc     *iam.Service
	limiter *iam.SignInLimiter
	logger  *slog.Logger
}

// NewSignInHandler returns the sign-in handler for a service.
func NewSignInHandler(svc *iam.Service, logger *slog.Logger) *SignInHandler {
	h := &SignInHandler{svc: svc, limiter: iam.NewSignInLimiter(svc.Now), logger: logger}
	h.Endpoint = NewEndpoint(EndpointSpec[*iam.SignInResult]{Service: "iamd", Operation: "SignIn", MaxBody: signinMaxBody,
		Authenticate: h.signIn, Call: h.answer, ErrorAnswer: signinErrorAnswer, Audit: h.audit, Now: svc.Now}, logger, nil)
	return h
}

type signinRequest struct {
	Account  string `json:"account"`
	UserName string `json:"userName"`
	Password string `json:"password"`
	MFACode  string `json:"mfaCode"`
}

type signinResponse struct {
	SessionToken          string `json:"sessionToken"`
	Expiration            string `json:"expiration"`
	PasswordResetRequired bool   `json:"passwordResetRequired"`
	PasswordExpired       bool   `json:"passwordExpired,omitempty"`
}

type signinErrorBody struct {
	Error string `json:"error"`
}

// errMalformedSignIn refuses a body that is not a sign-in request.
var errMalformedSignIn = &awserr.Error{Code: "MalformedRequest", HTTPStatus: http.StatusBadRequest, Message: "malformed sign-in request"}

// signIn reads the request and signs the user in: the password is the request's credential.
func (h *SignInHandler) signIn(req *EndpointRequest) (*iam.SignInResult, error) {
	ctx := req.HTTP.Context()
	var in signinRequest
	if json.Unmarshal(req.Body, &in) != nil {
		h.logger.LogAttrs(ctx, slog.LevelWarn, "sign-in refused", slog.String("request_id", req.RequestID),
			slog.String("sourceIp", req.SourceIP), slog.String("reason", "malformed request"))
		return nil, errMalformedSignIn
	}
	res, err := h.limiter.SignIn(ctx, h.svc, in.Account, in.UserName, in.Password, in.MFACode, req.SourceIP)
	var se *iam.SignInError
	if errors.As(err, &se) {
		h.logger.LogAttrs(ctx, slog.LevelWarn, "sign-in refused", slog.String("request_id", req.RequestID), slog.String("account", in.Account),
			slog.String("user", in.UserName), slog.String("sourceIp", req.SourceIP), slog.String("reason", se.Reason))
	}
	if err != nil {
		return nil, err
	}
	h.logger.LogAttrs(ctx, slog.LevelInfo, "sign-in", slog.String("request_id", req.RequestID), slog.String("account", res.Account),
		slog.String("user", res.UserName), slog.String("sourceIp", req.SourceIP))
	return res, nil
}

// answer is the 200 answer of a sign-in.
func (h *SignInHandler) answer(_ *EndpointRequest, res *iam.SignInResult) (int, any, error) {
	return http.StatusOK, signinResponse{SessionToken: res.SessionToken, Expiration: res.Expiration.UTC().Format(time.RFC3339),
		PasswordResetRequired: res.PasswordResetRequired, PasswordExpired: res.PasswordExpired}, nil
}

// signinErrorAnswer words sign-in's errors: {"error": "..."}, with no detail a caller could learn users from.
func signinErrorAnswer(hdr http.Header, info awsquery.ErrorInfo) (int, any) {
	switch {
	case info.HTTPStatus == http.StatusUnauthorized:
		return http.StatusUnauthorized, signinErrorBody{Error: info.Message}
	case info.HTTPStatus == http.StatusMethodNotAllowed:
		return http.StatusMethodNotAllowed, signinErrorBody{Error: "method not allowed"}
	case info.HTTPStatus == http.StatusServiceUnavailable:
		hdr.Set("Retry-After", "1")
		return http.StatusServiceUnavailable, signinErrorBody{Error: "server busy, retry later"}
	case info.HTTPStatus >= 500:
		return http.StatusInternalServerError, signinErrorBody{Error: "internal error"}
	}
	return http.StatusBadRequest, signinErrorBody{Error: errMalformedSignIn.Message}
}

// audit fills in the record of a sign-in as CloudTrail records a console sign-in (CloudTrail User Guide, "AWS
// Management Console sign-in events"): a ConsoleLogin event in the account signed in to, by the IAM user. A
// success names the user (principalId, arn, accountId, userName); a refusal names the user only when it exists
// (principalId, accountId, userName, as CloudTrail's example of a failed IAM user sign-in) and otherwise writes
// the user name as HIDDEN_DUE_TO_SECURITY_REASONS, since a mistyped name may be a password. A refusal in an account
// iamd does not hold has no account to be kept in: it reaches the audit log only. A request that is not a sign-in
// attempt (a malformed body) is recorded as a call of iamd's SignIn with no sign-in outcome.
func (h *SignInHandler) audit(req *EndpointRequest, res *iam.SignInResult, err error, c *audit.Call) {
	if res != nil {
		c.Account = res.Account
		if !res.Used.IsZero() {
			c.Time = res.Used // the user's PasswordLastUsed
		}
		c.SignIn = &audit.SignIn{UserName: res.UserName, Success: true, MFAUsed: res.MFAUsed}
		c.Identity = &audit.UserIdentity{Type: "IAMUser", PrincipalID: res.UserID, ARN: res.ARN, AccountID: res.Account, UserName: res.UserName}
		return
	}
	var se *iam.SignInError
	if !errors.As(err, &se) {
		return
	}
	var in signinRequest
	if json.Unmarshal(req.Body, &in) != nil {
		return
	}
	subject, lerr := h.svc.SignInSubjectOf(req.HTTP.Context(), in.Account, in.UserName)
	if lerr != nil {
		h.logger.Error("audit: looking up the subject of a refused sign-in", "request_id", req.RequestID, "err", lerr)
	}
	name := audit.Hidden
	id := &audit.UserIdentity{Type: "IAMUser", UserName: name}
	if subject.AccountExists {
		c.Account = in.Account
		id.AccountID = in.Account
	}
	if subject.UserID != "" {
		name = in.UserName
		id.PrincipalID, id.UserName = subject.UserID, name
	}
	c.Identity = id
	c.SignIn = &audit.SignIn{UserName: name}
}
