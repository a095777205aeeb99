package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
)

// getUserRecord is a CloudTrail record as the audit trail writes one for an IAM user's GetUser (1.1 KB).
const getUserRecord = `{"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDA5UOVSWARTKATPH3JE",` +
	`"arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","accessKeyId":"AKIAKJPGEV3JFAAGH267","userName":"alice"},` +
	`"eventTime":"2026-12-06T15:54:35Z","eventSource":"iam.amazonaws.com","eventName":"GetUser","awsRegion":"us-east-1",` +
	`"sourceIPAddress":"127.0.0.1","userAgent":"aws-cli/1.45.11 md/Botocore#1.43.11 ua/2.1 os/linux#6.18.44 md/arch#x86_64 ` +
	`lang/python#3.11.7 md/pyimpl#CPython m/N,b,g,D,Z cfg/retry-mode#legacy botocore/1.43.11","requestParameters":{"userName":"alice"},` +
	`"responseElements":null,"additionalEventData":{"iamdDecision":{"decision":"allowed","action":"iam:GetUser",` +
	`"resource":"arn:aws:iam::123456789012:user/alice","decidingStatements":[{"policy":"p","layer":"identity","index":0,` +
	`"effect":"Allow","attachedTo":"user/alice"}]}},"requestID":"28fc353d-48a5-45bd-86e5-9b90f4eb468d",` +
	`"eventID":"01a24c10-715e-7a8b-8b9d-a54fcef64039","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,` +
	`"recipientAccountId":"123456789012","eventCategory":"Management"}`

func isCompressed(kept []byte) bool { return len(kept) > 1 && kept[0] == compressedTag }

func TestEventCodecRoundTrips(t *testing.T) {
	c, err := newEventCodec()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		v          []byte
		compressed bool
	}{
		{"a CloudTrail record is kept compressed", []byte(getUserRecord), true},
		{"attributes are kept compressed", encodeAttrs([]store.EventAttr{{Name: "EventName", Value: "GetUser"}, {Name: "Username", Value: "alice"},
			{Name: "EventSource", Value: "iam.amazonaws.com", Latest: true}, {Name: "iamd:Principal", Value: "arn:aws:iam::123456789012:user/alice", Latest: true}}), true},
		{"a short value stays as it is", []byte(`{"a":1}`), false},
		{"an empty value stays empty", nil, false},
		{"a value longer than decode takes stays as it is", []byte(strings.Repeat(`{"a":1}`, maxDecoded/7+1)), false},
		{"a value starting with the compressed tag is always compressed", []byte{compressedTag, eventDictNumber, 'x'}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kept := c.encode(nil, tc.v)
			if got := isCompressed(kept); got != tc.compressed {
				t.Fatalf("compressed = %v, want %v (%d bytes kept for %d)", got, tc.compressed, len(kept), len(tc.v))
			}
			if tc.compressed && len(tc.v) > 100 && len(kept)*2 > len(tc.v) {
				t.Errorf("kept %d bytes for %d: the dictionary should at least halve it", len(kept), len(tc.v))
			}
			back, err := c.decode(kept)
			if err != nil || !bytes.Equal(back, tc.v) {
				t.Fatalf("decode = %q, %v; want %q", back, err, tc.v)
			}
		})
	}
}

// TestEventsReadRowsWrittenBeforeCompression: rows written as they were before the codec (a JSON record, attributes
// as encodeAttrs gives them) read back as they are, next to compressed ones.
func TestEventsReadRowsWrittenBeforeCompression(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamd.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	attrs := []store.EventAttr{{Name: "Username", Value: "alice"}, {Name: "EventName", Value: "GetUser"}}
	db, err := sql.Open("sqlite", "file:"+uriPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO events (account, id, time, attrs, data) VALUES (?, ?, ?, ?, ?)",
		"123456789012", "old-event", at.UnixNano(), encodeAttrs(attrs), []byte(getUserRecord)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s.Close()
	if s, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	newer := strings.Replace(getUserRecord, "28fc353d", "38fc353d", 1)
	if err := s.AppendEvents(ctx, []*store.Event{{Account: "123456789012", ID: "new-event", Time: at.Add(time.Second), Data: []byte(newer), Attrs: attrs}}); err != nil {
		t.Fatal(err)
	}
	var evs []*store.Event
	err = s.View(ctx, func(ctx context.Context, tx store.Reader) error {
		evs, err = tx.Events(ctx, store.EventQuery{Account: "123456789012", Attr: store.EventAttr{Name: "Username", Value: "alice"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].ID != "new-event" || string(evs[0].Data) != newer || evs[1].ID != "old-event" || string(evs[1].Data) != getUserRecord {
		t.Fatalf("events = %v", evs)
	}
	var kept []byte
	if err := s.r.QueryRowContext(ctx, "SELECT data FROM events WHERE id = 'new-event'").Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if !isCompressed(kept) || len(kept) >= len(newer)/2 {
		t.Errorf("the new event is kept in %d bytes (compressed: %v) for %d", len(kept), isCompressed(kept), len(newer))
	}
}

// TestAppendEventsSetsEachSeq: the seqs AppendEvents gives a batch's events (from the insert's last row) are those
// the rows hold, for every chunk size of a batch.
func TestAppendEventsSetsEachSeq(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	n := 0
	for _, size := range []int{1, 3, 64 + 16 + 4 + 1, 300} {
		evs := make([]*store.Event, size)
		for i := range evs {
			evs[i] = &store.Event{Account: "123456789012", ID: fmt.Sprintf("ev-%d", n), Time: at.Add(time.Duration(n) * time.Second), Data: []byte(getUserRecord)}
			n++
		}
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			var id string
			if err := s.r.QueryRowContext(ctx, "SELECT id FROM events WHERE seq = ?", e.Seq).Scan(&id); err != nil || id != e.ID {
				t.Fatalf("batch of %d: the row of seq %d is %q (%v), want %q", size, e.Seq, id, err, e.ID)
			}
		}
	}
}

// FuzzEventCodecDecode: any bytes decode to a value or an error, never a panic; what encode keeps decodes back.
func FuzzEventCodecDecode(f *testing.F) {
	c, err := newEventCodec()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(getUserRecord))
	f.Add(c.encode(nil, []byte(getUserRecord)))
	f.Add([]byte{compressedTag, eventDictNumber, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte{compressedTag, 7})
	f.Fuzz(func(t *testing.T, b []byte) {
		c.decode(b)
		back, err := c.decode(c.encode([]byte("prefix"), b)[len("prefix"):])
		if len(b) == 0 {
			back = b[:0] // nil and empty are the same value
		}
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("%q: round trip gives %q, %v", b, back, err)
		}
	})
}

// BenchmarkEventCodecEncode: compressing one event's values as a change's transaction appends them — a GetUser
// record of 1.1 KB and its lookup attributes — into a buffer the transaction reuses.
func BenchmarkEventCodecEncode(b *testing.B) {
	c, err := newEventCodec()
	if err != nil {
		b.Fatal(err)
	}
	attrs := encodeAttrs([]store.EventAttr{{Name: "EventName", Value: "GetUser"}, {Name: "ReadOnly", Value: "true"},
		{Name: "Username", Value: "alice"}, {Name: "EventSource", Value: "iam.amazonaws.com", Latest: true},
		{Name: "AccessKeyId", Value: "AKIAKJPGEV3JFAAGH267", Latest: true}, {Name: "Principal", Value: "arn:aws:iam::123456789012:user/alice", Latest: true}})
	record := []byte(getUserRecord)
	b.SetBytes(int64(len(record) + len(attrs)))
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = c.encode(buf[:0], attrs)
		buf = c.encode(buf, record)
	}
}
