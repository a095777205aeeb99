package server

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/clock"
	"github.com/iamd-dev/iamd/internal/iam"
)

// FuzzOperatorRequest feeds the operator endpoint's body parser and the request validation arbitrary bodies: they
// never panic, and what passes both is a 12-digit account with a whole key pair or none.
func FuzzOperatorRequest(f *testing.F) {
	for _, seed := range []string{
		`{"AccountId":"111122223333"}`,
		`{"AccountId":"111122223333","AccessKeyId":"AKIAEXAMPLEOPERATOR1","SecretAccessKey":"abc"}`,
		`{"AccountId":"111122223333","AccessKeyId":"AKIAEXAMPLEOPERATOR1"}`,
		`{"AccountId":"11112222333a"}`,
		`{"AccountId":111122223333}`,
		`{"AccountId":"111122223333","Email":"x"}`,
		`{"AccountId":"111122223333"} {}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req AccountRequest
		if err := decodeOperator(bytes.NewReader(body), &req); err != nil {
			return
		}
		err := iam.ValidateAccountRequest(req.AccountId, req.AccessKeyId, req.SecretAccessKey)
		if err != nil {
			if !errors.Is(err, iam.ErrInvalidAccountRequest) {
				t.Fatalf("validation error %v does not wrap ErrInvalidAccountRequest", err)
			}
			if req.SecretAccessKey != "" && strings.Contains(err.Error(), req.SecretAccessKey) {
				t.Fatalf("the validation error shows the secret")
			}
			return
		}
		if len(req.AccountId) != 12 || strings.Trim(req.AccountId, "0123456789") != "" {
			t.Fatalf("accepted account ID %q", req.AccountId)
		}
		if (req.AccessKeyId == "") != (req.SecretAccessKey == "") {
			t.Fatalf("accepted half a key pair")
		}
	})
}

// FuzzServeFile feeds the serve file parser arbitrary files: it never panics, and what it accepts has a token and
// an http or https URL.
func FuzzServeFile(f *testing.F) {
	for _, seed := range []string{
		`{"url":"http://127.0.0.1:4566","token":"00"}`,
		`{"url":"https://127.0.0.1:4566","token":"00","certSha256":"ab"}`,
		`{"url":"ftp://127.0.0.1","token":"00"}`,
		`{"url":"http://127.0.0.1"}`,
		`{}`, ``, `[`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := parseServeFile(data)
		if err != nil {
			return
		}
		if sf.Token == "" || !(strings.HasPrefix(sf.URL, "http://") || strings.HasPrefix(sf.URL, "https://")) {
			t.Fatalf("accepted %+v", sf)
		}
	})
}

// FuzzOperatorClockRequest feeds the clock endpoint's body parser and the advance it carries arbitrary bodies: they
// never panic, and an accepted advance never moves the clock backwards or past its limit.
func FuzzOperatorClockRequest(f *testing.F) {
	for _, seed := range []string{`{"Advance":"90d"}`, `{"Advance":"49h"}`, `{"Advance":"-1h"}`, `{"Advance":"1d-1h"}`,
		`{"Advance":90}`, `{"Advance":"1h","Offset":"2h"}`, `{}`, `null`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req ClockRequest
		if err := decodeOperator(bytes.NewReader(body), &req); err != nil {
			return
		}
		clk, err := clock.New(time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		d, err := clock.ParseDuration(req.Advance)
		if err != nil {
			return
		}
		off, err := clk.Advance(d)
		if err != nil {
			if off != time.Hour || clk.Offset() != time.Hour {
				t.Fatalf("a refused advance of %v moved the clock to %v", d, clk.Offset())
			}
			return
		}
		if off <= time.Hour || off > clock.MaxOffset {
			t.Fatalf("advance of %v: offset %v", d, off)
		}
	})
}
