package resolvers_test

import (
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// The household of the walk-through: a main member, an adult member, an
// adult who never shares and a child, each with one receipt.
const (
	mainID  = "main1"
	adultID = "adult1"
	quietID = "quiet1"
	childID = "child1"
)

func household(t *testing.T) *servertest.Env {
	env := servertest.New(t)
	env.Catalog(t)
	child := env.Clock.Now().AddDate(-10, 0, 0)
	for _, m := range []servertest.MemberSpec{
		{ID: mainID, Household: "hh", Role: model.HouseholdRoleMain},
		{ID: adultID, Household: "hh", Role: model.HouseholdRoleMember},
		{ID: quietID, Household: "hh", Role: model.HouseholdRoleMember},
		{ID: childID, Household: "hh", Role: model.HouseholdRoleMember, Birth: child},
	} {
		env.Member(t, m)
		env.Ingest(t, servertest.Receipt(m.ID, "r-"+m.ID, env.Clock.Now().Add(-2*time.Hour),
			servertest.Line("6400000000003", 1, model.UnitPiece, 100+len(m.ID))))
	}
	return env
}

// visible returns the totals of the household receipts the member sees,
// sorted, reading their lines too (which the owners' logs must record).
func visible(t *testing.T, env *servertest.Env, who string) []int {
	var d struct {
		HouseholdReceipts struct {
			Edges []struct {
				Node struct {
					TotalCents int
					Lines      []struct{ AmountCents int }
				}
			}
		}
	}
	env.MustQuery(t, env.MemberToken(who), `{ householdReceipts(first: 50) { edges { node { totalCents lines { amountCents } } } } }`, nil).Decode(t, &d)
	var out []int
	for _, e := range d.HouseholdReceipts.Edges {
		out = append(out, e.Node.TotalCents)
	}
	sort.Ints(out)
	return out
}

func total(id string) int { return 100 + len(id) }

func setSharing(t *testing.T, env *servertest.Env, who string, granted bool, expires *time.Time) {
	t.Helper()
	change := map[string]any{"purpose": "HOUSEHOLD_SHARING", "granted": granted}
	if expires != nil {
		change["expiresAt"] = expires.Format(time.RFC3339)
	}
	env.MustQuery(t, env.MemberToken(who), `mutation($c: [ConsentChange!]!) { setConsents(changes: $c, channel: MOBILE_APP) { id } }`,
		map[string]any{"c": []any{change}})
}

type logEntry struct{ ActorKind, ActorName, Resource, Purpose string }

func accessLog(t *testing.T, env *servertest.Env, who string) []logEntry {
	var d struct {
		AccessLog struct {
			Edges []struct{ Node logEntry }
		}
	}
	env.MustQuery(t, env.MemberToken(who), `{ accessLog(first: 100) { edges { node { actorKind actorName resource purpose } } } }`, nil).Decode(t, &d)
	var out []logEntry
	for _, e := range d.AccessLog.Edges {
		out = append(out, e.Node)
	}
	return out
}

func want(ids ...string) []int {
	var out []int
	for _, id := range ids {
		out = append(out, total(id))
	}
	sort.Ints(out)
	return out
}

func TestHouseholdSharingWalkthrough(t *testing.T) {
	env := household(t)
	check := func(step, who string, ids ...string) {
		t.Helper()
		if got := visible(t, env, who); !slices.Equal(got, want(ids...)) {
			t.Fatalf("%s: %s sees %v, want %v", step, who, got, want(ids...))
		}
	}
	// Nobody shares yet: everyone sees only their own.
	for _, id := range []string{mainID, adultID, quietID, childID} {
		check("start", id, id)
	}
	// The adult member opts in first: nothing opens until the main member does.
	setSharing(t, env, adultID, true, nil)
	check("adult joined, main not", adultID, adultID)
	check("adult joined, main not", mainID, mainID)
	// The main member opens sharing: main and adult see each other; the
	// member who never shares and the child see only their own.
	setSharing(t, env, mainID, true, nil)
	check("main opened", mainID, mainID, adultID)
	check("main opened", adultID, adultID, mainID)
	check("main opened", quietID, quietID)
	check("main opened", childID, childID)
	// Reading shared lines is logged in the owner's log, with the reader's
	// first name; own reads are not logged.
	mainLog := accessLog(t, env, mainID)
	if len(mainLog) == 0 || mainLog[0].ActorKind != "HOUSEHOLD_MEMBER" || mainLog[0].ActorName != "Name" ||
		mainLog[0].Purpose != "household sharing" {
		t.Fatalf("main's log after the adult read: %+v", mainLog)
	}
	for _, e := range accessLog(t, env, quietID) {
		t.Fatalf("the quiet member's data was never shared, yet logged: %+v", e)
	}
	// The child cannot join even by granting the consent.
	setSharing(t, env, childID, true, nil)
	check("child granted", childID, childID)
	check("child granted", mainID, mainID, adultID)

	// Both directions are logged: the main member's read of the adult's
	// lines is in the adult's log.
	if n := len(accessLog(t, env, adultID)); n == 0 {
		t.Fatal("the main member read the adult's lines, but the adult's log is empty")
	}
	logs := func() (int, int) { return len(accessLog(t, env, mainID)), len(accessLog(t, env, adultID)) }

	// The adult withdraws: gone at once, both ways, and nothing more is logged.
	setSharing(t, env, adultID, false, nil)
	m0, a0 := logs()
	check("adult withdrew", mainID, mainID)
	check("adult withdrew", adultID, adultID)
	if m1, a1 := logs(); m1 != m0 || a1 != a0 {
		t.Fatalf("reads after the withdrawal were logged: main %d->%d, adult %d->%d", m0, m1, a0, a1)
	}

	// A time-limited grant: visible until it expires, then gone with no job.
	until := env.Clock.Now().Add(48 * time.Hour)
	setSharing(t, env, adultID, true, &until)
	check("adult rejoined until", mainID, mainID, adultID)
	env.Clock.Advance(49 * time.Hour)
	m0, a0 = logs()
	check("grant expired", mainID, mainID)
	check("grant expired", adultID, adultID)
	if m1, a1 := logs(); m1 != m0 || a1 != a0 {
		t.Fatalf("reads after the expiry were logged: main %d->%d, adult %d->%d", m0, m1, a0, a1)
	}
	setSharing(t, env, adultID, true, nil)
	check("adult rejoined", mainID, mainID, adultID)

	// The main member withdraws: sharing closes for everyone.
	setSharing(t, env, mainID, false, nil)
	check("main closed", adultID, adultID)
	setSharing(t, env, mainID, true, nil)

	// The adult moves to another household: gone from the view at once,
	// and sees nothing of the old household.
	moveHousehold(t, env, adultID, "hh2", model.HouseholdRoleMain)
	check("adult moved", mainID, mainID)
	check("adult moved", adultID, adultID)
}

func moveHousehold(t *testing.T, env *servertest.Env, id, household string, role model.HouseholdRole) {
	t.Helper()
	env.MustQuery(t, env.ServiceToken("members:write"), `mutation($m: [MemberInput!]!) { upsertMembers(input: $m) { upserted rejected } }`,
		map[string]any{"m": []any{map[string]any{"customerId": id, "name": "Name " + id, "householdId": household,
			"householdRole": string(role), "birthDate": "1980-01-01", "cardNumbers": []string{servertest.Card(id)}}}})
}

func TestHouseholdView(t *testing.T) {
	env := household(t)
	setSharing(t, env, mainID, true, nil)
	setSharing(t, env, adultID, true, nil)
	r := env.MustQuery(t, env.MemberToken(adultID), `{ household { id sharingOpen members { name role adult sharing me } } }`, nil)
	var d struct {
		Household struct {
			SharingOpen bool
			Members     []struct {
				Name, Role         string
				Adult, Sharing, Me bool
			}
		}
	}
	r.Decode(t, &d)
	got := fmt.Sprint(d.Household.Members)
	wantMembers := "[{Name main1 MAIN true true false} {Name adult1 MEMBER true true true} {Name quiet1 MEMBER true false false} {Name child1 MEMBER false false false}]"
	if !d.Household.SharingOpen || got != wantMembers {
		t.Fatalf("household = %v %s", d.Household.SharingOpen, got)
	}
	// The view never offers another member's email or cards.
	bad := env.Query(t, env.MemberToken(adultID), `{ household { members { email } } }`, nil)
	if len(bad.Errors) == 0 {
		t.Fatal("household members expose email")
	}
}

// TestSharedReceiptByID: receipt(id) answers for a receipt shared with the
// viewer, and like an unknown id once sharing ends.
func TestSharedReceiptByID(t *testing.T) {
	env := household(t)
	var mine receiptsData
	env.MustQuery(t, env.MemberToken(mainID), receiptsQuery, nil).Decode(t, &mine)
	id := mine.Receipts.Edges[0].Node.ID
	q := `query($id: ID!) { receipt(id: $id) { totalCents lines { amountCents } } }`
	if r := env.Query(t, env.MemberToken(adultID), q, map[string]any{"id": id}); !slices.Equal(r.Codes(), []string{model.NotFound}) {
		t.Fatalf("before sharing: %v", r.Codes())
	}
	setSharing(t, env, mainID, true, nil)
	setSharing(t, env, adultID, true, nil)
	env.MustQuery(t, env.MemberToken(adultID), q, map[string]any{"id": id})
	if r := env.Query(t, env.MemberToken(quietID), q, map[string]any{"id": id}); !slices.Equal(r.Codes(), []string{model.NotFound}) {
		t.Fatalf("non-sharing member: %v", r.Codes())
	}
	if n := len(accessLog(t, env, mainID)); n != 1 {
		t.Fatalf("main's log has %d events, want 1", n)
	}
}

// TestHouseholdTotalsOnlyMember: a sharing member without product-level
// consent contributes totals only, with the reason.
func TestHouseholdTotalsOnlyMember(t *testing.T) {
	env := household(t)
	setSharing(t, env, mainID, true, nil)
	setSharing(t, env, adultID, true, nil)
	env.MustQuery(t, env.MemberToken(mainID), `mutation { setConsents(changes: [{purpose: PRODUCT_LEVEL_DATA, granted: false, acknowledgeErasure: true}], channel: WEB_PORTAL) { id } }`, nil)
	r := env.Query(t, env.MemberToken(adultID), `{ householdReceipts { edges { node { totalCents lines { amountCents } } } } }`, nil)
	if !slices.Equal(r.Codes(), []string{model.ConsentRequired}) {
		t.Fatalf("codes %v", r.Codes())
	}
}

// TestHouseholdStatementBudget: a page of household receipts with lines,
// and the access events of the shared ones, in at most 3 statements, at
// any page size (issue 9: H1 at 1, 20 and 100 receipts).
func TestHouseholdStatementBudget(t *testing.T) {
	env := household(t)
	setSharing(t, env, mainID, true, nil)
	setSharing(t, env, adultID, true, nil)
	// Enough receipts of both sharers that every page is full and mixes
	// own and shared receipts.
	var rs []model.ReceiptInput
	for i := range 120 {
		owner := []string{mainID, adultID}[i%2]
		rs = append(rs, servertest.Receipt(owner, fmt.Sprintf("budget-%d", i), env.Clock.Now().Add(-time.Duration(3+i)*time.Hour),
			servertest.Line("6400000000001", 2, model.UnitPiece, 45), servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
	}
	env.Ingest(t, rs...)
	q := `query($first: Int) { householdReceipts(first: $first) { edges { node { id totalCents store { name }
		lines { amountCents product { name category { name } } } } } } }`
	env.MustQuery(t, env.MemberToken(adultID), `{ me { id } }`, nil) // records the day's login first
	for _, first := range []int{1, 20, 100} {
		var page struct {
			HouseholdReceipts struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		n, sqls := env.Tracer.Count(func() {
			env.MustQuery(t, env.MemberToken(adultID), q, map[string]any{"first": first}).Decode(t, &page)
		})
		if got := len(page.HouseholdReceipts.Edges); got != first {
			t.Fatalf("first %d: %d receipts", first, got)
		}
		if n > 3 {
			t.Fatalf("first %d: %d statements: %q", first, n, sqls)
		}
	}
}
