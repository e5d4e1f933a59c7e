package resolvers_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const bonusQuery = `query($year: Int!) { bonus(year: $year) { month householdEligibleCents percent bonusCents } }`

type bonusMonth struct {
	Month                  string
	HouseholdEligibleCents int
	Percent                float64
	BonusCents             int
}

// TestBonus checks the household bonus: every member's bonus-eligible
// purchases count, whether they share or not, months are Helsinki months,
// and the tiers and rounding are those of DESIGN.md §7.
func TestBonus(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
	env.Member(t, servertest.MemberSpec{ID: "bm", Household: "bh", Role: model.HouseholdRoleMain, Consents: share})
	env.Member(t, servertest.MemberSpec{ID: "bq", Household: "bh", Role: model.HouseholdRoleMember}) // does not share
	env.Member(t, servertest.MemberSpec{ID: "bkid", Household: "bh", Role: model.HouseholdRoleMember,
		Birth: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)})
	env.Member(t, servertest.MemberSpec{ID: "other", Household: "bo"})
	receipt := func(who, id, at string, total, eligible int) model.ReceiptInput {
		ts, _ := time.Parse(time.RFC3339, at)
		r := servertest.Receipt(who, id, ts, servertest.Line("6400000000003", 1, model.UnitPiece, total))
		r.BonusEligibleCents = eligible
		return r
	}
	env.Ingest(t,
		// March: 300.00 + 150.50 = 450.50 €: 3 %, 1351.5 → 1352 cents.
		receipt("bm", "1", "2026-03-10T10:00:00Z", 35_000, 30_000),
		receipt("bq", "2", "2026-03-11T10:00:00Z", 15_050, 15_050),
		// 2026-01-31T22:30Z is February 1st in Helsinki: 99.99 € in
		// January (no bonus), 100.00 € in February (1 %).
		receipt("bm", "3", "2026-01-31T21:59:00Z", 9_999, 9_999),
		receipt("bkid", "4", "2026-01-31T22:30:00Z", 10_000, 10_000),
		// Another household's purchase never counts.
		receipt("other", "5", "2026-03-10T10:00:00Z", 90_000, 90_000),
		// December 2025 is another year.
		receipt("bq", "6", "2025-12-31T21:00:00Z", 80_000, 80_000),
	)
	bonus := func(t *testing.T, who string, year int) []bonusMonth {
		var d struct{ Bonus []bonusMonth }
		env.MustQuery(t, env.MemberToken(who), bonusQuery, map[string]any{"year": year}).Decode(t, &d)
		return d.Bonus
	}

	t.Run("OK", func(t *testing.T) {
		got := bonus(t, "bm", 2026)
		if len(got) != 12 {
			t.Fatalf("%d months", len(got))
		}
		want := []bonusMonth{
			{"2026-01", 9_999, 0, 0},
			{"2026-02", 10_000, 1, 100},
			{"2026-03", 45_050, 3, 1352},
			{"2026-04", 0, 0, 0},
		}
		if !reflect.DeepEqual(got[:4], want) {
			t.Fatalf("%+v", got[:4])
		}
	})
	t.Run("SameForEveryMember", func(t *testing.T) {
		if a, b := bonus(t, "bm", 2026), bonus(t, "bq", 2026); !reflect.DeepEqual(a, b) {
			t.Fatalf("%+v\n%+v", a, b)
		}
	})
	t.Run("PreviousYear", func(t *testing.T) {
		// 2025-12-31T21:00Z is 23:00 in Helsinki: December 2025, 800 € → 5 %.
		if dec := bonus(t, "bq", 2025)[11]; dec != (bonusMonth{"2025-12", 80_000, 5, 4000}) {
			t.Fatalf("%+v", dec)
		}
	})
	t.Run("ErrYear", func(t *testing.T) {
		for _, y := range []int{1999, 2101} {
			r := env.Query(t, env.MemberToken("bm"), bonusQuery, map[string]any{"year": y})
			if !reflect.DeepEqual(r.Codes(), []string{model.BadUserInput}) || !strings.HasPrefix(r.Errors[0].Message, "year:") {
				t.Fatalf("year %d: %+v", y, r.Errors)
			}
		}
	})
	t.Run("ErrServiceToken", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("receipts:ingest"), bonusQuery, map[string]any{"year": 2026})
		if !reflect.DeepEqual(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("%+v", r.Errors)
		}
	})
}
