package server_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

func TestMetrics(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	h := handler(t, env, func(c *server.Config) { c.Limits.MemberRate = server.Rate{PerSecond: -1} })
	tok := env.MemberToken("c1")
	at := env.Clock.Now().Add(-time.Hour)
	good := servertest.Receipt("c1", "r1", at, servertest.Line("6400000000001", 2, model.UnitPiece, 45), servertest.Line("6400000000003", 1, model.UnitPiece, 129))
	bad := servertest.Receipt("c1", "r2", at, servertest.Line("6400000000001", 1, model.UnitPiece, 45))
	bad.CardNumber = "0000000000"
	post(t, h, env.ServiceToken("receipts:ingest"), `mutation Ingest($in: [ReceiptInput!]!) { ingestReceipts(input: $in) { accepted } }`,
		map[string]any{"in": []model.ReceiptInput{good, bad}})
	post(t, h, tok, `query Mine { me { id } }`, nil)
	post(t, h, tok, `query Mine { me { id } }`, nil)
	post(t, h, "", `query Mine { me { id } }`, nil)
	post(t, h, tok, aliases(60, "me { id }"), nil)
	post(t, h, tok, `{ receipt(id: "nope") { id } }`, nil)
	// The same insights twice: read, then kept.
	post(t, h, tok, `query Screen { insights(from: "2026-01-01", to: "2026-06-15") { spendCents } }`, nil)
	post(t, h, tok, `query Screen { insights(from: "2026-01-01", to: "2026-06-15") { spendCents } }`, nil)

	m := scrape(t, h)
	for series, want := range map[string]float64{
		`omadata_ingest_receipts_total{outcome="accepted"}`:                        1,
		`omadata_ingest_receipts_total{outcome="rejected"}`:                        1,
		`omadata_ingest_lines_total{outcome="stored"}`:                             2,
		`omadata_graphql_operations_total{operation="Ingest",type="mutation"}`:     1,
		`omadata_graphql_operations_total{operation="Mine",type="query"}`:          2,
		`omadata_graphql_operations_total{operation="anonymous",type="query"}`:     2,
		`omadata_graphql_operation_duration_seconds_count{operation="Mine"}`:       2,
		`omadata_graphql_errors_total{code="UNAUTHENTICATED"}`:                     1,
		`omadata_graphql_errors_total{code="QUERY_TOO_COMPLEX"}`:                   1,
		`omadata_graphql_errors_total{code="NOT_FOUND"}`:                           1,
		`omadata_http_requests_total{method="POST",route="/graphql",status="401"}`: 1,
		`omadata_http_requests_total{method="POST",route="/graphql",status="200"}`: 7,
		`omadata_http_request_duration_seconds_count{route="/graphql"}`:            8,
		`omadata_insights_cache_misses_total`:                                      1,
		`omadata_insights_cache_hits_total`:                                        1,
		`omadata_db_pool_max_connections`:                                          float64(env.DB.Pool().Config().MaxConns),
	} {
		if got := m[series]; got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{"omadata_db_pool_acquires_total", "omadata_db_pool_total_connections", "go_goroutines"} {
		if _, ok := m[series]; !ok {
			t.Errorf("%s missing", series)
		}
	}

	t.Run("OperationNamesBounded", func(t *testing.T) {
		for i := range 250 {
			post(t, h, tok, fmt.Sprintf(`query Op%d { __typename }`, i), nil)
		}
		m := scrape(t, h)
		names := 0
		for series := range m {
			if strings.HasPrefix(series, "omadata_graphql_operations_total{") {
				names++
			}
		}
		// Ingest, Mine and Screen took three of the 200 names.
		if other := m[`omadata_graphql_operations_total{operation="other",type="query"}`]; other != 250-197 || names != 3+197+2 {
			t.Fatalf("other = %v, %d series", other, names)
		}
	})
}

// scrape reads /metrics into series -> value.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	r := send(t, h, request{method: "GET", target: "/metrics"})
	if r.Status != http.StatusOK {
		t.Fatalf("/metrics: %d", r.Status)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(r.Body, "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q", l)
		}
		out[l[:i]] = v
	}
	return out
}
