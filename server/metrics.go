package server

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// maxOperationNames bounds the operation label: names come from clients,
// and a label that takes any value would let one client grow the metrics
// without end. Names past the first ones seen count as "other".
const maxOperationNames = 200

// metrics are the service's Prometheus metrics, in a registry of their
// own (each handler has one, so tests can build many).
type metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	operations   *prometheus.CounterVec
	opDuration   *prometheus.HistogramVec
	errors       *prometheus.CounterVec
	ingested     *prometheus.CounterVec
	ingestLines  *prometheus.CounterVec
	typedVars    *prometheus.CounterVec

	namesMu sync.Mutex
	names   map[string]bool
}

func newMetrics(db *storage.DB) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "omadata_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_graphql_operations_total",
			Help: "GraphQL operations by operation name and type."}, []string{"operation", "type"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "omadata_graphql_operation_duration_seconds",
			Help: "GraphQL operation latency by operation name.", Buckets: prometheus.DefBuckets}, []string{"operation"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_graphql_errors_total",
			Help: "Errors returned to clients by extensions.code."}, []string{"code"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_ingest_receipts_total",
			Help: "Ingested receipts by outcome (accepted, duplicate, rejected)."}, []string{"outcome"}),
		ingestLines: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_ingest_lines_total",
			Help: "Receipt lines by outcome (stored, discarded for want of consent)."}, []string{"outcome"}),
		typedVars: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "omadata_graphql_typed_variables_total",
			Help: "Variables of a type with a typed decoder (server/typed_variables.go) by how they were decoded: " +
				"typed, or generic where the decoder declined the value. Counted once gqlgen has the query cached."},
			[]string{"type", "decoding"}),
		names: map[string]bool{},
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.operations, m.opDuration, m.errors, m.ingested, m.ingestLines, m.typedVars,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.reg.MustRegister(poolCollector{pool: db.Pool()},
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omadata_insights_cache_hits_total",
				Help: "Insights reads answered from the kept answers (storage/insights_cache.go)."},
				func() float64 { h, _ := db.InsightsCacheStats(); return float64(h) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "omadata_insights_cache_misses_total",
				Help: "Insights reads that read the sums from the database."},
				func() float64 { _, m := db.InsightsCacheStats(); return float64(m) }))
	}
	return m
}

// countTypedVariable counts a variable of a type with a typed decoder.
func (m *metrics) countTypedVariable(typ string, typed bool) {
	decoding := "generic"
	if typed {
		decoding = "typed"
	}
	m.typedVars.WithLabelValues(typ, decoding).Inc()
}

// handler serves the metrics in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// routeLabel is the route's mux pattern, or "unmatched": never the raw
// path, which a client chooses.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

func (m *metrics) observeHTTP(route, method string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions, http.MethodPatch:
	default:
		method = "other"
	}
	m.httpRequests.WithLabelValues(routeLabel(route), method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(routeLabel(route)).Observe(d.Seconds())
}

// operationLabel bounds the operation names used as label values.
func (m *metrics) operationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	m.namesMu.Lock()
	defer m.namesMu.Unlock()
	if m.names[name] {
		return name
	}
	if len(m.names) >= maxOperationNames {
		return "other"
	}
	m.names[name] = true
	return name
}

func (m *metrics) observeOperation(name, opType string, d time.Duration) {
	label := m.operationLabel(name)
	m.operations.WithLabelValues(label, opType).Inc()
	m.opDuration.WithLabelValues(label).Observe(d.Seconds())
}

// countErrors counts a request's errors by code, once it is answered.
func (m *metrics) countErrors(codes map[string]int) {
	for code, n := range codes {
		m.errors.WithLabelValues(code).Add(float64(n))
	}
}

// codePresenter wraps the error presenter to note each error's code in the
// request's info, from which its log line and metrics are made.
func codePresenter(next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := next(ctx, err)
		code, _ := out.Extensions["code"].(string)
		infoFrom(ctx).addCode(code)
		return out
	}
}

// countIngest counts the outcome of one ingestReceipts. The resolver calls
// it (Resolver.OnIngest): a field interceptor would put every field of
// every response through the metrics path.
func (m *metrics) countIngest(r *model.IngestResult) {
	m.ingested.WithLabelValues("accepted").Add(float64(r.Accepted))
	m.ingested.WithLabelValues("duplicate").Add(float64(r.Duplicates))
	m.ingested.WithLabelValues("rejected").Add(float64(r.Rejected))
	m.ingestLines.WithLabelValues("stored").Add(float64(r.LinesStored))
	m.ingestLines.WithLabelValues("discarded").Add(float64(r.LinesDiscarded))
}

// poolCollector reports the database pool's statistics at scrape time.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolGauges = map[string]*prometheus.Desc{
		"acquired": prometheus.NewDesc("omadata_db_pool_acquired_connections", "Connections in use.", nil, nil),
		"idle":     prometheus.NewDesc("omadata_db_pool_idle_connections", "Idle connections.", nil, nil),
		"total":    prometheus.NewDesc("omadata_db_pool_total_connections", "Open connections.", nil, nil),
		"max":      prometheus.NewDesc("omadata_db_pool_max_connections", "The pool's size limit.", nil, nil),
	}
	poolCounters = map[string]*prometheus.Desc{
		"acquires":      prometheus.NewDesc("omadata_db_pool_acquires_total", "Connections acquired.", nil, nil),
		"empty":         prometheus.NewDesc("omadata_db_pool_empty_acquires_total", "Acquires that had to wait for a connection.", nil, nil),
		"canceled":      prometheus.NewDesc("omadata_db_pool_canceled_acquires_total", "Acquires canceled by their context.", nil, nil),
		"wait":          prometheus.NewDesc("omadata_db_pool_acquire_wait_seconds_total", "Time spent acquiring connections.", nil, nil),
		"new":           prometheus.NewDesc("omadata_db_pool_new_connections_total", "Connections opened.", nil, nil),
		"lifetimeDrops": prometheus.NewDesc("omadata_db_pool_max_lifetime_closed_total", "Connections closed for age.", nil, nil),
		"idleDrops":     prometheus.NewDesc("omadata_db_pool_max_idle_closed_total", "Connections closed for idleness.", nil, nil),
	}
)

// Describe sends the descriptors of the pool metrics.
func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range poolGauges {
		ch <- d
	}
	for _, d := range poolCounters {
		ch <- d
	}
}

// Collect reads the pool's statistics.
func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	gauge := func(k string, v float64) {
		ch <- prometheus.MustNewConstMetric(poolGauges[k], prometheus.GaugeValue, v)
	}
	counter := func(k string, v float64) {
		ch <- prometheus.MustNewConstMetric(poolCounters[k], prometheus.CounterValue, v)
	}
	gauge("acquired", float64(s.AcquiredConns()))
	gauge("idle", float64(s.IdleConns()))
	gauge("total", float64(s.TotalConns()))
	gauge("max", float64(s.MaxConns()))
	counter("acquires", float64(s.AcquireCount()))
	counter("empty", float64(s.EmptyAcquireCount()))
	counter("canceled", float64(s.CanceledAcquireCount()))
	counter("wait", s.AcquireDuration().Seconds())
	counter("new", float64(s.NewConnsCount()))
	counter("lifetimeDrops", float64(s.MaxLifetimeDestroyCount()))
	counter("idleDrops", float64(s.MaxIdleDestroyCount()))
}
