package resolvers_test

import (
	"context"
	"testing"
	"time"

	ins "github.com/omadata/omadata/insights"
)

func BenchmarkZZExplain(b *testing.B) {
	h := newHeavyHousehold(b)
	ctx := context.Background()
	p := h.env.DB.Pool()
	plan := ins.Split(day(tenYearsFrom), day(rangeTo))
	show := func(name, sql string, args ...any) {
		rows, err := p.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
		if err != nil {
			b.Fatal(err)
		}
		b.Log("=====", name)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			b.Log(s)
		}
	}
	cov := h.members
	fm, em := plan.FirstMonth.UTCMidnight(), plan.EndMonth.UTCMidnight()
	fy, ey := plan.FirstYear.UTCMidnight(), plan.EndYear.UTCMidnight()
	a1, b1, a2, b2 := plan.Partial[0].From.UTCMidnight(), plan.Partial[0].To.UTCMidnight(), plan.Partial[1].From.UTCMidnight(), plan.Partial[1].To.UTCMidnight()
	_ = time.Now
	for i := 0; i < 2; i++ {
		show("totals", totalsSQLx, cov, fm, em, a1, b1, a2, b2)
		show("months", monthsSQLx, cov, fm, em)
		show("categories", categoriesSQLx, cov, fy, ey, fm, em)
		show("partial", partialSQLx, cov, a1, b1, a2, b2)
	}
}
