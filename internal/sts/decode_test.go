package sts_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/iamd-dev/iamd/authz"
	iamtypes "github.com/iamd-dev/iamd/internal/apitypes/iam"
	ststypes "github.com/iamd-dev/iamd/internal/apitypes/sts"
	"github.com/iamd-dev/iamd/internal/iam"
)

// decodedMessage is the part of a decoded authorization message the tests read.
type decodedMessage struct {
	Allowed           bool
	ExplicitDeny      bool
	MatchedStatements struct {
		Items []struct {
			StatementID string
			Effect      string
			Actions     struct{ Items []struct{ Value string } }
		}
	}
	Context struct {
		Principal  struct{ ID, Name, ARN string }
		Action     string
		Resource   string
		Conditions struct {
			Items []struct {
				Key    string
				Values struct{ Items []struct{ Value string } }
			}
		}
	}
}

// encodedFailure makes c's call of iam:ListUsers fail and returns the encoded message of that failure.
func encodedFailure(t *testing.T, s *service, c *iam.Caller) string {
	t.Helper()
	_, err := s.IAM.ListUsers(context.Background(), c, &iamtypes.ListUsersRequest{})
	var f *iam.AuthorizationFailure
	if !errors.As(err, &f) {
		t.Fatalf("ListUsers: %v, want an AccessDenied with its failure detail", err)
	}
	enc := s.IAM.EncodeAuthorizationMessage(f)
	if enc == "" || strings.Contains(enc, "ListUsers") {
		t.Fatalf("encoded message %q is empty or readable", enc)
	}
	return enc
}

func TestDecodeAuthorizationMessage(t *testing.T) {
	ctx := context.Background()
	s, root, alice := setup(t)

	// implicit deny: nothing allows alice to list users, nor yet to decode
	enc := encodedFailure(t, s, alice)
	_, err := s.DecodeAuthorizationMessage(ctx, alice, &ststypes.DecodeAuthorizationMessageRequest{EncodedMessage: enc})
	wantCode(t, err, "AccessDenied")
	if !strings.Contains(err.Error(), "sts:DecodeAuthorizationMessage") {
		t.Fatalf("denied decode: %v", err)
	}

	// explicit deny, and permission to decode
	if err := s.IAM.PutUserPolicy(ctx, root, &iamtypes.PutUserPolicyRequest{UserName: "alice", PolicyName: "p", PolicyDocument: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sts:DecodeAuthorizationMessage","Resource":"*"},
		{"Sid":"NoListing","Effect":"Deny","Action":"iam:List*","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name         string
		enc          string
		explicitDeny bool
	}{
		{"implicit deny", enc, false},
		{"explicit deny", encodedFailure(t, s, alice), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.DecodeAuthorizationMessage(ctx, alice, &ststypes.DecodeAuthorizationMessageRequest{EncodedMessage: tc.enc})
			if err != nil {
				t.Fatal(err)
			}
			var m decodedMessage
			if err := json.Unmarshal([]byte(*out.DecodedMessage), &m); err != nil {
				t.Fatalf("decoded message is not JSON: %v\n%s", err, *out.DecodedMessage)
			}
			if m.Allowed || m.ExplicitDeny != tc.explicitDeny || m.Context.Action != "iam:ListUsers" ||
				m.Context.Principal.ARN != alice.Principal.ARN || m.Context.Principal.ID != alice.UserID ||
				m.Context.Resource != "arn:aws:iam::"+acct+":user/" {
				t.Fatalf("decoded %+v", m)
			}
			if tc.explicitDeny && (len(m.MatchedStatements.Items) != 1 || m.MatchedStatements.Items[0].StatementID != "NoListing" ||
				m.MatchedStatements.Items[0].Effect != "DENY") {
				t.Fatalf("matched statements %+v", m.MatchedStatements)
			}
			found := false
			for _, c := range m.Context.Conditions.Items {
				found = found || (c.Key == "aws:username" && len(c.Values.Items) == 1 && c.Values.Items[0].Value == "alice")
			}
			if !found {
				t.Fatalf("conditions lack aws:username=alice: %+v", m.Context.Conditions)
			}
		})
	}

	// a message of another account, or one altered, is invalid
	other := &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::210987654321:root", Account: "210987654321"}, UserID: "210987654321"}
	_, err = s.DecodeAuthorizationMessage(ctx, other, &ststypes.DecodeAuthorizationMessageRequest{EncodedMessage: enc})
	wantCode(t, err, "InvalidAuthorizationMessageException")
	tampered := []byte(enc)
	tampered[len(tampered)/2] ^= 1
	for _, bad := range []string{string(tampered), "not a message", ""} {
		_, err = s.DecodeAuthorizationMessage(ctx, root, &ststypes.DecodeAuthorizationMessageRequest{EncodedMessage: bad})
		wantCode(t, err, "InvalidAuthorizationMessageException")
	}
}
