package resolvers_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// schemaTables lists every table of the schema, from the catalog: a table
// a later migration adds is checked without anyone listing it here.
func schemaTables(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	rows, _ := env.DB.Pool().Query(context.Background(), `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Contains(tables, "receipt_lines") {
		t.Fatalf("tables %v: %v", tables, err)
	}
	return tables
}

// rowsMentioning counts, per table, the rows whose text form (every column,
// of any type) contains s.
func rowsMentioning(t *testing.T, env *servertest.Env, s string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range schemaTables(t, env) {
		var n int
		err := env.DB.Pool().QueryRow(context.Background(),
			`SELECT count(*) FROM `+pgx.Identifier{tb}.Sanitize()+` t WHERE strpos(t::text, $1) > 0`, s).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			out[tb] = n
		}
	}
	return out
}

const eraseID = "erase-me-7f3a"

// seedErasure gives eraseID everything a member can have: two household
// memberships, receipts with lines, a chosen retention, an export, a read
// by a household member, and a read of theirs in that member's log.
func seedErasure(t *testing.T, env *servertest.Env) {
	ctx := context.Background()
	env.Catalog(t)
	sharing := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: eraseID, Household: "h-first", Consents: sharing})
	env.Member(t, servertest.MemberSpec{ID: eraseID, Household: "hh"})
	env.Member(t, servertest.MemberSpec{ID: "keeper", Household: "hh", Role: model.HouseholdRoleMember, Consents: sharing})
	now := env.Clock.Now()
	env.Ingest(t,
		servertest.Receipt(eraseID, "e1", now.Add(-72*time.Hour), servertest.Line("6400000000001", 3, model.UnitPiece, 45),
			servertest.Line("6400000000002", 0.5, model.UnitKg, 400)),
		servertest.Receipt(eraseID, "e2", now.Add(-48*time.Hour), servertest.Line("6400000000004", 1, model.UnitPiece, 2990)),
		servertest.Receipt(eraseID, "e3", now.Add(-24*time.Hour), servertest.Line("6400000000003", 2, model.UnitPiece, 129)),
		servertest.Receipt("keeper", "k1", now.Add(-24*time.Hour), servertest.Line("6400000000003", 1, model.UnitPiece, 129)),
		servertest.Receipt("keeper", "k2", now.Add(-12*time.Hour), servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
	if err := env.DB.RecordAccess(ctx, []storage.Access{
		{Owner: eraseID, ActorKind: model.ActorKindHouseholdMember, ActorID: "keeper", ActorName: new("Kaija"), Resource: "receipts", Purpose: "household sharing"},
		{Owner: "keeper", ActorKind: model.ActorKindHouseholdMember, ActorID: eraseID, ActorName: new("Eero"), Resource: "receipts", Purpose: "household sharing"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.TouchLogin(ctx, eraseID); err != nil {
		t.Fatal(err)
	}
	env.MustQuery(t, env.MemberToken(eraseID), `mutation { setRetentionYears(years: 7) { retentionYears } }`, nil)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/export", nil)
	req.Header.Set("Authorization", "Bearer "+env.MemberToken(eraseID))
	env.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("export: %d", rec.Code)
	}
}

const deleteMutation = `mutation($c: String!) { deleteMyData(confirm: $c) { receipts lines consentEvents accessEvents } }`

func TestDeleteMyData(t *testing.T) {
	env := servertest.New(t)
	seedErasure(t, env)
	tok := env.MemberToken(eraseID)
	card := servertest.Card(eraseID)
	before := rowsMentioning(t, env, eraseID)
	keeperBefore := rowsMentioning(t, env, "keeper")
	if before["receipts"] != 3 || before["receipt_lines"] != 4 || before["members"] != 1 {
		t.Fatalf("seed: %v", before)
	}

	t.Run("ErrConfirm", func(t *testing.T) {
		for _, c := range []string{"", "delete", "DELETE ", "yes"} {
			r := env.Query(t, tok, deleteMutation, map[string]any{"c": c})
			if !slices.Equal(r.Codes(), []string{model.BadUserInput}) || r.Errors[0].Message[:8] != "confirm:" {
				t.Fatalf("confirm %q: %+v", c, r.Errors)
			}
		}
		if got := rowsMentioning(t, env, eraseID); !mapsEqual(got, before) {
			t.Fatalf("a refused erasure deleted something: %v, before %v", got, before)
		}
	})

	t.Run("ErrServiceToken", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("members:write"), deleteMutation, map[string]any{"c": "DELETE"})
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("service token: %v", r.Codes())
		}
	})

	t.Run("OK", func(t *testing.T) {
		var d struct{ DeleteMyData model.ErasureReport }
		env.MustQuery(t, tok, deleteMutation, map[string]any{"c": "DELETE"}).Decode(t, &d)
		// 11 enrolment consent events; the keeper's read and the export in the log.
		want := model.ErasureReport{Receipts: 3, Lines: 4, ConsentEvents: 11, AccessEvents: 2}
		if d.DeleteMyData != want {
			t.Fatalf("report = %+v, want %+v", d.DeleteMyData, want)
		}
		for _, s := range []string{eraseID, card, eraseID + "@example.fi"} {
			if got := rowsMentioning(t, env, s); len(got) != 0 {
				t.Errorf("rows still mention %s after erasure: %v", s, got)
			}
		}
		if n := countSQL(t, env, `SELECT count FROM erasures WHERE reason = 'request'`); n != 1 {
			t.Errorf("erasures counted %d, want 1", n)
		}
	})

	t.Run("OthersKept", func(t *testing.T) {
		// All but the keeper's read of the erased member's data, which was in
		// the erased member's log.
		keeperBefore["access_events"]--
		if got := rowsMentioning(t, env, "keeper"); !mapsEqual(got, keeperBefore) {
			t.Fatalf("keeper's rows changed: %v, before %v", got, keeperBefore)
		}
		// The keeper's log still says Eero read it; only the id is gone.
		var name string
		var actor *string
		if err := env.DB.Pool().QueryRow(context.Background(),
			`SELECT actor_name, actor_id FROM access_events WHERE customer_id = 'keeper'`).Scan(&name, &actor); err != nil || name != "Eero" || actor != nil {
			t.Fatalf("keeper's access event: %q %v %v", name, actor, err)
		}
		var h struct {
			Household struct{ Members []struct{ Name string } }
		}
		env.MustQuery(t, env.MemberToken("keeper"), `{ household { members { name } } }`, nil).Decode(t, &h)
		if len(h.Household.Members) != 1 || h.Household.Members[0].Name != "Name keeper" {
			t.Fatalf("keeper's household after erasure: %+v", h.Household.Members)
		}
	})

	t.Run("NothingAfterwards", func(t *testing.T) {
		for _, q := range []string{`{ me { id } }`, `{ myDataExport { receipts } }`, `{ household { id } }`,
			`{ consents { purpose } }`, `{ receipt(id: "cgAAAAAAAAAB") { id } }`,
			`mutation { setRetentionYears(years: 3) { id } }`, `mutation { deleteMyData(confirm: "DELETE") { receipts } }`,
			`mutation { setConsents(changes: [{purpose: NEWSLETTER, granted: true}], channel: MOBILE_APP) { id } }`} {
			if r := env.Query(t, tok, q, nil); !slices.Equal(r.Codes(), []string{model.NotFound}) {
				t.Errorf("%s after erasure: %v %s", q, r.Codes(), r.Data)
			}
		}
		var d struct {
			Receipts, HouseholdReceipts, ConsentHistory, AccessLog struct{ Edges []any }
			Insights                                               struct{ ReceiptCount, SpendCents int }
		}
		env.MustQuery(t, tok, `{ receipts { edges { cursor } } householdReceipts { edges { cursor } }
			consentHistory { edges { cursor } } accessLog { edges { cursor } }
			insights(from: "2026-01-01", to: "2026-06-30") { receiptCount spendCents } }`, nil).Decode(t, &d)
		if n := len(d.Receipts.Edges) + len(d.HouseholdReceipts.Edges) + len(d.ConsentHistory.Edges) + len(d.AccessLog.Edges); n != 0 ||
			d.Insights.ReceiptCount != 0 || d.Insights.SpendCents != 0 {
			t.Errorf("data after erasure: %+v", d)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/export", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		env.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("export after erasure: %d %s", rec.Code, rec.Body.String())
		}
		if got := rowsMentioning(t, env, eraseID); len(got) != 0 {
			t.Errorf("requests after erasure left rows: %v", got)
		}
	})
}

func countSQL(t *testing.T, env *servertest.Env, sql string) int {
	t.Helper()
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSetRetentionYears(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	tok := env.MemberToken("c1")
	const set = `mutation($y: Int!) { setRetentionYears(years: $y) { id retentionYears } }`
	retention := func() int {
		var d struct{ Me struct{ RetentionYears int } }
		env.MustQuery(t, tok, `{ me { retentionYears } }`, nil).Decode(t, &d)
		return d.Me.RetentionYears
	}

	t.Run("Default", func(t *testing.T) {
		if y := retention(); y != 5 {
			t.Fatalf("default retention %d, want 5", y)
		}
	})
	t.Run("OK", func(t *testing.T) {
		for _, y := range []int{1, 10, 7} {
			var d struct{ SetRetentionYears struct{ RetentionYears int } }
			env.MustQuery(t, tok, set, map[string]any{"y": y}).Decode(t, &d)
			if d.SetRetentionYears.RetentionYears != y || retention() != y {
				t.Fatalf("set %d: got %d, me %d", y, d.SetRetentionYears.RetentionYears, retention())
			}
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		for _, y := range []int{0, -3, 11, 100} {
			r := env.Query(t, tok, set, map[string]any{"y": y})
			if !slices.Equal(r.Codes(), []string{model.BadUserInput}) || r.Errors[0].Message != "years: must be between 1 and 10" {
				t.Fatalf("years %d: %+v", y, r.Errors)
			}
		}
		if y := retention(); y != 7 {
			t.Fatalf("a refused change changed retention to %d", y)
		}
	})
	t.Run("ErrServiceToken", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("members:write"), set, map[string]any{"y": 3})
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("service token: %v", r.Codes())
		}
	})
}
