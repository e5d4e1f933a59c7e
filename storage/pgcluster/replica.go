package pgcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// StartReplica brings up a streaming replica of c in opt.Dir, the way
// OMADATA_READ_DATABASE_URL expects one in production: on first use it
// copies c's data with `pg_basebackup -R` (which also writes the
// standby.signal and primary_conninfo that make the copy follow c), then
// starts the copy like any cluster of this package, as the same account.
// The replica answers read-only queries and replays c's changes until it
// is stopped; a replica that already exists in opt.Dir is reused.
//
// The primary must accept replication connections from its own socket,
// which a cluster started by this package does (initdb -A trust, and
// PostgreSQL's defaults of wal_level replica and ten WAL senders).
func (c *Cluster) StartReplica(ctx context.Context, opt Options) (*Cluster, error) {
	r, err := newCluster(opt)
	if err != nil {
		return nil, err
	}
	r.bin = c.bin // the copy is of the primary's major version
	if r.dir == c.dir {
		return nil, fmt.Errorf("pgcluster: a replica needs a directory of its own, not the primary's %s", c.dir)
	}
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	unlock, err := lockDir(ctx, r.dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := r.prepareDirs(); err != nil {
		return nil, err
	}
	if err := r.baseBackupOnce(ctx, c); err != nil {
		return nil, err
	}
	// The copy carries the primary's managed settings; rewrite them for
	// where the replica listens.
	if err := r.writeConfig(); err != nil {
		return nil, err
	}
	if err := r.startOrReuse(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// baseBackupOnce copies the primary's data unless the replica has some. As
// with initdb, the copy goes to a scratch directory renamed into place only
// once complete.
func (r *Cluster) baseBackupOnce(ctx context.Context, primary *Cluster) error {
	if _, err := os.Stat(filepath.Join(r.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	scratch := r.dataDir + ".basebackup"
	if err := os.RemoveAll(scratch); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	r.log.Info("postgres base backup for a replica", "primary", primary.dir, "dir", r.dataDir)
	_, err := r.run(ctx, "pg_basebackup", "-D", scratch, "-R", "-X", "stream", "-c", "fast",
		"-h", primary.sockDir, "-p", strconv.Itoa(primary.port), "-U", Superuser)
	if err != nil {
		return err
	}
	if err := os.Rename(scratch, r.dataDir); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}
