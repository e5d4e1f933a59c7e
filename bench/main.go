// Command bench is Omadata's benchmark harness (`make bench`, see
// bench/README.md). It seeds a deterministic data set through
// `omadata seed`, starts `omadata serve` (outside dev mode, trusting the
// harness's own signing key) and the peer (PostGraphile v5, bench/peer) on
// the same database, drives them with an open-loop fixed-rate load
// generator, and writes the report to bench/results/ and
// docs/performance.md.
//
//	go run ./bench -members 10000 -years 5        # the default size
//	go run ./bench -members 1000 -phases compare  # one phase, smaller
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// options are the harness's flags.
type options struct {
	members        int
	years          float64
	seed           int64
	dir            string // the cluster, data sets and logs
	bin            string // the omadata binary
	peerDir        string
	out            string // bench/results
	docs           string // docs/performance.md
	docsSet        bool   // -docs given: write it whatever the phases
	phases         string
	window         time.Duration // measured part of each fixed-rate run
	warmup         time.Duration
	slo            time.Duration // p99 bound of the throughput searches
	pool           int           // database connections of the peer
	port, peerPort int
	importSpec     spec
	growth         string
	ingestLines    float64 // lines a second beside MIX
	mixRate        float64
	mixPairs       int           // alternating pairs of MIX runs, without and with ingest
	mixWindow      time.Duration // measured time of each MIX run
	growthRate     float64
	sampleSize     int
	keepImport     bool
	render         string // a saved report to write again (-render)
	importRuns     int    // fresh imports of the file; the median counts
	serverEnv      string // extra environment of omadata serve, K=V,K=V
}

func parseFlags() options {
	var o options
	flag.IntVar(&o.members, "members", 10000, "members of the main data set")
	flag.Float64Var(&o.years, "years", 5, "years of history of the main data set")
	flag.Int64Var(&o.seed, "seed", 1, "seed of the deterministic data")
	flag.StringVar(&o.dir, "dir", ".omadata-bench", "directory of the benchmark cluster, data sets and logs (reused between runs)")
	flag.StringVar(&o.bin, "bin", "bin/omadata", "the omadata binary")
	flag.StringVar(&o.peerDir, "peer", "bench/peer", "the peer's directory (npm ci done)")
	flag.StringVar(&o.out, "out", "bench/results", "where results go")
	flag.StringVar(&o.docs, "docs", "docs/performance.md", "the report in the docs (its generated section is replaced; by default only by a complete run with the compare phase)")
	flag.StringVar(&o.phases, "phases", "import,compare,latency,ingest,mix,growth", "phases to run, comma-separated")
	flag.DurationVar(&o.window, "window", defaultWindow, "measured time of each fixed-rate run (shorter: the docs keep their run)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each run's window")
	flag.DurationVar(&o.slo, "p99", 50*time.Millisecond, "the p99 bound of the throughput searches")
	flag.IntVar(&o.pool, "peer-pool", 4, "database connections of the peer (Omadata's pool is pgx's default, max(4, cores))")
	flag.IntVar(&o.port, "port", 18080, "port of omadata serve")
	flag.IntVar(&o.peerPort, "peer-port", 15678, "port of the peer")
	flag.IntVar(&o.importSpec.Members, "import-members", 1000, "members of the import measurement's data set")
	flag.Float64Var(&o.importSpec.Years, "import-years", 1, "years of the import measurement's data set")
	// 100,000 members with three months each: a year each would be about
	// 100 million lines (40 GB, most of an hour to load) on this machine.
	flag.StringVar(&o.growth, "growth", "1000x1,1000x5,1000x10,10000x1,100000x0.25",
		"growth data sets as MEMBERSxYEARS, comma-separated (loaded with omadata import)")
	flag.Float64Var(&o.ingestLines, "ingest-lines", 5600, "receipt lines a second ingested beside MIX (10 × Finland-scale peak)")
	flag.Float64Var(&o.mixRate, "mix-rate", 0, "MIX rate with and without ingest (0: half of MIX's throughput at the p99 bound)")
	flag.IntVar(&o.mixPairs, "mix-pairs", 5, "alternating pairs of MIX runs without and with ingest")
	flag.DurationVar(&o.mixWindow, "mix-window", 30*time.Second, "measured time of each MIX run")
	flag.Float64Var(&o.growthRate, "growth-rate", 20, "request rate of the growth runs")
	flag.IntVar(&o.sampleSize, "sample", 2000, "members the workloads draw on")
	flag.StringVar(&o.serverEnv, "server-env", "", "extra environment of omadata serve, as K=V,K=V (for experiments such as GOGC=400)")
	flag.IntVar(&o.importRuns, "import-runs", 3, "imports of the file into fresh copies of the database (the median counts)")
	flag.StringVar(&o.render, "render", "", "write the Markdown (and the docs' section, as a run would) of a saved report `FILE.json` again with this harness, measuring nothing")
	flag.BoolVar(&o.keepImport, "keep-import", false, "keep the import phase's database (bench_import) and file (import.ndjson)")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) { o.docsSet = o.docsSet || f.Name == "docs" })
	o.importSpec.Seed = o.seed + 100 // other people than the main set's
	return o
}

// defaultWindow is the measured time of a fixed-rate run; a run with
// shorter windows (a quick check) does not replace the docs' run.
const defaultWindow = 10 * time.Second

// has reports whether phase is to run.
func (o options) has(phase string) bool {
	for _, p := range strings.Split(o.phases, ",") {
		if strings.TrimSpace(p) == phase {
			return true
		}
	}
	return false
}

func main() {
	o := parseFlags()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if o.render != "" {
		if err := renderReport(o); err != nil {
			log.Error("render failed", "err", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runHarness(ctx, o, log); err != nil {
		log.Error("bench failed", "err", err)
		os.Exit(1)
	}
}

// runHarness runs the phases and writes the report, also after a phase
// failed (with what was measured until then).
func runHarness(ctx context.Context, o options, log *slog.Logger) error {
	var err error
	if o.dir, err = filepath.Abs(o.dir); err != nil {
		return err
	}
	h := &harness{opt: o, log: log, logs: filepath.Join(o.dir, "logs"), rep: newReport(o)}
	if err := os.MkdirAll(h.logs, 0o755); err != nil {
		return err
	}
	if h.loc, err = time.LoadLocation("Europe/Helsinki"); err != nil {
		return err
	}
	if h.sign, err = newSigner(o.dir); err != nil {
		return err
	}
	if h.cl, err = startCluster(ctx, filepath.Join(o.dir, "cluster"), log); err != nil {
		return err
	}
	defer h.cl.stop()
	phaseErr := h.phases(ctx)
	if phaseErr != nil {
		h.rep.Failure = phaseErr.Error()
	}
	if err := h.rep.write(o); err != nil {
		return err
	}
	return phaseErr
}

// renderReport writes a saved report again: its Markdown in -out, and the
// docs' section if the report is one a run would have put there (a complete
// run with the comparison), so a corrected verdict reaches the docs without
// measuring again.
func renderReport(o options) error {
	b, err := os.ReadFile(o.render)
	if err != nil {
		return err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", o.render, err)
	}
	if !o.docsSet && len(r.Compare) == 0 {
		o.docs = ""
	}
	o.phases, o.window = "compare", defaultWindow // writeMarkdown decides on the docs by these
	return r.writeMarkdown(o)
}

// phases runs the selected phases in order.
func (h *harness) phases(ctx context.Context) error {
	if h.opt.has("import") {
		if err := h.importPhase(ctx); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	if h.opt.has("compare") || h.opt.has("latency") || h.opt.has("ingest") || h.opt.has("mix") {
		if err := h.mainPhases(ctx); err != nil {
			return err
		}
	}
	if h.opt.has("growth") {
		if err := h.growthPhase(ctx); err != nil {
			return fmt.Errorf("growth: %w", err)
		}
	}
	return nil
}
