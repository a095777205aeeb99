package audit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// plainEvent and plainExplanation are the record types without their encoders: what encoding/json makes of them
// by reflection is what the encoders must write.
type (
	plainEvent       Event
	plainExplanation Explanation
)

// TestEncodeIsEncodingJSON: the record's hand-written encoder writes what encoding/json writes, byte for byte,
// for records with every member set or empty and strings that need escaping (quotes, control characters, HTML's
// <>&, U+2028, invalid UTF-8, non-ASCII).
func TestEncodeIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"", "alice", `a"b\c`, "<script>&", "\n\t\r\b\f\x01\x1f", "\u2028\u2029", "\xff\xfe", "é—日本", "arn:aws:iam::111122223333:user/x"}
	str := func() string {
		if r.IntN(3) == 0 {
			return ""
		}
		var s string
		for range 1 + r.IntN(3) {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	}
	raws := []json.RawMessage{nil, json.RawMessage(`{"userName":"bob"}`), json.RawMessage(`{ "a" : [1, 2, "x<y"] }`),
		json.RawMessage(`{"d":"—\u2028"}`), json.RawMessage(`null`), json.RawMessage(`{"n":1.5e3,"t":true}`)}
	raw := func() json.RawMessage { return raws[r.IntN(len(raws))] }
	for i := range 3000 {
		ev := &Event{EventVersion: str(), EventTime: str(), EventSource: str(), EventName: str(), AWSRegion: str(),
			SourceIPAddress: str(), UserAgent: str(), ErrorCode: str(), ErrorMessage: str(), RequestParameters: raw(),
			ResponseElements: raw(), AdditionalEventData: raw(), RequestID: str(), EventID: str(), ReadOnly: r.IntN(2) == 0,
			EventType: str(), APIVersion: str(), ManagementEvent: r.IntN(2) == 0, RecipientAccountID: str(), EventCategory: str(),
			UserIdentity: UserIdentity{Type: str(), PrincipalID: str(), ARN: str(), AccountID: str(), AccessKeyID: str(),
				UserName: str(), IdentityProvider: str(), InvokedBy: str()}}
		for range r.IntN(3) {
			ev.Resources = append(ev.Resources, Resource{ARN: str(), AccountID: str(), Type: str()})
		}
		if r.IntN(2) == 0 {
			ev.TLSDetails = &TLSDetails{TLSVersion: str(), CipherSuite: str(), ClientProvidedHostHeader: str()}
		}
		if r.IntN(2) == 0 {
			sc := &SessionContext{SourceIdentity: str()}
			if r.IntN(2) == 0 {
				sc.Attributes = SessionAttributes{CreationDate: str(), MFAAuthenticated: str()}
			}
			if r.IntN(2) == 0 {
				sc.SessionIssuer = &SessionIssuer{Type: str(), PrincipalID: str(), ARN: str(), AccountID: str(), UserName: str()}
			}
			if r.IntN(2) == 0 {
				sc.WebIDFederationData = &WebIDFederationData{FederatedProvider: str()}
				for range r.IntN(3) {
					if sc.WebIDFederationData.Attributes == nil {
						sc.WebIDFederationData.Attributes = map[string]string{}
					}
					sc.WebIDFederationData.Attributes[str()] = str()
				}
			}
			ev.UserIdentity.SessionContext = sc
		}
		want, err := json.Marshal((*plainEvent)(ev))
		if err != nil {
			t.Fatal(err)
		}
		if got := ev.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("record %d:\n got %s\nwant %s", i, got, want)
		}
		x := &Explanation{Decision: str(), Action: str(), Resource: str(), MissingLayer: str(), Reason: str()}
		for range r.IntN(3) {
			x.Statements = append(x.Statements, DecidingStatement{Policy: str(), Layer: str(), Sid: str(), Index: r.IntN(20) - 2, Effect: str(), AttachedTo: str()})
		}
		want, _ = json.Marshal((*plainExplanation)(x))
		if got, _ := x.MarshalJSON(); !bytes.Equal(got, want) {
			t.Fatalf("explanation %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// BenchmarkEncodeEvent: one GetUser record by an IAM user with an explanation (about 1.2 KB), by the record's
// encoder (enc=append) and by encoding/json's reflection (enc=reflect).
func BenchmarkEncodeEvent(b *testing.B) {
	ev := &Event{EventVersion: EventVersion, EventTime: "2026-12-06T10:00:00Z", EventSource: "iam.amazonaws.com", EventName: "GetUser",
		AWSRegion: "us-east-1", SourceIPAddress: "127.0.0.1", UserAgent: "aws-cli/1.36.0 Python/3.11.2 Linux/6.1 botocore/1.35.0",
		RequestParameters: json.RawMessage(`{"userName":"alice"}`), RequestID: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
		EventID: "1a2b3c4d-5e6f-4071-8293-a4b5c6d7e8f9", ReadOnly: true, EventType: TypeAPICall, ManagementEvent: true,
		RecipientAccountID: "111122223333", EventCategory: CategoryManagement,
		AdditionalEventData: json.RawMessage(`{"iamdDecision":{"decision":"allowed","action":"iam:GetUser","resource":"arn:aws:iam::111122223333:user/alice","decidingStatements":[{"policy":"bench","layer":"identity","index":0,"effect":"Allow","attachedTo":"arn:aws:iam::111122223333:user/alice"}]}}`),
		UserIdentity: UserIdentity{Type: "IAMUser", PrincipalID: "AIDAEXAMPLEALICE00001", ARN: "arn:aws:iam::111122223333:user/alice",
			AccountID: "111122223333", AccessKeyID: "AKIAEXAMPLEALICE0001", UserName: "alice"},
		TLSDetails: &TLSDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ClientProvidedHostHeader: "iam.example.test"}}
	b.Run("enc=append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 2048)
		for b.Loop() {
			buf = ev.AppendJSON(buf[:0])
		}
	})
	b.Run("enc=reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			json.Marshal((*plainEvent)(ev))
		}
	})
}

// copiedAsIs reports whether encoding/json writes raw, as a json.RawMessage member, as it is: valid, and left the
// same by Compact and HTMLEscape.
func copiedAsIs(raw []byte) bool {
	if !json.Valid(raw) {
		return false
	}
	var c, h bytes.Buffer
	if json.Compact(&c, raw) != nil {
		return false
	}
	json.HTMLEscape(&h, c.Bytes())
	return bytes.Equal(h.Bytes(), raw)
}

var compactCases = []string{
	`{"userName":"alice","policyName":"p","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\"}]}"}`,
	`{"a":"with spaces inside","b":[1,-0,0.5,-12.25e+3,1E9,2e-7],"c":{"d":[true,false,null,{}],"e":[]}}`,
	`{"a" : 1}`, ` {"a":1}`, `{"a":1} `, "{\"a\":\n1}", `{"a":"x<y"}`, `{"a":"x>y"}`, `{"a":"x&y"}`, `{"a":"\u003c"}`,
	"{\"a\":\"\u2028\"}", "{\"a\":\"\u2029\"}", "{\"a\":\"—\"}", "{\"a\":\"é日本\"}", "{\"a\":\"\xff\xfe\"}", "{\"a\":\"\x01\"}",
	`{"a":"\q"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":"\/\b\f\n\r\t\"\\"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`,
	`{"a":+1}`, `{"a":-}`, `{"a":tru}`, `{"a":nul}`, `{"a":truex}`, `{"a":1,}`, `{,}`, `{"a"}`, `{"a":}`, `{"a" "b"}`, `[1,2]`,
	`[1,]`, `[,1]`, `"s"`, `1`, `null`, `{}`, `[]`, `{"a":1}{}`, `{"a":1`, `{"a":[1}`, `{1:2}`, `{"a":"unterminated}`, ``,
}

// TestCompactSafeIsEncodingJSONCopy: a raw member is copied into the record as it is exactly when encoding/json
// would copy it as it is (valid, compact, HTML-safe), for valid and invalid JSON alike.
func TestCompactSafeIsEncodingJSONCopy(t *testing.T) {
	for _, raw := range compactCases {
		if got, want := compactSafe([]byte(raw)), copiedAsIs([]byte(raw)); got != want {
			t.Errorf("%q: compactSafe %v, encoding/json copies it as it is: %v", raw, got, want)
		}
	}
	deep := func(n int) []byte {
		return []byte(strings.Repeat(`[`, n) + strings.Repeat(`]`, n))
	}
	if !compactSafe(deep(maxCompactDepth)) || compactSafe(deep(maxCompactDepth+1)) {
		t.Errorf("nesting: compactSafe reads up to %d levels, leaving deeper JSON to encoding/json", maxCompactDepth)
	}
}

// FuzzCompactSafe: whatever compactSafe copies as it is, encoding/json copies as it is too; within the nesting it
// reads, it copies all that encoding/json copies.
func FuzzCompactSafe(f *testing.F) {
	for _, c := range compactCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, want := compactSafe(raw), copiedAsIs(raw)
		if got && !want {
			t.Fatalf("%q: compactSafe copies what encoding/json changes or refuses", raw)
		}
		if !got && want && bytes.Count(raw, []byte("["))+bytes.Count(raw, []byte("{")) <= maxCompactDepth {
			t.Fatalf("%q: compactSafe refuses what encoding/json copies as it is", raw)
		}
	})
}
