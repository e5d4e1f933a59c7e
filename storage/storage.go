// Package storage is Omadata's only door to PostgreSQL: a pgx/v5 pool, one
// transaction per public method, set-based SQL, and the mapping of database
// errors to domain errors. Access checks that depend on data (ownership,
// household sharing, consent) are part of the queries here, so no caller can
// read past them.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config is what the storage needs beyond a database URL.
type Config struct {
	// URL is the primary's PostgreSQL URL; ReadURL an optional read replica
	// for read-only queries.
	URL, ReadURL string
	// Now is the clock: consents expire, retention and activity follow it.
	Now func() time.Time
	// Location is the program's time zone (dates, months, warranties).
	Location *time.Location
	// RetentionYears is the default purchase-data retention.
	RetentionYears int
	// MaxRetentionYears is the longest retention a member may choose
	// (default 10); InactivityMonths how long a member may go without card
	// use or login before retention erases them (default 24).
	MaxRetentionYears, InactivityMonths int
	// PolicyVersion names the privacy policy consent events are given under.
	PolicyVersion string
	// MaxConns bounds the pool (0: pgx's default).
	MaxConns int32
	// Tracer, if set, sees every query (tests count statements with it).
	Tracer pgxTracer
	// WithoutRowSecurity skips the scope statement and the role switch: only
	// for measuring what row-level security costs (BenchmarkRowSecurity).
	WithoutRowSecurity bool
	// InsightsCacheEntries is how many insights answers are kept in memory
	// (insights_cache.go): 0 for DefaultInsightsCacheEntries, negative for
	// none.
	InsightsCacheEntries int
	Logger               *slog.Logger
}

// DB is the storage. Its methods are safe for concurrent use.
type DB struct {
	pool *pgxpool.Pool
	read *pgxpool.Pool
	cfg  Config
	log  *slog.Logger
	// rls is whether transactions switch to omadata_app, so row-level
	// security applies (false only where the migration could not make it).
	rls bool
	// insights keeps recent insights answers (nil: none).
	insights *insightsCache
}

// Open connects to the database. It does not migrate: that is
// [migrations.Up], run by `omadata migrate` and at `serve` start.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.RetentionYears == 0 {
		cfg.RetentionYears = 5
	}
	if cfg.MaxRetentionYears == 0 {
		cfg.MaxRetentionYears = 10
	}
	if cfg.InactivityMonths == 0 {
		cfg.InactivityMonths = 24
	}
	if cfg.PolicyVersion == "" {
		cfg.PolicyVersion = PolicyVersion
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pool, err := newPool(ctx, cfg.URL, cfg)
	if err != nil {
		return nil, err
	}
	db := &DB{pool: pool, read: pool, cfg: cfg, log: cfg.Logger, insights: newInsightsCache(cfg.InsightsCacheEntries)}
	if cfg.ReadURL != "" {
		if db.read, err = newPool(ctx, cfg.ReadURL, cfg); err != nil {
			pool.Close()
			return nil, err
		}
	}
	if db.rls = checkRLSRole(ctx, pool); !db.rls && !cfg.WithoutRowSecurity {
		db.log.Warn("row-level security is not enforced: the database user cannot switch to role omadata_app")
	}
	return db, nil
}

func newPool(ctx context.Context, url string, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if cfg.MaxConns > 0 {
		pc.MaxConns = cfg.MaxConns
	}
	if cfg.Tracer != nil {
		pc.ConnConfig.Tracer = cfg.Tracer
	}
	// A dead server must make requests fail fast, not hang.
	pc.ConnConfig.ConnectTimeout = 5 * time.Second
	// No JIT compilation: every statement here reads or writes one
	// member's (or household's) rows in a few milliseconds, but a plan's
	// cost counts the branches it will not run, and on a large table
	// (100,000 members) the insights statement's unused month branches
	// priced it past jit_above_cost: PostgreSQL spent 750-1,400 ms
	// compiling a statement that ran in 1 ms (auto_explain, 2026-12-05;
	// docs/performance.md). A URL that sets jit keeps its own choice.
	if _, set := pc.ConnConfig.RuntimeParams["jit"]; !set {
		pc.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}

// PolicyVersion is the privacy policy version consents are recorded under
// unless Config says otherwise.
const PolicyVersion = "2026-01"

// Close closes the pools.
func (db *DB) Close() {
	if db.read != db.pool {
		db.read.Close()
	}
	db.pool.Close()
}

// Ping checks that the primary answers (readiness).
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Pool exposes the primary pool for the few callers that stream
// (export) or need raw access in tests.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Now returns the storage's clock reading, in UTC.
func (db *DB) Now() time.Time { return db.cfg.Now().UTC() }

// Location returns the program's time zone.
func (db *DB) Location() *time.Location { return db.cfg.Location }

// RetentionYears is the default retention window in years.
func (db *DB) RetentionYears() int { return db.cfg.RetentionYears }

// writeTx runs fn in a read-write transaction on the primary, in the
// scope of ctx (storage/scope.go).
func (db *DB) writeTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.inTx(ctx, db.pool, pgx.TxOptions{}, fn)
}

// inTx runs fn in a transaction of pool, which begins with the scope
// statement (beginSQL).
func (db *DB) inTx(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	begin, err := db.beginSQL(ctx, opts)
	if err != nil {
		return err
	}
	opts.BeginQuery = begin
	return mapError(pgx.BeginTxFunc(ctx, pool, opts, fn))
}

// readTx runs fn in a read-only transaction, on the replica when there is one.
func (db *DB) readTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.inTx(ctx, db.read, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// errNoRows reports whether err is pgx's "no rows".
func errNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
