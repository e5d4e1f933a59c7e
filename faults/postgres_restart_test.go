package faults_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage/pgcluster"
)

// TestPostgresRestart stops PostgreSQL under a running server and starts
// it again: during the outage requests fail fast with INTERNAL and /readyz
// says 503; afterwards the same server process answers again, without a
// restart of its own.
func TestPostgresRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	url := cluster.URL("omadata")
	srv := startServer(t, serverOptions{DatabaseURL: url}) // migrates the database
	enrol(t, url)
	member := srv.token("m1")
	me := func() (*gqlResponse, error) {
		// "Fast" is bounded generously: the pool's connect timeout is 5 s.
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		return srv.query(ctx, member, `{ me { id } }`, nil)
	}
	if r, err := me(); err != nil || string(r.Data) != `{"me":{"id":"m1"}}` {
		t.Fatalf("before the outage: %v %+v", err, r)
	}

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrDuringOutage", func(t *testing.T) {
		waitFor(t, 15*time.Second, "/readyz to say 503", func() bool {
			code, _ := srv.get("/readyz")
			return code == http.StatusServiceUnavailable
		})
		for range 3 {
			r, err := me()
			if err != nil {
				t.Fatalf("no answer during the outage: %v", err)
			}
			if r.Status != http.StatusOK || !slices.Equal(r.codes(), []string{model.Internal}) || string(r.Data) != "null" {
				t.Fatalf("during the outage: %d %s %v", r.Status, r.Data, r.codes())
			}
		}
		if code, _ := srv.get("/healthz"); code != http.StatusOK {
			t.Fatalf("/healthz %d: the process is up", code)
		}
	})

	if cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	t.Run("OKAfterRestart", func(t *testing.T) {
		waitFor(t, 30*time.Second, "/readyz to say 200", func() bool {
			code, _ := srv.get("/readyz")
			return code == http.StatusOK
		})
		for i := range 5 {
			if r, err := me(); err != nil || string(r.Data) != `{"me":{"id":"m1"}}` {
				t.Fatalf("request %d after the restart: %v %+v", i, err, r)
			}
		}
		select {
		case <-srv.exited:
			t.Fatal("the server process exited")
		default:
		}
	})
}
