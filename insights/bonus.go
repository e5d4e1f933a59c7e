package insights

import (
	"fmt"
	"sort"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// Tier is one step of the bonus table: from MinCents of a month's
// household bonus-eligible purchases, the bonus is BasisPoints / 100
// percent of the month's whole sum.
type Tier struct {
	MinCents    int64
	BasisPoints int64
}

// DefaultTiers is the bonus table of DESIGN.md §7: 100 € → 1 %,
// 200 € → 2 %, 400 € → 3 %, 600 € → 4 %, 800 € → 5 %.
var DefaultTiers = []Tier{
	{MinCents: 100_00, BasisPoints: 100},
	{MinCents: 200_00, BasisPoints: 200},
	{MinCents: 400_00, BasisPoints: 300},
	{MinCents: 600_00, BasisPoints: 400},
	{MinCents: 800_00, BasisPoints: 500},
}

// CheckTiers reports a table that cannot be meant: empty, unordered,
// negative, or above 100 %.
func CheckTiers(tiers []Tier) error {
	if len(tiers) == 0 {
		return fmt.Errorf("bonus tiers: none")
	}
	for i, t := range tiers {
		if t.MinCents < 0 || t.BasisPoints < 0 || t.BasisPoints > 10_000 {
			return fmt.Errorf("bonus tiers: tier %d out of range", i)
		}
		if i > 0 && t.MinCents <= tiers[i-1].MinCents {
			return fmt.Errorf("bonus tiers: tier %d is not above tier %d", i, i-1)
		}
	}
	return nil
}

// BasisPointsFor returns the basis points a month's sum earns: those of the
// highest tier it reaches, 0 below the first.
func BasisPointsFor(tiers []Tier, cents int64) int64 {
	i := sort.Search(len(tiers), func(i int) bool { return tiers[i].MinCents > cents })
	if i == 0 {
		return 0
	}
	return tiers[i-1].BasisPoints
}

// BonusCents is cents × basisPoints / 10,000 rounded half away from zero,
// in integers so that a half cent is exactly a half.
func BonusCents(cents, basisPoints int64) int64 {
	x := cents * basisPoints
	if x < 0 {
		return -((-x + 5_000) / 10_000)
	}
	return (x + 5_000) / 10_000
}

// BonusYear returns the twelve months of year with the household's
// bonus-eligible sums (months absent from eligible had none), the percent
// each earns and the bonus.
func BonusYear(year int, eligible map[time.Month]int64, tiers []Tier) []model.BonusMonth {
	out := make([]model.BonusMonth, 12)
	for i := range out {
		m := time.Month(i + 1)
		cents := eligible[m]
		bp := BasisPointsFor(tiers, cents)
		out[i] = model.BonusMonth{Month: fmt.Sprintf("%04d-%02d", year, m), HouseholdEligibleCents: int(cents),
			Percent: float64(bp) / 100, BonusCents: int(BonusCents(cents, bp))}
	}
	return out
}
