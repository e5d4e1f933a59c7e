package insights_test

import (
	"reflect"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
)

func d(s string) model.Date {
	x, err := model.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return x
}

func TestSplit(t *testing.T) {
	type want struct {
		months, years [2]string // [first, end); "" "" for none
		partial       [][2]string
	}
	cases := map[string]struct {
		from, to string
		want     want
	}{
		"CalendarYear": {"2026-01-01", "2026-12-31",
			want{[2]string{"2026-01-01", "2027-01-01"}, [2]string{"2026-01-01", "2027-01-01"}, nil}},
		"LastTwelveMonths": {"2025-06-16", "2026-06-15",
			want{[2]string{"2025-07-01", "2026-06-01"}, [2]string{}, [][2]string{{"2025-06-16", "2025-06-30"}, {"2026-06-01", "2026-06-15"}}}},
		"TenYears": {"2016-06-16", "2026-06-15",
			want{[2]string{"2016-07-01", "2026-06-01"}, [2]string{"2017-01-01", "2026-01-01"}, [][2]string{{"2016-06-16", "2016-06-30"}, {"2026-06-01", "2026-06-15"}}}},
		"InsideOneMonth": {"2026-03-05", "2026-03-20",
			want{[2]string{}, [2]string{}, [][2]string{{"2026-03-05", "2026-03-20"}}}},
		"OneDay": {"2026-03-31", "2026-03-31",
			want{[2]string{}, [2]string{}, [][2]string{{"2026-03-31", "2026-03-31"}}}},
		"TwoPartialMonths": {"2026-01-15", "2026-02-10",
			want{[2]string{}, [2]string{}, [][2]string{{"2026-01-15", "2026-01-31"}, {"2026-02-01", "2026-02-10"}}}},
		"FullFebruary": {"2026-02-01", "2026-02-28",
			want{[2]string{"2026-02-01", "2026-03-01"}, [2]string{}, nil}},
		"LeapFebruaryShortOfItsEnd": {"2024-02-01", "2024-02-28",
			want{[2]string{}, [2]string{}, [][2]string{{"2024-02-01", "2024-02-28"}}}},
		"FullMonthsAcrossNewYear": {"2025-12-01", "2026-01-31",
			want{[2]string{"2025-12-01", "2026-02-01"}, [2]string{}, nil}},
		"StartsOnFirstEndsMidMonth": {"2025-01-01", "2026-03-10",
			want{[2]string{"2025-01-01", "2026-03-01"}, [2]string{"2025-01-01", "2026-01-01"}, [][2]string{{"2026-03-01", "2026-03-10"}}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := insights.Split(d(c.from), d(c.to))
			months := [2]string{}
			if p.FirstMonth.Before(p.EndMonth) {
				months = [2]string{p.FirstMonth.String(), p.EndMonth.String()}
			}
			years := [2]string{}
			if p.FirstYear.Before(p.EndYear) {
				years = [2]string{p.FirstYear.String(), p.EndYear.String()}
			}
			var partial [][2]string
			for _, r := range p.Partial {
				partial = append(partial, [2]string{r.From.String(), r.To.String()})
			}
			got := want{months, years, partial}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Split(%s, %s) = %+v, want %+v", c.from, c.to, got, c.want)
			}
		})
	}
}

func TestDaysAndMonths(t *testing.T) {
	for _, c := range []struct {
		from, to string
		days     int
	}{{"2026-03-01", "2026-03-31", 31}, {"2026-03-29", "2026-03-29", 1}, {"2024-01-01", "2024-12-31", 366},
		{"2026-03-02", "2026-03-01", 0}} {
		if got := insights.Days(d(c.from), d(c.to)); got != c.days {
			t.Errorf("Days(%s, %s) = %d, want %d", c.from, c.to, got, c.days)
		}
	}
	got := insights.Months(d("2025-11-30"), d("2026-02-01"))
	want := []model.Date{d("2025-11-01"), d("2025-12-01"), d("2026-01-01"), d("2026-02-01")}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Months = %v", got)
	}
}
