package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

// TestLogsHoldNoPersonalData sends requests full of personal data (names,
// emails, card numbers, receipt contents, tokens) in bodies, URLs and
// headers, and checks that none of it reaches the log, while every request
// does get its line.
func TestLogsHoldNoPersonalData(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	logs := &lockedBuffer{}
	h := handler(t, env, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	const (
		customer = "cust-personal-42"
		name     = "Aino Salaisuus"
		email    = "aino.salaisuus@example.fi"
		card     = "9246777000111"
		item     = "Lakritsitee luomu"
	)
	registry, pos := env.ServiceToken("members:write"), env.ServiceToken("receipts:ingest")
	member := env.MemberToken(customer)
	at := env.Clock.Now().Add(-time.Hour)
	receipt := model.ReceiptInput{Source: "pos-s1", ExternalID: "ext-secret-1", CardNumber: card, StoreID: "s1", PurchasedAt: at,
		TotalCents: 350, BonusEligibleCents: 350, Lines: []model.LineInput{{Description: item, Quantity: 1, Unit: model.UnitPiece, UnitPriceCents: 350, AmountCents: 350}}}
	bad := receipt
	bad.ExternalID, bad.CardNumber = "ext-secret-2", card+"9"
	requests := []request{
		{token: registry, header: jsonHeader, body: body(t, `mutation Enrol($in: [MemberInput!]!) { upsertMembers(input: $in) { upserted rejections { message } } }`,
			map[string]any{"in": []map[string]any{{"customerId": customer, "name": name, "email": email, "birthDate": "1980-02-03",
				"householdId": "h-" + customer, "householdRole": "MAIN", "cardNumbers": []string{card}}}})},
		{token: pos, header: jsonHeader, body: body(t, `mutation Ingest($in: [ReceiptInput!]!) { ingestReceipts(input: $in) { accepted rejections { message } } }`,
			map[string]any{"in": []model.ReceiptInput{receipt, bad}})},
		{token: member, header: jsonHeader, body: body(t, `query Mine { me { name email cards } receipts { edges { node { lines { description } } } } }`, nil)},
		{token: member, method: "GET", target: getURL(`query Card($c: String) { me { name } }`, map[string]any{"c": card})},
		{token: member, header: jsonHeader, body: `{"query": "{ me { name } }", "broken": "` + email},
		{token: member, header: jsonHeader, body: `{"query": "{ me(card: \"` + card + `\") { name } }"}`},
		{token: member, header: map[string]string{"Content-Type": "text/plain"}, body: name},
		{token: member + "x", header: jsonHeader, body: meQuery},
		{token: member, header: map[string]string{"Content-Type": "application/json", "Authorization-Hint": card}, body: meQuery},
		{token: member, method: "GET", target: "/no-such-page/" + email},
	}
	for i, req := range requests {
		r := send(t, h, req)
		if i < 3 && (r.Status != http.StatusOK || len(r.Errors) > 0) {
			t.Fatalf("request %d did not do its work: %d %s", i, r.Status, r.Body)
		}
	}
	out := logs.String()
	t.Run("OKEveryRequestLogged", func(t *testing.T) {
		lines := requestLines(t, out)
		if len(lines) != len(requests) {
			t.Fatalf("%d request lines for %d requests:\n%s", len(lines), len(requests), out)
		}
		ingest := lines[1]
		if ingest["operation"] != "Ingest" || ingest["subject_kind"] != "service" || ingest["route"] != "/graphql" ||
			ingest["status"] != 200.0 || ingest["method"] != "POST" || ingest["request_id"] == nil {
			t.Fatalf("ingest line %v", ingest)
		}
		if got := lines[7]["error_codes"]; got == nil || got.([]any)[0] != model.Unauthenticated {
			t.Fatalf("bad token line %v", lines[7])
		}
	})
	t.Run("ErrNothingPersonal", func(t *testing.T) {
		for _, secret := range []string{customer, name, "Aino", email, card, item, "ext-secret", member[:40], member[len(member)-20:], registry[len(registry)-20:], pos[len(pos)-20:]} {
			if strings.Contains(out, secret) {
				t.Errorf("the log holds %q:\n%s", secret, out)
			}
		}
	})
}

// requestLines returns the JSON request lines of a log.
func requestLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON log line: %s", l)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	return lines
}

func TestRequestID(t *testing.T) {
	env := servertest.New(t)
	logs := &lockedBuffer{}
	h := handler(t, env, func(c *server.Config) { c.Logger = slog.New(slog.NewJSONHandler(logs, nil)) })
	generated := regexp.MustCompile(`^[0-9a-f]{24}$`)
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"OKFromCaller", "lb-7f3a:42", true},
		{"OKGenerated", "", false},
		{"ErrTooLong", strings.Repeat("a", 65), false},
		{"ErrSpaces", "id with spaces", false},
		{"ErrLogInjection", `x","level":"ERROR`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, h, request{method: "GET", target: "/healthz", header: map[string]string{server.RequestIDHeader: tt.in}})
			got := r.Header.Get(server.RequestIDHeader)
			if tt.keep && got != tt.in || !tt.keep && !generated.MatchString(got) {
				t.Fatalf("X-Request-Id %q for %q", got, tt.in)
			}
			lines := requestLines(t, logs.String())
			if last := lines[len(lines)-1]; last["request_id"] != got {
				t.Fatalf("logged request_id %v, answered %q", last["request_id"], got)
			}
		})
	}
}
