package storage_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// TestInsightsCacheFollowsChanges checks that a kept insights answer is used
// only while reading afresh would give the same one: after every kind of
// change to what an answer is computed from (an ingest, a deletion, a
// consent withdrawal, an erasure, a product correction, a renamed
// category, a rebuild), the storage with its cache answers exactly as one
// without, and with nothing changed it answers from the cache.
func TestInsightsCacheFollowsChanges(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	ctx := context.Background()
	members := []string{"k1", "k2", "k3"}
	for _, m := range members {
		env.Member(t, servertest.MemberSpec{ID: m, Household: "kh"})
	}
	at := func(month time.Month, d int) time.Time { return time.Date(2026, month, d, 10, 0, 0, 0, time.UTC) }
	env.Ingest(t,
		servertest.Receipt("k1", "a", at(1, 10), servertest.Line("6400000000001", 3, model.UnitPiece, 50),
			servertest.Line("6400000000003", 2, model.UnitPiece, 129)),
		servertest.Receipt("k2", "b", at(3, 5), servertest.Line("6400000000002", 1.2, model.UnitKg, 399)),
		servertest.Receipt("k3", "c", at(6, 2), servertest.Line("6400000000005", 1, model.UnitPiece, 300),
			servertest.Line("6400000000006", 2, model.UnitPiece, 189)))
	uncached, err := storage.Open(ctx, storage.Config{URL: env.URL, Now: env.Clock.Now, Location: servertest.Helsinki,
		InsightsCacheEntries: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(uncached.Close)

	// A range with whole months from the rollups and edge days from the
	// lines (whose products' facts are read as they are now).
	q := storage.InsightsQuery{Owners: members, From: day("2025-12-20"), To: day("2026-06-10"),
		Months: true, Categories: true, Nutrients: true}
	var last *storage.InsightsResult
	// check reads q with both storages; changed says the step must have
	// changed the answer (a product correction changes only what is read
	// from the lines until the rollups are rebuilt, so its effect depends
	// on the range's plan).
	check := func(t *testing.T, wantHit, changed bool) {
		t.Helper()
		hits, _ := env.DB.InsightsCacheStats()
		got, err := env.DB.Insights(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := env.DB.InsightsCacheStats(); (h > hits) != wantHit {
			t.Fatalf("answered from the cache: %v, want %v", h > hits, wantHit)
		}
		want, err := uncached.Insights(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(reflect.ValueOf(got), reflect.ValueOf(want), ""); d != "" {
			t.Fatalf("the cached storage differs from a fresh read at %s", d)
		}
		if changed && reflect.DeepEqual(got, last) {
			t.Fatal("the change changed nothing: the step proves nothing")
		}
		last = got
	}
	exec := func(t *testing.T, sql string, args ...any) {
		t.Helper()
		if _, err := env.DB.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}

	check(t, false, false)
	check(t, true, false)
	steps := []struct {
		name   string
		change func(t *testing.T)
		// unchanged: the answer may stay the same; uncacheable: an erased
		// member counted by Owners has no version, so nothing is kept.
		unchanged, uncacheable bool
	}{
		{"Ingest", func(t *testing.T) {
			env.Ingest(t, servertest.Receipt("k2", "d", at(4, 1), servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
		}, false, false},
		{"IngestInEdgeDays", func(t *testing.T) {
			env.Ingest(t, servertest.Receipt("k1", "e", at(6, 9), servertest.Line("6400000000001", 1, model.UnitPiece, 55)))
		}, false, false},
		{"DeleteLine", func(t *testing.T) { exec(t, `DELETE FROM receipt_lines WHERE customer_id = 'k1' AND line_no = 2`) }, false, false},
		{"ProductCorrection", func(t *testing.T) {
			fixed := append([]model.ProductInput(nil), servertest.Products...)
			fixed[4].NetWeightKg = ptr(0.6) // the bread of k3's June receipt
			if res, err := env.DB.UpsertProducts(ctx, fixed); err != nil || res.Rejected > 0 {
				t.Fatal(err, res)
			}
		}, true, false},
		{"CategoryRenamed", func(t *testing.T) {
			cats := append([]model.CategoryInput(nil), servertest.Categories...)
			cats[2].NameEn = "Dairy milk"
			if res, err := env.DB.UpsertCategories(ctx, cats); err != nil || res.Rejected > 0 {
				t.Fatal(err, res)
			}
		}, false, false},
		{"Rebuild", func(t *testing.T) {
			// The rollups still have the bread without weight: a rebuild
			// changes the whole months.
			if _, err := env.DB.RebuildRollups(ctx, 10, nil); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"ConsentWithdrawal", func(t *testing.T) {
			if _, err := env.DB.SetConsents(ctx, "k2", []model.ConsentChange{{Purpose: model.ConsentPurposeProductLevelData,
				Granted: false, AcknowledgeErasure: ptr(true)}}, model.ChannelMobileApp); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"Erasure", func(t *testing.T) {
			if _, err := env.DB.EraseMember(ctx, "k3"); err != nil {
				t.Fatal(err)
			}
		}, false, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change(t)
			check(t, false, !s.unchanged)
			check(t, !s.uncacheable, false)
		})
	}
}

// TestInsightsCacheLogsEveryRead checks that a household read answered
// from the cache is still written to the other members' access logs.
func TestInsightsCacheLogsEveryRead(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	ctx := context.Background()
	share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: "v1", Household: "lh", Role: model.HouseholdRoleMain, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "v2", Household: "lh", Consents: share})
	env.Ingest(t, servertest.Receipt("v2", "a", time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC),
		servertest.Line("6400000000003", 2, model.UnitPiece, 129)))
	q := storage.InsightsQuery{Viewer: "v1", Household: true, From: day("2026-01-01"), To: day("2026-06-15"), Months: true,
		Log: &storage.Access{ActorKind: model.ActorKindHouseholdMember, ActorID: "v1", Resource: "insights", Purpose: "household sharing"}}
	for i := 1; i <= 3; i++ {
		res, err := env.DB.Insights(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Covered, []string{"v1", "v2"}) {
			t.Fatalf("covered %v", res.Covered)
		}
		var n int
		if err := env.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM access_events WHERE customer_id = 'v2' AND actor_id = 'v1'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != i {
			t.Fatalf("after %d reads, %d access events", i, n)
		}
	}
	if hits, _ := env.DB.InsightsCacheStats(); hits != 2 {
		t.Fatalf("%d reads answered from the cache, want 2", hits)
	}
}
