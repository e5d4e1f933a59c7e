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
// (first days of months), of which the calendar years [FirstYear, EndYear)
// (January 1sts) are read from the yearly rollups; plus the lines of the
// days in Add, minus the lines of the days in Sub. A partial month at an
// edge of the range is either read from the lines of its days in the range
// (Add), or taken whole from the rollups less the lines of its days outside
// the range (Sub), whichever has fewer days up to today to read: days still
// to come have no lines, so "this month" or "this year" read no line at
// all. However long the range, the lines read are those of at most two
// partial months.
type Plan struct {
	FirstMonth, EndMonth model.Date
	FirstYear, EndYear   model.Date
	Add, Sub             []DayRange
}

// Split plans the range [from, to] on day today; to must not be before
// from.
func Split(from, to, today model.Date) Plan {
	var p Plan
	first, end := MonthOf(from), AddMonths(MonthOf(to), 1)
	startEdge, endEdge := from.Day != 1, to != LastDay(to)
	// pick reads the days in from the lines, or takes their month whole and
	// subtracts the days out; it reports whether the month is taken whole.
	pick := func(in DayRange, out []DayRange) bool {
		if cost(out, today) < cost([]DayRange{in}, today) {
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
	fy := first.Year
	if first.Month != time.January {
		fy++
	}
	p.FirstYear, p.EndYear = model.Date{Year: fy, Month: time.January, Day: 1}, model.Date{Year: end.Year, Month: time.January, Day: 1}
	if !p.FirstYear.Before(p.EndYear) {
		p.FirstYear, p.EndYear = first, first
	}
	return p
}

// cost is how many days of ranges are not after today: the days whose
// lines would have to be read.
func cost(ranges []DayRange, today model.Date) int {
	n := 0
	for _, r := range ranges {
		if today.Before(r.To) {
			r.To = today
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
