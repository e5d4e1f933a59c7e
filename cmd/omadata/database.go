package main

import (
	"context"
	"log/slog"
	"path/filepath"

	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/storage/migrations"
	"github.com/omadata/omadata/storage/pgcluster"
)

// database is an open storage and, when DATABASE_URL is unset, the
// embedded cluster under it.
type database struct {
	DB      *storage.DB
	URL     string
	cluster *pgcluster.Cluster
}

// openDatabase connects to DATABASE_URL, or starts the embedded cluster
// under OMADATA_DATA_DIR, migrates if asked, and opens the storage.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger, migrate bool) (*database, error) {
	d := &database{URL: cfg.DatabaseURL}
	if d.URL == "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		if d.cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Logger: log}); err != nil {
			return nil, err
		}
		d.URL = d.cluster.URL("omadata")
		log.Info("embedded PostgreSQL started", "dir", dir)
	}
	if migrate {
		if err := migrations.Up(ctx, d.URL, log); err != nil {
			d.Close()
			return nil, err
		}
	}
	db, err := storage.Open(ctx, storage.Config{URL: d.URL, ReadURL: cfg.ReadDatabaseURL,
		Location: cfg.Location, RetentionYears: cfg.RetentionYears, MaxRetentionYears: cfg.MaxRetentionYears,
		InactivityMonths: cfg.InactivityMonths, InsightsCacheEntries: insightsCacheEntries(cfg.InsightsCacheEntries),
		Logger: log})
	if err != nil {
		d.Close()
		return nil, err
	}
	d.DB = db
	return d, nil
}

// Close closes the storage and stops the embedded cluster, if any.
func (d *database) Close() {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(); err != nil {
			slog.Error("stop embedded PostgreSQL", "err", err)
		}
	}
}

func migrate(ctx context.Context, cfg config, log *slog.Logger) error {
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	d.Close()
	return nil
}

// insightsCacheEntries maps OMADATA_INSIGHTS_CACHE_ENTRIES, where 0 means no
// cache, to storage.Config's, where it means the default.
func insightsCacheEntries(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
