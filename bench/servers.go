package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// harness is one run of the benchmark.
type harness struct {
	opt  options
	log  *slog.Logger
	logs string // log files of the children
	loc  *time.Location
	sign *signer
	cl   *cluster
	rep  *report
}

// omadataEnv is the environment of every omadata command the harness runs:
// the data set's database, outside dev mode, trusting the harness's key,
// ten years of retention (the growth runs keep ten years of history), and a
// per-subject rate limit out of the way (the load comes from a few
// thousand members at most, each well under the default limit, but the
// ingest's service token sends more).
func (h *harness) omadataEnv(url string) []string {
	return []string{"DATABASE_URL=" + url, "OMADATA_DEV=0", "OMADATA_DATA_DIR=" + h.opt.dir,
		"OMADATA_JWT_ISSUER=" + tokenIssuer, "OMADATA_JWT_AUDIENCE=" + tokenAudience,
		"OMADATA_JWT_PUBLIC_KEYS=" + h.sign.pubPEM,
		"OMADATA_RETENTION_YEARS=10", "OMADATA_MAX_RETENTION_YEARS=10",
		"OMADATA_RATE_LIMIT_RPS=1000000", "OMADATA_RATE_LIMIT_BURST=1000000"}
}

// startOmadata starts `omadata serve` on the data set.
func (h *harness) startOmadata(d *dataset) (*target, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", h.opt.port)
	env := append(h.omadataEnv(d.url), "OMADATA_ADDR="+addr)
	if h.opt.serverEnv != "" {
		env = append(env, strings.Split(h.opt.serverEnv, ",")...)
	}
	p, err := startProc(h.logs, "omadata-serve", env, h.opt.bin, "serve")
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(func() bool { return get("http://" + addr + "/readyz") }, 2*time.Minute); err != nil {
		p.stop()
		return nil, err
	}
	return &target{name: "omadata", url: "http://" + addr + "/graphql", proc: p}, nil
}

// startPeer prepares the peer's role on the data set and starts it.
func (h *harness) startPeer(ctx context.Context, d *dataset) (*target, error) {
	setup, err := os.ReadFile(filepath.Join(h.opt.peerDir, "setup.sql"))
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, d.url)
	if err != nil {
		return nil, err
	}
	_, err = conn.Exec(ctx, string(setup))
	conn.Close(ctx)
	if err != nil {
		return nil, fmt.Errorf("peer setup.sql: %w", err)
	}
	if _, err := os.Stat(filepath.Join(h.opt.peerDir, "node_modules", "postgraphile")); err != nil {
		return nil, fmt.Errorf("the peer is not installed: run `npm ci` in %s", h.opt.peerDir)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", h.opt.peerPort)
	env := []string{"DATABASE_URL=" + d.url, "PEER_PUBLIC_KEY=" + h.sign.pubPEM, fmt.Sprintf("PORT=%d", h.opt.peerPort),
		fmt.Sprintf("PEER_POOL_MAX=%d", h.opt.pool), "PEER_JWT_ISSUER=" + tokenIssuer, "PEER_JWT_AUDIENCE=" + tokenAudience,
		"GRAPHILE_ENV=production", "NODE_ENV=production"}
	p, err := startProc(h.logs, "peer", env, "node", filepath.Join(h.opt.peerDir, "server.mjs"))
	if err != nil {
		return nil, err
	}
	url := "http://" + addr + "/graphql"
	if err := p.waitReady(func() bool { return post(url, `{"query":"{ __typename }"}`) }, 2*time.Minute); err != nil {
		p.stop()
		return nil, err
	}
	return &target{name: "peer", url: url, proc: p}, nil
}

// get reports whether GET url answers 200.
func get(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// post reports whether POST url with a JSON body answers 200.
func post(url, body string) bool {
	resp, err := http.Post(url, "application/json", bytes.NewReader([]byte(body)))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// meter returns a function that starts a CPU meter on t and the database.
func (h *harness) meter(t *target) func() *cpuMeter {
	pm := h.cl.postmasterPID()
	return func() *cpuMeter { return newCPUMeter(t.proc.pid(), pm) }
}
