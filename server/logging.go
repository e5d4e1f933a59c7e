package server

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// requestInfo is what the layers of one request learn about it, for its
// log line and its metrics. It holds no personal data by construction: the
// kind of subject but not who, the operation's name but not its text or
// variables, error codes but not messages.
type requestInfo struct {
	mu          sync.Mutex
	subjectKind string
	operation   string
	codes       map[string]int // error code -> how many
}

type requestInfoKey struct{}

// infoFrom returns the request's info; a context without one (a resolver
// called outside the handler) gets a throwaway, so callers never check.
func infoFrom(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

func (i *requestInfo) setSubjectKind(k string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.subjectKind = k
}

func (i *requestInfo) setOperation(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.operation = name
}

// addCode records an error sent to the client; resolvers run
// concurrently, hence the lock.
func (i *requestInfo) addCode(code string) {
	if code == "" {
		code = "NONE"
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.codes == nil {
		i.codes = map[string]int{}
	}
	i.codes[code]++
}

func (i *requestInfo) snapshot() (kind, op string, codes map[string]int) {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.subjectKind, i.operation, maps.Clone(i.codes)
}

// observe writes one structured log line per request and records its HTTP
// metrics. The line has the method, the route and path (never the query
// string, which may carry a GraphQL query and its variables), the status,
// the duration, the operation name, the kind of subject and the error
// codes; the request id comes from the context. Nothing a client sends in
// a body or header is logged verbatim.
func observe(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		rec := &statusRecorder{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		// Deferred, so that a handler that aborts its response with a
		// panic (the export, when streaming fails) is logged too.
		defer func() { logRequest(log, m, r, rec, info, time.Since(start)) }()
		next.ServeHTTP(rec, r)
	})
}

// logRequest writes the request's line and records its metrics.
func logRequest(log *slog.Logger, m *metrics, r *http.Request, rec *statusRecorder, info *requestInfo, elapsed time.Duration) {
	status := rec.status()
	// ServeMux sets the matched pattern on r; an unmatched path is not
	// logged, since a client may put anything in it.
	route := r.Pattern
	m.observeHTTP(route, r.Method, status, elapsed)
	kind, op, codes := info.snapshot()
	if status == http.StatusUnauthorized && len(codes) == 0 {
		// Authentication answers before any GraphQL layer runs.
		codes = map[string]int{model.Unauthenticated: 1}
	}
	m.countErrors(codes)
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("route", routeLabel(route)),
		slog.Int("status", status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
		slog.Int64("bytes", rec.bytes),
	}
	if route != "" {
		attrs = append(attrs, slog.String("path", truncate(r.URL.Path, 128)))
	}
	if op != "" {
		attrs = append(attrs, slog.String("operation", op))
	}
	if kind != "" {
		attrs = append(attrs, slog.String("subject_kind", kind))
	}
	if len(codes) > 0 {
		attrs = append(attrs, slog.Any("error_codes", slices.Sorted(maps.Keys(codes))))
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	log.LogAttrs(r.Context(), level, "request", attrs...)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// statusRecorder remembers the status and size of a response. It keeps
// Flush (the export streams) and Unwrap (for http.ResponseController).
type statusRecorder struct {
	http.ResponseWriter
	code  int
	bytes int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client.
func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusRecorder) status() int {
	if s.code == 0 {
		return http.StatusOK
	}
	return s.code
}
