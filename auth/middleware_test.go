package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// middlewareFixture is a verifier trusting ed1, wrapped around a handler that
// records the identity it was served with.
type middlewareFixture struct {
	handler http.Handler
	clock   *fakeClock
	called  bool
	got     Identity
}

func newMiddlewareFixture(t testing.TB) *middlewareFixture {
	f := &middlewareFixture{clock: newFakeClock()}
	v := newTestVerifier(t, Config{DevKey: testKeys().ed1.Public(), Now: f.clock.Now})
	f.handler = v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.called = true
		f.got, _ = FromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	}))
	return f
}

func (f *middlewareFixture) serve(headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
	for _, h := range headers {
		r.Header.Add("Authorization", h)
	}
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

func TestMiddlewareOK(t *testing.T) {
	f := newMiddlewareFixture(t)
	claims := with(validClaims(f.clock.Now()), func(c jwt.MapClaims) { c["scope"] = ScopeMembersWrite })
	token := sign(t, jwt.SigningMethodEdDSA, testKeys().ed1, nil, claims)
	for _, header := range []string{"Bearer " + token, "bearer " + token, "BEARER  " + token + " "} {
		f.called = false
		w := f.serve(header)
		if w.Code != http.StatusNoContent || !f.called {
			t.Fatalf("%.20q: status %d, handler called %v; body %s", header, w.Code, f.called, w.Body)
		}
		if f.got.Subject != "customer-42" || f.got.Kind != KindService || !f.got.HasScope(ScopeMembersWrite) {
			t.Fatalf("identity = %+v", f.got)
		}
	}
}

func TestMiddlewareRejects(t *testing.T) {
	f := newMiddlewareFixture(t)
	ed := testKeys().ed1
	now := f.clock.Now()
	expired := sign(t, jwt.SigningMethodEdDSA, ed, nil, with(validClaims(now), func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() }))
	valid := sign(t, jwt.SigningMethodEdDSA, ed, nil, validClaims(now))
	hs256 := sign(t, jwt.SigningMethodHS256, []byte("secret"), nil, validClaims(now))

	tests := []struct {
		name      string
		headers   []string
		challenge string
		message   string
	}{
		{"Missing", nil, challengeMissing, "missing bearer token"},
		{"Empty", []string{""}, challengeInvalid, "authorization must be a bearer token"},
		{"BearerNoToken", []string{"Bearer "}, challengeInvalid, "authorization must be a bearer token"},
		{"BasicScheme", []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, challengeInvalid, "authorization must be a bearer token"},
		{"NoSpace", []string{"Bearer" + valid}, challengeInvalid, "authorization must be a bearer token"},
		{"Garbage", []string{"Bearer garbage"}, challengeInvalid, "malformed token"},
		{"Expired", []string{"Bearer " + expired}, challengeInvalid, "token expired"},
		{"HS256", []string{"Bearer " + hs256}, challengeInvalid, "unsupported signing algorithm"},
		{"TwoHeaders", []string{"Bearer " + valid, "Bearer " + valid}, challengeInvalid, "more than one Authorization header"},
		// A megabyte of dots is refused by the length check before parsing:
		// the parser would have said "token too large" or "malformed token".
		{"MegabyteOfDots", []string{"Bearer " + strings.Repeat(".", 1<<20)}, challengeInvalid, "authorization header too large"},
		{"JustOverLimit", []string{"Bearer " + strings.Repeat("a", maxAuthorizationBytes-6)}, challengeInvalid, "authorization header too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.called = false
			w := f.serve(tt.headers...)
			wantUnauthorized(t, w, tt.challenge, tt.message)
			if f.called {
				t.Fatal("the wrapped handler ran")
			}
		})
	}
}

// wantUnauthorized checks a 401 with its challenge and GraphQL error body.
func wantUnauthorized(t *testing.T, w *httptest.ResponseRecorder, challenge, message string) {
	t.Helper()
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status = %d, want 401", w.Code)
	}
	if got := w.Header().Get("WWW-Authenticate"); got != challenge {
		t.Fatalf("WWW-Authenticate = %q, want %q", got, challenge)
	}
	if got := w.Header().Get("Content-Type"); got != "application/json" {
		t.Fatalf("Content-Type = %q", got)
	}
	var body struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if len(body.Errors) != 1 || body.Errors[0].Message != message || body.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Fatalf("body = %s, want one UNAUTHENTICATED error %q", w.Body, message)
	}
}

// BenchmarkMiddlewareOversizedHeader measures the cost of refusing a
// megabyte-long Authorization header; it should not grow with the header.
func BenchmarkMiddlewareOversizedHeader(b *testing.B) {
	f := newMiddlewareFixture(b)
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+strings.Repeat(".", 1<<20))
	for b.Loop() {
		f.handler.ServeHTTP(httptest.NewRecorder(), r)
	}
}

// BenchmarkMiddlewareValidToken measures a request with a valid EdDSA token.
func BenchmarkMiddlewareValidToken(b *testing.B) {
	f := newMiddlewareFixture(b)
	token := sign(b, jwt.SigningMethodEdDSA, testKeys().ed1, nil, validClaims(f.clock.Now()))
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	for b.Loop() {
		f.handler.ServeHTTP(httptest.NewRecorder(), r)
	}
}
