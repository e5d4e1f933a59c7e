// Package insights holds the pure computations behind the insights, the
// shopping list and the bonus (DESIGN.md §7): how a date range splits into
// the periods the rollups answer, the formulas that turn sums into figures
// with their coverage, the Nordic Nutrition Recommendations, the shopping
// list's medians and the bonus tiers. Nothing here reads a clock or a
// database; docs/insights.md explains every formula.
package insights

import (
	"time"

	"github.com/omadata/omadata/graph/model"
)

// DayRange is an inclusive range of local dates.
type DayRange struct{ From, To model.Date }

// Plan is an inclusive date range split into what the rollups answer and
// what must be read from the lines: the whole months [FirstMonth, EndMonth)
// (first days of months) from the month rollups, plus the lines of the days
// in Add, minus the lines of the days in Sub. A partial month at an edge of
// the range is either read from the lines of its days in the range (Add),
// or taken whole from the rollups less the lines of its days outside the
// range (Sub), whichever has fewer days up to today to read: days still to
// come have no lines, so "this month" or "this year" read no line at all.
// However long the range, the lines read are those of at most two partial
// months.
//
// Categories says how the category rollups cover the whole months: by
// calendar years and months added or subtracted.
type Plan struct {
	FirstMonth, EndMonth model.Date
	Add, Sub             []DayRange
	Categories           YearPlan
}

// MonthRange is the months [From, End) (first days of months).
type MonthRange struct{ From, End model.Date }

// YearPlan covers whole months with the yearly category rollups
// [FirstYear, EndYear) (January 1sts), plus the months in Add, minus the
// months in Sub, from the monthly ones. A partial year at an edge is either
// summed from its months in range, or taken whole less its months out of
// range, whichever reads fewer rows up to this month: months still to come
// have none, so this year costs one row per category, not twelve.
type YearPlan struct {
	FirstYear, EndYear model.Date
	Add, Sub           []MonthRange
}

// Split plans the range [from, to] on day today; to must not be before
// from.
func Split(from, to, today model.Date) Plan { return SplitSince(from, to, model.Date{}, today) }

// SplitSince is Split knowing that no line is dated before since (the
// first purchase of the members asked about; the zero Date when unknown):
// days before it, like days to come, cost nothing to read, so a range that
// starts before the history does reads no lines at its start. The choice
// is only about cost: either way the sums are exact.
func SplitSince(from, to, since, today model.Date) Plan {
	var p Plan
	first, end := MonthOf(from), AddMonths(MonthOf(to), 1)
	startEdge, endEdge := from.Day != 1, to != LastDay(to)
	// pick reads the days in from the lines, or takes their month whole and
	// subtracts the days out; it reports whether the month is taken whole.
	pick := func(in DayRange, out []DayRange) bool {
		if cost(out, since, today) < cost([]DayRange{in}, since, today) {
			p.Sub = append(p.Sub, out...)
			return true
		}
		p.Add = append(p.Add, in)
		return false
	}
	if MonthOf(from) == MonthOf(to) {
		var out []DayRange
		if startEdge {
			out = append(out, DayRange{MonthOf(from), from.AddDays(-1)})
		}
		if endEdge {
			out = append(out, DayRange{to.AddDays(1), LastDay(to)})
		}
		if len(out) > 0 && !pick(DayRange{from, to}, out) {
			first = end
		}
	} else {
		if startEdge && !pick(DayRange{from, LastDay(from)}, []DayRange{{MonthOf(from), from.AddDays(-1)}}) {
			first = AddMonths(first, 1)
		}
		if endEdge && !pick(DayRange{MonthOf(to), to}, []DayRange{{to.AddDays(1), LastDay(to)}}) {
			end = MonthOf(to)
		}
	}
	if !first.Before(end) {
		end = first
	}
	p.FirstMonth, p.EndMonth = first, end
	p.Categories = SplitYearsSince(first, end, MonthOf(since), MonthOf(today))
	return p
}

// SplitYears plans the whole months [first, end) for the category rollups
// on the month thisMonth.
func SplitYears(first, end, thisMonth model.Date) YearPlan {
	return SplitYearsSince(first, end, model.Date{}, thisMonth)
}

// SplitYearsSince is SplitYears knowing that no row is for a month before
// sinceMonth (the zero Date when unknown).
func SplitYearsSince(first, end, sinceMonth, thisMonth model.Date) YearPlan {
	var p YearPlan
	jan := func(year int) model.Date { return model.Date{Year: year, Month: time.January, Day: 1} }
	if !first.Before(end) {
		p.FirstYear, p.EndYear = jan(first.Year), jan(first.Year)
		return p
	}
	// months counts the rows per category a month range reads: months
	// before sinceMonth or after thisMonth have none.
	months := func(ranges ...MonthRange) int {
		n := 0
		for _, r := range ranges {
			for m := r.From; m.Before(r.End) && !thisMonth.Before(m); m = AddMonths(m, 1) {
				if !m.Before(sinceMonth) {
					n++
				}
			}
		}
		return n
	}
	// whole reports whether to take a year whole less out, rather than
	// its months in; it records the months read either way.
	whole := func(in MonthRange, out []MonthRange) bool {
		if 1+months(out...) < months(in) {
			p.Sub = append(p.Sub, out...)
			return true
		}
		p.Add = append(p.Add, in)
		return false
	}
	last := AddMonths(end, -1)
	fy, ly := first.Year, last.Year
	if fy == ly {
		return splitOneYear(first, end, whole, &p)
	}
	p.FirstYear, p.EndYear = jan(fy), jan(ly+1)
	if first.Month != time.January && !whole(MonthRange{first, jan(fy + 1)}, []MonthRange{{jan(fy), first}}) {
		p.FirstYear = jan(fy + 1)
	}
	if end != jan(ly+1) && !whole(MonthRange{jan(ly), end}, []MonthRange{{end, jan(ly + 1)}}) {
		p.EndYear = jan(ly)
	}
	return p
}

// splitOneYear is SplitYears for months [first, end) within one year:
// the year whole less the months out, or the months in.
func splitOneYear(first, end model.Date, whole func(MonthRange, []MonthRange) bool, p *YearPlan) YearPlan {
	y := first.Year
	jan, next := model.Date{Year: y, Month: time.January, Day: 1}, model.Date{Year: y + 1, Month: time.January, Day: 1}
	var out []MonthRange
	if first != jan {
		out = append(out, MonthRange{jan, first})
	}
	if end != next {
		out = append(out, MonthRange{end, next})
	}
	p.FirstYear, p.EndYear = jan, jan
	if len(out) == 0 || whole(MonthRange{first, end}, out) {
		p.EndYear = next
	}
	return *p
}

// cost is how many days of ranges are neither before since nor after
// today: the days whose lines would have to be read.
func cost(ranges []DayRange, since, today model.Date) int {
	n := 0
	for _, r := range ranges {
		if today.Before(r.To) {
			r.To = today
		}
		if r.From.Before(since) {
			r.From = since
		}
		n += Days(r.From, r.To)
	}
	return n
}

// MonthOf returns the first day of d's month.
func MonthOf(d model.Date) model.Date { return model.Date{Year: d.Year, Month: d.Month, Day: 1} }

// AddMonths returns the first day of the month n months after m's.
func AddMonths(m model.Date, n int) model.Date {
	t := time.Date(m.Year, m.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	return model.DateOf(t, time.UTC)
}

// LastDay returns the last day of d's month.
func LastDay(d model.Date) model.Date { return AddMonths(MonthOf(d), 1).AddDays(-1) }

// Months returns the first days of every month that [from, to] touches.
func Months(from, to model.Date) []model.Date {
	var out []model.Date
	for m := MonthOf(from); !to.Before(m); m = AddMonths(m, 1) {
		out = append(out, m)
	}
	return out
}

// Days returns how many days [from, to] has (0 when to is before from).
func Days(from, to model.Date) int {
	if to.Before(from) {
		return 0
	}
	return int(to.UTCMidnight().Sub(from.UTCMidnight()).Hours()/24) + 1
}
