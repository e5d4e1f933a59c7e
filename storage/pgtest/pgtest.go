// Package pgtest gives tests a real PostgreSQL database of their own: one
// server per test binary, and per test a fresh database cloned from a
// template that has been migrated once (DESIGN.md §2). A package opts in
// with
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and its tests call [NewDatabase] or [NewPool].
//
// The server is, in order of preference: the one at
// OMADATA_TEST_DATABASE_URL (a superuser URL); a cluster shared by every
// test binary in OMADATA_TEST_DATA_DIR, kept running afterwards for the next
// run; or a private cluster in a temporary directory, started on first use
// and removed when the binary ends.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/omadata/omadata/storage/migrations"
	"github.com/omadata/omadata/storage/pgcluster"
)

// Environment variables that choose the server.
const (
	EnvDatabaseURL = "OMADATA_TEST_DATABASE_URL"
	EnvDataDir     = "OMADATA_TEST_DATA_DIR"
)

// server is the PostgreSQL server this test binary uses.
type server struct {
	url     func(database string) string
	cluster *pgcluster.Cluster // to stop at the end; nil when not ours
	tempDir string             // to remove at the end; "" when not ours
	admin   *pgxpool.Pool      // on the postgres database: creates and drops
	log     *slog.Logger

	template      string // name of the migrated template database
	templateMu    sync.Mutex
	templateReady bool
}

var (
	mainCalled atomic.Bool
	mu         sync.Mutex // guards srv and srvErr
	srv        *server
	srvErr     error
)

// Main runs the package's tests (call it from TestMain) and exits with their
// result. The server starts on the first [NewDatabase], so a run that
// selects no database test costs nothing; a private cluster is stopped and
// removed after the tests, and also on SIGINT or SIGTERM.
func Main(m *testing.M) {
	mainCalled.Store(true)
	stopOnSignal()
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// ServerURL returns the URL of database on the test server, for tests that
// need a database other than the one [NewDatabase] made, such as postgres.
// It panics if the server cannot be started.
func ServerURL(database string) string {
	s, err := current()
	if err != nil {
		panic(err)
	}
	return s.url(database)
}

// current returns the server, starting it on first use.
func current() (*server, error) {
	if !mainCalled.Load() {
		// Without Main nothing would stop a private cluster.
		return nil, errors.New("pgtest: call pgtest.Main(m) from the package's TestMain")
	}
	mu.Lock()
	defer mu.Unlock()
	if srv == nil && srvErr == nil {
		srv, srvErr = startServer()
	}
	return srv, srvErr
}

// startServer picks and, where needed, starts the server (see the package
// documentation).
func startServer() (*server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := &server{
		log:      logger(),
		template: "omadata_tpl_" + migrations.Checksum()[:12],
	}
	if url := os.Getenv(EnvDatabaseURL); url != "" {
		s.url = func(db string) string { return withDatabase(url, db) }
		return s, s.connect(ctx)
	}
	dir := os.Getenv(EnvDataDir)
	if dir == "" {
		var err error
		if dir, err = newTempDir(s.log); err != nil {
			return nil, err
		}
		s.tempDir = dir
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: s.log})
	if err != nil {
		// An interrupted start may have left a server behind.
		if s.tempDir != "" && stopPostmaster(s.tempDir) {
			s.removeTempDir()
		}
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	// A shared cluster outlives this binary: the next binary, or the
	// Makefile, owns it.
	if s.tempDir != "" {
		s.cluster = c
	}
	s.url = c.URL
	if err := s.connect(ctx); err != nil {
		return nil, errors.Join(err, s.close())
	}
	return s, nil
}

// connect opens the administrative pool on the server's postgres database.
func (s *server) connect(ctx context.Context) error {
	pool, err := pgxpool.New(ctx, s.url("postgres"))
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		return fmt.Errorf("pgtest: connect to test server: %w", err)
	}
	s.admin = pool
	return nil
}

// close releases what the server holds and stops a private cluster.
func (s *server) close() error {
	if s.admin != nil {
		s.admin.Close()
	}
	var err error
	if s.cluster != nil {
		err = s.cluster.Stop()
	}
	s.removeTempDir()
	return err
}

func (s *server) removeTempDir() {
	if s.tempDir != "" {
		if err := os.RemoveAll(s.tempDir); err != nil {
			s.log.Warn("pgtest: remove test cluster", "err", err)
		}
	}
}

// shutdown closes the server if one was started. Later calls find none.
func shutdown() error {
	mu.Lock()
	defer mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.close()
	srv, srvErr = nil, errors.New("pgtest: test server already shut down")
	return err
}

// stopOnSignal shuts the server down when the run is interrupted, then
// dies of the same signal: pg_ctl detaches the server from the terminal, so
// it would otherwise outlive an interrupted run.
func stopOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-ch
		_ = shutdown()
		signal.Reset(sig)
		_ = syscall.Kill(os.Getpid(), sig.(syscall.Signal))
	}()
}

// logger reports the cluster's start and stop in verbose runs only.
func logger() *slog.Logger {
	level := slog.LevelWarn
	if testing.Verbose() {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// withDatabase returns serverURL pointing at database instead. It splices
// the text rather than parsing it, so that libpq forms url.Parse rejects
// (several hosts) survive; keyword/value strings get a dbname that
// overrides any earlier one.
func withDatabase(serverURL, database string) string {
	scheme, rest, ok := strings.Cut(serverURL, "://")
	if !ok {
		return serverURL + " dbname='" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(database) + "'"
	}
	authority, query := rest, ""
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority = rest[:i]
		if j := strings.IndexByte(rest, '?'); j >= 0 {
			query = rest[j:]
		}
	}
	return scheme + "://" + authority + "/" + url.PathEscape(database) + query
}
