package storage_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// TestPageReadsAPageUnderRowSecurity: in member scope, the newest page of a
// member with a long history reads a page of receipts and their lines, not
// the whole history. The row-level security policy is part of every plan;
// when the planner misjudged it (migration 00060), it fetched and sorted all
// of a member's receipts for every page, which a count of rows read shows
// and a test on a small history would not.
func TestPageReadsAPageUnderRowSecurity(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: "a", Household: "h", Role: model.HouseholdRoleMain, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "b", Household: "h", Role: model.HouseholdRoleMember, Consents: share})
	for _, id := range []string{"c", "d", "e", "f"} {
		env.Member(t, servertest.MemberSpec{ID: id})
	}
	const history = 400
	start := env.Clock.Now().Add(-history * 24 * time.Hour)
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		var batch []model.ReceiptInput
		for i := range history {
			batch = append(batch, servertest.Receipt(id, fmt.Sprintf("%s-%d", id, i), start.Add(time.Duration(i)*24*time.Hour),
				servertest.Line("6400000000003", 1, model.UnitPiece, 100), servertest.Line("6400000000005", 2, model.UnitPiece, 150)))
		}
		env.Ingest(t, batch...)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, env.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}

	const page = `SELECT * FROM receipts WHERE customer_id = $1
		ORDER BY purchased_at DESC, receipt_seq DESC LIMIT 21`
	const lines = `SELECT l.* FROM receipt_lines l
		JOIN (SELECT customer_id, receipt_seq FROM receipts WHERE customer_id = $1
			ORDER BY purchased_at DESC, receipt_seq DESC LIMIT 21) r USING (customer_id, receipt_seq)`
	for _, c := range []struct {
		name, viewer, owner, sql, table string
	}{
		{"OwnPage", "a", "a", page, "receipts"},
		{"SharedPage", "b", "a", page, "receipts"},
		{"OwnLines", "a", "a", lines, "receipt_lines"},
		{"SharedLines", "b", "a", lines, "receipt_lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			read := rowsRead(t, env, storage.WithMember(ctx, c.viewer), c.sql, c.owner)
			if read[c.table] == 0 || read[c.table] > 2*21*2 || read["receipts"] > 21 {
				t.Fatalf("a page read %v rows of a %d-receipt history", read, history)
			}
		})
	}
}

// rowsRead runs EXPLAIN ANALYZE of sql in ctx's scope and returns the rows
// each table's scans produced.
func rowsRead(t *testing.T, env *servertest.Env, ctx context.Context, sql string, args ...any) map[string]float64 {
	t.Helper()
	var plan []struct{ Plan planNode }
	err := env.DB.ReadTxForTest(ctx, func(tx pgx.Tx) error {
		var out []byte
		if err := tx.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) `+sql, args...).Scan(&out); err != nil {
			return err
		}
		return json.Unmarshal(out, &plan)
	})
	if err != nil || len(plan) != 1 {
		t.Fatalf("explain: %v", err)
	}
	read := map[string]float64{}
	plan[0].Plan.walk(func(n *planNode) {
		if n.Relation != "" {
			read[n.Relation] += n.ActualRows * n.ActualLoops
		}
	})
	return read
}

type planNode struct {
	Relation    string     `json:"Relation Name"`
	ActualRows  float64    `json:"Actual Rows"`
	ActualLoops float64    `json:"Actual Loops"`
	Plans       []planNode `json:"Plans"`
}

func (n *planNode) walk(fn func(*planNode)) {
	fn(n)
	for i := range n.Plans {
		n.Plans[i].walk(fn)
	}
}
