package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// unfiltered returns the distinct owners of a table's rows that a query
// without any WHERE sees in ctx's scope.
func unfiltered(t *testing.T, env *servertest.Env, ctx context.Context, table string) []string {
	t.Helper()
	var owners []string
	err := env.DB.ReadTxForTest(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT DISTINCT customer_id FROM `+table+` ORDER BY 1`)
		var err error
		owners, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return owners
}

// TestRowLevelSecurity: a query that forgot its WHERE still returns only
// the caller's rows, and those shared with them under rule 5.
func TestRowLevelSecurity(t *testing.T) {
	env := servertest.New(t)
	if !env.DB.RLSForTest() {
		t.Fatal("row-level security is not enforced for the test database user")
	}
	env.Catalog(t)
	share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: "a", Household: "h", Role: model.HouseholdRoleMain, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "b", Household: "h", Role: model.HouseholdRoleMember, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "c", Household: "h", Role: model.HouseholdRoleMember})
	env.Member(t, servertest.MemberSpec{ID: "z"})
	for _, id := range []string{"a", "b", "c", "z"} {
		env.Ingest(t, servertest.Receipt(id, "r"+id, env.Clock.Now().Add(-time.Hour),
			servertest.Line("6400000000003", 1, model.UnitPiece, 100)))
	}
	bg := context.Background()
	t.Run("System", func(t *testing.T) {
		if got := unfiltered(t, env, bg, "receipts"); !slices.Equal(got, []string{"a", "b", "c", "z"}) {
			t.Fatalf("system scope sees %v", got)
		}
	})
	t.Run("OwnOnly", func(t *testing.T) {
		for _, table := range []string{"receipts", "receipt_lines", "cards", "consent_receipts", "access_events"} {
			got := unfiltered(t, env, storage.WithMember(bg, "z"), table)
			if len(got) > 0 && !slices.Equal(got, []string{"z"}) {
				t.Fatalf("%s: member z sees rows of %v", table, got)
			}
		}
	})
	t.Run("Shared", func(t *testing.T) {
		if got := unfiltered(t, env, storage.WithMember(bg, "b"), "receipts"); !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("b sees receipts of %v, want a and b", got)
		}
		if got := unfiltered(t, env, storage.WithMember(bg, "c"), "receipts"); !slices.Equal(got, []string{"c"}) {
			t.Fatalf("c (not sharing) sees receipts of %v", got)
		}
	})
	t.Run("HouseholdNamesNotData", func(t *testing.T) {
		// The household view reads the names of every member of the household,
		// not their cards.
		if got := unfiltered(t, env, storage.WithMember(bg, "c"), "members"); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Fatalf("c sees members %v", got)
		}
		if got := unfiltered(t, env, storage.WithMember(bg, "c"), "cards"); !slices.Equal(got, []string{"c"}) {
			t.Fatalf("c sees cards of %v", got)
		}
	})
	t.Run("NoScopeNoRows", func(t *testing.T) {
		// Outside the storage's transactions (no scope set), the role sees nothing.
		var n int
		err := pgx.BeginFunc(bg, env.DB.Pool(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(bg, `SET LOCAL ROLE omadata_app`); err != nil {
				return err
			}
			return tx.QueryRow(bg, `SELECT count(*) FROM receipts`).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Fatalf("unscoped: %d rows (%v)", n, err)
		}
	})
}

// TestEveryMemberTableHasRLS checks the catalog: every table with a
// customer_id column has row-level security enabled with the policy, so a
// table added later cannot silently skip it.
func TestEveryMemberTableHasRLS(t *testing.T) {
	env := servertest.New(t)
	rows, _ := env.DB.Pool().Query(context.Background(), `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
		WHERE n.nspname = 'public' AND c.relkind = 'r'
		  AND NOT (c.relrowsecurity AND EXISTS (SELECT FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = 'omadata_rows'))`)
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(missing) > 0 {
		t.Fatalf("member-owned tables without row-level security: %v (%v)", missing, err)
	}
}

// TestScopeLiterals checks the scope statement that begins every
// transaction, where the viewer's id (a token's subject, which may be any
// text) is written as an SQL literal (one round trip with BEGIN,
// storage/scope.go): ids with quotes, backslashes and SQL in them are only
// ids that match no member, and an id text cannot hold is refused.
func TestScopeLiterals(t *testing.T) {
	env := servertest.New(t)
	ctx := context.Background()
	env.Member(t, servertest.MemberSpec{ID: "m1"})
	for _, id := range []string{`o'brien`, `back\slash'`, `x', now()); DROP TABLE members; --`, `''`, `m1' OR 'a'='a`} {
		m, err := env.DB.Member(storage.WithMember(ctx, id), "m1")
		if model.ErrorCode(err) != model.NotFound && (err != nil || m != nil) {
			t.Fatalf("viewer %q reading m1: %+v, %v", id, m, err)
		}
		if m != nil {
			t.Fatalf("viewer %q saw m1", id)
		}
	}
	if m, err := env.DB.Member(storage.WithMember(ctx, "m1"), "m1"); err != nil || m == nil || m.ID != "m1" {
		t.Fatalf("m1 in their own scope: %+v, %v", m, err)
	}
	if _, err := env.DB.Member(storage.WithMember(ctx, "nul\x00byte"), "m1"); model.ErrorCode(err) != model.BadUserInput {
		t.Fatalf("an id with a NUL byte: %v", err)
	}
	// The insights of a household read send the scope with parameters, in
	// one batch with the read (storage.Insights): the same ids count nobody
	// there, and the same id is refused.
	insights := func(id string) (*storage.InsightsResult, error) {
		today := model.DateOf(env.Clock.Now(), servertest.Helsinki)
		return env.DB.Insights(storage.WithMember(ctx, id), storage.InsightsQuery{Viewer: id, Household: true,
			From: today.AddDays(-30), To: today, Months: true, Categories: true,
			Log: &storage.Access{ActorKind: model.ActorKindHouseholdMember, ActorID: id, Resource: "insights", Purpose: "test"}})
	}
	for _, id := range []string{`o'brien`, `m1' OR 'a'='a`, `x', now()); DROP TABLE members; --`} {
		if res, err := insights(id); err != nil || len(res.Counted) != 0 {
			t.Fatalf("viewer %q's household insights: %+v, %v", id, res, err)
		}
	}
	if res, err := insights("m1"); err != nil || len(res.Counted) != 1 || res.Counted[0] != "m1" {
		t.Fatalf("m1's own household insights: %+v, %v", res, err)
	}
	if _, err := insights("nul\x00byte"); model.ErrorCode(err) != model.BadUserInput {
		t.Fatalf("household insights of an id with a NUL byte: %v", err)
	}
}
