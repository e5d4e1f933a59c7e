// Package pgcluster runs a private PostgreSQL cluster from the server
// binaries installed on the machine, so that `omadata serve` and the tests
// need no database set-up (DESIGN.md §2). The cluster lives in one directory:
// data in <Dir>/pgdata, the server log in <Dir>/postgres.log and the Unix
// socket in <Dir> itself.
//
// initdb and postgres refuse to run as root, so under root the cluster runs
// as the `postgres` account: the directory is handed to it and every server
// program is started with that account's credentials.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Superuser is the name of the cluster's superuser, which owns every
// database the cluster creates.
const Superuser = "omadata"

// defaultPort names the socket file (.s.PGSQL.5432) when no TCP port is asked
// for; clients find it without being told a port.
const defaultPort = 5432

// Options says where the cluster lives and how it is reached.
type Options struct {
	// Dir holds the cluster: pgdata/, postgres.log and the socket. It is
	// created if missing and reused when it already holds a cluster.
	Dir string
	// Logger receives start and stop events; nil discards them.
	Logger *slog.Logger
	// Port, when not 0, also makes the server listen on localhost:Port.
	// With 0 it is reachable through its Unix socket only.
	Port int
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dir     string   // absolute Options.Dir
	dataDir string   // dir/pgdata
	sockDir string   // dir, or a short directory under /tmp (see socketDir)
	port    int      // port number; also names the socket file
	tcp     bool     // listen on localhost:port as well
	bin     string   // directory of initdb, pg_ctl and postgres
	acct    *account // nil: the server runs as this process's user
	log     *slog.Logger
}

// Start brings up the cluster in opt.Dir: on first use it runs initdb, then
// starts the server (or reuses one that is already running on that data, as
// after a crash of the process that started it) and creates the database
// `omadata` if missing. Concurrent Starts on one Dir, even from several
// processes, are serialized by a lock file, so exactly one of them runs
// initdb and the others reuse its server.
func Start(ctx context.Context, opt Options) (*Cluster, error) {
	c, err := newCluster(opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	unlock, err := lockDir(ctx, c.dir)
	if err != nil {
		return nil, err
	}
	defer unlock()

	if err := c.prepareDirs(); err != nil {
		return nil, err
	}
	if err := c.initOnce(ctx); err != nil {
		return nil, err
	}
	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	if err := c.startOrReuse(ctx); err != nil {
		return nil, err
	}
	if err := c.ensureDatabase(ctx, Superuser); err != nil {
		return nil, err
	}
	return c, nil
}

// newCluster resolves everything Start needs before touching the disk.
func newCluster(opt Options) (*Cluster, error) {
	if opt.Dir == "" {
		return nil, errors.New("pgcluster: Options.Dir is empty")
	}
	if opt.Port < 0 || opt.Port > 65535 {
		return nil, fmt.Errorf("pgcluster: invalid port %d", opt.Port)
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	c := &Cluster{
		dir:     dir,
		dataDir: filepath.Join(dir, "pgdata"),
		sockDir: socketDir(dir),
		port:    defaultPort,
		tcp:     opt.Port != 0,
		acct:    acct,
		log:     opt.Logger,
	}
	if c.tcp {
		c.port = opt.Port
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	// Existing data can only be served by binaries of its own major version.
	if c.bin, err = binDirFor(c.dataDir); err != nil {
		return nil, err
	}
	return c, nil
}

// URL returns the URL of database on this cluster, connecting as the
// superuser through the Unix socket, for example
// "postgres://omadata@/omadata?host=/abs/dir&sslmode=disable".
func (c *Cluster) URL(database string) string {
	u := "postgres://" + Superuser + "@/" + escapeURL(database) +
		"?host=" + escapeURL(c.sockDir)
	if c.port != defaultPort {
		u += "&port=" + strconv.Itoa(c.port)
	}
	return u + "&sslmode=disable"
}

// escapeURL percent-encodes s for a connection URL, keeping slashes so that
// socket paths stay readable in logs.
func escapeURL(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9',
			strings.IndexByte("-._~/", ch) >= 0:
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

// Stop shuts the server down with `pg_ctl stop -m fast` (open sessions are
// rolled back, committed work is kept) and waits until it has exited. Stopping
// a cluster that is not running is not an error.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	unlock, err := lockDir(ctx, c.dir)
	if err != nil {
		return err
	}
	defer unlock()
	running, err := c.running(ctx)
	if err != nil || !running {
		return err
	}
	if err := c.stop(ctx); err != nil {
		return err
	}
	if c.sockDir != c.dir {
		// Only an empty directory goes: a server started by someone else
		// may still have its socket there.
		_ = os.Remove(c.sockDir)
	}
	c.log.Info("postgres stopped", "dir", c.dir)
	return nil
}

// ensureDatabase creates database name unless it exists.
func (c *Cluster) ensureDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgcluster: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx,
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("pgcluster: create database %s: %w", name, err)
	}
	c.log.Info("postgres database created", "database", name)
	return nil
}
