package resolvers_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// purchaseDataLevel returns the member's me.purchaseDataLevel.
func purchaseDataLevel(t *testing.T, env *servertest.Env, who string) string {
	t.Helper()
	var d struct {
		Me struct{ PurchaseDataLevel string }
	}
	env.MustQuery(t, env.MemberToken(who), `{ me { purchaseDataLevel } }`, nil).Decode(t, &d)
	return d.Me.PurchaseDataLevel
}

// twoLines is a receipt of the member with two lines, 3×45 + 1×129 cents.
func twoLines(who, ext string, at time.Time) model.ReceiptInput {
	return servertest.Receipt(who, ext, at,
		servertest.Line("6400000000001", 3, model.UnitPiece, 45),
		servertest.Line("6400000000003", 1, model.UnitPiece, 129))
}

// ingestHTTP ingests through the API with a POS token.
func ingestHTTP(t *testing.T, env *servertest.Env, rs ...model.ReceiptInput) model.IngestResult {
	t.Helper()
	var d struct{ IngestReceipts model.IngestResult }
	env.MustQuery(t, env.ServiceToken("receipts:ingest"), `mutation($in: [ReceiptInput!]!) {
	  ingestReceipts(input: $in) { accepted duplicates rejected linesStored linesDiscarded rejections { index code message } } }`,
		map[string]any{"in": rs}).Decode(t, &d)
	return d.IngestReceipts
}

// firstReceiptID returns the id of the member's newest receipt.
func firstReceiptID(t *testing.T, env *servertest.Env, who string) string {
	t.Helper()
	var d struct {
		Receipts struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustQuery(t, env.MemberToken(who), `{ receipts { edges { node { id } } } }`, nil).Decode(t, &d)
	return d.Receipts.Edges[0].Node.ID
}

// linePaths are the ways a query can reach receipt lines: the connection
// (prefetched), one receipt (dataloader), aliases, fragments and inline
// fragments, each asking for totals beside the lines. Each names how many
// lines fields it asks for on the member's 2 receipts.
var linePaths = []struct {
	name, query string
	fields      int
}{
	{"Connection", `{ receipts { edges { node { totalCents lines { lineNo description amountCents } } } } }`, 2},
	{"ByID", `query($id: ID!) { receipt(id: $id) { totalCents lines { lineNo product { gtin name } } } }`, 1},
	{"Aliases", `query($id: ID!) { a: receipts { edges { node { totalCents x: lines { lineNo } } } }
	  b: receipt(id: $id) { totalCents l1: lines { lineNo } l2: lines { description } } }`, 4},
	{"Fragments", `query($id: ID!) { receipts { edges { node { ...R } } } receipt(id: $id) { ... on Receipt { totalCents lines { amountCents } } } }
	  fragment R on Receipt { totalCents ...L } fragment L on Receipt { lines { lineNo product { category { id } } } }`, 3},
	{"Paged", `{ receipts(first: 1) { edges { node { totalCents lines { lineNo } } } pageInfo { endCursor } } }`, 1},
}

// queryLines runs one line path and returns the response.
func queryLines(t *testing.T, env *servertest.Env, who, query string) *servertest.Response {
	t.Helper()
	return env.Query(t, env.MemberToken(who), query, map[string]any{"id": firstReceiptID(t, env, who)})
}

// wantLinesGated checks that every lines field answered null with a
// CONSENT_REQUIRED naming PRODUCT_LEVEL_DATA, that no line data leaked,
// and that the totals still answered.
func wantLinesGated(t *testing.T, r *servertest.Response, fields int) {
	t.Helper()
	if len(r.Errors) != fields {
		t.Fatalf("want %d CONSENT_REQUIRED errors, got %+v", fields, r.Errors)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != model.ConsentRequired || !strings.Contains(e.Message, "PRODUCT_LEVEL_DATA") {
			t.Fatalf("error %+v", e)
		}
	}
	data := string(r.Data)
	for _, leak := range []string{`"lineNo"`, `"description"`, `"amountCents"`, `"gtin"`} {
		if strings.Contains(data, leak) {
			t.Fatalf("line data leaked: %s", data)
		}
	}
	if !strings.Contains(data, `"totalCents":264`) {
		t.Fatalf("totals missing: %s", data)
	}
}

// TestConsentGates: while the owner's PRODUCT_LEVEL_DATA is not granted,
// every path to receipt lines answers null with CONSENT_REQUIRED and the
// totals still answer. The grant here expires, so the lines stay stored:
// the gate, not the absence of data, is what is tested.
func TestConsentGates(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	now := env.Clock.Now()
	expires := now.Add(24 * time.Hour)
	env.Member(t, servertest.MemberSpec{ID: "c1", Consents: []model.ConsentChange{
		{Purpose: model.ConsentPurposeProductLevelData, Granted: true, ExpiresAt: &expires}}})
	env.Ingest(t, twoLines("c1", "r1", now.Add(-2*time.Hour)), twoLines("c1", "r2", now.Add(-time.Hour)))

	t.Run("OpenWhileGranted", func(t *testing.T) {
		for _, p := range linePaths {
			r := queryLines(t, env, "c1", p.query)
			if len(r.Errors) > 0 || strings.Count(string(r.Data), `"lines":[{`)+strings.Count(string(r.Data), `"x":[{`)+
				strings.Count(string(r.Data), `"l1":[{`)+strings.Count(string(r.Data), `"l2":[{`) != p.fields {
				t.Fatalf("%s: %s %+v", p.name, r.Data, r.Errors)
			}
		}
		if level := purchaseDataLevel(t, env, "c1"); level != "PRODUCT_LEVEL" {
			t.Fatalf("purchaseDataLevel %s", level)
		}
	})

	env.Clock.Set(expires.Add(time.Hour))
	for _, p := range linePaths {
		t.Run("ErrExpired"+p.name, func(t *testing.T) {
			wantLinesGated(t, queryLines(t, env, "c1", p.query), p.fields)
		})
	}
	t.Run("ErrExpiredLevel", func(t *testing.T) {
		if level := purchaseDataLevel(t, env, "c1"); level != "TOTALS_ONLY" {
			t.Fatalf("purchaseDataLevel %s", level)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM receipt_lines`); n != 4 {
			t.Fatalf("the test needs the lines stored, has %d", n)
		}
	})
	t.Run("ErrExpiredIngest", func(t *testing.T) {
		res := ingestHTTP(t, env, twoLines("c1", "r3", env.Clock.Now().Add(-time.Minute)))
		if res.Accepted != 1 || res.LinesStored != 0 || res.LinesDiscarded != 2 {
			t.Fatalf("%+v", res)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM receipt_lines`); n != 4 {
			t.Fatalf("%d lines stored", n)
		}
	})
}

// TestWithdrawProductLevelData: denying PRODUCT_LEVEL_DATA erases the
// member's stored lines in the same transaction as the consent event, and
// only when the request acknowledges the erasure.
func TestWithdrawProductLevelData(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	now := env.Clock.Now()
	env.Ingest(t, twoLines("c1", "r1", now.Add(-3*time.Hour)), twoLines("c1", "r2", now.Add(-2*time.Hour)),
		twoLines("c1", "r3", now.Add(-time.Hour)), twoLines("c2", "r4", now.Add(-time.Hour)))
	tok := env.MemberToken("c1")

	for name, pld := range map[string]map[string]any{
		"ErrNotAcknowledged":      change("PRODUCT_LEVEL_DATA", false),
		"ErrAcknowledgedFalse":    change("PRODUCT_LEVEL_DATA", false, "acknowledgeErasure", false),
		"ErrAcknowledgedOnOthers": change("PRODUCT_LEVEL_DATA", false),
	} {
		t.Run(name, func(t *testing.T) {
			before := ledgerSize(t, env)
			other := change("NEWSLETTER", true, "acknowledgeErasure", name == "ErrAcknowledgedOnOthers")
			r := setConsents(t, env, tok, "WEB_PORTAL", other, pld)
			want := "changes.acknowledgeErasure: denying PRODUCT_LEVEL_DATA erases your 6 stored receipt lines " +
				"and everything derived from them, for good; send acknowledgeErasure: true to confirm"
			if !slices.Equal(r.Codes(), []string{model.BadUserInput}) || r.Errors[0].Message != want {
				t.Fatalf("%v %+v", r.Codes(), r.Errors)
			}
			if ledgerSize(t, env) != before || dbInt(t, env, `SELECT count(*) FROM receipt_lines`) != 8 ||
				consentOf(t, env, "c1", "NEWSLETTER").Granted || purchaseDataLevel(t, env, "c1") != "PRODUCT_LEVEL" {
				t.Fatal("a refused withdrawal changed something")
			}
		})
	}

	// lineRollups counts the member's rows of the rollups built from lines
	// (migration 00030), which must go with the lines.
	lineRollups := func(who string) int {
		return dbInt(t, env, `SELECT (SELECT count(*) FROM category_month_rollups WHERE customer_id = $1)
			+ (SELECT count(*) FROM category_year_rollups WHERE customer_id = $1)
			+ (SELECT count(*) FROM line_month_rollups WHERE customer_id = $1)`, who)
	}
	t.Run("OK", func(t *testing.T) {
		if lineRollups("c1") == 0 || lineRollups("c2") == 0 {
			t.Fatal("the test needs line rollups before the withdrawal")
		}
		c2Rollups := lineRollups("c2")
		env.Clock.Advance(time.Minute)
		rc := mustSetConsents(t, env, "c1", "WEB_PORTAL", change("PRODUCT_LEVEL_DATA", false, "acknowledgeErasure", true))
		if rc.ErasedLines != 6 || len(rc.Changes) != 1 || !rc.Changes[0].Before || rc.Changes[0].After {
			t.Fatalf("receipt %+v", rc)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM receipt_lines WHERE customer_id = 'c1'`); n != 0 {
			t.Fatalf("%d lines left", n)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM receipts WHERE customer_id = 'c1' AND (lines_stored > 0 OR warranty_until IS NOT NULL)`); n != 0 {
			t.Fatalf("%d receipts still claim lines", n)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM receipt_lines WHERE customer_id = 'c2'`); n != 2 {
			t.Fatalf("c2 has %d lines, want its 2 untouched", n)
		}
		if lineRollups("c1") != 0 || lineRollups("c2") != c2Rollups {
			t.Fatalf("line rollups: c1 %d, c2 %d (was %d)", lineRollups("c1"), lineRollups("c2"), c2Rollups)
		}
		if n := dbInt(t, env, `SELECT erased_lines FROM consent_receipts WHERE receipt_id = $1`, rc.ID); n != 6 {
			t.Fatalf("ledger says %d erased", n)
		}
		if level := purchaseDataLevel(t, env, "c1"); level != "TOTALS_ONLY" {
			t.Fatalf("purchaseDataLevel %s", level)
		}
		r := env.Query(t, tok, `{ receipts { edges { node { totalCents lineCount lines { lineNo } } } } }`, nil)
		if !slices.Equal(r.Codes(), []string{model.ConsentRequired, model.ConsentRequired, model.ConsentRequired}) ||
			strings.Count(string(r.Data), `"totalCents":264,"lineCount":2,"lines":null`) != 3 {
			t.Fatalf("after withdrawal: %s %v", r.Data, r.Codes())
		}
	})
	t.Run("DenyAgainNeedsNoAcknowledgement", func(t *testing.T) {
		rc := mustSetConsents(t, env, "c1", "WEB_PORTAL", change("PRODUCT_LEVEL_DATA", false))
		if rc.ErasedLines != 0 || rc.Changes[0].Before || rc.Changes[0].After {
			t.Fatalf("receipt %+v", rc)
		}
	})
	t.Run("RegrantCollectsFromNow", func(t *testing.T) {
		env.Clock.Advance(time.Minute)
		regranted := env.Clock.Now()
		mustSetConsents(t, env, "c1", "MOBILE_APP", change("PRODUCT_LEVEL_DATA", true))
		env.Clock.Advance(time.Hour)
		if level := purchaseDataLevel(t, env, "c1"); level != "PRODUCT_LEVEL" {
			t.Fatalf("purchaseDataLevel %s", level)
		}
		// A purchase made while denied arrives late: its lines are discarded.
		late := ingestHTTP(t, env, twoLines("c1", "late", regranted.Add(-30*time.Second)))
		fresh := ingestHTTP(t, env, twoLines("c1", "fresh", env.Clock.Now().Add(-time.Minute)))
		if late.LinesDiscarded != 2 || fresh.LinesStored != 2 {
			t.Fatalf("late %+v, fresh %+v", late, fresh)
		}
		var d struct {
			Receipts struct {
				Edges []struct {
					Node struct {
						Lines []struct{ LineNo int }
					}
				}
			}
		}
		r := env.Query(t, env.MemberToken("c1"), `{ receipts { edges { node { lines { lineNo } } } } }`, nil)
		r.Decode(t, &d)
		var with []int
		for _, e := range d.Receipts.Edges {
			with = append(with, len(e.Node.Lines))
		}
		// Newest first: only the fresh receipt has lines; nothing came back.
		if !slices.Equal(with, []int{2, 0, 0, 0, 0}) || len(r.Errors) != 4 {
			t.Fatalf("lines per receipt %v, errors %v", with, r.Codes())
		}
	})
}
