package insights_test

import (
	"testing"
	"time"

	"github.com/omadata/omadata/insights"
)

func TestBonusTiers(t *testing.T) {
	if err := insights.CheckTiers(insights.DefaultTiers); err != nil {
		t.Fatal(err)
	}
	for name, tiers := range map[string][]insights.Tier{
		"ErrEmpty":     nil,
		"ErrUnordered": {{MinCents: 200, BasisPoints: 100}, {MinCents: 100, BasisPoints: 200}},
		"ErrAbove100":  {{MinCents: 100, BasisPoints: 10_001}},
	} {
		if insights.CheckTiers(tiers) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, c := range []struct{ cents, bp int64 }{
		{0, 0}, {9_999, 0}, {10_000, 100}, {19_999, 100}, {20_000, 200}, {39_999, 200}, {40_000, 300},
		{60_000, 400}, {79_999, 400}, {80_000, 500}, {1_000_000_00, 500},
	} {
		if got := insights.BasisPointsFor(insights.DefaultTiers, c.cents); got != c.bp {
			t.Errorf("BasisPointsFor(%d) = %d, want %d", c.cents, got, c.bp)
		}
	}
}

func TestBonusCents(t *testing.T) {
	for _, c := range []struct{ cents, bp, want int64 }{
		{15_050, 100, 151},  // 150.5: half away from zero
		{15_049, 100, 150},  // 150.49
		{25_025, 200, 501},  // 500.5
		{33_333, 300, 1000}, // 999.99
		{-15_050, 100, -151},
		{0, 500, 0},
	} {
		if got := insights.BonusCents(c.cents, c.bp); got != c.want {
			t.Errorf("BonusCents(%d, %d) = %d, want %d", c.cents, c.bp, got, c.want)
		}
	}
}

func TestBonusYear(t *testing.T) {
	got := insights.BonusYear(2026, map[time.Month]int64{time.January: 9_999, time.March: 45_050, time.December: 80_000},
		insights.DefaultTiers)
	if len(got) != 12 {
		t.Fatalf("%d months", len(got))
	}
	jan, feb, mar, dec := got[0], got[1], got[2], got[11]
	if jan.Month != "2026-01" || jan.HouseholdEligibleCents != 9_999 || jan.Percent != 0 || jan.BonusCents != 0 {
		t.Errorf("jan %+v", jan)
	}
	if feb.Month != "2026-02" || feb.HouseholdEligibleCents != 0 || feb.BonusCents != 0 {
		t.Errorf("feb %+v", feb)
	}
	// 450.50 € reaches 400 €: 3 % of the whole sum, 1351.5 → 1352 cents.
	if mar.HouseholdEligibleCents != 45_050 || mar.Percent != 3 || mar.BonusCents != 1352 {
		t.Errorf("mar %+v", mar)
	}
	if dec.Month != "2026-12" || dec.Percent != 5 || dec.BonusCents != 4000 {
		t.Errorf("dec %+v", dec)
	}
}
