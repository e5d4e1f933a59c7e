// Package servertest runs the real HTTP handler on a fresh real database
// with real signed tokens, for tests of every package above storage:
//
//	env := servertest.New(t)
//	env.Catalog(t)                       // a small catalog
//	env.Member(t, "c1", "h1", model.HouseholdRoleMain)
//	resp := env.Query(t, env.MemberToken("c1"), `{ me { id } }`, nil)
//
// The package's TestMain must call pgtest.Main(m).
package servertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/resolvers"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/storage/pgtest"
)

// Issuer and Audience of the tokens the environment signs and accepts.
const (
	Issuer   = "omadata-test"
	Audience = "omadata"
)

// Env is one test's service: database, storage, handler, clock and key.
type Env struct {
	DB      *storage.DB
	URL     string
	Handler http.Handler
	Clock   *Clock
	Key     ed25519.PrivateKey
	// Tracer counts the SQL statements the storage runs.
	Tracer *StatementCounter
}

// Options adjust the environment.
type Options struct {
	// Start is the clock's first reading (default 2026-06-15T12:00:00Z).
	Start time.Time
	// WithoutRowSecurity turns row-level security off (to measure its cost).
	WithoutRowSecurity bool
}

// Helsinki is the program's default time zone, used by every Env.
var Helsinki = mustLoad("Europe/Helsinki")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// New builds an environment on a fresh database.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	}
	env := &Env{URL: pgtest.NewDatabase(t), Clock: NewClock(o.Start), Tracer: &StatementCounter{}}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	env.Key = key
	ctx := context.Background()
	env.DB, err = storage.Open(ctx, storage.Config{URL: env.URL, Now: env.Clock.Now, Location: Helsinki, Tracer: env.Tracer,
		WithoutRowSecurity: o.WithoutRowSecurity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.DB.Close)
	vctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	v, err := auth.NewVerifier(vctx, auth.Config{Issuer: Issuer, Audience: Audience, DevKey: key.Public(), Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	res := &resolvers.Resolver{Store: env.DB, Now: env.Clock.Now, Location: Helsinki, ExportURL: "/export"}
	// No effective rate limit: tests and benchmarks send requests as fast as
	// they can; the rate limit's own tests configure theirs.
	unlimited := server.Rate{PerSecond: 1e9, Burst: 1 << 30}
	env.Handler = server.New(server.Config{Resolver: res, Store: env.DB, Verifier: v,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: server.Limits{MemberRate: unlimited, ServiceRate: unlimited}})
	return env
}

// MemberToken returns a member token for customerID, valid for an hour of
// the environment's clock.
func (e *Env) MemberToken(customerID string) string { return e.token(customerID, nil) }

// ServiceToken returns a service token with the given scopes.
func (e *Env) ServiceToken(scopes ...string) string { return e.token("test-service", scopes) }

func (e *Env) token(sub string, scopes []string) string {
	t, err := auth.SignTokenAt(e.Key, Issuer, Audience, sub, scopes, e.Clock.Now(), time.Hour)
	if err != nil {
		panic(err)
	}
	return t
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Header http.Header
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// Codes returns the error codes of the response, in order.
func (r *Response) Codes() []string {
	var out []string
	for _, e := range r.Errors {
		c, _ := e.Extensions["code"].(string)
		out = append(out, c)
	}
	return out
}

// Decode unmarshals the data into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Query POSTs a GraphQL request with the token (none when "") through the
// real handler.
func (e *Env) Query(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.Do(t, req)
}

// Do serves req and decodes a GraphQL response.
func (e *Env) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	rec := httptest.NewRecorder()
	e.Handler.ServeHTTP(rec, req)
	resp := &Response{Status: rec.Code, Header: rec.Header()}
	if err := json.Unmarshal(rec.Body.Bytes(), resp); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", rec.Code, rec.Body.String())
	}
	return resp
}

// MustQuery is Query that fails the test on any GraphQL error.
func (e *Env) MustQuery(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	r := e.Query(t, token, query, vars)
	if len(r.Errors) > 0 || r.Status != http.StatusOK {
		t.Fatalf("query failed (status %d): %+v", r.Status, r.Errors)
	}
	return r
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now reads the clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }
