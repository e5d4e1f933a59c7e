package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/omadata/omadata/storage/pgcluster"
)

// report is everything one run of the harness measured.
type report struct {
	Started  time.Time      `json:"started"`
	Machine  machine        `json:"machine"`
	Settings map[string]any `json:"settings"`
	Dataset  *dataset       `json:"dataset,omitempty"`
	Sample   sampleInfo     `json:"sample"`
	Checks   []check        `json:"checks,omitempty"`
	Compare  []comparison   `json:"compare,omitempty"`
	Latency  []searchResult `json:"latency,omitempty"`
	Ingest   *ingestReport  `json:"ingest,omitempty"`
	Mix      *mixReport     `json:"mix,omitempty"`
	Import   *importResult  `json:"import,omitempty"`
	Growth   []growthPoint  `json:"growth,omitempty"`
	// Peak resident memory of the servers over the main phases.
	OmadataPeakRSS int64  `json:"omadataPeakRssBytes,omitempty"`
	PeerPeakRSS    int64  `json:"peerPeakRssBytes,omitempty"`
	Failure        string `json:"failure,omitempty"`
}

type machine struct {
	CPU, Postgres, Node, Peer, Go string
	Cores                         int
	MemoryGB                      float64
}

type sampleInfo struct {
	Members int `json:"members"`
	Sharers int `json:"sharers"`
}

// comparison is a workload on both servers.
type comparison struct {
	Workload string      `json:"workload"`
	Omadata  *runResult  `json:"omadata"`
	Peer     *runResult  `json:"peer"`
	Ratio    float64     `json:"ratio"` // Omadata's throughput over the peer's
	Steps    []runResult `json:"steps"`
}

func newComparison(wl string, o, p *search) comparison {
	c := comparison{Workload: wl, Omadata: o.best, Peer: p.best, Steps: append(append([]runResult{}, o.steps...), p.steps...)}
	if o.best != nil && p.best != nil && p.best.Throughput > 0 {
		c.Ratio = o.best.Throughput / p.best.Throughput
	}
	return c
}

// searchResult is one workload's throughput search.
type searchResult struct {
	Workload string      `json:"workload"`
	Best     *runResult  `json:"best"`
	Steps    []runResult `json:"steps"`
}

type importResult struct {
	Spec      spec  `json:"dataset"`
	FileLines int   `json:"fileLines"`
	FileBytes int64 `json:"fileBytes"`
	// Runs are FirstRuns imports into fresh databases, then one more into
	// the last of them (all duplicates). Reports before -import-runs have
	// one first run and FirstRuns 0.
	Runs      []importRun `json:"runs"`
	FirstRuns int         `json:"firstRuns,omitempty"`
}

// firstRuns returns the imports into fresh databases.
func (im *importResult) firstRuns() []importRun {
	n := max(1, im.FirstRuns)
	return im.Runs[:min(n, len(im.Runs))]
}

// medianRate is the median lines per second of the first runs.
func (im *importResult) medianRate() float64 {
	var v []float64
	for _, r := range im.firstRuns() {
		v = append(v, r.LinesPerSecond)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

type importRun struct {
	Summary        any     `json:"summary"`
	Seconds        float64 `json:"seconds"`
	LinesPerSecond float64 `json:"fileLinesPerSecond"`
}

type growthPoint struct {
	Dataset *dataset    `json:"dataset"`
	Runs    []runResult `json:"runs"`
}

func newReport(o options) *report {
	return &report{Started: time.Now().UTC(), Machine: describeMachine(o), Settings: map[string]any{
		"window": o.window.String(), "warmup": o.warmup.String(), "p99Bound": o.slo.String(),
		"peerPool": o.pool, "database": benchSettings, "phases": o.phases, "serverEnv": o.serverEnv,
	}}
}

// describeMachine records what the numbers were measured on.
func describeMachine(o options) machine {
	m := machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %f kB", &kb)
		m.MemoryGB = kb / (1 << 20)
	}
	m.Postgres = postgresVersion()
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.Node = strings.TrimSpace(string(out))
	}
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(o.peerDir, "node_modules", "postgraphile", "package.json")); err == nil {
		_ = json.Unmarshal(b, &pkg)
		m.Peer = "PostGraphile " + pkg.Version
	}
	return m
}

// postgresVersion is the version of the server pgcluster runs.
func postgresVersion() string {
	dir, err := pgcluster.BinDir()
	if err != nil {
		return ""
	}
	out, err := exec.Command(filepath.Join(dir, "postgres"), "--version").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// write saves the report as JSON and Markdown under out and replaces the
// generated section of the docs.
func (r *report) write(o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.WriteFile(filepath.Join(o.out, r.stamp()+".json"), b, 0o644); err != nil {
		return err
	}
	return r.writeMarkdown(o)
}

// stamp names a run's result files.
func (r *report) stamp() string { return r.Started.Format("20060102T150405Z") }

// writeMarkdown writes the report's Markdown to -out and, for a complete
// run with the comparison (or with -docs given), into the docs' section.
func (r *report) writeMarkdown(o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	stamp := r.stamp()
	md := r.markdown()
	if err := os.WriteFile(filepath.Join(o.out, stamp+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	if o.docs == "" || (!o.docsSet && (r.Failure != "" || !o.has("compare") || o.window < defaultWindow)) {
		// The docs keep the last complete run with the comparison against
		// the peer, unless -docs asks otherwise: a run without it (one
		// phase, for a measurement), one with shorter windows (a quick
		// check), or one that stopped early, goes to -out only.
		return nil
	}
	return replaceSection(o.docs, md)
}

// The generated part of docs/performance.md lies between these markers;
// everything around them is kept.
const (
	beginMarker = "<!-- bench:begin (generated by `make bench`; edits inside are lost) -->"
	endMarker   = "<!-- bench:end -->"
)

// replaceSection puts md between the markers of the file at path, adding
// the markers at the end when the file has none.
func replaceSection(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	section := beginMarker + "\n\n" + md + "\n" + endMarker
	i, j := strings.Index(s, beginMarker), strings.Index(s, endMarker)
	if i >= 0 && j > i {
		s = s[:i] + section + s[j+len(endMarker):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n" + section + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
