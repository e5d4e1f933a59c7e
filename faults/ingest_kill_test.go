package faults_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/storage/pgtest"
)

const (
	killBatches     = 24
	receiptsInBatch = 150
	linesInReceipt  = 4
	killMembers     = 10
)

const ingestMutation = `mutation($in: [ReceiptInput!]!) {
  ingestReceipts(input: $in) { accepted duplicates rejected linesStored rejections { index code message } } }`

type ingestResult struct {
	IngestReceipts model.IngestResult
}

// enrol loads the stores and killMembers members (cards servertest.Card)
// through the storage, with the real clock the server also uses.
func enrol(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := db.UpsertStores(ctx, servertest.Stores); err != nil || r.Rejected > 0 {
		t.Fatalf("stores: %v %+v", err, r)
	}
	birth := model.Date{Year: 1980, Month: 1, Day: 1}
	var members []model.MemberInput
	for i := range killMembers {
		id := fmt.Sprintf("m%d", i)
		members = append(members, model.MemberInput{CustomerID: id, Name: "Member " + id, BirthDate: &birth,
			HouseholdID: "h" + id, HouseholdRole: model.HouseholdRoleMain, CardNumbers: []string{servertest.Card(id)}})
	}
	if r, err := db.UpsertMembers(ctx, members); err != nil || r.Rejected > 0 {
		t.Fatalf("members: %v %+v", err, r)
	}
}

// batch b: receiptsInBatch receipts of linesInReceipt lines each, every one
// with its own (source, externalId).
func batch(b int, at time.Time) []model.ReceiptInput {
	out := make([]model.ReceiptInput, receiptsInBatch)
	for i := range out {
		lines := make([]model.LineInput, linesInReceipt)
		total := 0
		for j := range lines {
			price := 100 + j
			lines[j] = model.LineInput{Description: fmt.Sprintf("item %d", j), Quantity: 1, Unit: model.UnitPiece,
				UnitPriceCents: price, AmountCents: price}
			total += price
		}
		out[i] = model.ReceiptInput{Source: "pos-kill", ExternalID: fmt.Sprintf("b%d-r%d", b, i),
			CardNumber: servertest.Card(fmt.Sprintf("m%d", i%killMembers)), StoreID: "s1",
			PurchasedAt: at.Add(-time.Duration(b*receiptsInBatch+i) * time.Second), TotalCents: total, BonusEligibleCents: total, Lines: lines}
	}
	return out
}

// TestKillDuringIngestThenReplay kills the server with SIGKILL while an
// ingest transaction is open, then checks: every receipt acknowledged
// before the kill is stored exactly once, no receipt is half-stored, and
// replaying every batch stores the rest exactly once.
func TestKillDuringIngestThenReplay(t *testing.T) {
	url := pgtest.NewDatabase(t)
	enrol(t, url)
	admin, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	srv := startServer(t, serverOptions{DatabaseURL: url})
	pos := srv.token("pos-1", "receipts:ingest")
	at := time.Now().Add(-time.Hour)

	// Two workers send the batches; the monitor kills the server once a few
	// are acknowledged and a write transaction is open.
	acked := map[int]bool{}
	var mu sync.Mutex
	work := make(chan int, killBatches)
	for b := range killBatches {
		work <- b
	}
	close(work)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				var d ingestResult
				r, err := srv.query(context.Background(), pos, ingestMutation, map[string]any{"in": batch(b, at)})
				if err != nil {
					return // the server is gone
				}
				if err := decode(r, &d); err != nil || d.IngestReceipts.Accepted != receiptsInBatch {
					t.Errorf("batch %d: %v %+v", b, err, d.IngestReceipts)
					return
				}
				mu.Lock()
				acked[b] = true
				mu.Unlock()
			}
		}()
	}
	midTx := killMidTransaction(t, srv, admin, func() int { mu.Lock(); defer mu.Unlock(); return len(acked) })
	wg.Wait()
	if !midTx {
		t.Fatal("every batch finished before the server could be killed in the middle of one")
	}
	t.Logf("killed with %d of %d batches acknowledged, in the middle of a write transaction", len(acked), killBatches)

	// Acknowledged receipts are stored once; nothing is half-stored.
	for b := range acked {
		if n := dbInt(t, admin, `SELECT count(*) FROM receipts WHERE source = 'pos-kill' AND external_id LIKE $1`, fmt.Sprintf("b%d-r%%", b)); n != receiptsInBatch {
			t.Errorf("acknowledged batch %d: %d receipts stored", b, n)
		}
	}
	checkWhole(t, admin)

	// Replay every batch on a new server: the rest is stored, once.
	srv2 := startServer(t, serverOptions{DatabaseURL: url, DataDir: srv.DataDir})
	dups := 0
	for b := range killBatches {
		var d ingestResult
		r, err := srv2.query(context.Background(), pos, ingestMutation, map[string]any{"in": batch(b, at)})
		if err != nil || decode(r, &d) != nil {
			t.Fatalf("replay of batch %d: %v %+v", b, err, r)
		}
		res := d.IngestReceipts
		if res.Accepted+res.Duplicates != receiptsInBatch || res.Rejected != 0 || acked[b] && res.Duplicates != receiptsInBatch {
			t.Fatalf("replay of batch %d (acknowledged %v): %+v", b, acked[b], res)
		}
		dups += res.Duplicates
	}
	if dups < len(acked)*receiptsInBatch {
		t.Fatalf("%d duplicates on replay, fewer than the %d receipts acknowledged", dups, len(acked)*receiptsInBatch)
	}
	if n := dbInt(t, admin, `SELECT count(*) FROM receipts WHERE source = 'pos-kill'`); n != killBatches*receiptsInBatch {
		t.Fatalf("%d receipts after the replay, want %d", n, killBatches*receiptsInBatch)
	}
	if n := dbInt(t, admin, `SELECT count(*) FROM receipt_lines`); n != killBatches*receiptsInBatch*linesInReceipt {
		t.Fatalf("%d lines after the replay, want %d", n, killBatches*receiptsInBatch*linesInReceipt)
	}
	checkWhole(t, admin)
}

// killMidTransaction watches the database until the server holds an open
// write transaction (a backend with a transaction id) after at least
// three batches were acknowledged, and kills it with SIGKILL right then.
// It reports whether it caught one before the batches ran out.
func killMidTransaction(t *testing.T, srv *server, admin *pgxpool.Pool, acked func() int) bool {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-srv.exited:
			t.Fatalf("the server exited by itself:\n%s", srv.logs)
		default:
		}
		if acked() >= 3 && acked() < killBatches {
			var open int
			if err := admin.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`).Scan(&open); err != nil {
				t.Fatal(err)
			}
			if open > 0 {
				srv.kill()
				return true
			}
		}
		if acked() == killBatches {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no write transaction seen within 45 s")
	return false
}

// checkWhole fails if a receipt is stored twice or half-stored: its lines
// must number lines_stored, which is all of line_count or none.
func checkWhole(t *testing.T, admin *pgxpool.Pool) {
	t.Helper()
	if n := dbInt(t, admin, `SELECT count(*) FROM (SELECT 1 FROM receipts GROUP BY source, external_id HAVING count(*) > 1) d`); n != 0 {
		t.Errorf("%d receipts stored more than once", n)
	}
	if n := dbInt(t, admin, `SELECT count(*) FROM receipts r
		WHERE r.lines_stored NOT IN (0, r.line_count)
		   OR r.lines_stored <> (SELECT count(*) FROM receipt_lines l WHERE l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq)`); n != 0 {
		t.Errorf("%d receipts half-stored", n)
	}
	if n := dbInt(t, admin, `SELECT count(*) FROM receipts WHERE lines_stored <> `+fmt.Sprint(linesInReceipt)); n != 0 {
		t.Errorf("%d receipts lost their lines", n)
	}
}

func dbInt(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
