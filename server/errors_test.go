package server_test

import (
	"strings"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// TestArgumentValueErrors: a value that passes gqlparser's checks but not
// gqlgen's unmarshalling (a custom scalar that does not parse, an enum
// value in another case) is the client's error, BAD_USER_INPUT naming the
// argument, not INTERNAL.
func TestArgumentValueErrors(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	h := handler(t, env, nil)
	for name, c := range map[string]struct {
		token, query string
		vars         map[string]any
		message      string
	}{
		"DateLiteral": {env.MemberToken("c1"), `{ insights(from: 20260101, to: "2026-06-15") { spendCents } }`, nil,
			"from: Date must be a string YYYY-MM-DD"},
		"EnumVariable": {env.ServiceToken("receipts:ingest"),
			`mutation($in: [ReceiptInput!]!) { ingestReceipts(input: $in) { accepted } }`,
			map[string]any{"in": []any{map[string]any{"source": "pos-s1", "externalId": "e1", "cardNumber": servertest.Card("c1"),
				"storeId": "s1", "purchasedAt": "2026-06-14T10:00:00Z", "totalCents": 45, "bonusEligibleCents": 45,
				"lines": []any{map[string]any{"description": "x", "quantity": 1, "unit": "Kg", "unitPriceCents": 45, "amountCents": 45}}}}},
			"input[0].lines[0].unit: Kg is not a valid Unit"},
		"TimeVariable": {env.ServiceToken("receipts:ingest"),
			`mutation($in: [ReceiptInput!]!) { ingestReceipts(input: $in) { accepted } }`,
			map[string]any{"in": []any{map[string]any{"source": "pos-s1", "externalId": "e1", "cardNumber": servertest.Card("c1"),
				"storeId": "s1", "purchasedAt": "14.6.2026", "totalCents": 45, "bonusEligibleCents": 45, "lines": []any{}}}},
			"input[0].purchasedAt: time should be RFC3339Nano formatted string"},
	} {
		t.Run(name, func(t *testing.T) {
			r := post(t, h, c.token, c.query, c.vars)
			if r.code() != model.BadUserInput || len(r.Errors) != 1 || r.Errors[0].Message != c.message {
				t.Fatalf("got %d %s", r.Status, strings.TrimSpace(r.Body))
			}
		})
	}
}
