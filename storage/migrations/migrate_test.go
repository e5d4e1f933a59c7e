package migrations_test

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/omadata/omadata/storage/migrations"
	"github.com/omadata/omadata/storage/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// emptyDatabase creates a database with no migrations applied (pgtest's
// are migrated already) and drops it when t ends.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	raw := "m_" + strings.ToLower(rand.Text())
	name := pgx.Identifier{raw}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	return pgtest.ServerURL(raw)
}

// migrationFiles lists the versions of the .sql files beside this test.
func migrationFiles(t *testing.T) []int64 {
	t.Helper()
	paths, err := filepath.Glob("*.sql")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no migrations found (%v)", err)
	}
	var versions []int64
	for _, p := range paths {
		v, err := strconv.ParseInt(regexp.MustCompile(`^\d+`).FindString(p), 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		versions = append(versions, v)
	}
	slices.Sort(versions)
	return versions
}

func TestUpConcurrently(t *testing.T) {
	url := emptyDatabase(t)
	want := migrationFiles(t)
	if v, err := migrations.Version(t.Context(), url); err != nil || v != 0 {
		t.Fatalf("Version before Up = %d, %v; want 0", v, err)
	}

	// Two replicas start at once: both must succeed.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = migrations.Up(t.Context(), url, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Up: %v", err)
		}
	}

	// Each migration was applied exactly once.
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	rows, _ := conn.Query(t.Context(),
		"SELECT version_id FROM goose_db_version WHERE version_id > 0 AND is_applied ORDER BY id")
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || !slices.Equal(applied, want) {
		t.Fatalf("applied versions %v (%v), want each of %v once", applied, err, want)
	}
	if v, err := migrations.Version(t.Context(), url); err != nil || v != want[len(want)-1] {
		t.Fatalf("Version = %d, %v; want %d", v, err, want[len(want)-1])
	}
	if err := migrations.Up(t.Context(), url, nil); err != nil {
		t.Fatalf("Up on an up-to-date database: %v", err)
	}
}

func TestUpBadURL(t *testing.T) {
	if err := migrations.Up(t.Context(), "postgres://nobody@/x?host=/nonexistent&connect_timeout=1", nil); err == nil {
		t.Fatal("Up on an unreachable server succeeded")
	}
}

func TestChecksum(t *testing.T) {
	sum := migrations.Checksum()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(sum) || sum != migrations.Checksum() {
		t.Fatalf("Checksum() = %q; want a stable hex SHA-256", sum)
	}
}
