// Package migrations holds Omadata's SQL schema migrations (goose format,
// one NNNNN_name.sql file per step, embedded in the binary) and applies them.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// Up applies every embedded migration that databaseURL's database lacks, in
// version order, each in its own transaction, and logs the versions applied.
// A PostgreSQL session advisory lock is held meanwhile, so replicas that
// start together migrate once: the others wait, then find nothing to do.
func Up(ctx context.Context, databaseURL string, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return withProvider(databaseURL, func(p *goose.Provider) error {
		results, err := p.Up(ctx)
		for _, r := range results {
			logger.Info("migration applied", "version", r.Source.Version,
				"file", r.Source.Path, "duration", r.Duration)
		}
		if err != nil {
			return fmt.Errorf("migrations: up: %w", err)
		}
		if len(results) == 0 {
			logger.Debug("migrations up to date")
		}
		return nil
	})
}

// Version returns the version of the newest migration applied to the
// database, 0 when none is. Like goose, it creates goose's version table
// (goose_db_version) if the database has none.
func Version(ctx context.Context, databaseURL string) (int64, error) {
	var v int64
	err := withProvider(databaseURL, func(p *goose.Provider) error {
		var err error
		v, err = p.GetDBVersion(ctx)
		if err != nil {
			return fmt.Errorf("migrations: version: %w", err)
		}
		return nil
	})
	return v, err
}

// withProvider opens the database through pgx's database/sql driver, which
// goose needs, and hands fn a goose provider over the embedded files.
func withProvider(databaseURL string, fn func(*goose.Provider) error) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	p, err := newProvider(db)
	if err != nil {
		return err
	}
	return fn(p)
}

func newProvider(db *sql.DB) (*goose.Provider, error) {
	// goose's default retries the lock every 5 s; a waiting replica or test
	// binary should notice within a second that the other one is done.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(database.DialectPostgres, db, files,
		goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Checksum returns a hex SHA-256 over the embedded migrations' names and
// contents. It changes whenever a migration is added or edited, so a
// database migrated once can be cached under it (storage/pgtest names its
// template database after it).
func Checksum() string { return checksum() }

var checksum = sync.OnceValue(func() string {
	h := sha256.New()
	// fs.WalkDir visits in lexical order, so the sum does not depend on
	// how the files were embedded.
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		// Length prefixes keep "a"+"bc" and "ab"+"c" apart.
		fmt.Fprintf(h, "%d:%s\n%d:", len(path), path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		panic("migrations: reading embedded files: " + err.Error()) // cannot happen with embed.FS
	}
	return hex.EncodeToString(h.Sum(nil))
})
