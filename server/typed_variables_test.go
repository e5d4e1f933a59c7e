package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

// TestIngestTypedAsGeneric sends the same ingest requests to two databases,
// one through the typed decoding of variables (typed_variables.go), one
// with it turned off: the answers must be the same bytes, and the stored
// receipts, lines and content hashes the same rows. The requests hold the
// forms tills send (escapes, non-ASCII text, optional fields absent and
// null, numbers in exponent form), values the typed decoder declines
// (a single object for a list, an enum in the wrong case, a fractional
// Int, an unknown field, nulls), duplicates and a conflict.
func TestIngestTypedAsGeneric(t *testing.T) {
	type side struct {
		env *servertest.Env
		h   http.Handler
	}
	newSide := func(typed bool) *side {
		env := servertest.New(t)
		env.Catalog(t)
		env.Member(t, servertest.MemberSpec{ID: "c1"})
		return &side{env: env, h: handler(t, env, func(c *server.Config) { c.GenericVariables = !typed })}
	}
	typed, generic := newSide(true), newSide(false)
	query, _ := json.Marshal(`mutation Ingest($in: [ReceiptInput!]!) {
	  ingestReceipts(input: $in) { accepted duplicates rejected linesStored linesDiscarded rejections { index code message } } }`)
	ingest := func(s *side, vars string) string {
		r := send(t, s.h, request{token: s.env.ServiceToken("receipts:ingest"), header: jsonHeader,
			body: `{"query": ` + string(query) + `, "operationName": "Ingest", "variables": ` + vars + `}`})
		return r.Body
	}

	receipt := func(ext, extra, lines string) string {
		total := "264"
		if strings.Contains(lines, "Leipä") {
			total = "254"
		}
		return `{"source":"pos-s1","externalId":"` + ext + `","cardNumber":"` + servertest.Card("c1") + `","storeId":"s1",` +
			`"purchasedAt":"2026-06-14T10:00:00+03:00","totalCents":` + total + `,"bonusEligibleCents":200` + extra +
			`,"lines":` + lines + `}`
	}
	const lines = `[{"gtin":"6400000000001","description":"Maito \"luomu\" \u00e4 ä 🍎","quantity":3,"unit":"PIECE",` +
		`"unitPriceCents":45,"amountCents":135},` +
		"\n" + `{"gtin":null,"description":"Pullo\/pantti","quantity":1E0,"unit":"PIECE","unitPriceCents":129,` +
		`"amountCents":129,"discountCents":null,"warrantyMonths":null}]`
	const oneLine = `{"gtin":"6400000000003","description":"Leipä","quantity":2.0,"unit":"PIECE","unitPriceCents":132,` +
		`"amountCents":254,"discountCents":10,"warrantyMonths":24}`
	batch := `{"in": [` + receipt("r1", "", lines) + `, ` + receipt("r2", `,"currency":"EUR"`, `[`+oneLine+`]`) +
		`, ` + receipt("r3", `,"currency":null`, `[`+oneLine+`]`) + `]}`
	for i, vars := range []string{
		`{"in": []}`, // the first request of the query text: gqlgen parses and caches it
		batch,
		batch, // duplicates
		`{"in": [` + receipt("r1", "", `[`+oneLine+`]`) + `]}`,                             // a conflict
		`{"in": [` + receipt("r4", "", oneLine) + `]}`,                                     // a single line for the list: declined, valid
		`{"in": [` + receipt("r5", "", strings.Replace(lines, "PIECE", "piece", 1)) + `]}`, // declined, invalid
		`{"in": [` + receipt("r6", "", strings.Replace(lines, "45", "45.5", 1)) + `]}`,
		`{"in": [` + receipt("r7", `,"shop":"s1"`, lines) + `]}`,
		`{"in": [` + receipt("r8", "", strings.Replace(lines, `"Pullo\/pantti"`, "null", 1)) + `]}`,
		`{"in": [null]}`,
		`{"in": null}`,
		`{"in": {"source": "pos-s1"}}`,
		`{"in": [` + receipt("r9", "", lines) + `], "extra": 1}`,
	} {
		a, b := ingest(typed, vars), ingest(generic, vars)
		if i == 5 && !strings.Contains(a, `"message":"input[0].lines[0].unit: piece is not a valid Unit"`) {
			t.Errorf("an enum value in another case: %s", a)
		}
		if a != b {
			t.Errorf("request %d answered differently\ntyped:   %s\ngeneric: %s", i, a, b)
		}
	}

	dump := func(env *servertest.Env) string {
		rows, err := env.DB.Pool().Query(context.Background(), `
			SELECT r.external_id, r.card_number, r.store_id, r.purchased_at, r.total_cents, r.bonus_eligible_cents,
			       r.currency, r.line_count, r.lines_stored, r.warranty_until, encode(r.content_hash, 'hex'),
			       coalesce((SELECT json_agg(json_build_array(l.line_no, l.gtin, l.description, l.quantity, l.unit,
			                        l.unit_price_cents, l.amount_cents, l.discount_cents, l.warranty_until) ORDER BY l.line_no)
			                 FROM receipt_lines l WHERE (l.customer_id, l.receipt_seq) = (r.customer_id, r.receipt_seq)), '[]')
			  FROM receipts r ORDER BY r.external_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(vals)
			out = append(out, string(b))
		}
		return strings.Join(out, "\n")
	}
	a, b := dump(typed.env), dump(generic.env)
	if a != b {
		t.Fatalf("stored differently\ntyped:\n%s\ngeneric:\n%s", a, b)
	}
	if n := strings.Count(a, "\n") + 1; n != 5 { // r1, r2, r3, r4, r9
		t.Fatalf("%d receipts stored:\n%s", n, a)
	}

	// The typed side decoded the batches it takes typed (requests 1-3 and
	// 12; request 0 found the query not yet cached) and left the others
	// (4-11) to the generic path; the generic side never looked.
	const series = `omadata_graphql_typed_variables_total{decoding="%s",type="[ReceiptInput!]!"}`
	m := scrape(t, typed.h)
	if got := m[strings.Replace(series, "%s", "typed", 1)]; got != 4 {
		t.Errorf("typed: %v", got)
	}
	if got := m[strings.Replace(series, "%s", "generic", 1)]; got != 8 {
		t.Errorf("generic: %v", got)
	}
	if m := scrape(t, generic.h); len(m) > 0 {
		for k := range m {
			if strings.HasPrefix(k, "omadata_graphql_typed_variables_total") {
				t.Errorf("the generic side counted %s", k)
			}
		}
	}
}
