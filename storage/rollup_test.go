package storage_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// randomReceipts makes n receipts of the members between 2023 and the
// clock, many of them within two hours of a Helsinki midnight at a month's
// end, with lines of every kind: weighed, by piece, by litre (no weight),
// non-food, an unknown GTIN and no GTIN at all.
func randomReceipts(rng *rand.Rand, members []string, n int, now time.Time) []model.ReceiptInput {
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	span := now.Add(-time.Hour).Sub(start)
	var out []model.ReceiptInput
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(rng.Int64N(int64(span))))
		if rng.IntN(3) == 0 {
			// The last day of the month, 20:30-23:30 UTC: across midnight in Helsinki.
			last := time.Date(at.Year(), at.Month()+1, 0, 20, 30, 0, 0, time.UTC)
			at = last.Add(time.Duration(rng.IntN(180)) * time.Minute)
			if at.After(now) {
				at = now.Add(-time.Hour)
			}
		}
		var lines []model.LineInput
		for j := 0; j < 1+rng.IntN(5); j++ {
			lines = append(lines, randomLine(rng))
		}
		out = append(out, servertest.Receipt(members[rng.IntN(len(members))], fmt.Sprintf("p%d", i), at, lines...))
	}
	return out
}

func randomLine(rng *rand.Rand) model.LineInput {
	switch rng.IntN(9) {
	case 0:
		return servertest.Line("6400000000002", float64(1+rng.IntN(2500))/1000, model.UnitKg, 399)
	case 1:
		return servertest.Line("6400000000003", 1, model.UnitL, 129) // by litre: weight unknown
	case 2:
		return servertest.Line(servertest.UnknownGtin, 2, model.UnitPiece, 150)
	case 3:
		l := servertest.Line("6400000000001", 1, model.UnitPiece, 99)
		l.Gtin = nil
		return l
	default:
		gtins := []string{"6400000000001", "6400000000003", "6400000000004", "6400000000005", "6400000000006"}
		return servertest.Line(gtins[rng.IntN(len(gtins))], float64(1+rng.IntN(4)), model.UnitPiece, 50+rng.IntN(400))
	}
}

// randomRanges returns fixed edge ranges and n random ones.
func randomRanges(rng *rand.Rand, n int) [][2]model.Date {
	out := [][2]model.Date{
		{day("2023-01-01"), day("2026-06-15")}, {day("2024-01-01"), day("2024-12-31")},
		{day("2026-03-31"), day("2026-03-31")}, {day("2026-04-01"), day("2026-04-01")},
		{day("2026-03-29"), day("2026-03-29")}, {day("2025-10-26"), day("2025-10-26")},
		{day("2025-12-15"), day("2026-01-14")}, {day("2022-06-01"), day("2030-01-01")},
		// Up to the clock's day (2026-06-15): this year and the last 12 months.
		{day("2026-01-01"), day("2026-06-15")}, {day("2025-06-16"), day("2026-06-15")},
		{day("2025-03-01"), day("2025-11-30")}, {day("2024-11-01"), day("2025-02-28")},
	}
	first := day("2022-12-01").UTCMidnight()
	for i := 0; i < n; i++ {
		from := first.AddDate(0, 0, rng.IntN(1340))
		to := from.AddDate(0, 0, rng.IntN(1500))
		out = append(out, [2]model.Date{model.DateOf(from, time.UTC), model.DateOf(to, time.UTC)})
	}
	return out
}

func day(s string) model.Date {
	d, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// sameInsights fails unless the rollups and a straight computation over
// the lines give the same answer for every range and owner set. Integers
// must be equal; float sums may differ only in their last bits (they are
// added in another order).
func sameInsights(t *testing.T, env *servertest.Env, owners [][]string, ranges [][2]model.Date) {
	t.Helper()
	ctx := context.Background()
	for _, o := range owners {
		for _, r := range ranges {
			q := storage.InsightsQuery{Owners: o, From: r[0], To: r[1], Months: true, Categories: true, Nutrients: true}
			got, err := env.DB.Insights(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			q.FromLines = true
			want, err := env.DB.Insights(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(reflect.ValueOf(got), reflect.ValueOf(want), ""); d != "" {
				t.Fatalf("owners %v, %s..%s: rollups differ from the lines at %s", o, r[0], r[1], d)
			}
		}
	}
}

// diff returns the path of the first difference between a and b, or "".
func diff(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + " (nil)"
			}
			return ""
		}
		return diff(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s (%d keys, want %d)", path, a.Len(), b.Len())
		}
		for _, k := range a.MapKeys() {
			if !b.MapIndex(k).IsValid() {
				return fmt.Sprintf("%s[%v] (extra)", path, k)
			}
			if d := diff(a.MapIndex(k), b.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); d != "" {
				return d
			}
		}
	case reflect.Float64:
		x, y := a.Float(), b.Float()
		if math.Abs(x-y) > 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y))) {
			return fmt.Sprintf("%s: %v, want %v", path, x, y)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			return fmt.Sprintf("%s: %v, want %v", path, a.Interface(), b.Interface())
		}
	}
	return ""
}

// newRollupHousehold is a database with the test catalog and three adult
// members of one household, and a random source seeded from the clock
// (logged, so a failure can be replayed) on the given stream.
func newRollupHousehold(t *testing.T, stream uint64) (*rand.Rand, *servertest.Env, []string) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	env := servertest.New(t)
	env.Catalog(t)
	members := []string{"m1", "m2", "m3"}
	for _, m := range members {
		env.Member(t, servertest.MemberSpec{ID: m, Household: "h1", Birth: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)})
	}
	return rand.New(rand.NewPCG(seed, stream)), env, members
}

// TestRollupsEqualLines is the property test of the rollups: for random
// receipts and random ranges, insights from the rollups equal insights
// computed straight from the lines, after inserts, after deleting receipts
// and lines, after updates, and after a product correction and a rebuild.
func TestRollupsEqualLines(t *testing.T) {
	rng, env, members := newRollupHousehold(t, 5)
	// Ingest in several batches: later batches add to existing rollup rows.
	all := randomReceipts(rng, members, 240, env.Clock.Now())
	for i := 0; i < len(all); i += 60 {
		env.Ingest(t, all[i:i+60]...)
	}
	owners := [][]string{{"m1"}, members}
	ranges := randomRanges(rng, 25)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := env.DB.Pool().Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("AfterIngest", func(t *testing.T) { sameInsights(t, env, owners, ranges) })

	t.Run("AfterDeletesAndUpdates", func(t *testing.T) {
		exec(`DELETE FROM receipts WHERE receipt_seq % 5 = $1`, rng.IntN(5))
		exec(`DELETE FROM receipt_lines WHERE (receipt_seq + line_no) % 4 = $1`, rng.IntN(4))
		exec(`UPDATE receipt_lines SET quantity = quantity * 2, amount_cents = amount_cents * 2 WHERE line_no = 2`)
		exec(`UPDATE receipts SET total_cents = total_cents + 1, bonus_eligible_cents = 0 WHERE receipt_seq % 7 = 0`)
		sameInsights(t, env, owners, ranges)
	})

	t.Run("AfterProductCorrectionAndRebuild", func(t *testing.T) {
		fixed := append([]model.ProductInput(nil), servertest.Products...)
		fixed[1].Co2eKgPerKg = ptr(2.1)                                                // tomatoes
		fixed[2].NutritionPer100g = &model.NutritionInput{EnergyKj: 250, Protein: 3.5} // milk
		fixed[4].NetWeightKg = ptr(0.5)                                                // bread: now weighed
		fixed[5].CategoryID = "bread"                                                  // yoghurt, misfiled
		if res, err := env.DB.UpsertProducts(ctx, fixed); err != nil || res.Rejected > 0 {
			t.Fatal(err, res)
		}
		whole := storage.InsightsQuery{Owners: members, From: day("2023-01-01"), To: day("2026-06-15"), Months: true}
		stale, _ := env.DB.Insights(ctx, whole)
		whole.FromLines = true
		fresh, _ := env.DB.Insights(ctx, whole)
		if stale.Sums.Total.Co2eKg == fresh.Sums.Total.Co2eKg {
			t.Fatal("the correction changed nothing: the test proves nothing")
		}
		n, err := env.DB.RebuildRollups(ctx, 2, nil)
		if err != nil || n != 3 {
			t.Fatalf("rebuilt %d members: %v", n, err)
		}
		sameInsights(t, env, owners, ranges)
	})
}

// rollupRows counts a member's rows in every rollup table.
func rollupRows(t *testing.T, env *servertest.Env, member string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"receipt_month_rollups", "line_month_rollups", "category_month_rollups", "category_year_rollups"} {
		var n int
		if err := env.DB.Pool().QueryRow(context.Background(),
			`SELECT count(*) FROM `+table+` WHERE customer_id = $1`, member).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// TestRollupsFollowErasure checks that the rollups go with the lines they
// come from: consent withdrawal erases the line rollups (totals stay),
// erasure everything.
func TestRollupsFollowErasure(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	ctx := context.Background()
	for _, m := range []string{"w1", "e1"} {
		env.Member(t, servertest.MemberSpec{ID: m})
		env.Ingest(t, servertest.Receipt(m, "a", time.Date(2025, 12, 31, 22, 30, 0, 0, time.UTC),
			servertest.Line("6400000000001", 2, model.UnitPiece, 50)),
			servertest.Receipt(m, "b", time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC),
				servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
	}
	// 2025-12-31T22:30Z is January 1st in Helsinki: both receipts are 2026.
	want := map[string]int{"receipt_month_rollups": 2, "line_month_rollups": 2,
		"category_month_rollups": 2, "category_year_rollups": 2}
	if got := rollupRows(t, env, "w1"); !reflect.DeepEqual(got, want) {
		t.Fatalf("after ingest %v", got)
	}

	t.Run("ConsentWithdrawal", func(t *testing.T) {
		if _, err := env.DB.SetConsents(ctx, "w1", []model.ConsentChange{{Purpose: model.ConsentPurposeProductLevelData,
			Granted: false, AcknowledgeErasure: ptr(true)}}, model.ChannelMobileApp); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"receipt_month_rollups": 2, "line_month_rollups": 0,
			"category_month_rollups": 0, "category_year_rollups": 0}
		if got := rollupRows(t, env, "w1"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after withdrawal %v", got)
		}
	})
	t.Run("Erasure", func(t *testing.T) {
		if _, err := env.DB.EraseMember(ctx, "e1"); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"receipt_month_rollups": 0, "line_month_rollups": 0,
			"category_month_rollups": 0, "category_year_rollups": 0}
		if got := rollupRows(t, env, "e1"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after erasure %v", got)
		}
	})
}

// TestRebuildAppliesTimeZone checks that a rebuild rewrites the purchase
// dates in the configured zone before it recomputes the months.
func TestRebuildAppliesTimeZone(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Ingest(t, servertest.Receipt("c1", "r", time.Date(2026, 3, 31, 21, 30, 0, 0, time.UTC),
		servertest.Line("6400000000001", 1, model.UnitPiece, 50)))
	month := func() string {
		var m time.Time
		if err := env.DB.Pool().QueryRow(context.Background(),
			`SELECT l.month FROM line_month_rollups l JOIN receipt_month_rollups r USING (customer_id, month)`).Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m.Format("2006-01")
	}
	if got := month(); got != "2026-04" {
		t.Fatalf("Helsinki month %s", got)
	}
	utc, err := storage.Open(context.Background(), storage.Config{URL: env.URL, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer utc.Close()
	if _, err := utc.RebuildRollups(context.Background(), 0, nil); err != nil {
		t.Fatal(err)
	}
	if got := month(); got != "2026-03" {
		t.Fatalf("UTC month %s", got)
	}
}

// TestRollupsEqualLinesUnderConcurrentWriters: batches that share members
// and months, ingested at once (some receipts sent twice, by two batches
// in flight together), while receipts of the same members are deleted,
// store every receipt once, deadlock nowhere and leave rollups equal to
// their lines. It is a smoke test of the interleavings this load happens
// to produce: with rollup_lock_members made a no-op it still passed in 6
// runs, as the rollup rows' own row locks cover most interleavings; the
// member lock is for the rest (docs/insights.md).
func TestRollupsEqualLinesUnderConcurrentWriters(t *testing.T) {
	rng, env, members := newRollupHousehold(t, 9)
	ctx := context.Background()
	env.Ingest(t, randomReceipts(rng, members, 60, env.Clock.Now())...)
	all := randomReceipts(rng, members, 240, env.Clock.Now())
	for i := range all {
		all[i].ExternalID = fmt.Sprintf("c%d", i) // not the first batch's ids
	}
	const writers, batch = 4, 20
	var accepted atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w * batch; i < len(all); i += writers * batch {
				in := all[i : i+batch]
				// Two receipts of the next writer's batch too: the same
				// key in two transactions at once.
				if j := i + batch; j+2 <= len(all) {
					in = append(in[:batch:batch], all[j:j+2]...)
				}
				res, err := env.DB.IngestReceipts(ctx, in)
				if err != nil || res.Rejected > 0 {
					errs <- fmt.Errorf("%v %+v", err, res)
					return
				}
				accepted.Add(int64(res.Accepted))
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 6; i++ {
			if _, err := env.DB.Pool().Exec(ctx, `
				DELETE FROM receipts WHERE (customer_id, receipt_seq) IN (
					SELECT customer_id, receipt_seq FROM receipts WHERE external_id LIKE 'p%' ORDER BY random() LIMIT 5)`); err != nil {
				errs <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The deletes take only the first ingest's receipts (ids p*): every
	// concurrent one is stored, and accepted once though sent twice.
	var stored int
	if err := env.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM receipts WHERE external_id LIKE 'c%'`).Scan(&stored); err != nil ||
		stored != len(all) || accepted.Load() != int64(len(all)) {
		t.Fatalf("%d of %d concurrent receipts stored, %d accepted: %v", stored, len(all), accepted.Load(), err)
	}
	sameInsights(t, env, [][]string{{"m1"}, members}, randomRanges(rng, 25))
}
