package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/iamd-dev/iamd/internal/iam"
)

// signinMaxBody bounds a sign-in request: four short strings.
const signinMaxBody = 8 << 10

// SignInHandler serves POST /iamd/v1/signin: console-style password sign-in for IAM users, answering a session
// token. It owns the in-memory limiter of failed attempts. It never logs the password or the MFA code; it logs each
// refused attempt with the user, account, source address and the reason.
type SignInHandler struct {
	svc     *iam.Service
	limiter *iam.SignInLimiter
	logger  *slog.Logger
	admit   *Admission // bounds the sign-ins in progress (each hashes a password); nil admits all
}

// Admit makes h count the sign-ins in progress against a (shared with the other handlers of the server). Call it
// before serving.
func (h *SignInHandler) Admit(a *Admission) { h.admit = a }

// NewSignInHandler returns the sign-in handler for a service.
func NewSignInHandler(svc *iam.Service, logger *slog.Logger) *SignInHandler {
	return &SignInHandler{svc: svc, limiter: iam.NewSignInLimiter(svc.Now), logger: logger}
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

func (h *SignInHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		signinWrite(w, http.StatusMethodNotAllowed, signinErrorBody{Error: "method not allowed"})
		return
	}
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ip = host
	}
	leave, ok := h.admit.enter()
	if !ok {
		h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sign-in refused", slog.String("sourceIp", ip), slog.String("reason", "server busy"))
		w.Header().Set("Retry-After", "1")
		signinWrite(w, http.StatusServiceUnavailable, signinErrorBody{Error: "server busy, retry later"})
		return
	}
	defer leave()
	var req signinRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, signinMaxBody+1))
	if err != nil || len(body) > signinMaxBody || json.Unmarshal(body, &req) != nil {
		h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sign-in refused", slog.String("sourceIp", ip), slog.String("reason", "malformed request"))
		signinWrite(w, http.StatusBadRequest, signinErrorBody{Error: "malformed sign-in request"})
		return
	}
	res, err := h.limiter.SignIn(r.Context(), h.svc, req.Account, req.UserName, req.Password, req.MFACode, ip)
	if err != nil {
		var se *iam.SignInError
		if errors.As(err, &se) {
			h.logger.LogAttrs(r.Context(), slog.LevelWarn, "sign-in refused", slog.String("account", req.Account),
				slog.String("user", req.UserName), slog.String("sourceIp", ip), slog.String("reason", se.Reason))
			signinWrite(w, http.StatusUnauthorized, signinErrorBody{Error: se.Public})
			return
		}
		h.logger.LogAttrs(r.Context(), slog.LevelError, "sign-in failed", slog.String("account", req.Account),
			slog.String("user", req.UserName), slog.String("sourceIp", ip), slog.Any("error", err))
		signinWrite(w, http.StatusInternalServerError, signinErrorBody{Error: "internal error"})
		return
	}
	h.logger.LogAttrs(r.Context(), slog.LevelInfo, "sign-in", slog.String("account", res.Account),
		slog.String("user", res.UserName), slog.String("sourceIp", ip))
	signinWrite(w, http.StatusOK, signinResponse{SessionToken: res.SessionToken, Expiration: res.Expiration.UTC().Format(time.RFC3339),
		PasswordResetRequired: res.PasswordResetRequired, PasswordExpired: res.PasswordExpired})
}

func signinWrite(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
