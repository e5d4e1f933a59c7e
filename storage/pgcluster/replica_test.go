package pgcluster_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/storage/migrations"
	"github.com/omadata/omadata/storage/pgcluster"
)

// TestReplica runs the storage against a primary and a real streaming
// replica of it (OMADATA_READ_DATABASE_URL): writes go to the primary,
// read-only queries to the replica, and the replica follows the primary.
func TestReplica(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	primary := start(t, pgcluster.Options{Dir: t.TempDir()})
	if err := migrations.Up(ctx, primary.URL("omadata"), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	replica, err := primary.StartReplica(ctx, pgcluster.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("StartReplica: %v", err)
	}
	t.Cleanup(func() {
		if err := replica.Stop(); err != nil {
			t.Errorf("Stop replica: %v", err)
		}
	})
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	db, err := storage.Open(ctx, storage.Config{URL: primary.URL("omadata"), ReadURL: replica.URL("omadata"),
		Now: func() time.Time { return now }, Location: servertest.Helsinki})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	seedReplicaTest(t, db, now)
	primaryConn, replicaConn := connect(t, primary.URL("omadata")), connect(t, replica.URL("omadata"))
	caughtUp(t, primaryConn, replicaConn)
	member := storage.WithMember(ctx, "c1")
	own := func() int {
		t.Helper()
		page, err := db.Receipts(member, storage.ReceiptQuery{Viewer: "c1", First: 10})
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return len(page.Receipts)
	}

	t.Run("OKReplicaIsStandby", func(t *testing.T) {
		var standby bool
		if err := replicaConn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil || !standby {
			t.Fatalf("replica in recovery = %v (%v)", standby, err)
		}
	})
	t.Run("OKWritesToPrimaryReadsFromReplica", func(t *testing.T) {
		// With replay paused, the replica still shows the first receipt
		// only: a read that answers one receipt while the primary holds two
		// went to the replica. The write itself succeeding shows it went to
		// the primary (a standby refuses writes).
		exec(t, replicaConn, "SELECT pg_wal_replay_pause()")
		ingest(t, db, "c1", "second", now.Add(-time.Hour))
		var onPrimary int
		if err := primaryConn.QueryRow(ctx, "SELECT count(*) FROM receipts").Scan(&onPrimary); err != nil || onPrimary != 2 {
			t.Fatalf("primary holds %d receipts (%v)", onPrimary, err)
		}
		if got := own(); got != 1 {
			t.Fatalf("read %d receipts with replay paused, want the replica's 1", got)
		}
	})
	t.Run("OKReplicaFollows", func(t *testing.T) {
		exec(t, replicaConn, "SELECT pg_wal_replay_resume()")
		caughtUp(t, primaryConn, replicaConn)
		if got := own(); got != 2 {
			t.Fatalf("read %d receipts after replay, want 2", got)
		}
	})
}

// seedReplicaTest writes a small catalog, member c1 and one receipt.
func seedReplicaTest(t *testing.T, db *storage.DB, now time.Time) {
	t.Helper()
	ctx := t.Context()
	for _, up := range []func() (*model.UpsertResult, error){
		func() (*model.UpsertResult, error) { return db.UpsertCategories(ctx, servertest.Categories) },
		func() (*model.UpsertResult, error) { return db.UpsertStores(ctx, servertest.Stores) },
		func() (*model.UpsertResult, error) { return db.UpsertProducts(ctx, servertest.Products) },
		func() (*model.UpsertResult, error) {
			birth := model.Date{Year: 1980, Month: time.January, Day: 1}
			return db.UpsertMembers(ctx, []model.MemberInput{{CustomerID: "c1", Name: "Aino", BirthDate: &birth,
				HouseholdID: "h1", HouseholdRole: model.HouseholdRoleMain, CardNumbers: []string{servertest.Card("c1")}}})
		},
	} {
		if res, err := up(); err != nil || res.Rejected > 0 {
			t.Fatalf("seed: %v %+v", err, res)
		}
	}
	ingest(t, db, "c1", "first", now.Add(-2*time.Hour))
}

func ingest(t *testing.T, db *storage.DB, customer, externalID string, at time.Time) {
	t.Helper()
	r := servertest.Receipt(customer, externalID, at, servertest.Line("6400000000003", 1, model.UnitPiece, 129))
	res, err := db.IngestReceipts(t.Context(), []model.ReceiptInput{r})
	if err != nil || res.Accepted != 1 {
		t.Fatalf("ingest: %v %+v", err, res)
	}
}

// caughtUp waits until the replica has replayed everything the primary
// has written so far.
func caughtUp(t *testing.T, primary, replica *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var lsn string
	if err := primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn); err != nil {
		t.Fatal(err)
	}
	for {
		var done bool
		err := replica.QueryRow(ctx, "SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", lsn).Scan(&done)
		if err != nil {
			t.Fatalf("replica replay position: %v", err)
		}
		if done {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("replica did not replay up to %s", lsn)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
