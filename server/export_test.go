package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// exportDoc mirrors docs/export-format.md, version 1.
type exportDoc struct {
	FormatVersion string    `json:"formatVersion"`
	GeneratedAt   time.Time `json:"generatedAt"`
	Member        struct {
		ID, Name, HouseholdID, HouseholdRole string
		Email, BirthDate                     *string
		JoinedAt                             time.Time
		RetentionYears                       int
		LastCardUseAt, LastLoginAt           *time.Time
	} `json:"member"`
	Retention struct {
		Years, DefaultYears, MaxYears int
		ChosenByMember                bool
	} `json:"retention"`
	Cards []struct {
		CardNumber string
		AddedAt    time.Time
	} `json:"cards"`
	HouseholdMemberships []struct {
		HouseholdID, Role string
		JoinedAt          time.Time
		LeftAt            *time.Time
	} `json:"householdMemberships"`
	Consents []struct {
		Purpose, Channel string
		Granted          bool
		ExpiresAt        *time.Time
		UpdatedAt        time.Time
	} `json:"consents"`
	ConsentReceipts []struct {
		ID, Channel, Actor, PolicyVersion string
		ErasedLines                       int
		IssuedAt                          time.Time
		Changes                           []map[string]any
	} `json:"consentReceipts"`
	ConsentEvents []struct {
		Seq                                    int64
		Purpose, Channel, Actor, PolicyVersion string
		ReceiptID                              string
		Granted                                bool
		ExpiresAt                              *time.Time
		RecordedAt                             time.Time
	} `json:"consentEvents"`
	Receipts  []exportReceipt `json:"receipts"`
	AccessLog []struct {
		Seq                          int64
		At                           time.Time
		ActorKind, Resource, Purpose string
		ActorName                    *string
	} `json:"accessLog"`
	OtherTables map[string][]map[string]any `json:"otherTables"`
	Counts      map[string]int              `json:"counts"`
}

type exportReceipt struct {
	ID, Source, ExternalID, CardNumber, Currency string
	Store                                        struct{ ID, Name string }
	PurchasedAt, IngestedAt                      time.Time
	TotalCents, BonusEligibleCents               int
	LineCount, LinesStored                       int
	WarrantyUntil                                *string
	Lines                                        []struct {
		LineNo                                     int
		Gtin, ProductName, WarrantyUntil           *string
		Description, Unit                          string
		Quantity                                   float64
		UnitPriceCents, AmountCents, DiscountCents int
	}
}

// getExport GETs /export with token through the real handler.
func getExport(env *servertest.Env, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/export", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, req)
	return rec
}

func exportErrorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Errors []struct {
			Extensions map[string]string `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("want one JSON error, got %d %q (%v)", rec.Code, rec.Body.String(), err)
	}
	return body.Errors[0].Extensions["code"]
}

func accessEvents(t *testing.T, env *servertest.Env, owner string) int {
	t.Helper()
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM access_events WHERE customer_id = $1`, owner).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// seedExport writes what the completeness test expects back: c1 moved from
// household h0 to h1 (two membership records), three receipts (one with a
// kettle under warranty), a read by household member c2, and c2's own
// receipt, which must not appear.
func seedExport(t *testing.T, env *servertest.Env) (t0 time.Time) {
	t0 = env.Clock.Now()
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1", Household: "h0",
		Consents: []model.ConsentChange{{Purpose: model.ConsentPurposeNewsletter, Granted: true}}})
	env.Clock.Advance(time.Hour)
	env.Member(t, servertest.MemberSpec{ID: "c1", Household: "h1"})
	env.Member(t, servertest.MemberSpec{ID: "c2", Household: "h1", Role: model.HouseholdRoleMember})
	env.Clock.Advance(time.Hour)
	env.Ingest(t,
		servertest.Receipt("c1", "r1", t0.Add(-72*time.Hour),
			servertest.Line("6400000000001", 3, model.UnitPiece, 45),
			servertest.Line("6400000000002", 0.512, model.UnitKg, 399)),
		servertest.Receipt("c1", "r2", t0.Add(-48*time.Hour), servertest.Line("6400000000004", 1, model.UnitPiece, 2990)),
		servertest.Receipt("c1", "r3", t0.Add(-24*time.Hour), servertest.Line("6400000000003", 2, model.UnitPiece, 129)),
		servertest.Receipt("c2", "c2-secret-receipt", t0.Add(-time.Hour), servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
	if err := env.DB.RecordAccess(context.Background(), []storage.Access{{Owner: "c1", ActorKind: model.ActorKindHouseholdMember,
		ActorID: "c2", ActorName: new("Name c2"), Resource: "receipts", Purpose: "household sharing"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.TouchLogin(context.Background(), "c1"); err != nil {
		t.Fatal(err)
	}
	return t0
}

func TestExport(t *testing.T) {
	env := servertest.New(t)
	t0 := seedExport(t, env)
	now := env.Clock.Now()

	t.Run("OK", func(t *testing.T) {
		var sum struct {
			MyDataExport model.DataExport
		}
		env.MustQuery(t, env.MemberToken("c1"), `{ myDataExport { url formatVersion receipts lines consentEvents accessEvents cards } }`, nil).Decode(t, &sum)
		want := model.DataExport{URL: "/export", FormatVersion: "1", Receipts: 3, Lines: 4, ConsentEvents: 11, AccessEvents: 1, Cards: 1}
		if sum.MyDataExport != want {
			t.Fatalf("myDataExport = %+v, want %+v", sum.MyDataExport, want)
		}

		rec := getExport(env, env.MemberToken("c1"))
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		if ct, cd := rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"); ct != "application/json" ||
			cd != `attachment; filename="omadata-export-c1-2026-06-15.json"` {
			t.Fatalf("headers: %q, %q", ct, cd)
		}
		body := rec.Body.String()
		var doc exportDoc
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("export is not the documented format: %v\n%s", err, body)
		}
		checkProfile(t, &doc, t0, now)
		checkConsents(t, &doc, t0)
		checkReceipts(t, &doc, env, t0.Add(2*time.Hour))
		checkAccessLog(t, &doc, now)
		// Derived data is exported too: c1's month, without c2's receipt.
		rm := doc.OtherTables["receipt_month_rollups"]
		if len(rm) != 1 || rm[0]["receipt_count"] != 3.0 || rm[0]["spend_cents"] != 3587.0 || rm[0]["customer_id"] != nil {
			t.Errorf("otherTables.receipt_month_rollups = %v", rm)
		}
		wantCounts := map[string]int{"cards": 1, "householdMemberships": 2, "consents": 11, "consentReceipts": 1,
			"consentEvents": 11, "receipts": 3, "lines": 4, "accessEvents": 2}
		for k, v := range wantCounts {
			if doc.Counts[k] != v {
				t.Errorf("counts.%s = %d, want %d", k, doc.Counts[k], v)
			}
		}
		// Nothing of the other household member: not their id, card, email or receipts.
		for _, s := range []string{`"c2"`, servertest.Card("c2"), "c2@example.fi", "c2-secret-receipt"} {
			if strings.Contains(body, s) {
				t.Errorf("export of c1 contains %s", s)
			}
		}
	})

	t.Run("ErrServiceToken", func(t *testing.T) {
		before := accessEvents(t, env, "c1")
		rec := getExport(env, env.ServiceToken("members:write"))
		if rec.Code != http.StatusForbidden || exportErrorCode(t, rec) != model.Forbidden {
			t.Fatalf("service token: %d %s", rec.Code, rec.Body.String())
		}
		if accessEvents(t, env, "c1") != before {
			t.Fatal("a refused export was recorded")
		}
		r := env.Query(t, env.ServiceToken("members:write"), `{ myDataExport { url } }`, nil)
		if codes := r.Codes(); len(codes) != 1 || codes[0] != model.Forbidden {
			t.Fatalf("myDataExport with a service token: %v", codes)
		}
	})

	t.Run("ErrNoToken", func(t *testing.T) {
		rec := getExport(env, "")
		if rec.Code != http.StatusUnauthorized || exportErrorCode(t, rec) != model.Unauthenticated {
			t.Fatalf("no token: %d %s", rec.Code, rec.Body.String())
		}
	})

	t.Run("ErrUnknownMember", func(t *testing.T) {
		rec := getExport(env, env.MemberToken("nobody"))
		if rec.Code != http.StatusNotFound || exportErrorCode(t, rec) != model.NotFound {
			t.Fatalf("unknown member: %d %s", rec.Code, rec.Body.String())
		}
		if accessEvents(t, env, "nobody") != 0 {
			t.Fatal("an export of nobody was recorded")
		}
	})

	t.Run("ErrHead", func(t *testing.T) {
		before := accessEvents(t, env, "c1")
		req := httptest.NewRequest(http.MethodHead, "/export", nil)
		req.Header.Set("Authorization", "Bearer "+env.MemberToken("c1"))
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || accessEvents(t, env, "c1") != before {
			t.Fatalf("HEAD: %d, access events %d -> %d", rec.Code, before, accessEvents(t, env, "c1"))
		}
	})

	t.Run("RetentionChosen", func(t *testing.T) {
		env.MustQuery(t, env.MemberToken("c1"), `mutation { setRetentionYears(years: 8) { retentionYears } }`, nil)
		var doc exportDoc
		if err := json.Unmarshal(getExport(env, env.MemberToken("c1")).Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Member.RetentionYears != 8 || doc.Retention.Years != 8 || !doc.Retention.ChosenByMember {
			t.Fatalf("retention after choosing 8: %d %+v", doc.Member.RetentionYears, doc.Retention)
		}
	})
}

func checkProfile(t *testing.T, doc *exportDoc, t0, now time.Time) {
	t.Helper()
	m := doc.Member
	if doc.FormatVersion != "1" || !doc.GeneratedAt.Equal(now) {
		t.Errorf("formatVersion %q generatedAt %v, want 1 and %v", doc.FormatVersion, doc.GeneratedAt, now)
	}
	if m.ID != "c1" || m.Name != "Name c1" || *m.Email != "c1@example.fi" || *m.BirthDate != "1980-01-01" ||
		m.HouseholdID != "h1" || m.HouseholdRole != "MAIN" || !m.JoinedAt.Equal(t0) || m.RetentionYears != 5 {
		t.Errorf("member = %+v", m)
	}
	if m.LastCardUseAt == nil || !m.LastCardUseAt.Equal(t0.Add(-24*time.Hour)) || m.LastLoginAt == nil || !m.LastLoginAt.Equal(now) {
		t.Errorf("activity: card %v login %v", m.LastCardUseAt, m.LastLoginAt)
	}
	if r := doc.Retention; r.Years != 5 || r.DefaultYears != 5 || r.MaxYears != 10 || r.ChosenByMember {
		t.Errorf("retention = %+v", r)
	}
	if len(doc.Cards) != 1 || doc.Cards[0].CardNumber != servertest.Card("c1") {
		t.Errorf("cards = %+v", doc.Cards)
	}
	hm := doc.HouseholdMemberships
	if len(hm) != 2 || hm[0].HouseholdID != "h0" || !hm[0].JoinedAt.Equal(t0) || hm[0].LeftAt == nil ||
		!hm[0].LeftAt.Equal(t0.Add(time.Hour)) || hm[1].HouseholdID != "h1" || hm[1].LeftAt != nil || hm[1].Role != "MAIN" {
		t.Errorf("householdMemberships = %+v", hm)
	}
}

func checkConsents(t *testing.T, doc *exportDoc, t0 time.Time) {
	t.Helper()
	if len(doc.Consents) != len(model.AllConsentPurpose) {
		t.Fatalf("consents: %d, want %d", len(doc.Consents), len(model.AllConsentPurpose))
	}
	for _, c := range doc.Consents {
		p := model.ConsentPurpose(c.Purpose)
		want := p.DefaultGranted() || p == model.ConsentPurposeNewsletter
		if c.Granted != want || c.Channel != "MEMBER_REGISTRY" || !c.UpdatedAt.Equal(t0) {
			t.Errorf("consent %+v, want granted %v", c, want)
		}
	}
	if len(doc.ConsentReceipts) != 1 || len(doc.ConsentReceipts[0].Changes) != 11 || doc.ConsentReceipts[0].Actor != "member-registry" {
		t.Errorf("consentReceipts = %+v", doc.ConsentReceipts)
	}
	for _, e := range doc.ConsentEvents {
		if e.ReceiptID != doc.ConsentReceipts[0].ID || !e.RecordedAt.Equal(t0) || e.PolicyVersion != storage.PolicyVersion {
			t.Errorf("consent event %+v", e)
		}
	}
}

func checkReceipts(t *testing.T, doc *exportDoc, env *servertest.Env, ingested time.Time) {
	t.Helper()
	// The same receipts, with the same public ids, as the API shows.
	var api struct {
		Receipts struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	env.MustQuery(t, env.MemberToken("c1"), `{ receipts(first: 10) { edges { node { id } } } }`, nil).Decode(t, &api)
	rs := doc.Receipts
	if len(rs) != 3 || len(api.Receipts.Edges) != 3 {
		t.Fatalf("receipts: %d in export, %d in API", len(rs), len(api.Receipts.Edges))
	}
	for i, r := range rs { // oldest first in the export, newest first in the API
		if r.ID != api.Receipts.Edges[2-i].Node.ID || r.Source != "pos-s1" || !r.IngestedAt.Equal(ingested) || r.CardNumber != servertest.Card("c1") ||
			r.Store.ID != "s1" || r.Store.Name != "Market Keskusta" || r.Currency != "EUR" {
			t.Errorf("receipt %d = %+v", i, r)
		}
	}
	r1 := rs[0]
	// 3 × 45 + round(0.512 × 399) = 135 + 204
	if r1.ExternalID != "r1" || r1.TotalCents != 339 || r1.LineCount != 2 || r1.LinesStored != 2 || len(r1.Lines) != 2 ||
		r1.Lines[1].LineNo != 2 || *r1.Lines[1].Gtin != "6400000000002" || *r1.Lines[1].ProductName != "Tomato" ||
		r1.Lines[1].Quantity != 0.512 || r1.Lines[1].Unit != "KG" || r1.Lines[1].UnitPriceCents != 399 ||
		r1.Lines[1].AmountCents != 204 || r1.Lines[1].DiscountCents != 0 || r1.WarrantyUntil != nil {
		t.Errorf("r1 = %+v", r1)
	}
	// The kettle: 24 months of warranty from the purchase date.
	if r2 := rs[1]; r2.ExternalID != "r2" || r2.WarrantyUntil == nil || *r2.WarrantyUntil != "2028-06-13" ||
		len(r2.Lines) != 1 || *r2.Lines[0].WarrantyUntil != "2028-06-13" {
		t.Errorf("r2 = %+v", r2)
	}
}

func checkAccessLog(t *testing.T, doc *exportDoc, now time.Time) {
	t.Helper()
	al := doc.AccessLog
	if len(al) != 2 || al[0].ActorKind != "HOUSEHOLD_MEMBER" || *al[0].ActorName != "Name c2" ||
		al[1].ActorKind != "EXPORT" || al[1].Resource != "data export" ||
		al[1].Purpose != "right of access (GDPR Art. 15)" || !al[1].At.Equal(now) {
		t.Errorf("accessLog = %+v", al)
	}
}

func lastLogin(t *testing.T, env *servertest.Env, id string) *time.Time {
	t.Helper()
	var at *time.Time
	if err := env.DB.Pool().QueryRow(context.Background(), `SELECT last_login_at FROM members WHERE customer_id = $1`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}
