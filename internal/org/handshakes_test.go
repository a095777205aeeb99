package org

import (
	"context"
	"testing"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
	"github.com/iamd-dev/iamd/internal/awserr"
)

// FuzzPageToken checks that any NextToken either reads back as the marker it encodes or is refused with
// InvalidInputException, and never panics.
func FuzzPageToken(f *testing.F) {
	for _, seed := range []string{"", "!!", "MTExMTExMTExMTEx", *acctNextToken("222222222222"), "====", "a"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		after, limit, err := acctPageArgs(&token, nil, acctDefaultPage)
		if err != nil {
			if ae, ok := awserr.As(err); !ok || ae.Code != "InvalidInputException" || ae.Reason != "INVALID_NEXT_TOKEN" {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if limit != acctDefaultPage {
			t.Fatalf("limit = %d", limit)
		}
		if token != "" && *acctNextToken(after) != token {
			t.Fatalf("token %q reads as %q, which encodes back as %q", token, after, *acctNextToken(after))
		}
	})
}

// FuzzInviteTarget checks that hsTarget accepts only well-formed targets and never panics. No store is needed for
// targets that name no account, so the fuzzer only sees that path and the refusals.
func FuzzInviteTarget(f *testing.F) {
	for _, seed := range []struct{ typ, id string }{
		{"ACCOUNT", "123456789012"}, {"ACCOUNT", "12345678901"}, {"EMAIL", "a@b.c"}, {"EMAIL", "account-123456789012@example.com"},
		{"EMAIL", "@x"}, {"EMAIL", "x@"}, {"ORGANIZATION", "o-abcdefghij"}, {"EMAIL", "a b@c"},
	} {
		f.Add(seed.typ, seed.id)
	}
	f.Fuzz(func(t *testing.T, typ, id string) {
		if (typ == "ACCOUNT" && hsAccountID.MatchString(id)) || (typ == "EMAIL" && hsDefaultEmail.MatchString(id)) {
			return // these look the account up in the store
		}
		s := &Service{}
		acct, err := s.hsTarget(context.Background(), nil, &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyType(typ), Id: id})
		if acct != "" {
			t.Fatalf("%s %q named account %q", typ, id, acct)
		}
		if err != nil {
			if ae, ok := awserr.As(err); !ok || ae.Code != "InvalidInputException" {
				t.Fatalf("err = %v", err)
			}
		} else if typ != "EMAIL" {
			t.Fatalf("%s %q accepted", typ, id)
		}
	})
}
