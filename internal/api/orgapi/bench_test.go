package orgapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	orgtypes "github.com/iamd-dev/iamd/internal/apitypes/org"
)

// BenchmarkCodec: the generated codec against encoding/json over the tagged shapes it replaced, on
// ListAccounts' answer with 10 accounts (every member set, as iamd answers it) and CreateAccount's request as the
// AWS CLI sends it with two tags.
func BenchmarkCodec(b *testing.B) {
	out := &orgtypes.ListAccountsResponse{NextToken: ptrTo("token")}
	for i := range 10 {
		id := fmt.Sprintf("1234567890%02d", i)
		out.Accounts = append(out.Accounts, orgtypes.Account{Id: &id, Arn: ptrTo("arn:aws:organizations::123456789012:account/o-exampleorgid/" + id),
			Email: ptrTo("acct" + id + "@example.com"), Name: ptrTo("acct " + id), Status: ptrTo(orgtypes.AccountStatusACTIVE),
			State: ptrTo(orgtypes.AccountStateACTIVE), JoinedMethod: ptrTo(orgtypes.AccountJoinedMethodCREATED),
			JoinedTimestamp: ptrTo(time.Unix(1767225600, 123e6))})
	}
	legacy := toLegacy(reflect.ValueOf(out).Elem(), reflect.TypeFor[legacyListAccountsResponse]()).Addr().Interface()
	b.Run("encode/ListAccountsResponse/accounts=10/codec", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = appendListAccountsResponse(buf[:0], out)
		}
	})
	b.Run("encode/ListAccountsResponse/accounts=10/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(legacy); err != nil {
				b.Fatal(err)
			}
		}
	})
	body := []byte(`{"Email": "dev@example.com", "AccountName": "dev", "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "env", "Value": "dev"}]}`)
	b.Run("decode/CreateAccountRequest/tags=2/codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in orgtypes.CreateAccountRequest
			if err := decodeCreateAccountRequest(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/CreateAccountRequest/tags=2/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in legacyCreateAccountRequest
			if err := json.Unmarshal(body, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ptrTo[T any](v T) *T { return &v }
