package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// heapProbe is the writer an export streams into: it keeps nothing, counts
// the bytes, and every 256 KiB collects garbage and records the live heap,
// so peak is the most memory the export held at once.
type heapProbe struct {
	bytes, next int
	peak        uint64
}

func (p *heapProbe) Write(b []byte) (int, error) {
	p.bytes += len(b)
	if p.bytes >= p.next {
		p.next = p.bytes + 256<<10
		p.sample()
	}
	return len(b), nil
}

func (p *heapProbe) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.peak = max(p.peak, ms.HeapAlloc)
}

// seedHistory gives customerID a receipt of four lines every day for the
// given number of years back from the clock.
func seedHistory(t testing.TB, env *servertest.Env, customerID string, years int) int {
	env.Member(t, servertest.MemberSpec{ID: customerID})
	now := env.Clock.Now()
	days := years*365 - 1
	batch := make([]model.ReceiptInput, 0, 500)
	for d := days; d >= 1; d-- {
		batch = append(batch, servertest.Receipt(customerID, fmt.Sprintf("d%d", d), now.AddDate(0, 0, -d),
			servertest.Line("6400000000001", 3, model.UnitPiece, 45),
			servertest.Line("6400000000002", 0.512, model.UnitKg, 399),
			servertest.Line("6400000000003", 2, model.UnitPiece, 129),
			servertest.Line("6400000000004", 1, model.UnitPiece, 2990)))
		if len(batch) == cap(batch) || d == 1 {
			env.Ingest(t, batch...)
			batch = batch[:0]
		}
	}
	return days
}

// exportPeak exports customerID and returns the document's size and the
// peak live heap above what was live before the export started.
func exportPeak(t testing.TB, env *servertest.Env, customerID string) (int, uint64) {
	p := &heapProbe{}
	p.sample()
	base := p.peak
	p.peak = 0
	if err := env.DB.Export(context.Background(), customerID, p); err != nil {
		t.Fatal(err)
	}
	p.sample()
	if p.peak < base {
		return p.bytes, 0
	}
	return p.bytes, p.peak - base
}

// TestExportMemory exports one year and ten years of daily receipts: the
// document grows tenfold, the memory the export holds does not.
func TestExportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests ten years of receipts")
	}
	env := servertest.New(t)
	env.Catalog(t)
	n1 := seedHistory(t, env, "one-year", 1)
	n10 := seedHistory(t, env, "ten-years", 10)
	exportPeak(t, env, "one-year") // warm up pools and caches

	size1, peak1 := exportPeak(t, env, "one-year")
	size10, peak10 := exportPeak(t, env, "ten-years")
	t.Logf("1 year:   %5d receipts, document %6d KiB, peak live heap +%4d KiB", n1, size1>>10, peak1>>10)
	t.Logf("10 years: %5d receipts, document %6d KiB, peak live heap +%4d KiB", n10, size10>>10, peak10>>10)
	if size10 < 9*size1 {
		t.Fatalf("the 10-year document (%d B) is not ~10× the 1-year one (%d B)", size10, size1)
	}
	// Holding the document, or even its receipts, would cost megabytes.
	if peak10 > peak1+512<<10 || peak10 > 2<<20 {
		t.Fatalf("memory grows with history: +%d B for 1 year, +%d B for 10 years", peak1, peak10)
	}

	t.Run("Complete", func(t *testing.T) {
		var doc struct {
			Receipts []struct {
				Lines []json.RawMessage `json:"lines"`
			} `json:"receipts"`
			Counts map[string]int `json:"counts"`
		}
		var buf bytesWriter
		if err := env.DB.Export(context.Background(), "ten-years", &buf); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(buf, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Receipts) != n10 || doc.Counts["receipts"] != n10 || doc.Counts["lines"] != 4*n10 || len(doc.Receipts[n10-1].Lines) != 4 {
			t.Fatalf("%d receipts, counts %v; want %d receipts of 4 lines", len(doc.Receipts), doc.Counts, n10)
		}
	})
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// BenchmarkExport10Years reports the peak live heap of exporting ten years
// of daily receipts (peak-heap-B/op) next to the usual allocation figures.
func BenchmarkExport10Years(b *testing.B) {
	env := servertest.New(b, servertest.Options{Start: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)})
	env.Catalog(b)
	seedHistory(b, env, "ten-years", 10)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		_, p := exportPeak(b, env, "ten-years")
		peak = max(peak, p)
	}
	b.ReportMetric(float64(peak), "peak-heap-B/op")
}
