package server

// The test clock's operator endpoint: "iamd clock advance 90d" moves a running server's clock forward, so that key
// age, password and session expiry and "unused for 90 days" can be seen without waiting. On many nodes sharing a
// database an advance through one moves them all (sharedclock.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamd-dev/iamd/internal/api"
	"github.com/iamd-dev/iamd/internal/awserr"
	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/config"
)

// OperatorClockPath is the operator-only endpoint that advances the test clock: POST a JSON ClockRequest with
// "Authorization: Bearer TOKEN" (as OperatorAccountsPath); the answer is the ClockState (200), or an OperatorError
// with 400 (a malformed request, or an advance that is not forward), 401 or 403.
const OperatorClockPath = "/iamd/v1/operator/clock"

// ClockRequest asks to move the clock forward by Advance: a Go duration or days ("49h", "90d", "1d12h").
type ClockRequest struct {
	Advance string
}

// ClockState is the clock after an advance: its offset from the real time (a Go duration) and its time (RFC 3339).
type ClockState struct {
	Offset string
	Now    string
}

// newClock makes the server's clock from the configuration and warns, once, when it is offset.
func newClock(cfg config.Config, logger *slog.Logger) (*clock.Clock, error) {
	off, err := cfg.ClockOffsetDuration()
	if err != nil {
		return nil, fmt.Errorf("clock offset: %w", err)
	}
	clk, err := clock.New(off)
	if err != nil {
		return nil, fmt.Errorf("clock offset: %w", err)
	}
	if off > 0 {
		logger.Warn("the test clock is ahead of the real time: dates, ages and expiry follow it; signatures and external tokens do not",
			"clock_offset", off.String(), "clock_now", clk.Now().UTC().Format(time.RFC3339))
	}
	return clk, nil
}

// advanceClock serves OperatorClockPath. The clock only moves forward: expiry, last-used dates and the order of
// events (the trail's included) assume time never goes back.
func (o *operator) advanceClock(req *api.EndpointRequest, in *ClockRequest) (int, any, error) {
	r := req.HTTP
	d, err := clock.ParseDuration(in.Advance)
	if err == nil {
		if o.shared != nil {
			_, err = o.shared.Advance(r.Context(), d)
		} else {
			_, err = o.clock.Advance(d)
		}
		if err != nil && !errors.Is(err, clock.ErrNotForward) {
			return 0, nil, fmt.Errorf("advance the test clock: %w", err) // the store's failure, not the request's
		}
	}
	if err != nil {
		return 0, nil, &awserr.Error{Code: "InvalidInput", HTTPStatus: http.StatusBadRequest, Message: err.Error(), Cause: err}
	}
	st := ClockState{Offset: o.clock.Offset().String(), Now: o.clock.Now().UTC().Format(time.RFC3339)}
	o.logger.LogAttrs(r.Context(), slog.LevelWarn, "the test clock was advanced", slog.String("request_id", req.RequestID), slog.String("remote", r.RemoteAddr),
		slog.String("advance", d.String()), slog.String("clock_offset", st.Offset), slog.String("clock_now", st.Now))
	return http.StatusOK, st, nil
}

// ErrInvalidClockAdvance is wrapped by the error of AdvanceClockOnServer when the server refused the advance (not a
// duration, not forward, or past the clock's limit).
var ErrInvalidClockAdvance = errors.New("invalid clock advance")

// AdvanceClockOnServer moves forward the clock of the server that serves dataDir, through its operator endpoint.
// It returns an error wrapping ErrNoServer when no server runs on the directory, ErrOperatorRefused when the server
// refused the token, and the server's message when it refused the advance.
func AdvanceClockOnServer(ctx context.Context, dataDir, advance string) (ClockState, error) {
	var out ClockState
	sf, resp, data, err := postOperator(ctx, dataDir, OperatorClockPath, ClockRequest{Advance: advance})
	if err != nil {
		return out, err
	}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &out); err != nil || out.Offset == "" {
			return ClockState{}, fmt.Errorf("the server at %s answered an unexpected body", sf.URL)
		}
		return out, nil
	}
	var oe OperatorError
	if json.Unmarshal(data, &oe) != nil || oe.Message == "" {
		return out, fmt.Errorf("the server at %s answered %s", sf.URL, resp.Status)
	}
	var kind error
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		kind = ErrOperatorRefused
	} else if resp.StatusCode == http.StatusBadRequest {
		kind = ErrInvalidClockAdvance
	}
	return out, &remoteError{msg: oe.Message, kind: kind}
}
