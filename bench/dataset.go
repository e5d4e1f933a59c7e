package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/seed"
	"github.com/omadata/omadata/storage"
)

// spec sizes a data set of the deterministic seed (seed/).
type spec struct {
	Members int     `json:"members"`
	Years   float64 `json:"years"`
	Seed    int64   `json:"seed"`
}

// dbName is the database of the data set.
func (s spec) dbName() string {
	return strings.ReplaceAll(fmt.Sprintf("bench_m%d_y%g_s%d", s.Members, s.Years, s.Seed), ".", "p")
}

func (s spec) String() string { return fmt.Sprintf("%d members × %g years", s.Members, s.Years) }

// How a data set's receipts were loaded.
const (
	viaSeed   = "omadata seed"
	viaImport = "omadata import"
)

// dataset is a loaded database and what it holds.
type dataset struct {
	spec
	Via            string  `json:"via"`
	Receipts       int64   `json:"receipts"`
	Lines          int64   `json:"lines"`
	Bytes          int64   `json:"bytes"`
	LoadSeconds    float64 `json:"loadSeconds"`
	LinesPerSecond float64 `json:"loadLinesPerSecond"`
	url            string
}

// ensureDataset returns the data set, loading it first unless a previous
// run of the harness left it complete (a marker file says so).
func (h *harness) ensureDataset(ctx context.Context, s spec, via string) (*dataset, error) {
	marker := filepath.Join(h.opt.dir, "datasets", s.dbName()+".json")
	d := &dataset{spec: s, url: h.cl.url(s.dbName())}
	if b, err := os.ReadFile(marker); err == nil && json.Unmarshal(b, d) == nil {
		if created, err := h.cl.createDatabase(ctx, s.dbName()); err == nil && !created {
			h.log.Info("data set reused", "dataset", s.String(), "via", d.Via)
			return d, nil
		}
	}
	h.log.Info("loading data set", "dataset", s.String(), "via", via)
	if err := h.cl.dropDatabase(ctx, s.dbName()); err != nil {
		return nil, err
	}
	if _, err := h.cl.createDatabase(ctx, s.dbName()); err != nil {
		return nil, err
	}
	d.Via = via
	var err error
	if via == viaSeed {
		err = h.loadBySeed(ctx, d)
	} else {
		err = h.loadByImport(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	if err := h.settle(ctx, d); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(marker), 0o755); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(d, "", "  ")
	return d, os.WriteFile(marker, b, 0o644)
}

// loadBySeed runs `omadata seed` (through the storage's ingest).
func (h *harness) loadBySeed(ctx context.Context, d *dataset) error {
	start := time.Now()
	err := run(ctx, h.logs, "seed-"+d.dbName(), h.omadataEnv(d.url), h.opt.bin, "seed",
		"--members", fmt.Sprint(d.Members), "--years", fmt.Sprint(d.Years), "--seed", fmt.Sprint(d.Seed), "--batch", "1000")
	d.LoadSeconds = time.Since(start).Seconds()
	return err
}

// loadByImport writes the catalog and members through the storage, the
// receipts of the same seed to an NDJSON file, and loads that with
// `omadata import` (faster than the seed's ingest).
func (h *harness) loadByImport(ctx context.Context, d *dataset) error {
	if err := run(ctx, h.logs, "migrate-"+d.dbName(), h.omadataEnv(d.url), h.opt.bin, "migrate"); err != nil {
		return err
	}
	file := filepath.Join(h.opt.dir, d.dbName()+".ndjson")
	defer os.Remove(file)
	if _, err := writeNDJSON(ctx, d.url, d.spec, file); err != nil {
		return err
	}
	sum, secs, err := h.importFile(ctx, d.url, file, "import-"+d.dbName())
	if err == nil && sum.Rejected > 0 {
		err = fmt.Errorf("import of %s rejected %d receipts", d.spec, sum.Rejected)
	}
	d.LoadSeconds = secs
	return err
}

// importSummary is what `omadata import` prints.
type importSummary struct {
	storage.ImportSummary
	Seconds     float64 `json:"seconds"`
	LinesPerSec float64 `json:"linesPerSecond"`
}

// importFile runs `omadata import file` and returns its summary and the
// wall time of the command.
func (h *harness) importFile(ctx context.Context, url, file, logName string) (*importSummary, float64, error) {
	start := time.Now()
	err := run(ctx, h.logs, logName, h.omadataEnv(url), h.opt.bin, "import", file)
	secs := time.Since(start).Seconds()
	if err != nil {
		return nil, secs, err
	}
	b, err := os.ReadFile(filepath.Join(h.logs, logName+".log"))
	if err != nil {
		return nil, secs, err
	}
	// The summary is the last line with the rate (log lines are JSON too).
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var s importSummary
		if strings.Contains(lines[i], `"linesPerSecond"`) && json.Unmarshal([]byte(lines[i]), &s) == nil {
			return &s, secs, nil
		}
	}
	return nil, secs, errors.New("omadata import printed no summary")
}

// settle brings a fresh data set to the state a running service keeps:
// one retention pass (so the server does not start with one), fresh
// statistics and visibility maps; then it counts what it holds.
func (h *harness) settle(ctx context.Context, d *dataset) error {
	if err := run(ctx, h.logs, "retention-"+d.dbName(), h.omadataEnv(d.url), h.opt.bin, "retention", "run"); err != nil {
		return err
	}
	if err := vacuumAnalyze(ctx, d.url); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, d.url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM receipts), (SELECT count(*) FROM receipt_lines),
		pg_database_size(current_database())`).Scan(&d.Receipts, &d.Lines, &d.Bytes)
	if d.LoadSeconds > 0 {
		d.LinesPerSecond = float64(d.Lines) / d.LoadSeconds
	}
	return err
}

// vacuumAnalyze brings a database's statistics and visibility maps up to
// date.
func vacuumAnalyze(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "VACUUM (ANALYZE)")
	return err
}

// settableClock is the storage's clock while the seed dates members.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now()
	}
	return c.t
}

func (c *settableClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// ndjsonSink is a seed.Sink that writes catalog and members to the
// database and receipts to an NDJSON file, for `omadata import`.
type ndjsonSink struct {
	*storage.DB
	w     *bufio.Writer
	lines int
}

// IngestReceipts writes the receipts to the file.
func (s *ndjsonSink) IngestReceipts(_ context.Context, in []model.ReceiptInput) (*model.IngestResult, error) {
	for _, r := range in {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		s.w.Write(b)
		s.w.WriteByte('\n')
		s.lines += len(r.Lines)
	}
	return &model.IngestResult{Accepted: len(in)}, nil
}

// writeNDJSON seeds the catalog and members of s into the database at url
// and writes its receipts to file; it returns the number of lines.
func writeNDJSON(ctx context.Context, url string, s spec, file string) (int, error) {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		return 0, err
	}
	clock := &settableClock{}
	db, err := storage.Open(ctx, storage.Config{URL: url, Now: clock.Now, Location: loc, RetentionYears: 10, MaxRetentionYears: 10})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	f, err := os.Create(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sink := &ndjsonSink{DB: db, w: bufio.NewWriterSize(f, 1<<20)}
	_, err = seed.Run(ctx, sink, seed.Options{Members: s.Members, Years: s.Years, Seed: s.Seed, Now: time.Now(),
		Location: loc, Batch: seed.MaxBatch, SetClock: clock.Set})
	if err != nil {
		return 0, err
	}
	return sink.lines, sink.w.Flush()
}
