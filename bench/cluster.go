package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/storage/pgcluster"
)

// benchSettings are the database settings of the benchmark cluster, on
// top of the embedded defaults (fsync and synchronous_commit stay on): a
// buffer cache sized for a database server rather than a laptop. Both the
// service and the peer run on them.
var benchSettings = map[string]string{
	"shared_buffers":       "2GB",
	"effective_cache_size": "12GB",
	"max_wal_size":         "8GB",
	"checkpoint_timeout":   "15min",
}

// cluster is the benchmark's PostgreSQL server: the embedded cluster of
// storage/pgcluster, one database per data set.
type cluster struct {
	c   *pgcluster.Cluster
	dir string
	log *slog.Logger
}

// startCluster starts (or reuses) the cluster under dir with benchSettings,
// restarting it once if they were not yet in effect.
func startCluster(ctx context.Context, dir string, log *slog.Logger) (*cluster, error) {
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: log})
	if err != nil {
		return nil, err
	}
	cl := &cluster{c: c, dir: dir, log: log}
	changed, err := cl.applySettings(ctx)
	if err != nil {
		return nil, err
	}
	if changed {
		if err := c.Stop(); err != nil {
			return nil, err
		}
		if cl.c, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: log}); err != nil {
			return nil, err
		}
	}
	return cl, nil
}

// applySettings writes benchSettings with ALTER SYSTEM (read after the
// embedded cluster's own settings) and reports whether any must restart.
func (cl *cluster) applySettings(ctx context.Context) (bool, error) {
	conn, err := pgx.Connect(ctx, cl.c.URL("postgres"))
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	changed := false
	for k, v := range benchSettings {
		var cur, unit string
		if err := conn.QueryRow(ctx, `SELECT setting, coalesce(unit, '') FROM pg_settings WHERE name = $1`, k).Scan(&cur, &unit); err != nil {
			return false, err
		}
		if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER SYSTEM SET %s = '%s'", k, v)); err != nil {
			return false, err
		}
		changed = changed || !sameSetting(cur, unit, v)
	}
	_, err = conn.Exec(ctx, "SELECT pg_reload_conf()")
	return changed, err
}

// sameSetting compares a pg_settings value in its unit ("8kB", "MB", "s")
// with a value like "2GB" or "15min".
func sameSetting(cur, unit, want string) bool {
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil {
		return cur == want
	}
	return toBase(n, unit) == toBase(parseSize(want))
}

// parseSize splits "2GB" into 2 and "GB".
func parseSize(s string) (int64, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, _ := strconv.ParseInt(s[:i], 10, 64)
	return n, s[i:]
}

// toBase converts a size to kB or a duration to seconds.
func toBase(n int64, unit string) int64 {
	switch unit {
	case "8kB":
		return n * 8
	case "kB", "s":
		return n
	case "MB":
		return n << 10
	case "GB":
		return n << 20
	case "min":
		return n * 60
	case "h":
		return n * 3600
	}
	return n
}

// url returns the URL of database name.
func (cl *cluster) url(name string) string { return cl.c.URL(name) }

// postmasterPID reads the server's pid from its pid file.
func (cl *cluster) postmasterPID() int {
	b, err := os.ReadFile(filepath.Join(cl.dir, "pgdata", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	return pid
}

// createDatabase creates database name unless it exists and reports
// whether it did.
func (cl *cluster) createDatabase(ctx context.Context, name string) (bool, error) {
	conn, err := pgx.Connect(ctx, cl.c.URL("postgres"))
	if err != nil {
		return false, err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err == nil, err
}

// dropDatabase drops database name if it exists.
// copyDatabase creates name as a copy of template (CREATE DATABASE ...
// TEMPLATE), replacing any database of that name.
func (cl *cluster) copyDatabase(ctx context.Context, name, template string) error {
	if err := cl.dropDatabase(ctx, name); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, cl.c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()+" TEMPLATE "+pgx.Identifier{template}.Sanitize())
	return err
}

func (cl *cluster) dropDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, cl.c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return err
}

// stop stops the cluster.
func (cl *cluster) stop() {
	if err := cl.c.Stop(); err != nil {
		cl.log.Error("stop cluster", "err", err)
	}
}
