package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// TestReceiptLinesNeedTheirReceipt checks each promise of migration 00110,
// which replaced the foreign key receipt_lines -> receipts with triggers
// that work a statement at a time: no line without its receipt, deleting a
// receipt deletes its lines, the receipt is locked while lines are being
// written for it, and the keys never change.
func TestReceiptLinesNeedTheirReceipt(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "m1"})
	at := env.Clock.Now().Add(-24 * time.Hour)
	line := servertest.Line("6400000000001", 1, model.UnitPiece, 99)
	env.Ingest(t,
		servertest.Receipt("m1", "r1", at, line, line),
		servertest.Receipt("m1", "r2", at, line, line, line),
		servertest.Receipt("m1", "r3", at, line))
	ctx := context.Background()
	pool := env.DB.Pool()
	seqs := map[string]int64{}
	rows, _ := pool.Query(ctx, `SELECT external_id, receipt_seq FROM receipts WHERE customer_id = 'm1'`)
	var ext string
	var seq int64
	if _, err := pgx.ForEachRow(rows, []any{&ext, &seq}, func() error { seqs[ext] = seq; return nil }); err != nil {
		t.Fatal(err)
	}
	lines := func(t *testing.T, seq int64) int {
		t.Helper()
		return count(t, env, fmt.Sprintf(`SELECT count(*) FROM receipt_lines WHERE customer_id = 'm1' AND receipt_seq = %d`, seq))
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != code {
			t.Fatalf("error %v, want SQLSTATE %s", err, code)
		}
	}
	const addLine = `INSERT INTO receipt_lines (customer_id, receipt_seq, line_no, description, quantity, unit,
		unit_price_cents, amount_cents, discount_cents, purchased_on)
		SELECT 'm1', s, $2::int, 'extra', 1, 'PIECE', 10, 10, 0, current_date FROM unnest($1::bigint[]) s`

	t.Run("NoLineWithoutItsReceipt", func(t *testing.T) {
		_, err := pool.Exec(ctx, addLine, []int64{seqs["r1"], 999999}, 90)
		wantCode(t, err, "23503")
		if got := lines(t, seqs["r1"]); got != 2 {
			t.Fatalf("r1 has %d lines after the refused statement, want 2: nothing of it may stay", got)
		}
		if _, err := pool.Exec(ctx, addLine, []int64{seqs["r1"], seqs["r2"]}, 90); err != nil {
			t.Fatalf("lines of existing receipts: %v", err)
		}
		if got := lines(t, seqs["r1"]); got != 3 {
			t.Fatalf("r1 has %d lines, want 3", got)
		}
	})

	t.Run("KeysNeverChange", func(t *testing.T) {
		_, err := pool.Exec(ctx, `UPDATE receipt_lines SET receipt_seq = $1 WHERE customer_id = 'm1' AND receipt_seq = $2`, seqs["r3"], seqs["r2"])
		wantCode(t, err, "23503")
		_, err = pool.Exec(ctx, `UPDATE receipts SET receipt_seq = receipt_seq + 1000 WHERE customer_id = 'm1' AND receipt_seq = $1`, seqs["r3"])
		wantCode(t, err, "23503")
		// Other columns change as before.
		if _, err := pool.Exec(ctx, `UPDATE receipts SET total_cents = total_cents + 1 WHERE customer_id = 'm1'`); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("AWriterOfLinesHoldsTheReceipt", func(t *testing.T) {
		tx, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, addLine, []int64{seqs["r2"]}, 91); err != nil {
			t.Fatal(err)
		}
		// While the writer is open, the receipt cannot be deleted.
		other, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Rollback(ctx)
		// Without triggers in the deleting session: the rollup triggers'
		// member lock would make it wait too, and this is about the
		// receipt's own row lock.
		if _, err := other.Exec(ctx, `SET LOCAL lock_timeout = '200ms'; SET LOCAL session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		_, err = other.Exec(ctx, `DELETE FROM receipts WHERE customer_id = 'm1' AND receipt_seq = $1`, seqs["r2"])
		wantCode(t, err, "55P03")
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("DeletingAReceiptDeletesItsLines", func(t *testing.T) {
		if _, err := pool.Exec(ctx, `DELETE FROM receipts WHERE customer_id = 'm1' AND receipt_seq = ANY($1)`,
			[]int64{seqs["r2"], seqs["r3"]}); err != nil {
			t.Fatal(err)
		}
		if got := lines(t, seqs["r2"]) + lines(t, seqs["r3"]); got != 0 {
			t.Fatalf("%d lines of deleted receipts remain", got)
		}
		if got := lines(t, seqs["r1"]); got != 3 {
			t.Fatalf("r1 has %d lines, want its 3", got)
		}
		// The rollups follow: only r1's lines are counted.
		if counted := count(t, env, `SELECT coalesce(sum(line_count), 0) FROM line_month_rollups WHERE customer_id = 'm1'`); counted != 3 {
			t.Fatalf("the rollups count %d lines, want 3", counted)
		}
	})

	t.Run("TruncateEmptiesTheLines", func(t *testing.T) {
		if _, err := pool.Exec(ctx, `TRUNCATE receipts`); err != nil {
			t.Fatal(err)
		}
		if n := count(t, env, `SELECT count(*) FROM receipt_lines`); n != 0 {
			t.Fatalf("%d lines remain after TRUNCATE receipts", n)
		}
	})
}
