package seed

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// testNow is the end of the test history.
var testNow = time.Date(2026, time.March, 10, 12, 0, 0, 0, time.UTC)

var cardPattern = regexp.MustCompile(`^9246[0-9]{12}$`)

func TestMembersCount(t *testing.T) {
	for _, n := range []int{1, 3, 4, 5, 7, 60, 233} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ms := Members(Options{Members: n, Now: testNow})
			if len(ms) != n {
				t.Fatalf("Members(%d) returned %d", n, len(ms))
			}
			for i, m := range ms {
				if want := fmt.Sprintf("c%06d", i+1); m.CustomerID != want {
					t.Fatalf("member %d id %q, want %q", i, m.CustomerID, want)
				}
			}
		})
	}
	if got := len(Members(Options{Now: testNow})); got != DefaultMembers {
		t.Errorf("default Members returned %d, want %d", got, DefaultMembers)
	}
}

func TestDemoHousehold(t *testing.T) {
	ms := Members(Options{Now: testNow})
	want := []struct {
		id      string
		role    model.HouseholdRole
		child   bool
		sharing bool
	}{
		{"c000001", model.HouseholdRoleMain, false, true},
		{"c000002", model.HouseholdRoleMember, false, true},
		{"c000003", model.HouseholdRoleMember, false, false},
		{"c000004", model.HouseholdRoleMember, true, false},
	}
	for i, w := range want {
		m := ms[i]
		if m.CustomerID != w.id || m.HouseholdID != "h000001" || m.HouseholdRole != w.role {
			t.Errorf("member %d = %s in %s as %s, want %s in h000001 as %s", i, m.CustomerID, m.HouseholdID, m.HouseholdRole, w.id, w.role)
		}
		if isChild(m, testNow) != w.child {
			t.Errorf("%s: child = %v, want %v", m.CustomerID, !w.child, w.child)
		}
		if got := consent(m, model.ConsentPurposeHouseholdSharing); got != w.sharing {
			t.Errorf("%s: HOUSEHOLD_SHARING granted = %v, want %v", m.CustomerID, got, w.sharing)
		}
		if !consentOr(m, model.ConsentPurposeProductLevelData, true) {
			t.Errorf("%s: the demo household keeps product-level data", m.CustomerID)
		}
	}
	if ms[4].HouseholdID == "h000001" {
		t.Errorf("c000005 is in the demo household")
	}
}

func TestMembersValid(t *testing.T) {
	opt := Options{Members: 400, Now: testNow}
	ms := Members(opt)
	cards, emails := map[string]bool{}, map[string]bool{}
	mains := map[string]int{}
	totalsOnly := 0
	for _, m := range ms {
		checkMember(t, m, opt)
		for _, c := range m.CardNumbers {
			if cards[c] {
				t.Errorf("card %s is given twice", c)
			}
			cards[c] = true
		}
		if m.Email != nil {
			if emails[*m.Email] {
				t.Errorf("email %s is given twice", *m.Email)
			}
			emails[*m.Email] = true
		}
		if m.HouseholdRole == model.HouseholdRoleMain {
			mains[m.HouseholdID]++
		}
		if !consentOr(m, model.ConsentPurposeProductLevelData, true) {
			totalsOnly++
		}
	}
	for h, n := range mains {
		if n != 1 {
			t.Errorf("household %s has %d MAIN members", h, n)
		}
	}
	if share := float64(totalsOnly) / float64(len(ms)); share < 0.04 || share > 0.16 {
		t.Errorf("%.0f %% of members are totals-only, want about 10 %%", 100*share)
	}
}

// checkMember applies storage's member rules (storage/member.go and the
// consent rules) and the seed's own promises to one member.
func checkMember(t *testing.T, m model.MemberInput, opt Options) {
	t.Helper()
	start := opt.Now.AddDate(0, 0, -int(365*max(opt.Years, 1)))
	if !idPattern.MatchString(m.CustomerID) || !regexp.MustCompile(`^h[0-9]{6}$`).MatchString(m.HouseholdID) ||
		strings.TrimSpace(m.Name) == "" || !m.HouseholdRole.IsValid() {
		t.Errorf("member %+v: id, household, name or role invalid", m)
	}
	if m.BirthDate == nil || start.Before(m.BirthDate.UTCMidnight()) || m.BirthDate.Year < 1900 {
		t.Errorf("%s: birth date %v is not before the history starts", m.CustomerID, m.BirthDate)
	}
	if !isChild(m, opt.Now) && (m.BirthDate.Year < 1940 || m.BirthDate.Year > 2005) {
		t.Errorf("%s: adult born %v, want 1940-2005", m.CustomerID, m.BirthDate)
	}
	if len(m.CardNumbers) < 1 || len(m.CardNumbers) > 2 {
		t.Errorf("%s has %d cards", m.CustomerID, len(m.CardNumbers))
	}
	for _, c := range m.CardNumbers {
		if !cardPattern.MatchString(c) || luhn(c[:len(c)-1]) != c[len(c)-1:] {
			t.Errorf("%s: card %q", m.CustomerID, c)
		}
	}
	if isChild(m, opt.Now) != (m.Email == nil) {
		t.Errorf("%s: adults have an email, children none", m.CustomerID)
	}
	if m.Email != nil {
		a, err := mail.ParseAddress(*m.Email)
		domain := (*m.Email)[strings.IndexByte(*m.Email, '@')+1:]
		if err != nil || a.Address != *m.Email || !strings.HasPrefix(domain, "example.") {
			t.Errorf("%s: email %q", m.CustomerID, *m.Email)
		}
	}
	seen := map[model.ConsentPurpose]bool{}
	for _, c := range m.InitialConsents {
		if !c.Purpose.IsValid() || seen[c.Purpose] || c.ExpiresAt != nil {
			t.Errorf("%s: consent %+v repeated or invalid", m.CustomerID, c)
		}
		seen[c.Purpose] = true
	}
}

// isChild reports whether m is under 18 at now.
func isChild(m model.MemberInput, now time.Time) bool {
	return m.BirthDate != nil && model.DateOf(now.AddDate(-18, 0, 0), time.UTC).Before(*m.BirthDate)
}

// consent is whether m's initial consents grant purpose (false if absent).
func consent(m model.MemberInput, purpose model.ConsentPurpose) bool {
	return consentOr(m, purpose, false)
}

// consentOr is m's initial consent for purpose, or def when not set.
func consentOr(m model.MemberInput, purpose model.ConsentPurpose, def bool) bool {
	for _, c := range m.InitialConsents {
		if c.Purpose == purpose {
			return c.Granted
		}
	}
	return def
}

func TestMembersTenYears(t *testing.T) {
	opt := Options{Members: 200, Years: 10, Now: testNow}
	for _, m := range Members(opt) {
		checkMember(t, m, opt)
	}
}
