package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The harness's own logic; its measurements run with `make bench`.

func TestQuantile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for q, want := range map[float64]float64{0.5: 5, 0.99: 10, 0.1: 1, 0.999: 10} {
		if got := quantile(sorted, q); got != want {
			t.Errorf("quantile %v = %v, want %v", q, got, want)
		}
	}
}

func TestSearch(t *testing.T) {
	slo := 50 * time.Millisecond
	s := newSearch(&target{name: "omadata"}, "R1")
	run := func(rate, p99 float64, errors int) {
		s.record(runResult{Rate: rate, P99: p99, Requests: 1000, Errors: errors}, slo)
	}
	t.Run("OKDoublesWhilePassing", func(t *testing.T) {
		run(50, 10, 0)
		run(100, 20, 0)
		if s.rate != 200 || s.lo != 100 || s.done {
			t.Fatalf("after two passes: %+v", s)
		}
	})
	t.Run("OKBisectsAfterAFailure", func(t *testing.T) {
		run(200, 80, 0)
		if s.rate != 150 || s.hi != 200 {
			t.Fatalf("after a failure: %+v", s)
		}
	})
	t.Run("ErrErrorsFailARun", func(t *testing.T) {
		run(150, 10, 5)
		if s.hi != 150 || s.rate != 125 || s.best.Rate != 100 {
			t.Fatalf("a run with errors passed: %+v", s)
		}
	})
	t.Run("OKStopsWhenClose", func(t *testing.T) {
		run(125, 30, 0)
		run(137.5, 30, 0)
		if s.done {
			t.Fatalf("done at 137.5 of 150: %+v", s)
		}
		run(143.75, 30, 0)
		if !s.done || s.best.Rate != 143.75 {
			t.Fatalf("not done within 8 %%: %+v", s)
		}
	})
}

func TestReplaceSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "performance.md")
	t.Run("OKAppendsMarkers", func(t *testing.T) {
		os.WriteFile(path, []byte("# Performance\n\n## Insights\n\nkept\n"), 0o644)
		if err := replaceSection(path, "run one"); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if s := string(b); !strings.HasPrefix(s, "# Performance\n\n## Insights\n\nkept\n") || !strings.Contains(s, beginMarker+"\n\nrun one\n"+endMarker) {
			t.Fatalf("got %q", s)
		}
	})
	t.Run("OKReplacesBetweenMarkersOnly", func(t *testing.T) {
		if err := replaceSection(path, "run two"); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if s := string(b); strings.Contains(s, "run one") || !strings.Contains(s, "run two") || !strings.Contains(s, "kept") {
			t.Fatalf("got %q", s)
		}
	})
}

func TestParseGrowth(t *testing.T) {
	specs, err := parseGrowth("1000x1, 10000x0.5", 3)
	if err != nil || len(specs) != 2 || specs[1] != (spec{Members: 10000, Years: 0.5, Seed: 3}) {
		t.Fatalf("got %v %v", specs, err)
	}
	for _, bad := range []string{"1000", "x5", "1000x11", "0x1", "ax1"} {
		if _, err := parseGrowth(bad, 1); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := (spec{Members: 10000, Years: 0.5, Seed: 3}).dbName(); got != "bench_m10000_y0p5_s3" {
		t.Errorf("dbName = %q", got)
	}
}

func TestOnlyConsentErrors(t *testing.T) {
	for body, want := range map[string]bool{
		`{"data":{},"errors":[{"extensions":{"code":"CONSENT_REQUIRED"}}]}`:                                             true,
		`{"data":{},"errors":[{"extensions":{"code":"CONSENT_REQUIRED"}},{"extensions":{"code":"INTERNAL"}}]}`:          false,
		`{"data":null,"errors":[{"message":"An error occurred (logged with hash: 'x')","extensions":{"errorId":"x"}}]}`: false,
		`{"data":{}}`: false,
	} {
		if got := onlyConsentErrors([]byte(body)); got != want {
			t.Errorf("%s: %v, want %v", body, got, want)
		}
	}
}

func TestSameSetting(t *testing.T) {
	for _, c := range []struct {
		cur, unit, want string
		same            bool
	}{
		{"262144", "8kB", "2GB", true},
		{"16384", "8kB", "2GB", false},
		{"900", "s", "15min", true},
		{"8192", "MB", "8GB", true},
	} {
		if got := sameSetting(c.cur, c.unit, c.want); got != c.same {
			t.Errorf("%s %s vs %s: %v", c.cur, c.unit, c.want, got)
		}
	}
}

// TestReportDocs checks which runs replace the docs' generated section: a
// complete run with the compare phase, or any run given -docs; a run of
// other phases, or one that stopped early, writes its results only.
func TestReportDocs(t *testing.T) {
	for _, tt := range []struct {
		name    string
		phases  string
		failure string
		docsSet bool
		want    bool
	}{
		{"OKComplete", "import,compare,latency,ingest,mix,growth", "", false, true},
		{"OKWithoutGrowth", "compare,latency", "", false, true},
		{"OKDocsGiven", "ingest", "", true, true},
		{"OnePhase", "ingest", "", false, false},
		{"StoppedEarly", "import,compare,latency,ingest,mix,growth", "ingest: context canceled", false, false},
		{"QuickCheck", "compare", "", false, false}, // -window 3s, as the peer check at 21:10 on 2026-12-05
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			docs := filepath.Join(dir, "performance.md")
			os.WriteFile(docs, []byte("# Performance\n"), 0o644)
			o := options{out: filepath.Join(dir, "results"), docs: docs, docsSet: tt.docsSet, phases: tt.phases, window: defaultWindow}
			if tt.name == "QuickCheck" {
				o.window = 3 * time.Second
			}
			r := &report{Started: time.Now().UTC(), Settings: map[string]any{}, Failure: tt.failure}
			if err := r.write(o); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(docs)
			if got := strings.Contains(string(b), beginMarker); got != tt.want {
				t.Fatalf("docs rewritten: %v, want %v", got, tt.want)
			}
			if files, _ := os.ReadDir(o.out); len(files) != 2 {
				t.Fatalf("%d result files, want the JSON and the Markdown", len(files))
			}
		})
	}
}

func TestImportMedian(t *testing.T) {
	runs := func(rates ...float64) []importRun {
		var out []importRun
		for _, r := range rates {
			out = append(out, importRun{LinesPerSecond: r})
		}
		return out
	}
	// Three fresh imports and the idempotent one: the median of the three.
	im := &importResult{FirstRuns: 3, Runs: runs(45000, 59000, 52000, 190000)}
	if got := im.medianRate(); got != 52000 {
		t.Fatalf("median %v, want 52000", got)
	}
	// A report from before -import-runs: its first run.
	old := &importResult{Runs: runs(44000, 180000)}
	if got := old.medianRate(); got != 44000 || len(old.firstRuns()) != 1 {
		t.Fatalf("old report: median %v of %d runs, want 44000 of 1", got, len(old.firstRuns()))
	}
}

// TestMixVerdict: a MIX comparison counts only when MIX alone kept its p99
// within the bound; the 19:22 run of 2026-12-05 (MIX at 200/s, 86 ms
// without ingest, 83 ms with) must not read as the target met.
func TestMixVerdict(t *testing.T) {
	p99s := func(v ...float64) []runResult {
		var out []runResult
		for _, x := range v {
			out = append(out, runResult{P99: x})
		}
		return out
	}
	for _, tt := range []struct {
		name     string
		mix      mixReport
		ok       bool
		wantCell string
	}{
		{"Met", mixReport{BoundMs: 50, Without: p99s(40, 42, 44), With: p99s(45, 48, 50), P99Increase: 0.14}, true, "| yes |"},
		{"Missed", mixReport{BoundMs: 50, Without: p99s(34, 42, 45), With: p99s(50, 53, 57), P99Increase: 0.26}, true, "| **no** |"},
		{"Saturated", mixReport{BoundMs: 50, Rate: 200, Without: p99s(49, 86, 104), With: p99s(60, 83, 224), P99Increase: -0.04}, false, "**inconclusive**"},
		{"OldReport", mixReport{Without: p99s(60, 70, 80), With: p99s(60, 70, 80)}, false, "**inconclusive**"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mix.baselineOK(); got != tt.ok {
				t.Fatalf("baselineOK %v, want %v", got, tt.ok)
			}
			r := &report{Settings: map[string]any{}, Mix: &tt.mix}
			var b strings.Builder
			r.summaryMD(func(f string, a ...any) { fmt.Fprintf(&b, f, a...) })
			if !strings.Contains(b.String(), tt.wantCell) {
				t.Fatalf("targets table lacks %q:\n%s", tt.wantCell, b.String())
			}
		})
	}
}
