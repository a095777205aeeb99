package audit

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/authz"
	"github.com/iamd-dev/iamd/internal/iam"
	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/sqlite"
)

func newTrail(t *testing.T) (*Trail, store.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	tr := New(st, Options{})
	t.Cleanup(func() {
		tr.Close(context.Background())
		st.Close()
	})
	return tr, st
}

var alice = &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalUser, ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"},
	Name: "alice", UserID: "AIDAEXAMPLEALICE00001", AccessKeyID: "AKIAEXAMPLEALICE0001", Region: "us-east-1", Time: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}

func allEvents(t *testing.T, st store.Store) []*store.Event {
	t.Helper()
	var evs []*store.Event
	if err := st.View(context.Background(), func(ctx context.Context, r store.Reader) (err error) {
		evs, err = r.EventsSince(ctx, 0, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

// TestChangeAndItsEventCommitTogether: the store a trail gives the services appends the event of the call in the
// context in the transaction of its change: a change that rolls back leaves no event, one that commits has its
// event before End; End then completes it when the answer adds to it (the same eventID, a new Seq).
func TestChangeAndItsEventCommitTogether(t *testing.T) {
	tr, st := newTrail(t)
	ctx := context.Background()
	c := &Call{RequestID: "r1", Time: alice.Time, Service: "iam", Operation: "CreateUser", Caller: alice}
	cctx, err := tr.Begin(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	svcStore := tr.Store()
	err = svcStore.Update(cctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutSetting(ctx, "111122223333", "x", []byte("1")); err != nil {
			return err
		}
		return errors.New("the change fails")
	})
	if err == nil || len(allEvents(t, st)) != 0 {
		t.Fatalf("a rolled-back change left %d events (err %v)", len(allEvents(t, st)), err)
	}
	if err := svcStore.Update(cctx, func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, "111122223333", "x", []byte("2"))
	}); err != nil {
		t.Fatal(err)
	}
	evs := allEvents(t, st)
	if len(evs) != 1 {
		t.Fatalf("%d events after the committed change", len(evs))
	}
	first := evs[0]
	tr.End(ctx, c, Outcome{})
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs = allEvents(t, st)
	if len(evs) != 1 || evs[0].ID != first.ID || evs[0].Seq != first.Seq {
		t.Fatalf("after End: %+v; want the event of the change as it was: complete, nothing to add", evs)
	}
	// A change whose answer the event records (responseElements) is completed by End: the same eventID, a new Seq.
	c2 := &Call{RequestID: "r3", Time: alice.Time, Service: "iam", Operation: "CreateUser", Caller: alice}
	cctx2, err := tr.Begin(ctx, c2)
	if err != nil {
		t.Fatal(err)
	}
	if err := svcStore.Update(cctx2, func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, "111122223333", "x", []byte("3"))
	}); err != nil {
		t.Fatal(err)
	}
	inTx := allEvents(t, st)[1]
	c2.mu.Lock()
	c2.response = func(b []byte) []byte { return append(b, `{"user":{"userName":"bob"}}`...) }
	c2.mu.Unlock()
	tr.End(ctx, c2, Outcome{})
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	evs = allEvents(t, st)
	if len(evs) != 2 || evs[1].ID != inTx.ID || evs[1].Seq <= inTx.Seq || !strings.Contains(string(evs[1].Data), `"responseElements":{"user":{"userName":"bob"}}`) {
		t.Fatalf("after End: %s; want the event completed with its responseElements, with a new Seq", evs[len(evs)-1].Data)
	}
	// A call with no change is appended by End alone; an Update without a call in its context writes no event.
	if err := svcStore.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.PutSetting(ctx, "111122223333", "y", []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	tr.End(ctx, &Call{RequestID: "r2", Time: alice.Time, Service: "iam", Operation: "GetUser", Caller: alice}, Outcome{})
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(allEvents(t, st)); n != 3 {
		t.Fatalf("%d events; want two CreateUser's and GetUser's", n)
	}
}

// TestIdentityOfEachCaller: userIdentity as the CloudTrail User Guide's "CloudTrail userIdentity element" shows it
// for the root user, an IAM user with temporary credentials, and a role session.
func TestIdentityOfEachCaller(t *testing.T) {
	issued := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		caller *iam.Caller
		want   string
	}{
		{"root", &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalRoot, ARN: "arn:aws:iam::111122223333:root", Account: "111122223333"},
			AccessKeyID: "AKIAROOT"},
			`{"type":"Root","principalId":"111122223333","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333","accessKeyId":"AKIAROOT"}`},
		{"IAM user with a session token", &iam.Caller{Principal: alice.Principal, Name: "alice", UserID: "AIDAALICE", AccessKeyID: "ASIAALICE",
			SessionToken: true, MFAPresent: true, TokenIssueTime: issued},
			`{"type":"IAMUser","principalId":"AIDAALICE","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"ASIAALICE","userName":"alice","sessionContext":{"attributes":{"creationDate":"2026-12-06T09:00:00Z","mfaAuthenticated":"true"}}}`},
		{"role session", &iam.Caller{Principal: authz.Principal{Type: authz.PrincipalAssumedRole, ARN: "arn:aws:sts::111122223333:assumed-role/Admin/s1",
			Account: "111122223333", RoleARN: "arn:aws:iam::111122223333:role/Admin"}, Name: "Admin", UserID: "AROAADMIN:s1", AccessKeyID: "ASIAS1",
			SessionToken: true, TokenIssueTime: issued, SourceIdentity: "carol"},
			`{"type":"AssumedRole","principalId":"AROAADMIN:s1","arn":"arn:aws:sts::111122223333:assumed-role/Admin/s1","accountId":"111122223333","accessKeyId":"ASIAS1","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAADMIN","arn":"arn:aws:iam::111122223333:role/Admin","accountId":"111122223333","userName":"Admin"},"attributes":{"creationDate":"2026-12-06T09:00:00Z","mfaAuthenticated":"false"},"sourceIdentity":"carol"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := identityOf(tt.caller)
			got, _ := json.Marshal(u)
			if string(got) != tt.want {
				t.Fatalf("userIdentity\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if got := usernameOf(&UserIdentity{Type: "AssumedRole", ARN: "arn:aws:sts::111122223333:assumed-role/Admin/s1"}); got != "s1" {
		t.Fatalf("Username of a role session = %q, want the session name", got)
	}
}

// TestFailClosedRefusesChangesWhileTheTrailCannotWrite: after a failed write, a mutating call is refused before it
// runs, a read-only one is not; a successful write ends it.
func TestFailClosedRefusesChangesWhileTheTrailCannotWrite(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sink := &failingSink{}
	tr := New(st, Options{FailClosed: true, Sinks: []Sink{sink}})
	defer tr.Close(context.Background())
	ctx := context.Background()
	sink.fail = true
	tr.End(ctx, &Call{RequestID: "r", Time: alice.Time, Service: "iam", Operation: "GetUser", Caller: alice}, Outcome{})
	tr.Flush(ctx)
	if _, err := tr.Begin(ctx, &Call{Service: "iam", Operation: "CreateUser", Caller: alice}); err == nil {
		t.Fatal("a mutating call was let through while the sink fails")
	}
	if _, err := tr.Begin(ctx, &Call{Service: "iam", Operation: "GetUser", Caller: alice}); err != nil {
		t.Fatalf("a read-only call was refused: %v", err)
	}
	sink.fail = false
	tr.End(ctx, &Call{RequestID: "r2", Time: alice.Time, Service: "iam", Operation: "GetUser", Caller: alice}, Outcome{})
	tr.Flush(ctx)
	if _, err := tr.Begin(ctx, &Call{Service: "iam", Operation: "CreateUser", Caller: alice}); err != nil {
		t.Fatalf("still refused after the trail wrote again: %v", err)
	}
}

type failingSink struct{ fail bool }

func (s *failingSink) WriteEvent(ctx context.Context, account string, record []byte) error {
	if s.fail {
		return errors.New("disk full")
	}
	return nil
}
