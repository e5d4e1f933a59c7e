package insights_test

import (
	"testing"
	"time"

	"github.com/omadata/omadata/insights"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{4}, 4}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}, {[]float64{7, 14}, 10.5}} {
		if got := insights.Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestShoppingList(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	day := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(24*time.Hour))) }
	purchases := map[string][]insights.Purchase{
		// Gaps 7 and 14 days: median 10.5; quantities 1, 2, 2: median 2.
		// Given out of order: the list sorts them.
		"A": {{day(21), 2}, {day(0), 1}, {day(7), 2}},
		"B": {{day(0), 1}, {day(30), 1}}, // twice only: not regular
		// Gaps 2, 2, 2: next due day 18.
		"C": {{day(10), 1}, {day(12), 1}, {day(14), 3}, {day(16), 1}},
		// Gaps 4, 4: last day 14, also due day 18: after C by GTIN.
		"D": {{day(6), 0.5}, {day(10), 0.5}, {day(14), 0.75}},
	}
	t.Run("OK", func(t *testing.T) {
		got := insights.ShoppingList(purchases, 20)
		if len(got) != 3 || got[0].Gtin != "C" || got[1].Gtin != "D" || got[2].Gtin != "A" {
			t.Fatalf("order %+v", got)
		}
		a := got[2]
		if a.TimesBought != 3 || !a.LastBoughtAt.Equal(day(21)) || a.TypicalIntervalDays != 10.5 ||
			!a.NextDueAt.Equal(day(31.5)) || a.TypicalQuantity != 2 {
			t.Fatalf("A %+v", a)
		}
		c := got[0]
		if c.TimesBought != 4 || c.TypicalIntervalDays != 2 || !c.NextDueAt.Equal(day(18)) || c.TypicalQuantity != 1 {
			t.Fatalf("C %+v", c)
		}
		if dd := got[1]; !dd.NextDueAt.Equal(day(18)) || dd.TypicalQuantity != 0.5 {
			t.Fatalf("D %+v", dd)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		if got := insights.ShoppingList(purchases, 1); len(got) != 1 || got[0].Gtin != "C" {
			t.Fatalf("%+v", got)
		}
	})
}
