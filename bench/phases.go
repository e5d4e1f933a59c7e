package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// importPhase measures `omadata import`: a database with the seed's
// catalog and members, the seed's receipts as NDJSON, imported into
// -import-runs fresh copies of that database (the median counts: one run
// on this shared machine moved between 45,000 and 59,000 lines/s within an
// hour), then once more into the last copy, which must store nothing.
func (h *harness) importPhase(ctx context.Context) error {
	s := h.opt.importSpec
	name, template := "bench_import", "bench_import_template"
	for _, db := range []string{name, template} {
		if err := h.cl.dropDatabase(ctx, db); err != nil {
			return err
		}
	}
	if _, err := h.cl.createDatabase(ctx, template); err != nil {
		return err
	}
	defer h.cl.dropDatabase(context.WithoutCancel(ctx), template)
	if !h.opt.keepImport {
		defer h.cl.dropDatabase(context.WithoutCancel(ctx), name)
	}
	url := h.cl.url(template)
	if err := run(ctx, h.logs, "migrate-import", h.omadataEnv(url), h.opt.bin, "migrate"); err != nil {
		return err
	}
	file := filepath.Join(h.opt.dir, "import.ndjson")
	if !h.opt.keepImport {
		defer os.Remove(file)
	}
	lines, err := writeNDJSON(ctx, url, s, file)
	if err != nil {
		return err
	}
	// The catalog, cards and members were written a moment ago: give them
	// the statistics and visibility maps a running database has long had,
	// as settle does for the main data set, so the import is planned as it
	// would be in service (without them it took about 13 % longer).
	if err := vacuumAnalyze(ctx, url); err != nil {
		return err
	}
	res := &importResult{Spec: s, FileLines: lines, FirstRuns: max(1, h.opt.importRuns)}
	if fi, err := os.Stat(file); err == nil {
		res.FileBytes = fi.Size()
	}
	logs := []string{}
	for i := range res.FirstRuns {
		logs = append(logs, fmt.Sprintf("import-first-%d", i+1))
	}
	for i, log := range append(logs, "import-again") {
		if i < res.FirstRuns {
			if err := h.cl.copyDatabase(ctx, name, template); err != nil {
				return err
			}
		}
		sum, secs, err := h.importFile(ctx, h.cl.url(name), file, log)
		if err != nil {
			return err
		}
		res.Runs = append(res.Runs, importRun{Summary: sum.ImportSummary, Seconds: secs,
			LinesPerSecond: float64(lines) / secs})
		h.log.Info("import", "run", i+1, "summary", fmt.Sprintf("%+v", sum.ImportSummary), "seconds", secs)
	}
	h.rep.Import = res
	return nil
}

// mainPhases runs the phases on the main data set with both servers.
func (h *harness) mainPhases(ctx context.Context) error {
	d, err := h.ensureDataset(ctx, spec{Members: h.opt.members, Years: h.opt.years, Seed: h.opt.seed}, viaSeed)
	if err != nil {
		return fmt.Errorf("data set: %w", err)
	}
	h.rep.Dataset = d
	oma, err := h.startOmadata(d)
	if err != nil {
		return err
	}
	defer func() { h.rep.OmadataPeakRSS = peakRSS(oma.proc.pid()); oma.proc.stop() }()
	s, err := loadSample(ctx, d.url, h.opt.sampleSize)
	if err != nil {
		return err
	}
	ig, err := newIngestGen(ctx, d.url)
	if err != nil {
		return err
	}
	g := newGen(s, h.sign, h.loc, ig)
	h.rep.Sample = sampleInfo{Members: len(s.members), Sharers: len(s.sharers)}
	if h.opt.has("compare") {
		if err := h.comparePhase(ctx, d, g, oma); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	if h.opt.has("latency") {
		h.latencyPhase(ctx, g, oma)
	}
	if h.opt.has("ingest") {
		if err := h.ingestPhase(ctx, g, oma); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
	}
	if h.opt.has("mix") {
		h.mixPhase(ctx, g, oma)
	}
	return nil
}

// comparePhase runs R1, R2 and H1 against Omadata and the peer, step by
// step alternating, after checking that both answer the same and that the
// peer enforces row-level security.
func (h *harness) comparePhase(ctx context.Context, d *dataset, g *gen, oma *target) error {
	peer, err := h.startPeer(ctx, d)
	if err != nil {
		return err
	}
	defer func() { h.rep.PeerPeakRSS = peakRSS(peer.proc.pid()); peer.proc.stop() }()
	h.rep.Checks = checkEquivalence(ctx, g, oma, peer)
	for _, wl := range []string{"R1", "R2", "H1"} {
		so, sp := newSearch(oma, wl), newSearch(peer, wl)
		h.runSearches(ctx, g, so, sp)
		h.rep.Compare = append(h.rep.Compare, newComparison(wl, so, sp))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// latencyPhase finds Omadata's throughput at the p99 bound of the other
// workloads.
func (h *harness) latencyPhase(ctx context.Context, g *gen, oma *target) {
	for _, wl := range []string{"I1", "I2", "M1", "MIX"} {
		s := newSearch(oma, wl)
		h.runSearches(ctx, g, s)
		h.rep.Latency = append(h.rep.Latency, searchResult{Workload: wl, Best: s.best, Steps: s.steps})
	}
}

// growthPhase measures R1, I1 and I2 on data sets of growing history and
// membership, at a fixed low rate (the latency of a request on its own,
// not under load).
func (h *harness) growthPhase(ctx context.Context) error {
	specs, err := parseGrowth(h.opt.growth, h.opt.seed)
	if err != nil {
		return err
	}
	for _, s := range specs {
		if err := h.growthPoint(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func (h *harness) growthPoint(ctx context.Context, s spec) error {
	d, err := h.ensureDataset(ctx, s, viaImport)
	if err != nil {
		return err
	}
	oma, err := h.startOmadata(d)
	if err != nil {
		return err
	}
	defer oma.proc.stop()
	smp, err := loadSample(ctx, d.url, 200)
	if err != nil {
		return err
	}
	g := newGen(smp, h.sign, h.loc, nil)
	wls := g.workloads()
	point := growthPoint{Dataset: d}
	for _, wl := range []string{"R1", "I1", "I2"} {
		r := h.fixedRate(ctx, g, wls[wl], oma, wl, h.opt.growthRate, 7)
		h.log.Info("growth", "dataset", s.String(), "workload", wl, "p50", r.P50, "p99", r.P99, "errors", r.Errors)
		point.Runs = append(point.Runs, r)
	}
	h.rep.Growth = append(h.rep.Growth, point)
	return ctx.Err()
}

// parseGrowth parses "1000x1,10000x5" into data set specs.
func parseGrowth(s string, seed int64) ([]spec, error) {
	var out []spec
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		m, y, ok := strings.Cut(item, "x")
		members, err1 := strconv.Atoi(m)
		years, err2 := strconv.ParseFloat(y, 64)
		if !ok || err1 != nil || err2 != nil || members < 1 || years <= 0 || years > 10 {
			return nil, fmt.Errorf("growth data set %q: want MEMBERSxYEARS, years at most 10", item)
		}
		out = append(out, spec{Members: members, Years: years, Seed: seed})
	}
	return out, nil
}

// newRand returns the generator of one run.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6f6d61)) }

// since is the seconds since t.
func since(t time.Time) float64 { return time.Since(t).Seconds() }
