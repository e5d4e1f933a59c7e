package pgtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/omadata/omadata/storage/migrations"
	"github.com/omadata/omadata/storage/pgcluster"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// tables lists the tables of the public schema but goose's own.
func tables(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, _ := conn.Query(t.Context(), `SELECT tablename FROM pg_tables
		WHERE schemaname = 'public' AND tablename <> 'goose_db_version' ORDER BY 1`)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestNewDatabase(t *testing.T) {
	t.Parallel()
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two NewDatabase calls returned the same database %s", a)
	}
	ca, cb := connect(t, a), connect(t, b)

	t.Run("Migrated", func(t *testing.T) {
		va, err := migrations.Version(t.Context(), a)
		if err != nil || va == 0 {
			t.Fatalf("version of %s = %d, %v; want migrated", a, va, err)
		}
		vb, err := migrations.Version(t.Context(), b)
		if err != nil || vb != va {
			t.Fatalf("version of %s = %d, %v; want %d", b, vb, err, va)
		}
		ta, tb := tables(t, ca), tables(t, cb)
		if len(ta) == 0 || !slices.Equal(ta, tb) {
			t.Fatalf("tables %v and %v: want the same migrated tables", ta, tb)
		}
	})
	t.Run("Isolated", func(t *testing.T) {
		if _, err := ca.Exec(t.Context(), "CREATE TABLE only_in_a (v int)"); err != nil {
			t.Fatal(err)
		}
		var found bool
		if err := cb.QueryRow(t.Context(), "SELECT to_regclass('only_in_a') IS NOT NULL").Scan(&found); err != nil || found {
			t.Fatalf("table made in one database seen in the other (%v)", err)
		}
	})
}

func TestNewDatabaseDroppedAfterTest(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("Uses", func(t *testing.T) {
		cfg, err := pgconn.ParseConfig(NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		name = cfg.Database
		connect(t, ServerURL(name)) // left open: the drop must force it closed
	})
	var exists bool
	err := connect(t, ServerURL("postgres")).QueryRow(t.Context(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || exists {
		t.Fatalf("database %q still exists after its test (%v)", name, err)
	}
}

func TestNewPool(t *testing.T) {
	t.Parallel()
	pool := NewPool(t)
	var db string
	if err := pool.QueryRow(t.Context(), "SELECT current_database()").Scan(&db); err != nil || len(db) < 3 || db[:2] != "t_" {
		t.Fatalf("current_database() = %q, %v; want a t_ database", db, err)
	}
}

// TestTemplateRace builds one template from several servers at once, as
// parallel test binaries do: each must end up with the complete template.
func TestTemplateRace(t *testing.T) {
	t.Parallel()
	s, err := current()
	if err != nil {
		t.Fatal(err)
	}
	name := "omadata_tpl_race_" + randomHex(4)
	t.Cleanup(func() {
		ctx := context.Background() // t.Context() is over by now
		conn, err := pgx.Connect(ctx, s.url("postgres"))
		if err == nil {
			err = dropDatabase(ctx, conn, name)
			conn.Close(ctx)
		}
		if err != nil {
			t.Error(err)
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		rival := &server{url: s.url, admin: s.admin, log: s.log, template: name}
		wg.Go(func() { errs[i] = rival.ensureTemplate(t.Context()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var isTemplate, allowConn bool
	err = connect(t, s.url("postgres")).QueryRow(t.Context(),
		"SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1", name).Scan(&isTemplate, &allowConn)
	if err != nil || !isTemplate || allowConn {
		t.Fatalf("%s: template=%v allowconn=%v (%v); want a closed template", name, isTemplate, allowConn, err)
	}
}

// TestSharedDataDir runs this package's tests in several processes at once
// on one OMADATA_TEST_DATA_DIR: one of them starts the cluster, all use it,
// none stops it.
func TestSharedDataDir(t *testing.T) {
	if os.Getenv(EnvDatabaseURL) != "" || os.Getenv(EnvDataDir) != "" {
		t.Skip("runs only with a private cluster")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "shared")
	var wg sync.WaitGroup
	outs, errs := make([][]byte, 3), make([]error, 3)
	for i := range errs {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestNewDatabase$", "-test.count=1")
		cmd.Env = append(os.Environ(), EnvDataDir+"="+dir)
		wg.Go(func() { outs[i], errs[i] = cmd.CombinedOutput() })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	// Still running for the next run; stopping it is ours here.
	c, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h:5432/db?sslmode=disable": "postgres://u:p@h:5432/x%20y?sslmode=disable",
		"postgres://u@/db?host=/tmp/s":             "postgres://u@/x%20y?host=/tmp/s",
		"postgresql://h1:1,h2:2":                   "postgresql://h1:1,h2:2/x%20y",
		"postgres://h?sslmode=require":             "postgres://h/x%20y?sslmode=require",
		"host=/tmp user=u dbname=db":               "host=/tmp user=u dbname=db dbname='x y'",
	} {
		got := withDatabase(in, "x y")
		if got != want {
			t.Errorf("withDatabase(%q) = %q, want %q", in, got, want)
			continue
		}
		if cfg, err := pgconn.ParseConfig(got); err != nil || cfg.Database != "x y" {
			t.Errorf("%q parses to database %q (%v), want %q", got, cfg.Database, err, "x y")
		}
	}
}

// TestReapStale leaves a cluster behind as a binary killed by a test
// timeout would, and checks that the next binary stops and removes it.
func TestReapStale(t *testing.T) {
	if os.Getenv(EnvDatabaseURL) != "" {
		t.Skip("needs local PostgreSQL binaries")
	}
	t.Parallel()
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	// Start the cluster while the directory belongs to this live process:
	// another test binary's reaper must not remove it half-initialised.
	// Only then make it look abandoned.
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	b, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])

	reapStale(logger())
	if alive(postmaster) {
		t.Errorf("postmaster %d of a stale cluster still running", postmaster)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale cluster directory %s: %v; want removed", dir, err)
	}
}

func BenchmarkNewDatabase(b *testing.B) {
	NewDatabase(b) // the template, built once, is not what this measures
	for b.Loop() {
		NewDatabase(b)
	}
}
