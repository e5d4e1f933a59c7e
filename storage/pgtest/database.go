package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/omadata/omadata/storage/migrations"
)

// templateLockKey is the advisory lock (on the server's postgres database)
// that serializes building template databases across test binaries:
// `go test ./...` runs many at once against one server.
const templateLockKey int64 = 0x6f6d_6164_7470_6c00 // "omadtpl"

// NewDatabase creates a fresh, fully migrated database for t and returns its
// URL. It is a copy of a template database migrated once per set of
// migrations, so it costs a file copy, not a migration run. The database is
// dropped, with any sessions still on it, when t ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	s, err := current()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ensureTemplate(t.Context()); err != nil {
		t.Fatal(err)
	}
	name := "t_" + randomHex(8)
	_, err = s.admin.Exec(t.Context(),
		"CREATE DATABASE "+ident(name)+" TEMPLATE "+ident(s.template))
	if err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.url(name)
}

// NewPool returns a pool on a fresh database from [NewDatabase]; the pool is
// closed before the database is dropped.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDatabase(t)
	pool, err := pgxpool.New(t.Context(), url)
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	t.Cleanup(pool.Close) // cleanups run last-in first-out: before the drop
	return pool
}

// ensureTemplate makes sure the template database exists, building it
// unless this binary or another one already has.
func (s *server) ensureTemplate(ctx context.Context) error {
	s.templateMu.Lock()
	defer s.templateMu.Unlock()
	if s.templateReady {
		return nil
	}
	// A session lock on a connection of its own: closing the connection
	// releases it even if this binary is killed half-way.
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return fmt.Errorf("pgtest: template lock: %w", err)
	}
	var exists bool
	err = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)",
		s.template).Scan(&exists)
	if err == nil && !exists {
		err = s.buildTemplate(ctx, conn)
	}
	if err != nil {
		return fmt.Errorf("pgtest: template database %s: %w", s.template, err)
	}
	s.templateReady = true
	return nil
}

// buildTemplate migrates a scratch database and only then gives it the
// template's name, so a template that exists is always complete: a binary
// that dies mid-way leaves scratch that the next builder drops.
func (s *server) buildTemplate(ctx context.Context, conn *pgx.Conn) error {
	scratch := s.template + "_build"
	for _, name := range []string{scratch, s.template} {
		if err := dropDatabase(ctx, conn, name); err != nil {
			return err
		}
	}
	start := time.Now()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(scratch)); err != nil {
		return err
	}
	if err := migrations.Up(ctx, s.url(scratch), s.log); err != nil {
		return err
	}
	// No connections to a template: one would make cloning it fail.
	_, err := conn.Exec(ctx, "ALTER DATABASE "+ident(scratch)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	if err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(scratch)+" RENAME TO "+ident(s.template)); err != nil {
		return err
	}
	s.log.Info("pgtest: template database migrated", "database", s.template, "took", time.Since(start))
	return nil
}

// dropDatabase drops name if it exists, template or not.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	var exists bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil || !exists {
		return err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(name)+" WITH IS_TEMPLATE false"); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "DROP DATABASE "+ident(name)+" WITH (FORCE)")
	return err
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
