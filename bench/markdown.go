package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Targets of the issue, checked in the summary.
const (
	targetRatio        = 1.5
	targetIngestLines  = 20000
	targetImportLines  = 50000
	targetMixIncrease  = 0.20
	targetP99BoundText = "p99 ≤ 50 ms"
)

// markdown renders the report.
func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("### Run of %s\n\n", r.Started.Format("2006-01-02 15:04 UTC"))
	m := r.Machine
	p("%d cores (%s), %.0f GB; %s; %s; Node %s; %s. Load generator, server and PostgreSQL share the machine.\n\n",
		m.Cores, m.CPU, m.MemoryGB, m.Go, m.Postgres, m.Node, m.Peer)
	p("Runs: open loop at a fixed rate, %v warm-up then %v measured; latency from each request's scheduled time. "+
		"Omadata has pgx's default pool (max(4, cores) connections), the peer %v.\n\n", r.Settings["warmup"], r.Settings["window"], r.Settings["peerPool"])
	if d := r.Dataset; d != nil {
		p("Main data set: %s (seed %d) via `%s`: %d receipts, %d lines, %.1f GB, loaded at %.0f lines/s. Sample: %d members (%d who see a household).\n\n",
			d.spec, d.Seed, d.Via, d.Receipts, d.Lines, float64(d.Bytes)/1e9, d.LinesPerSecond, r.Sample.Members, r.Sample.Sharers)
	}
	if r.Failure != "" {
		p("**The run stopped early:** %s\n\n", r.Failure)
	}
	r.summaryMD(p)
	r.compareMD(p)
	r.latencyMD(p)
	r.ingestMD(p)
	r.importMD(p)
	r.mixMD(p)
	r.growthMD(p)
	r.checksMD(p)
	return b.String()
}

type printer func(format string, args ...any)

// summaryMD is the targets against the measurements.
func (r *report) summaryMD(p printer) {
	p("#### Targets\n\n| target | measured | met |\n|---|---|---|\n")
	for _, c := range r.Compare {
		if c.Workload == "H1" {
			continue
		}
		p("| %s: Omadata ≥ %.1f × PostGraphile's throughput at %s | %.2f × | %s |\n",
			c.Workload, targetRatio, targetP99BoundText, c.Ratio, yes(c.Ratio >= targetRatio))
	}
	if r.Ingest != nil {
		best := 0.0
		for _, run := range r.Ingest.Runs {
			best = max(best, run.LinesPerSecond)
		}
		p("| ingestReceipts ≥ %d lines/s sustained | %.0f lines/s | %s |\n", targetIngestLines, best, yes(best >= targetIngestLines))
	}
	if r.Import != nil && len(r.Import.Runs) > 0 {
		rate := r.Import.medianRate()
		p("| omadata import ≥ %d lines/s | %.0f lines/s%s | %s |\n", targetImportLines, rate,
			map[bool]string{true: " (median)"}[len(r.Import.firstRuns()) > 1], yes(rate >= targetImportLines))
	}
	if r.Mix != nil {
		if r.Mix.baselineOK() {
			p("| ingest at %.0f lines/s adds ≤ 20 %% to MIX p99 | %+.0f %% | %s |\n",
				r.Mix.IngestLines, 100*r.Mix.P99Increase, yes(r.Mix.P99Increase <= targetMixIncrease))
		} else {
			p("| ingest at %.0f lines/s adds ≤ 20 %% to MIX p99 | %+.0f %%, but MIX alone had p99 %.1f ms at %.0f requests/s | **inconclusive** (MIX alone over the bound) |\n",
				r.Mix.IngestLines, 100*r.Mix.P99Increase, medianP99(r.Mix.Without), r.Mix.Rate)
		}
	}
	p("\n")
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// runCells renders a run as table cells: rate, p50, p99, p99.9, CPU.
func runCells(r *runResult) string {
	if r == nil {
		return "no rate met the bound | | | | |"
	}
	return fmt.Sprintf("%.0f/s | %.1f | %.1f | %.1f | %.2f + %.2f |", r.Throughput, r.P50, r.P99, r.P999, r.ServerCPUms, r.DBCPUms)
}

func (r *report) compareMD(p printer) {
	if len(r.Compare) == 0 {
		return
	}
	p("#### Omadata and PostGraphile, same database, alternating\n\n")
	p("Highest fixed rate with %s and no errors; latencies in ms; CPU is ms per request of the server process + of PostgreSQL.\n\n", targetP99BoundText)
	p("| workload | server | throughput | p50 | p99 | p99.9 | CPU ms/req | ratio |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Compare {
		p("| %s | Omadata | %s %.2f × |\n", c.Workload, runCells(c.Omadata), c.Ratio)
		p("| %s | PostGraphile | %s |\n", c.Workload, runCells(c.Peer))
	}
	if r.OmadataPeakRSS > 0 || r.PeerPeakRSS > 0 {
		p("\nPeak resident memory: Omadata %.0f MB, PostGraphile %.0f MB.\n", float64(r.OmadataPeakRSS)/1e6, float64(r.PeerPeakRSS)/1e6)
	}
	p("\n")
}

func (r *report) latencyMD(p printer) {
	if len(r.Latency) == 0 {
		return
	}
	p("#### Other workloads (Omadata)\n\n| workload | throughput | p50 | p99 | p99.9 | CPU ms/req |\n|---|---|---|---|---|---|\n")
	for _, l := range r.Latency {
		p("| %s | %s\n", l.Workload, runCells(l.Best))
	}
	p("\n")
}

func (r *report) ingestMD(p printer) {
	if r.Ingest == nil {
		return
	}
	p("#### G1: ingestReceipts, batches of %d receipts × %d lines, over HTTP\n\n", g1Receipts, g1Lines)
	p("| POS clients | lines/s | of them stored | batch p50 ms | batch p99 ms | CPU ms/batch | errors |\n|---|---|---|---|---|---|---|\n")
	for _, run := range r.Ingest.Runs {
		p("| %d | %.0f | %.0f | %.0f | %.0f | %.0f + %.0f | %d |\n", run.Concurrency, run.LinesPerSecond,
			float64(run.LinesStored)/run.Seconds, run.P50, run.P99, run.ServerCPUms, run.DBCPUms, run.Errors)
	}
	if rp := r.Ingest.Replay; rp != nil {
		p("\nReplaying a batch: accepted %d, duplicates %d, lines stored %d.\n", rp.Accepted, rp.Duplicates, rp.LinesStored)
	}
	p("\n")
}

func (r *report) importMD(p printer) {
	if r.Import == nil {
		return
	}
	im := r.Import
	p("#### omadata import (COPY)\n\nA file of %d receipt lines (%s, %.0f MB), into a database holding only catalog and members:\n\n",
		im.FileLines, im.Spec, float64(im.FileBytes)/1e6)
	p("| run | seconds | lines/s | summary |\n|---|---|---|---|\n")
	first := len(im.firstRuns())
	for i, run := range im.Runs {
		name := "first"
		switch {
		case i >= first:
			name = "again (idempotent)"
		case first > 1:
			name = fmt.Sprintf("first, fresh copy %d", i+1)
		}
		p("| %s | %.1f | %.0f | %s |\n", name, run.Seconds, run.LinesPerSecond, compactJSON(run.Summary))
	}
	p("\n")
}

func (r *report) mixMD(p printer) {
	if r.Mix == nil {
		return
	}
	mx := r.Mix
	window := mx.Window
	if window == "" {
		window = "10s" // reports before -mix-window
	}
	p("#### MIX with and without ingest beside it\n\nMIX at %.0f requests/s; ingest at %.0f lines/s (G1 batches, open loop). %d pairs of %s runs, alternately.\n\n", mx.Rate, mx.IngestLines, len(mx.Without), window)
	p("| pair | MIX p50 / p99 / p99.9 without | with ingest | ingest batch p99 | ingest errors |\n|---|---|---|---|---|\n")
	for i := range mx.Without {
		w, x := mx.Without[i], mx.With[i]
		var ing runResult
		if i < len(mx.Ingest) {
			ing = mx.Ingest[i]
		}
		p("| %d | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f | %.0f | %d |\n", i+1, w.P50, w.P99, w.P999, x.P50, x.P99, x.P999, ing.P99, ing.Errors)
	}
	p("\nMedian p99: %.1f ms without, %.1f ms with ingest (%+.0f %%).\n\n", medianP99(mx.Without), medianP99(mx.With), 100*mx.P99Increase)
	if !mx.baselineOK() {
		p("MIX alone was over the p99 bound at this rate, so it queued on its own and the difference says nothing about ingest: rerun with a lower `-mix-rate`.\n\n")
	}
	p("By workload (median over the pairs of each one's p50 / p99, ms):\n\n| workload | without | with ingest |\n|---|---|---|\n")
	for _, sh := range mixShares {
		w, x := medianPart(mx.Without, sh.name), medianPart(mx.With, sh.name)
		p("| %s (%d %%) | %.1f / %.1f | %.1f / %.1f |\n", sh.name, sh.share, w.P50, w.P99, x.P50, x.P99)
	}
	p("\n")
}

// medianPart is the median, over runs, of one workload's p50 and p99.
func medianPart(rs []runResult, name string) part {
	var p50, p99 []float64
	for _, r := range rs {
		if pt, ok := r.ByWorkload[name]; ok {
			p50, p99 = append(p50, pt.P50), append(p99, pt.P99)
		}
	}
	if len(p50) == 0 {
		return part{}
	}
	slices.Sort(p50)
	slices.Sort(p99)
	return part{P50: p50[len(p50)/2], P99: p99[len(p99)/2]}
}

func (r *report) growthMD(p printer) {
	if len(r.Growth) == 0 {
		return
	}
	p("#### Growth: latency at %s on its own (low fixed rate)\n\n", "R1, I1, I2")
	p("| data set | receipts | lines | GB | R1 p50 / p99 | I1 p50 / p99 | I2 p50 / p99 | CPU ms/req R1, I1, I2 (server + db) |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range r.Growth {
		d := g.Dataset
		p("| %s | %d | %d | %.1f |", d.spec, d.Receipts, d.Lines, float64(d.Bytes)/1e9)
		var cpu []string
		for _, run := range g.Runs {
			p(" %.1f / %.1f |", run.P50, run.P99)
			cpu = append(cpu, fmt.Sprintf("%.2f + %.2f", run.ServerCPUms, run.DBCPUms))
		}
		p(" %s |\n", strings.Join(cpu, ", "))
	}
	p("\n")
}

func (r *report) checksMD(p printer) {
	if len(r.Checks) == 0 {
		return
	}
	p("#### Checks before measuring\n\n")
	for _, c := range r.Checks {
		mark := "ok"
		if !c.OK {
			mark = "FAILED: " + c.Detail
		}
		p("- %s: %s\n", c.Name, mark)
	}
	p("\n")
}

// compactJSON renders v on one line.
func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return "`" + string(b) + "`"
}
