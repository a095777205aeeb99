package dump_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/iamd-dev/iamd/internal/store"
	"github.com/iamd-dev/iamd/internal/store/dump"
)

// fillMany writes entities users with one access key each and a membership link, in accounts of 1,000 users, and
// events events of three attributes.
func fillMany(b *testing.B, s store.Store, entities, events int) {
	b.Helper()
	ctx := context.Background()
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		for i := range entities / 2 {
			account := fmt.Sprintf("%012d", i/1000+1)
			name := fmt.Sprintf("user%06d", i)
			if err := tx.Insert(ctx, &store.Entity{Account: account, Kind: "user", Name: name, Path: "/", ID: fmt.Sprintf("AIDA%017d", i),
				Created: t0, Data: bytes.Repeat([]byte("u"), 300)}); err != nil {
				return err
			}
			if err := tx.Insert(ctx, &store.Entity{Account: account, Kind: "accesskey", Name: fmt.Sprintf("AKIA%016d", i), Parent: name,
				ID: fmt.Sprintf("AKIA%016d", i), Created: t0, Data: bytes.Repeat([]byte("k"), 200)}); err != nil {
				return err
			}
			if err := tx.Link(ctx, store.Link{Account: account, Kind: "member", From: "user/" + name, To: "group/g", Created: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]*store.Event, events)
	for i := range evs {
		evs[i] = &store.Event{Account: "000000000001", ID: fmt.Sprintf("ev-%08d", i), Time: t0.Add(time.Duration(i) * time.Second),
			Attrs: []store.EventAttr{{Name: "EventName", Value: "GetUser"}, {Name: "Username", Value: fmt.Sprintf("user%06d", i%500)},
				{Name: "AccessKeyId", Value: fmt.Sprintf("AKIA%016d", i%500), Latest: true}},
			Data: bytes.Repeat([]byte("e"), 1000)}
	}
	if err := s.AppendEvents(ctx, evs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkExportImport states its workload in its name: entities (half users, half access keys, a link per user)
// and events (1 KB, three attributes); records/s counts every record of the dump.
func BenchmarkExportImport(b *testing.B) {
	for _, w := range []struct{ entities, events int }{{2000, 2000}, {20000, 20000}} {
		name := fmt.Sprintf("entities=%d/events=%d", w.entities, w.events)
		src := newStore(b)
		fillMany(b, src, w.entities, w.events)
		var dumped bytes.Buffer
		n, err := dump.Export(context.Background(), src, &dumped)
		if err != nil {
			b.Fatal(err)
		}
		records := float64(n.Entities + n.Links + n.Events + n.Settings + n.Meta)
		b.Run("export/"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := dump.Export(context.Background(), src, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(records*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(dumped.Len()), "dump-bytes")
		})
		b.Run("import/"+name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dst := newStore(b)
				b.StartTimer()
				if _, err := dump.Import(context.Background(), dst, bytes.NewReader(dumped.Bytes()), dump.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(records*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
