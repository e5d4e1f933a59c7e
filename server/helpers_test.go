package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/resolvers"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

// handler builds the real handler over env's database and key, with the
// config changed by edit: the tests here need dev mode, tight limits, a
// fixed clock or a captured log, which servertest's handler does not have.
func handler(t *testing.T, env *servertest.Env, edit func(*server.Config)) http.Handler {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: servertest.Issuer, Audience: servertest.Audience,
		DevKey: env.Key.Public(), Now: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{
		Resolver: &resolvers.Resolver{Store: env.DB, Now: env.Clock.Now, Location: servertest.Helsinki, ExportURL: "/export"},
		Store:    env.DB, Verifier: v, Logger: slog.New(slog.DiscardHandler),
	}
	if edit != nil {
		edit(&cfg)
	}
	return server.New(cfg)
}

// reply is a raw HTTP answer with its body decoded as a GraphQL response
// where it is one.
type reply struct {
	Status int
	Header http.Header
	Body   string
	// Keys are the top-level keys of the JSON body.
	Keys   map[string]json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func (r *reply) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// request is one HTTP request to send through a handler.
type request struct {
	method, target, token string
	header                map[string]string
	body                  string
}

func send(t *testing.T, h http.Handler, req request) *reply {
	t.Helper()
	if req.method == "" {
		req.method = http.MethodPost
	}
	if req.target == "" {
		req.target = "/graphql"
	}
	r := httptest.NewRequest(req.method, req.target, strings.NewReader(req.body))
	if req.token != "" {
		r.Header.Set("Authorization", "Bearer "+req.token)
	}
	for k, v := range req.header {
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return decodeReply(t, rec.Code, rec.Header(), rec.Body.Bytes())
}

func decodeReply(t *testing.T, status int, header http.Header, body []byte) *reply {
	t.Helper()
	out := &reply{Status: status, Header: header, Body: string(body)}
	if strings.Contains(header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(body, &out.Keys); err != nil {
			t.Fatalf("status %d: body is not a JSON object: %s", status, body)
		}
		_ = json.Unmarshal(body, out)
	}
	return out
}

// post sends a GraphQL operation as application/json.
func post(t *testing.T, h http.Handler, token, query string, vars map[string]any) *reply {
	t.Helper()
	return send(t, h, request{token: token, header: jsonHeader, body: body(t, query, vars)})
}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func body(t *testing.T, query string, vars map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// getURL is the GET form of a GraphQL request.
func getURL(query string, vars map[string]any) string {
	v := url.Values{"query": {query}}
	if vars != nil {
		b, _ := json.Marshal(vars)
		v.Set("variables", string(b))
	}
	return "/graphql?" + v.Encode()
}

// count runs a counting query on env's database.
func count(t *testing.T, env *servertest.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// lockedBuffer is a log sink that handlers may write concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
