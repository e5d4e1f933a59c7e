package resolvers_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	ins "github.com/omadata/omadata/insights"
	"github.com/omadata/omadata/storage"
)

func BenchmarkZZTime(b *testing.B) {
	h := newHeavyHousehold(b)
	ctx := context.Background()
	p := h.env.DB.Pool()
	for _, r := range []string{oneYearFrom, tenYearsFrom} {
		plan := ins.Split(day(r), day(rangeTo), day(rangeTo))
		b.Logf("%s plan %+v", r, plan)
	}
	timeit := func(name string, fn func() error) {
		for i := 0; i < 5; i++ {
			fn()
		}
		const n = 50
		start := time.Now()
		for i := 0; i < n; i++ {
			if err := fn(); err != nil {
				b.Fatal(name, err)
			}
		}
		b.Logf("%-30s %8.3f ms", name, float64(time.Since(start).Microseconds())/1000/n)
	}
	q := func(sql string, args ...any) func() error {
		return func() error {
			rows, err := p.Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Err()
		}
	}
	timeit("select 1", q("SELECT 1"))
	timeit("visible_owners", q("SELECT o FROM visible_owners($1, $2) o", "heavy1", time.Now()))
	timeit("omadata_scope member", q("SELECT omadata_scope('member', $1, $2)", "heavy1", time.Now()))
	timeit("tx begin+scope+commit", func() error {
		return pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT set_config('role', 'omadata_app', true) FROM (SELECT omadata_scope('member', $1, $2)) s", "heavy1", time.Now())
			return err
		})
	})
	for _, r := range []string{oneYearFrom, tenYearsFrom} {
		for _, c := range []struct{ name string; m, cat bool }{{"totals", false, false}, {"months", true, false}, {"cats", false, true}, {"both", true, true}} {
			sq := storage.InsightsQuery{Owners: h.members, From: day(r), To: day(rangeTo), Months: c.m, Categories: c.cat}
			timeit(r+" storage "+c.name, func() error { _, err := h.env.DB.Insights(ctx, sq); return err })
		}
	}
	conn, _ := p.Acquire(ctx)
	cq := func(sql string, args ...any) func() error {
		return func() error {
			rows, err := conn.Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Err()
		}
	}
	conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
	timeit("GENERIC partialSQL add 15 days", cq(partialSQLx, h.members, day("2025-06-16").UTCMidnight(), day("2025-06-30").UTCMidnight(), nil, nil))
	timeit("GENERIC partialSQL sub future", cq(partialSQLx, h.members, day("2026-06-16").UTCMidnight(), day("2026-06-30").UTCMidnight(), nil, nil))
	timeit("GENERIC cats 10y", cq(categoriesSQLx, h.members, day("2017-01-01").UTCMidnight(), day("2026-01-01").UTCMidnight(), day("2016-07-01").UTCMidnight(), day("2017-01-01").UTCMidnight(), day("2026-01-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	timeit("GENERIC cats 1y", cq(categoriesSQLx, h.members, day("2025-07-01").UTCMidnight(), day("2025-07-01").UTCMidnight(), day("2025-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	timeit("GENERIC months 10y", cq(monthsSQLx, h.members, day("2016-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	conn.Release()
	timeit("partialSQL add 15 days", q(partialSQLx, h.members, day("2025-06-16").UTCMidnight(), day("2025-06-30").UTCMidnight(), nil, nil))
	timeit("partialSQL sub future", q(partialSQLx, h.members, day("2026-06-16").UTCMidnight(), day("2026-06-30").UTCMidnight(), nil, nil))
	timeit("months 10y", q(monthsSQLx, h.members, day("2016-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	timeit("cats 10y", q(categoriesSQLx, h.members, day("2017-01-01").UTCMidnight(), day("2026-01-01").UTCMidnight(), day("2016-07-01").UTCMidnight(), day("2017-01-01").UTCMidnight(), day("2026-01-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	timeit("cats 1y", q(categoriesSQLx, h.members, day("2025-07-01").UTCMidnight(), day("2025-07-01").UTCMidnight(), day("2025-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight(), day("2026-07-01").UTCMidnight()))
	for _, sql := range []string{partialSQLx} {
		rows, _ := p.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, h.members, day("2025-06-16").UTCMidnight(), day("2025-06-30").UTCMidnight(), nil, nil)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			b.Log(s)
		}
	}
	timeit("partial 15 days lines", q(`SELECT count(*) FROM line_sums(ARRAY(SELECT l FROM receipts r JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq WHERE r.customer_id = ANY($1) AND r.purchased_on BETWEEN '2025-06-16' AND '2025-06-30'))`, h.members))
	timeit("partial 15 days array only", q(`SELECT cardinality(ARRAY(SELECT l FROM receipts r JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq WHERE r.customer_id = ANY($1) AND r.purchased_on BETWEEN '2025-06-16' AND '2025-06-30'))`, h.members))
	timeit("cat rows 10y", q(`SELECT count(*) FROM (SELECT * FROM category_year_rollups WHERE customer_id = ANY($1) AND year >= '2017-01-01' AND year < '2026-01-01' UNION ALL SELECT * FROM category_month_rollups WHERE customer_id = ANY($1) AND month >= '2016-07-01' AND month < '2017-01-01' UNION ALL SELECT * FROM category_month_rollups WHERE customer_id = ANY($1) AND month >= '2026-01-01' AND month < '2026-07-01') x`, h.members))
	timeit("cat rows 10y sum", q(`SELECT category_id, sum(spend_cents), sum(weight_kg), sum(co2e_kg), sum(energy_kj) FROM (SELECT * FROM category_year_rollups WHERE customer_id = ANY($1) AND year >= '2017-01-01' AND year < '2026-01-01' UNION ALL SELECT * FROM category_month_rollups WHERE customer_id = ANY($1) AND month >= '2016-07-01' AND month < '2017-01-01' UNION ALL SELECT * FROM category_month_rollups WHERE customer_id = ANY($1) AND month >= '2026-01-01' AND month < '2026-07-01') x GROUP BY 1`, h.members))
}
