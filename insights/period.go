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
// what must be read from the lines: the full months [FirstMonth, EndMonth)
// (first days of months), of which the full calendar years
// [FirstYear, EndYear) (January 1sts), and at most two partial months at
// the edges, read from the lines of their days. However long the range,
// the lines read are those of at most two partial months.
type Plan struct {
	FirstMonth, EndMonth model.Date
	FirstYear, EndYear   model.Date
	Partial              []DayRange
}

// Split plans the range [from, to]; to must not be before from.
func Split(from, to model.Date) Plan {
	first := MonthOf(from)
	if from.Day != 1 {
		first = AddMonths(first, 1)
	}
	end := MonthOf(to)
	if to == LastDay(to) {
		end = AddMonths(end, 1)
	}
	if !first.Before(end) {
		// No full month: one or two partial months.
		if MonthOf(from) == MonthOf(to) {
			return Plan{FirstMonth: first, EndMonth: first, FirstYear: first, EndYear: first,
				Partial: []DayRange{{from, to}}}
		}
		return Plan{FirstMonth: first, EndMonth: first, FirstYear: first, EndYear: first,
			Partial: []DayRange{{from, LastDay(from)}, {MonthOf(to), to}}}
	}
	p := Plan{FirstMonth: first, EndMonth: end}
	if from.Day != 1 {
		p.Partial = append(p.Partial, DayRange{from, LastDay(from)})
	}
	if to != LastDay(to) {
		p.Partial = append(p.Partial, DayRange{MonthOf(to), to})
	}
	fy := first.Year
	if first.Month != time.January {
		fy++
	}
	p.FirstYear = model.Date{Year: fy, Month: time.January, Day: 1}
	p.EndYear = model.Date{Year: end.Year, Month: time.January, Day: 1}
	if !p.FirstYear.Before(p.EndYear) {
		p.FirstYear, p.EndYear = first, first
	}
	return p
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
