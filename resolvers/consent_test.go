package resolvers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const consentsQuery = `{ consents { purpose granted expiresAt updatedAt channel marketing
  fi: description(lang: "fi") sv: description(lang: "sv") en: description } }`

type consentState struct {
	Purpose    string
	Granted    bool
	ExpiresAt  *time.Time
	UpdatedAt  *time.Time
	Channel    *string
	Marketing  bool
	Fi, Sv, En string
}

// String makes states comparable with fmt.Sprint (times by value).
func (c consentState) String() string {
	return fmt.Sprintf("%s %v %s %s %s", c.Purpose, c.Granted, timeStr(c.ExpiresAt), timeStr(c.UpdatedAt), deref(c.Channel))
}

func timeStr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}

// consentsOf returns the member's consents, in the order the API lists them.
func consentsOf(t *testing.T, env *servertest.Env, who string) []consentState {
	t.Helper()
	var d struct{ Consents []consentState }
	env.MustQuery(t, env.MemberToken(who), consentsQuery, nil).Decode(t, &d)
	return d.Consents
}

// grantedOf returns the purposes the member has granted now.
func grantedOf(t *testing.T, env *servertest.Env, who string) []string {
	t.Helper()
	var out []string
	for _, c := range consentsOf(t, env, who) {
		if c.Granted {
			out = append(out, c.Purpose)
		}
	}
	return out
}

// consentOf returns the member's consent for one purpose.
func consentOf(t *testing.T, env *servertest.Env, who, purpose string) consentState {
	t.Helper()
	for _, c := range consentsOf(t, env, who) {
		if c.Purpose == purpose {
			return c
		}
	}
	t.Fatalf("no consent %s", purpose)
	return consentState{}
}

// defaultGranted is DESIGN.md §6's list of purposes granted at enrolment,
// written out here rather than taken from the code under test.
var defaultGranted = []string{"PRODUCT_LEVEL_DATA", "DIRECT_MAIL", "MEMBER_MAIL", "SURVEYS_AND_TELEMARKETING"}

const setConsentsMutation = `mutation($changes: [ConsentChange!]!, $channel: Channel!) {
  setConsents(changes: $changes, channel: $channel) {
    id issuedAt subject channel policyVersion erasedLines changes { purpose before after expiresAt } } }`

type consentReceipt struct {
	ID            string
	IssuedAt      time.Time
	Subject       string
	Channel       string
	PolicyVersion string
	ErasedLines   int
	Changes       []consentDelta
}

type consentDelta struct {
	Purpose       string
	Before, After bool
	ExpiresAt     *time.Time
}

// String makes deltas comparable with fmt.Sprint (times by value).
func (d consentDelta) String() string {
	return fmt.Sprintf("%s %v->%v %s", d.Purpose, d.Before, d.After, timeStr(d.ExpiresAt))
}

// change is one ConsentChange as GraphQL variables.
func change(purpose string, granted bool, extra ...any) map[string]any {
	c := map[string]any{"purpose": purpose, "granted": granted}
	for i := 0; i+1 < len(extra); i += 2 {
		c[extra[i].(string)] = extra[i+1]
	}
	return c
}

// setConsents calls setConsents as the member and returns the response.
func setConsents(t *testing.T, env *servertest.Env, token, channel string, changes ...map[string]any) *servertest.Response {
	t.Helper()
	list := make([]any, len(changes))
	for i, c := range changes {
		list[i] = c
	}
	return env.Query(t, token, setConsentsMutation, map[string]any{"changes": list, "channel": channel})
}

// mustSetConsents is setConsents that fails on error and returns the receipt.
func mustSetConsents(t *testing.T, env *servertest.Env, who, channel string, changes ...map[string]any) consentReceipt {
	t.Helper()
	r := setConsents(t, env, env.MemberToken(who), channel, changes...)
	if len(r.Errors) > 0 {
		t.Fatalf("setConsents: %+v", r.Errors)
	}
	var d struct{ SetConsents consentReceipt }
	r.Decode(t, &d)
	return d.SetConsents
}

// dbInt runs a counting query against the test database.
func dbInt(t *testing.T, env *servertest.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ledgerSize(t *testing.T, env *servertest.Env) int {
	return dbInt(t, env, `SELECT (SELECT count(*) FROM consent_events) + (SELECT count(*) FROM consent_receipts)`)
}

func TestConsents(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	enrolled := env.Clock.Now()
	env.Clock.Advance(time.Hour)

	t.Run("Defaults", func(t *testing.T) {
		list := consentsOf(t, env, "c1")
		var purposes []string
		for _, c := range list {
			purposes = append(purposes, c.Purpose)
			if c.Granted != slices.Contains(defaultGranted, c.Purpose) {
				t.Errorf("%s granted=%v at enrolment", c.Purpose, c.Granted)
			}
			if c.Channel == nil || *c.Channel != "MEMBER_REGISTRY" || c.UpdatedAt == nil || !c.UpdatedAt.Equal(enrolled) || c.ExpiresAt != nil {
				t.Errorf("%s: channel %v updatedAt %v expiresAt %v", c.Purpose, c.Channel, c.UpdatedAt, c.ExpiresAt)
			}
			wantMarketing := c.Purpose != "PRODUCT_LEVEL_DATA" && c.Purpose != "HOUSEHOLD_SHARING"
			if c.Marketing != wantMarketing || c.Fi == "" || c.Sv == "" || c.En == "" || c.Fi == c.En || c.Sv == c.En {
				t.Errorf("%s: marketing %v, descriptions %q %q %q", c.Purpose, c.Marketing, c.Fi, c.Sv, c.En)
			}
		}
		want := []string{"PRODUCT_LEVEL_DATA", "HOUSEHOLD_SHARING", "PERSONALIZED_OFFERS", "ELECTRONIC_MARKETING",
			"PARTNER_MARKETING", "NEWSLETTER", "ELECTRONIC_MEMBER_MAIL", "DIRECT_MAIL", "MEMBER_MAIL",
			"SURVEYS_AND_TELEMARKETING", "LOCATION_BASED_OFFERS"}
		if !slices.Equal(purposes, want) {
			t.Fatalf("purposes %v", purposes)
		}
		pld := list[0]
		if !strings.HasPrefix(pld.Fi, "Tallennamme ostostesi") || !strings.HasPrefix(pld.Sv, "Vi sparar") || !strings.HasPrefix(pld.En, "We store") {
			t.Fatalf("PRODUCT_LEVEL_DATA descriptions %q %q %q", pld.Fi, pld.Sv, pld.En)
		}
	})
	t.Run("ErrServiceToken", func(t *testing.T) {
		r := env.Query(t, env.ServiceToken("members:write"), consentsQuery, nil)
		if !slices.Equal(r.Codes(), []string{model.Forbidden}) {
			t.Fatalf("codes %v", r.Codes())
		}
	})
	t.Run("ErrUnknownMember", func(t *testing.T) {
		r := env.Query(t, env.MemberToken("ghost"), consentsQuery, nil)
		if !slices.Equal(r.Codes(), []string{model.NotFound}) {
			t.Fatalf("codes %v", r.Codes())
		}
	})
}

const upsertMembersMutation = `mutation($input: [MemberInput!]!) {
  upsertMembers(input: $input) { upserted rejected rejections { index code message } } }`

type upsertResult struct {
	UpsertMembers struct {
		Upserted, Rejected int
		Rejections         []struct {
			Index         int
			Code, Message string
		}
	}
}

// TestEnrolmentConsents: the registry enrols members through the HTTP API;
// their consents start at DESIGN.md §6's defaults as ledger events, unless
// initialConsents says otherwise, and only on first enrolment.
func TestEnrolmentConsents(t *testing.T) {
	env := servertest.New(t)
	tok := env.ServiceToken("members:write")
	in := func(id string, consents ...map[string]any) map[string]any {
		m := map[string]any{"customerId": id, "name": "Name " + id, "email": id + "@example.fi",
			"householdId": "h-" + id, "householdRole": "MAIN", "cardNumbers": []string{"9246" + id}}
		if consents != nil {
			m["initialConsents"] = consents
		}
		return m
	}
	upsert := func(t *testing.T, members ...map[string]any) upsertResult {
		t.Helper()
		var d upsertResult
		env.MustQuery(t, tok, upsertMembersMutation, map[string]any{"input": members}).Decode(t, &d)
		return d
	}
	expires := env.Clock.Now().Add(30 * 24 * time.Hour)

	t.Run("Defaults", func(t *testing.T) {
		if d := upsert(t, in("m1")); d.UpsertMembers.Upserted != 1 {
			t.Fatalf("%+v", d)
		}
		if got := grantedOf(t, env, "m1"); !slices.Equal(got, defaultGranted) {
			t.Fatalf("granted %v", got)
		}
		if n := dbInt(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'm1' AND channel = 'MEMBER_REGISTRY' AND actor = 'member-registry'`); n != 11 {
			t.Fatalf("%d enrolment events", n)
		}
	})
	t.Run("InitialConsents", func(t *testing.T) {
		upsert(t, in("m2", change("PRODUCT_LEVEL_DATA", false), change("NEWSLETTER", true, "expiresAt", expires.Format(time.RFC3339))))
		want := []string{"NEWSLETTER", "DIRECT_MAIL", "MEMBER_MAIL", "SURVEYS_AND_TELEMARKETING"}
		if got := grantedOf(t, env, "m2"); !slices.Equal(got, want) {
			t.Fatalf("granted %v", got)
		}
		if c := consentOf(t, env, "m2", "NEWSLETTER"); c.ExpiresAt == nil || !c.ExpiresAt.Equal(expires) {
			t.Fatalf("NEWSLETTER expires %v", c.ExpiresAt)
		}
		var level struct {
			Me struct{ PurchaseDataLevel string }
		}
		env.MustQuery(t, env.MemberToken("m2"), `{ me { purchaseDataLevel } }`, nil).Decode(t, &level)
		if level.Me.PurchaseDataLevel != "TOTALS_ONLY" {
			t.Fatalf("purchaseDataLevel %s", level.Me.PurchaseDataLevel)
		}
	})
	t.Run("SecondUpsertKeepsLedger", func(t *testing.T) {
		before := ledgerSize(t, env)
		env.Clock.Advance(time.Hour)
		m := in("m2", change("NEWSLETTER", false), change("PRODUCT_LEVEL_DATA", true))
		m["name"] = "Renamed"
		if d := upsert(t, m); d.UpsertMembers.Upserted != 1 {
			t.Fatalf("%+v", d)
		}
		if after := ledgerSize(t, env); after != before {
			t.Fatalf("re-upsert wrote %d ledger rows", after-before)
		}
		if got := grantedOf(t, env, "m2"); !slices.Contains(got, "NEWSLETTER") || slices.Contains(got, "PRODUCT_LEVEL_DATA") {
			t.Fatalf("re-upsert changed consents: %v", got)
		}
	})
	t.Run("ErrBadInitialConsents", func(t *testing.T) {
		before := ledgerSize(t, env)
		d := upsert(t, in("m3", change("NEWSLETTER", true, "expiresAt", env.Clock.Now().Add(-time.Hour).Format(time.RFC3339))))
		if d.UpsertMembers.Rejected != 1 || d.UpsertMembers.Rejections[0].Code != model.BadUserInput ||
			!strings.HasPrefix(d.UpsertMembers.Rejections[0].Message, "changes.expiresAt:") {
			t.Fatalf("%+v", d)
		}
		if ledgerSize(t, env) != before || dbInt(t, env, `SELECT count(*) FROM members WHERE customer_id = 'm3'`) != 0 {
			t.Fatal("a rejected member left rows")
		}
	})
}

func TestSetConsents(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	env.Clock.Advance(time.Hour)
	now := env.Clock.Now()
	expires := now.Add(90 * 24 * time.Hour)

	t.Run("OK", func(t *testing.T) {
		c2Before := consentsOf(t, env, "c2")
		c2Events := dbInt(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'c2'`)
		rc := mustSetConsents(t, env, "c1", "WEB_PORTAL",
			change("NEWSLETTER", true, "expiresAt", expires.Format(time.RFC3339)),
			change("DIRECT_MAIL", false),
			change("MEMBER_MAIL", true))
		want := []consentDelta{
			{Purpose: "NEWSLETTER", Before: false, After: true, ExpiresAt: &expires},
			{Purpose: "DIRECT_MAIL", Before: true, After: false},
			{Purpose: "MEMBER_MAIL", Before: true, After: true},
		}
		if rc.ID == "" || !rc.IssuedAt.Equal(now) || rc.Subject != "c1" || rc.Channel != "WEB_PORTAL" ||
			rc.PolicyVersion != "2026-01" || rc.ErasedLines != 0 || fmt.Sprint(rc.Changes) != fmt.Sprint(want) {
			t.Fatalf("receipt %+v", rc)
		}
		nl := consentOf(t, env, "c1", "NEWSLETTER")
		if !nl.Granted || !nl.ExpiresAt.Equal(expires) || !nl.UpdatedAt.Equal(now) || *nl.Channel != "WEB_PORTAL" {
			t.Fatalf("NEWSLETTER now %+v", nl)
		}
		if consentOf(t, env, "c1", "DIRECT_MAIL").Granted {
			t.Fatal("DIRECT_MAIL still granted")
		}
		if n := dbInt(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'c1' AND receipt_id = $1
			AND actor = 'member:c1' AND channel = 'WEB_PORTAL' AND recorded_at = $2`, rc.ID, now); n != 3 {
			t.Fatalf("%d events under the receipt", n)
		}
		// The token decides whose consents change; there is no argument
		// through which a member could name someone else.
		if fmt.Sprint(consentsOf(t, env, "c2")) != fmt.Sprint(c2Before) ||
			dbInt(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'c2'`) != c2Events {
			t.Fatal("c1's change touched c2")
		}
	})

	past := now.Add(-time.Minute).Format(time.RFC3339)
	tooFar := now.AddDate(5, 1, 0).Format(time.RFC3339)
	cases := []struct {
		name, token, query, code, prefix string
		vars                             map[string]any
	}{
		{"ErrPastExpiry", "c1", setConsentsMutation, model.BadUserInput, "changes.expiresAt:",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true, "expiresAt", past)}}},
		{"ErrExpiryTooFar", "c1", setConsentsMutation, model.BadUserInput, "changes.expiresAt:",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true, "expiresAt", tooFar)}}},
		{"ErrExpiryOnDenial", "c1", setConsentsMutation, model.BadUserInput, "changes.expiresAt:",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", false, "expiresAt", tooFar)}}},
		{"ErrEmptyChanges", "c1", setConsentsMutation, model.BadUserInput, "changes:",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{}}},
		{"ErrDuplicatePurpose", "c1", setConsentsMutation, model.BadUserInput, "changes.purpose:",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true), change("NEWSLETTER", false)}}},
		{"ErrRegistryChannel", "c1", setConsentsMutation, model.BadUserInput, "channel:",
			map[string]any{"channel": "MEMBER_REGISTRY", "changes": []any{change("NEWSLETTER", true)}}},
		{"ErrUnknownPurpose", "c1", setConsentsMutation, "GRAPHQL_VALIDATION_FAILED", "",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("SPAM", true)}}},
		{"ErrUnknownPurposeLiteral", "c1", `mutation { setConsents(changes: [{purpose: SPAM, granted: true}], channel: WEB_PORTAL) { id } }`,
			"GRAPHQL_VALIDATION_FAILED", "", nil},
		{"ErrServiceToken", "service", setConsentsMutation, model.Forbidden, "",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true)}}},
		{"ErrServiceBlocksMarketing", "service", `mutation { blockAllMarketing(channel: PHONE) { id } }`, model.Forbidden, "", nil},
		{"ErrRegistryChannelBlock", "c1", `mutation { blockAllMarketing(channel: MEMBER_REGISTRY) { id } }`, model.BadUserInput, "channel:", nil},
		{"ErrNoToken", "", setConsentsMutation, model.Unauthenticated, "",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true)}}},
		{"ErrUnknownMember", "ghost", setConsentsMutation, model.NotFound, "",
			map[string]any{"channel": "WEB_PORTAL", "changes": []any{change("NEWSLETTER", true)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ledgerSize(t, env)
			token := ""
			switch c.token {
			case "service":
				token = env.ServiceToken("members:write", "marketing:read")
			case "":
			default:
				token = env.MemberToken(c.token)
			}
			r := env.Query(t, token, c.query, c.vars)
			if !slices.Equal(r.Codes(), []string{c.code}) || !strings.HasPrefix(r.Errors[0].Message, c.prefix) {
				t.Fatalf("want %s %q, got %v %+v", c.code, c.prefix, r.Codes(), r.Errors)
			}
			if after := ledgerSize(t, env); after != before {
				t.Fatalf("%d ledger rows written", after-before)
			}
		})
	}
}

func TestBlockAllMarketing(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	mustSetConsents(t, env, "c1", "MOBILE_APP", change("NEWSLETTER", true), change("PERSONALIZED_OFFERS", true),
		change("HOUSEHOLD_SHARING", true))
	env.Clock.Advance(time.Minute)
	var d struct{ BlockAllMarketing consentReceipt }
	env.MustQuery(t, env.MemberToken("c1"), `mutation { blockAllMarketing(channel: PHONE) {
	  id issuedAt subject channel policyVersion erasedLines changes { purpose before after expiresAt } } }`, nil).Decode(t, &d)
	rc := d.BlockAllMarketing
	want := []consentDelta{
		{Purpose: "PERSONALIZED_OFFERS", Before: true}, {Purpose: "ELECTRONIC_MARKETING"}, {Purpose: "PARTNER_MARKETING"},
		{Purpose: "NEWSLETTER", Before: true}, {Purpose: "ELECTRONIC_MEMBER_MAIL"}, {Purpose: "DIRECT_MAIL", Before: true},
		{Purpose: "MEMBER_MAIL", Before: true}, {Purpose: "SURVEYS_AND_TELEMARKETING", Before: true}, {Purpose: "LOCATION_BASED_OFFERS"},
	}
	if rc.Subject != "c1" || rc.Channel != "PHONE" || fmt.Sprint(rc.Changes) != fmt.Sprint(want) {
		t.Fatalf("receipt %+v", rc)
	}
	if got := grantedOf(t, env, "c1"); !slices.Equal(got, []string{"PRODUCT_LEVEL_DATA", "HOUSEHOLD_SHARING"}) {
		t.Fatalf("granted after the block: %v", got)
	}
	if n := dbInt(t, env, `SELECT count(*) FROM consent_events WHERE receipt_id = $1 AND NOT granted`, rc.ID); n != 9 {
		t.Fatalf("%d events in the block's receipt", n)
	}
}

func TestConsentHistory(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	env.Clock.Advance(time.Hour)
	grant := mustSetConsents(t, env, "c1", "MOBILE_APP", change("NEWSLETTER", true))
	env.Clock.Advance(time.Hour)
	deny := mustSetConsents(t, env, "c1", "SERVICE_DESK", change("NEWSLETTER", false))
	q := `query($first: Int, $after: String) { consentHistory(first: $first, after: $after) {
	  edges { cursor node { id purpose granted expiresAt recordedAt channel policyVersion receiptId } }
	  pageInfo { hasNextPage endCursor } } }`
	type event struct {
		ID, Purpose, Channel, PolicyVersion, ReceiptID string
		Granted                                        bool
		RecordedAt                                     time.Time
	}

	t.Run("OK", func(t *testing.T) {
		var all []event
		var after any
		for page := 0; page < 5; page++ {
			var d struct {
				ConsentHistory struct {
					Edges    []struct{ Node event }
					PageInfo struct {
						HasNextPage bool
						EndCursor   *string
					}
				}
			}
			env.MustQuery(t, env.MemberToken("c1"), q, map[string]any{"first": 5, "after": after}).Decode(t, &d)
			for _, e := range d.ConsentHistory.Edges {
				all = append(all, e.Node)
			}
			if !d.ConsentHistory.PageInfo.HasNextPage {
				break
			}
			after = *d.ConsentHistory.PageInfo.EndCursor
		}
		// 11 enrolment events of c1 and its 2 changes; nothing of c2.
		ids := map[string]bool{}
		for i, e := range all {
			ids[e.ID] = true
			if i > 0 && e.RecordedAt.After(all[i-1].RecordedAt) {
				t.Fatal("not newest first")
			}
		}
		if len(all) != 13 || len(ids) != 13 {
			t.Fatalf("%d events (%d distinct)", len(all), len(ids))
		}
		if all[0].ReceiptID != deny.ID || all[0].Granted || all[0].Channel != "SERVICE_DESK" ||
			all[1].ReceiptID != grant.ID || !all[1].Granted || all[1].PolicyVersion != "2026-01" ||
			all[12].Channel != "MEMBER_REGISTRY" {
			t.Fatalf("history %+v", all[:2])
		}
	})
	t.Run("ErrBadInput", func(t *testing.T) {
		for name, vars := range map[string]map[string]any{
			"first zero": {"first": 0}, "first too big": {"first": 101}, "bad cursor": {"after": "bm9wZQ"},
		} {
			r := env.Query(t, env.MemberToken("c1"), q, vars)
			if !slices.Equal(r.Codes(), []string{model.BadUserInput}) {
				t.Errorf("%s: codes %v", name, r.Codes())
			}
		}
	})
}

// TestConsentExpiry: a time-limited grant counts as denied from the moment
// it expires, with no job: moving the clock is enough.
func TestConsentExpiry(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	expires := env.Clock.Now().Add(time.Hour)
	mustSetConsents(t, env, "c1", "MOBILE_APP", change("NEWSLETTER", true, "expiresAt", expires.Format(time.RFC3339)))
	if c := consentOf(t, env, "c1", "NEWSLETTER"); !c.Granted {
		t.Fatal("not granted before expiry")
	}
	events := dbInt(t, env, `SELECT count(*) FROM consent_events`)
	env.Clock.Set(expires)
	c := consentOf(t, env, "c1", "NEWSLETTER")
	if c.Granted || c.ExpiresAt == nil || !c.ExpiresAt.Equal(expires) {
		t.Fatalf("at expiry: %+v", c)
	}
	if dbInt(t, env, `SELECT count(*) FROM consent_events`) != events {
		t.Fatal("expiry wrote events")
	}
}

// TestMarketingAudience: a marketing system (scope marketing:read) sees
// exactly the members whose consent is granted and unexpired now, with an
// email only for electronic purposes, and each read is in the log of every
// member it returned.
func TestMarketingAudience(t *testing.T) {
	env := servertest.New(t)
	now := env.Clock.Now()
	expires := now.Add(time.Hour)
	grant := func(p model.ConsentPurpose) model.ConsentChange {
		return model.ConsentChange{Purpose: p, Granted: true}
	}
	deny := func(p model.ConsentPurpose) model.ConsentChange { return model.ConsentChange{Purpose: p} }
	env.Member(t, servertest.MemberSpec{ID: "a1"})
	env.Member(t, servertest.MemberSpec{ID: "a2", Consents: []model.ConsentChange{
		grant(model.ConsentPurposeNewsletter), grant(model.ConsentPurposePersonalizedOffers)}})
	env.Member(t, servertest.MemberSpec{ID: "a3", Consents: []model.ConsentChange{
		grant(model.ConsentPurposeNewsletter), grant(model.ConsentPurposePersonalizedOffers), deny(model.ConsentPurposeProductLevelData)}})
	env.Member(t, servertest.MemberSpec{ID: "a4", Consents: []model.ConsentChange{
		{Purpose: model.ConsentPurposeNewsletter, Granted: true, ExpiresAt: &expires}}})
	env.Member(t, servertest.MemberSpec{ID: "a5", Consents: []model.ConsentChange{deny(model.ConsentPurposeDirectMail)}})
	tok := env.ServiceToken("marketing:read")
	q := `query($p: ConsentPurpose!, $first: Int, $after: String) { marketingAudience(purpose: $p, first: $first, after: $after) {
	  edges { cursor node { id name email } } pageInfo { hasNextPage endCursor } } }`
	type page struct {
		IDs, Emails []string
		HasNext     bool
		End         *string
	}
	audience := func(t *testing.T, purpose string, first int, after *string) page {
		t.Helper()
		var d struct {
			MarketingAudience struct {
				Edges []struct {
					Node struct {
						ID, Name string
						Email    *string
					}
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		env.MustQuery(t, tok, q, map[string]any{"p": purpose, "first": first, "after": after}).Decode(t, &d)
		var p page
		for _, e := range d.MarketingAudience.Edges {
			p.IDs, p.Emails = append(p.IDs, e.Node.ID), append(p.Emails, deref(e.Node.Email))
		}
		p.HasNext, p.End = d.MarketingAudience.PageInfo.HasNextPage, d.MarketingAudience.PageInfo.EndCursor
		return p
	}

	t.Run("Electronic", func(t *testing.T) {
		p := audience(t, "NEWSLETTER", 100, nil)
		if !slices.Equal(p.IDs, []string{"a2", "a3", "a4"}) || !slices.Equal(p.Emails, []string{"a2@example.fi", "a3@example.fi", "a4@example.fi"}) || p.HasNext {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("PostalHasNoEmail", func(t *testing.T) {
		p := audience(t, "DIRECT_MAIL", 100, nil)
		if !slices.Equal(p.IDs, []string{"a1", "a2", "a3", "a4"}) || !slices.Equal(p.Emails, []string{"-", "-", "-", "-"}) {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("PersonalizedOffersNeedProductLevelData", func(t *testing.T) {
		if p := audience(t, "PERSONALIZED_OFFERS", 100, nil); !slices.Equal(p.IDs, []string{"a2"}) {
			t.Fatalf("%+v", p)
		}
	})
	t.Run("Pagination", func(t *testing.T) {
		p1 := audience(t, "NEWSLETTER", 2, nil)
		p2 := audience(t, "NEWSLETTER", 2, p1.End)
		if !slices.Equal(p1.IDs, []string{"a2", "a3"}) || !p1.HasNext || !slices.Equal(p2.IDs, []string{"a4"}) || p2.HasNext {
			t.Fatalf("%+v %+v", p1, p2)
		}
	})
	t.Run("AccessLog", func(t *testing.T) {
		before := map[string]int{}
		for _, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
			before[id] = dbInt(t, env, `SELECT count(*) FROM access_events WHERE customer_id = $1`, id)
		}
		env.Clock.Advance(time.Minute)
		audience(t, "NEWSLETTER", 100, nil)
		for id, want := range map[string]int{"a1": 0, "a2": 1, "a3": 1, "a4": 1, "a5": 0} {
			got := dbInt(t, env, `SELECT count(*) FROM access_events WHERE customer_id = $1`, id) - before[id]
			logged := dbInt(t, env, `SELECT count(*) FROM access_events WHERE customer_id = $1 AND at = $2
				AND actor_kind = 'SERVICE' AND actor_id = 'test-service' AND actor_name = 'test-service'
				AND resource = 'contact details' AND purpose = 'marketing audience NEWSLETTER'`, id, env.Clock.Now())
			if got != want || logged != want {
				t.Errorf("%s: %d new access events (%d as expected), want %d", id, got, logged, want)
			}
		}
		if n := dbInt(t, env, `SELECT count(*) FROM access_events WHERE customer_id = 'a5'`); n != 0 {
			t.Fatalf("a5, never in an audience, has %d access events", n)
		}
	})
	t.Run("ExpiredGrantLeaves", func(t *testing.T) {
		env.Clock.Set(expires)
		if p := audience(t, "NEWSLETTER", 100, nil); !slices.Equal(p.IDs, []string{"a2", "a3"}) {
			t.Fatalf("%+v", p)
		}
	})
	for _, c := range []struct{ name, token, query, code string }{
		{"ErrMemberToken", env.MemberToken("a1"), `{ marketingAudience(purpose: NEWSLETTER) { edges { cursor } } }`, model.Forbidden},
		{"ErrWrongScope", env.ServiceToken("members:write"), `{ marketingAudience(purpose: NEWSLETTER) { edges { cursor } } }`, model.Forbidden},
		{"ErrUnknownPurpose", tok, `{ marketingAudience(purpose: SPAM) { edges { cursor } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"ErrBadCursor", tok, `{ marketingAudience(purpose: NEWSLETTER, after: "bm9wZQ") { edges { cursor } } }`, model.BadUserInput},
		{"ErrFirstTooBig", tok, `{ marketingAudience(purpose: NEWSLETTER, first: 101) { edges { cursor } } }`, model.BadUserInput},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := dbInt(t, env, `SELECT count(*) FROM access_events`)
			r := env.Query(t, c.token, c.query, nil)
			if !slices.Equal(r.Codes(), []string{c.code}) {
				t.Fatalf("codes %v", r.Codes())
			}
			if n := dbInt(t, env, `SELECT count(*) FROM access_events`); n != before {
				t.Fatalf("%d access events written", n-before)
			}
		})
	}
}
