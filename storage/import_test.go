package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// ndjson encodes receipts one a line, with extra raw lines after them.
func ndjson(t *testing.T, rs []model.ReceiptInput, raw ...string) string {
	t.Helper()
	var b strings.Builder
	for _, r := range rs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	for _, l := range raw {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// importEnv is a database with c1 (product-level data), c2 (totals only)
// and c3 (product-level data granted only from an hour before the clock).
func importEnv(t *testing.T) *servertest.Env {
	t.Helper()
	env := servertest.New(t)
	env.Catalog(t)
	deny := []model.ConsentChange{{Purpose: model.ConsentPurposeProductLevelData, Granted: false}}
	now := env.Clock.Now()
	env.Clock.Set(now.Add(-48 * time.Hour))
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2", Consents: deny})
	env.Member(t, servertest.MemberSpec{ID: "c3", Consents: deny})
	env.Clock.Set(now.Add(-time.Hour))
	if _, err := env.DB.SetConsents(context.Background(), "c3", []model.ConsentChange{
		{Purpose: model.ConsentPurposeProductLevelData, Granted: true}}, model.ChannelMobileApp); err != nil {
		t.Fatal(err)
	}
	env.Clock.Set(now)
	return env
}

// importReceipts is a mix that exercises every rule: kept lines, totals
// only, consent at purchase time (c3 before and after granting), a replay
// within the file, and a receipt with two lines.
func importReceipts(now time.Time) []model.ReceiptInput {
	milk := servertest.Line("6400000000003", 2, model.UnitPiece, 129)
	tomato := servertest.Line("6400000000002", 0.5, model.UnitKg, 400)
	early, late := now.Add(-2*time.Hour), now.Add(-30*time.Minute)
	rs := []model.ReceiptInput{
		servertest.Receipt("c1", "a1", early, milk, tomato),
		servertest.Receipt("c2", "b1", late, milk),
		servertest.Receipt("c3", "before-grant", early, milk, tomato),
		servertest.Receipt("c3", "after-grant", late, tomato),
		servertest.Receipt("c1", "a2", late, tomato),
	}
	return append(rs, rs[0]) // a replay within the file
}

func TestImportReceipts(t *testing.T) {
	env := importEnv(t)
	ctx := context.Background()
	rs := importReceipts(env.Clock.Now())
	run := func(t *testing.T, file string, batch int) (*storage.ImportSummary, map[int]model.Rejection) {
		t.Helper()
		rej := map[int]model.Rejection{}
		sum, err := env.DB.ImportReceipts(ctx, strings.NewReader(file), storage.ImportOptions{Batch: batch,
			Rejected: func(line int, r model.Rejection) { rej[line] = r }})
		if err != nil {
			t.Fatal(err)
		}
		return sum, rej
	}

	t.Run("OK", func(t *testing.T) {
		sum, rej := run(t, ndjson(t, rs), 4) // two transactions
		want := storage.ImportSummary{Receipts: 6, Accepted: 5, Duplicates: 1, LinesStored: 4, LinesDiscarded: 3}
		if *sum != want || len(rej) != 0 {
			t.Fatalf("got %+v %v, want %+v", *sum, rej, want)
		}
		if got := count(t, env, `SELECT count(*) FROM receipt_lines WHERE customer_id = 'c3'`); got != 1 {
			t.Fatalf("c3 has %d lines stored, want the 1 bought after granting", got)
		}
	})
	t.Run("OKRollupsFollow", func(t *testing.T) {
		// The statement-level triggers fire for COPY as for INSERT.
		lines := count(t, env, `SELECT coalesce(sum(line_count), 0) FROM line_month_rollups`)
		spend := count(t, env, `SELECT coalesce(sum(spend_cents), 0) FROM receipt_month_rollups`)
		wantSpend := count(t, env, `SELECT sum(total_cents) FROM receipts`)
		if lines != 4 || spend != wantSpend {
			t.Fatalf("rollups count %d lines and %d cents, want 4 and %d", lines, spend, wantSpend)
		}
	})
	t.Run("OKRerunIsIdempotent", func(t *testing.T) {
		sum, _ := run(t, ndjson(t, rs), 0)
		if sum.Accepted != 0 || sum.Duplicates != 6 || count(t, env, `SELECT count(*) FROM receipt_lines`) != 4 ||
			count(t, env, `SELECT sum(line_count) FROM line_month_rollups`) != 4 {
			t.Fatalf("rerun: %+v", *sum)
		}
	})
	t.Run("ErrLinesRejectedOthersStored", func(t *testing.T) {
		now := env.Clock.Now()
		conflict := servertest.Receipt("c1", "a1", now.Add(-2*time.Hour), servertest.Line("6400000000001", 1, model.UnitPiece, 50))
		unknownCard := servertest.Receipt("nobody", "n1", now.Add(-time.Hour), servertest.Line("6400000000001", 1, model.UnitPiece, 50))
		badSum := servertest.Receipt("c1", "bad", now.Add(-time.Hour), servertest.Line("6400000000001", 1, model.UnitPiece, 50))
		badSum.TotalCents++
		fine := servertest.Receipt("c1", "fine", now.Add(-time.Hour), servertest.Line("6400000000001", 1, model.UnitPiece, 50))
		file := ndjson(t, []model.ReceiptInput{conflict, unknownCard, badSum, fine},
			`{"source": "pos"`, "", `{"source": "pos", "colour": "red"}`, `{"source": 7}`)
		sum, rej := run(t, file, 0)
		codes := map[int]string{}
		for line, r := range rej {
			codes[line] = r.Code
		}
		want := map[int]string{1: model.Conflict, 2: model.NotFound, 3: model.BadUserInput,
			5: model.BadUserInput, 7: model.BadUserInput, 8: model.BadUserInput}
		if fmt.Sprint(codes) != fmt.Sprint(want) || sum.Receipts != 7 || sum.Accepted != 1 || sum.Rejected != 6 {
			t.Fatalf("got %+v %v, want rejections %v", *sum, codes, want)
		}
		if !strings.HasPrefix(rej[3].Message, "lines:") || !strings.HasPrefix(rej[5].Message, "line:") {
			t.Fatalf("messages do not name the field: %q %q", rej[3].Message, rej[5].Message)
		}
	})
}

// TestImportMatchesIngest: the import stores exactly what ingestReceipts
// stores for the same receipts, rollups included.
func TestImportMatchesIngest(t *testing.T) {
	imported, ingested := importEnv(t), importEnv(t)
	rs := importReceipts(imported.Clock.Now())
	if _, err := imported.DB.ImportReceipts(context.Background(), strings.NewReader(ndjson(t, rs)), storage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ingested.DB.IngestReceipts(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT customer_id, source, external_id, card_number, store_id, purchased_at, total_cents, bonus_eligible_cents,
			currency, line_count, lines_stored, warranty_until, content_hash, purchased_on FROM receipts`,
		`SELECT l.customer_id, r.external_id, l.line_no, l.gtin, l.description, l.quantity, l.unit, l.unit_price_cents,
			l.amount_cents, l.discount_cents, l.warranty_until, l.purchased_on
			FROM receipt_lines l JOIN receipts r USING (customer_id, receipt_seq)`,
		`SELECT * FROM receipt_month_rollups`, `SELECT * FROM line_month_rollups`,
		`SELECT * FROM category_month_rollups`, `SELECT * FROM category_year_rollups`,
		`SELECT customer_id, last_card_use_at FROM members`,
	} {
		a, b := rowsOf(t, imported, q), rowsOf(t, ingested, q)
		if len(a) == 0 || !slices.Equal(a, b) {
			t.Fatalf("%s\nimport: %v\ningest: %v", q, a, b)
		}
	}
}

// rowsOf returns the rows of q, each printed, sorted.
func rowsOf(t *testing.T, env *servertest.Env, q string) []string {
	t.Helper()
	rows, err := env.DB.Pool().Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(v))
	}
	slices.Sort(out)
	return out
}
