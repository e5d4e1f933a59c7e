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
		months   [2]string // [first, end); "" "" for none
		add, sub [][2]string
	}
	const future = "2100-01-01" // every day has passed: cost is plain day counts
	cases := map[string]struct {
		from, to, today string
		want            want
	}{
		"CalendarYear": {"2026-01-01", "2026-12-31", future,
			want{[2]string{"2026-01-01", "2027-01-01"}, nil, nil}},
		"LastTwelveMonthsEqualHalves": {"2025-06-16", "2026-06-15", future,
			want{[2]string{"2025-07-01", "2026-06-01"}, [][2]string{{"2025-06-16", "2025-06-30"}, {"2026-06-01", "2026-06-15"}}, nil}},
		// Up to today, the rest of this month has no lines: June is taken
		// whole and its future days subtracted.
		"LastTwelveMonthsToToday": {"2025-06-16", "2026-06-15", "2026-06-15",
			want{[2]string{"2025-07-01", "2026-07-01"}, [][2]string{{"2025-06-16", "2025-06-30"}}, [][2]string{{"2026-06-16", "2026-06-30"}}}},
		"ThisYearToToday": {"2026-01-01", "2026-06-15", "2026-06-15",
			want{[2]string{"2026-01-01", "2026-07-01"}, nil, [][2]string{{"2026-06-16", "2026-06-30"}}}},
		"StartLateInMonth": {"2025-03-25", "2025-05-31", future,
			want{[2]string{"2025-04-01", "2025-06-01"}, [][2]string{{"2025-03-25", "2025-03-31"}}, nil}},
		"StartEarlyInMonth": {"2025-03-03", "2025-05-31", future,
			want{[2]string{"2025-03-01", "2025-06-01"}, nil, [][2]string{{"2025-03-01", "2025-03-02"}}}},
		"InsideOneMonthShort": {"2026-03-05", "2026-03-10", future,
			want{[2]string{}, [][2]string{{"2026-03-05", "2026-03-10"}}, nil}},
		"InsideOneMonthLong": {"2026-03-05", "2026-03-20", future,
			want{[2]string{"2026-03-01", "2026-04-01"}, nil, [][2]string{{"2026-03-01", "2026-03-04"}, {"2026-03-21", "2026-03-31"}}}},
		"OneDay": {"2026-03-31", "2026-03-31", future,
			want{[2]string{}, [][2]string{{"2026-03-31", "2026-03-31"}}, nil}},
		"TwoPartialMonths": {"2026-01-15", "2026-02-10", future,
			want{[2]string{"2026-01-01", "2026-02-01"}, [][2]string{{"2026-02-01", "2026-02-10"}}, [][2]string{{"2026-01-01", "2026-01-14"}}}},
		"FullFebruary": {"2026-02-01", "2026-02-28", future,
			want{[2]string{"2026-02-01", "2026-03-01"}, nil, nil}},
		"LeapFebruaryShortOfItsEnd": {"2024-02-01", "2024-02-28", future,
			want{[2]string{"2024-02-01", "2024-03-01"}, nil, [][2]string{{"2024-02-29", "2024-02-29"}}}},
		"WholeYearAndAFewDays": {"2025-01-01", "2026-03-10", future,
			want{[2]string{"2025-01-01", "2026-03-01"}, [][2]string{{"2026-03-01", "2026-03-10"}}, nil}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := insights.Split(d(c.from), d(c.to), d(c.today))
			months := [2]string{}
			if p.FirstMonth.Before(p.EndMonth) {
				months = [2]string{p.FirstMonth.String(), p.EndMonth.String()}
			}
			ranges := func(rs []insights.DayRange) [][2]string {
				var out [][2]string
				for _, r := range rs {
					out = append(out, [2]string{r.From.String(), r.To.String()})
				}
				return out
			}
			got := want{months, ranges(p.Add), ranges(p.Sub)}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Split(%s, %s, %s) =\n%+v, want\n%+v", c.from, c.to, c.today, got, c.want)
			}
			if !reflect.DeepEqual(p.Categories, insights.SplitYears(p.FirstMonth, p.EndMonth, insights.MonthOf(d(c.today)))) {
				t.Fatalf("categories %+v", p.Categories)
			}
		})
	}
}

func TestSplitYears(t *testing.T) {
	type want struct {
		years    [2]string
		add, sub [][2]string
	}
	const future = "2100-01-01"
	cases := map[string]struct {
		first, end, month string
		want              want
	}{
		// The 2025 half is summed from months; 2026 is its yearly row less
		// the months to come, which have no rows.
		"LastTwelveMonths": {"2025-07-01", "2026-07-01", "2026-06-01",
			want{[2]string{"2026-01-01", "2027-01-01"}, [][2]string{{"2025-07-01", "2026-01-01"}}, [][2]string{{"2026-07-01", "2027-01-01"}}}},
		"TenYears": {"2016-07-01", "2026-07-01", "2026-06-01",
			want{[2]string{"2017-01-01", "2027-01-01"}, [][2]string{{"2016-07-01", "2017-01-01"}}, [][2]string{{"2026-07-01", "2027-01-01"}}}},
		"ThisYear": {"2026-01-01", "2026-07-01", "2026-06-01",
			want{[2]string{"2026-01-01", "2027-01-01"}, nil, [][2]string{{"2026-07-01", "2027-01-01"}}}},
		"WholeYear": {"2024-01-01", "2025-01-01", future,
			want{[2]string{"2024-01-01", "2025-01-01"}, nil, nil}},
		"MostOfAPastYear": {"2025-03-01", "2025-12-01", future,
			want{[2]string{"2025-01-01", "2026-01-01"}, nil, [][2]string{{"2025-01-01", "2025-03-01"}, {"2025-12-01", "2026-01-01"}}}},
		"FewMonths": {"2025-05-01", "2025-07-01", future,
			want{[2]string{}, [][2]string{{"2025-05-01", "2025-07-01"}}, nil}},
		"AcrossNewYear": {"2024-11-01", "2025-03-01", future,
			want{[2]string{}, [][2]string{{"2024-11-01", "2025-01-01"}, {"2025-01-01", "2025-03-01"}}, nil}},
		"None": {"2025-05-01", "2025-05-01", future, want{}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := insights.SplitYears(d(c.first), d(c.end), d(c.month))
			years := [2]string{}
			if p.FirstYear.Before(p.EndYear) {
				years = [2]string{p.FirstYear.String(), p.EndYear.String()}
			}
			ranges := func(rs []insights.MonthRange) [][2]string {
				var out [][2]string
				for _, r := range rs {
					out = append(out, [2]string{r.From.String(), r.End.String()})
				}
				return out
			}
			if got := (want{years, ranges(p.Add), ranges(p.Sub)}); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("SplitYears(%s, %s, %s) =\n%+v, want\n%+v", c.first, c.end, c.month, got, c.want)
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

// TestSplitSince checks that days and months before the first purchase,
// like those to come, cost nothing: the last ten years of a history that
// began two days into them take the first month whole less its empty first
// days, and the first year whole less its empty first months.
func TestSplitSince(t *testing.T) {
	p := insights.SplitSince(d("2016-06-16"), d("2026-06-15"), d("2016-06-18"), d("2026-06-15"))
	wantSub := []insights.DayRange{{From: d("2016-06-01"), To: d("2016-06-15")}, {From: d("2026-06-16"), To: d("2026-06-30")}}
	if p.FirstMonth != d("2016-06-01") || p.EndMonth != d("2026-07-01") || len(p.Add) != 0 || !reflect.DeepEqual(p.Sub, wantSub) {
		t.Fatalf("plan %+v", p)
	}
	want := insights.YearPlan{FirstYear: d("2016-01-01"), EndYear: d("2027-01-01"),
		Sub: []insights.MonthRange{{From: d("2016-01-01"), End: d("2016-06-01")}, {From: d("2026-07-01"), End: d("2027-01-01")}}}
	if !reflect.DeepEqual(p.Categories, want) {
		t.Fatalf("categories %+v, want %+v", p.Categories, want)
	}
	// Without the first purchase the same range reads the second half of
	// June 2016 from the lines and the rest of 2016 by months.
	if q := insights.Split(d("2016-06-16"), d("2026-06-15"), d("2026-06-15")); len(q.Add) != 1 || q.Categories.FirstYear != d("2017-01-01") {
		t.Fatalf("plan without since %+v", q)
	}
}
