package auth

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"github.com/omadata/omadata/graph/model"
)

// jwksServer is an identity provider's JWKS endpoint whose keys and health a
// test changes, counting the requests it gets.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64

	mu   sync.Mutex
	keys []jwkset.JWKMarshal
	down int // 0: serve the keys; else this status, or -1 for a broken body
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) serve(w http.ResponseWriter, _ *http.Request) {
	s.requests.Add(1)
	s.mu.Lock()
	keys, down := s.keys, s.down
	s.mu.Unlock()
	switch {
	case down == -1:
		w.Write([]byte(`{"keys": [`))
	case down != 0:
		http.Error(w, "down", down)
	default:
		json.NewEncoder(w).Encode(jwkset.JWKSMarshal{Keys: keys})
	}
}

// setKeys replaces the published keys.
func (s *jwksServer) setKeys(keys ...jwkset.JWKMarshal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) setDown(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = status
}

// jwk publishes pub under kid with the given metadata.
func jwk(t *testing.T, pub crypto.PublicKey, kid string, meta jwkset.JWKMetadataOptions) jwkset.JWKMarshal {
	t.Helper()
	meta.KID = kid
	j, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: meta})
	if err != nil {
		t.Fatal(err)
	}
	return j.Marshal()
}

func sig(alg jwkset.ALG) jwkset.JWKMetadataOptions {
	return jwkset.JWKMetadataOptions{USE: jwkset.UseSig, ALG: alg}
}

// jwksVerifier builds a verifier over srv with a fake clock. A long refresh
// interval keeps background fetches out of tests that count requests.
func jwksVerifier(t *testing.T, srv *jwksServer, clock *fakeClock, refresh time.Duration) *Verifier {
	return newTestVerifier(t, Config{
		JWKSURL:          srv.URL,
		JWKSRefresh:      refresh,
		RefreshRateLimit: time.Minute,
		Now:              clock.Now,
		HTTPClient:       srv.Client(),
	})
}

// eventually polls cond until it holds, failing after a generous deadline.
// It waits for a background event; it asserts nothing about speed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJWKSVerify(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newJWKSServer(t)
	srv.setKeys(
		jwk(t, &k.rsa1.PublicKey, "rsa", sig(jwkset.AlgRS256)),
		jwk(t, &k.ec1.PublicKey, "ec", sig("")),
		jwk(t, k.ed1.Public(), "ed", jwkset.JWKMetadataOptions{}),
		// Keys that must be skipped, each beside the good ones.
		jwk(t, &k.rsa2.PublicKey, "rsa-enc", jwkset.JWKMetadataOptions{USE: jwkset.UseEnc}),
		jwk(t, &k.rsa2.PublicKey, "rsa-ps256", sig(jwkset.AlgPS256)),
		jwk(t, &k.rsa2.PublicKey, "rsa-sign-only", jwkset.JWKMetadataOptions{KEYOPS: []jwkset.KEYOPS{jwkset.KeyOpsSign}}),
		jwk(t, &k.rsa1024.PublicKey, "rsa-1024", sig(jwkset.AlgRS256)),
		jwk(t, &k.ec384.PublicKey, "p384", sig("")),
		jwk(t, &k.rsa2.PublicKey, "", sig(jwkset.AlgRS256)),
	)
	v := jwksVerifier(t, srv, clock, time.Hour)
	claims := func() jwt.MapClaims { return validClaims(clock.Now()) }
	kid := func(s string) map[string]any { return map[string]any{"kid": s} }

	tests := []struct {
		name    string
		token   string
		message string // "" when the token is accepted
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, k.rsa1, kid("rsa"), claims()), ""},
		{"ES256", sign(t, jwt.SigningMethodES256, k.ec1, kid("ec"), claims()), ""},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid("ed"), claims()), ""},
		{"ErrNoKID", sign(t, jwt.SigningMethodRS256, k.rsa1, nil, claims()), "unknown signing key"},
		{"ErrKeyTypeMismatch", sign(t, jwt.SigningMethodES256, k.ec1, kid("rsa"), claims()), "signing key does not match algorithm"},
		{"ErrEncryptionKey", sign(t, jwt.SigningMethodRS256, k.rsa2, kid("rsa-enc"), claims()), "unknown signing key"},
		{"ErrKeyBoundToPS256", sign(t, jwt.SigningMethodRS256, k.rsa2, kid("rsa-ps256"), claims()), "unknown signing key"},
		{"ErrKeyOpsWithoutVerify", sign(t, jwt.SigningMethodRS256, k.rsa2, kid("rsa-sign-only"), claims()), "unknown signing key"},
		{"ErrP384Key", sign(t, jwt.SigningMethodES256, k.ec1, kid("p384"), claims()), "unknown signing key"},
		{"ErrShortRSAKey", sign(t, jwt.SigningMethodRS256, k.rsa1024, kid("rsa-1024"), claims()), "unknown signing key"},
		{"ErrKIDPath", sign(t, jwt.SigningMethodRS256, k.rsa1, kid("../../etc/passwd"), claims()), "unknown signing key"},
		{"ErrKIDSQL", sign(t, jwt.SigningMethodRS256, k.rsa1, kid("' OR 1=1--"), claims()), "unknown signing key"},
		{"ErrWrongKeyForKID", sign(t, jwt.SigningMethodRS256, k.rsa2, kid("rsa"), claims()), "invalid signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token)
			if tt.message == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantError(t, err, model.Unauthenticated, tt.message)
		})
	}
}

// TestJWKSRotationByRefresh checks that the background refresh picks up a
// new key and drops a removed one, with no unknown-kid fetch to help.
func TestJWKSRotationByRefresh(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newJWKSServer(t)
	srv.setKeys(jwk(t, k.ed1.Public(), "old", sig(jwkset.AlgEdDSA)))
	v := newTestVerifier(t, Config{JWKSURL: srv.URL, JWKSRefresh: 20 * time.Millisecond, Now: clock.Now})
	oldToken := sign(t, jwt.SigningMethodEdDSA, k.ed1, map[string]any{"kid": "old"}, validClaims(clock.Now()))
	newToken := sign(t, jwt.SigningMethodEdDSA, k.edOther, map[string]any{"kid": "new"}, validClaims(clock.Now()))
	if _, err := v.Verify(context.Background(), oldToken); err != nil {
		t.Fatalf("old key before rotation: %v", err)
	}
	// Spend the unknown-kid fetch; the fake clock stands still, so there is
	// no other until the end of the test.
	_, err := v.Verify(context.Background(), newToken)
	wantError(t, err, model.Unauthenticated, "unknown signing key")

	srv.setKeys(jwk(t, k.edOther.Public(), "new", sig(jwkset.AlgEdDSA)))
	eventually(t, "the new key", func() bool { _, ok := v.jwks.get("new"); return ok })
	if _, err := v.Verify(context.Background(), newToken); err != nil {
		t.Fatalf("new key after rotation: %v", err)
	}
	_, err = v.Verify(context.Background(), oldToken)
	wantError(t, err, model.Unauthenticated, "unknown signing key")
}

// TestJWKSRotationByUnknownKID checks that a token naming a key published
// since the last fetch triggers one fetch and verifies.
func TestJWKSRotationByUnknownKID(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newJWKSServer(t)
	srv.setKeys(jwk(t, k.ed1.Public(), "old", sig(jwkset.AlgEdDSA)))
	v := jwksVerifier(t, srv, clock, time.Hour)
	srv.setKeys(jwk(t, k.ed1.Public(), "old", sig(jwkset.AlgEdDSA)), jwk(t, k.edOther.Public(), "new", sig("")))

	token := sign(t, jwt.SigningMethodEdDSA, k.edOther, map[string]any{"kid": "new"}, validClaims(clock.Now()))
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Fatalf("endpoint got %d requests, want 2 (start, unknown kid)", n)
	}
}

// TestJWKSEndpointDown checks that cached keys keep working through failed
// fetches of each kind.
func TestJWKSEndpointDown(t *testing.T) {
	for name, down := range map[string]int{"ServerError": http.StatusServiceUnavailable, "NotFound": http.StatusNotFound, "BrokenJSON": -1} {
		t.Run(name, func(t *testing.T) {
			k := testKeys()
			clock := newFakeClock()
			srv := newJWKSServer(t)
			srv.setKeys(jwk(t, k.ec1.Public(), "ec", sig(jwkset.AlgES256)))
			v := newTestVerifier(t, Config{JWKSURL: srv.URL, JWKSRefresh: 10 * time.Millisecond, Now: clock.Now})
			token := sign(t, jwt.SigningMethodES256, k.ec1, map[string]any{"kid": "ec"}, validClaims(clock.Now()))

			srv.setDown(down)
			start := srv.requests.Load()
			eventually(t, "three failed refreshes", func() bool { return srv.requests.Load() >= start+3 })
			// An unknown kid during the outage fetches, fails, and is refused.
			unknown := sign(t, jwt.SigningMethodES256, k.ec1, map[string]any{"kid": "other"}, validClaims(clock.Now()))
			_, err := v.Verify(context.Background(), unknown)
			wantError(t, err, model.Unauthenticated, "unknown signing key")
			if _, err := v.Verify(context.Background(), token); err != nil {
				t.Fatalf("cached key during outage: %v", err)
			}
		})
	}
}

// TestJWKSStartWhileDown checks that the verifier starts while the endpoint
// is down and takes the keys once it is back.
func TestJWKSStartWhileDown(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newJWKSServer(t)
	srv.setDown(http.StatusBadGateway)
	v := jwksVerifier(t, srv, clock, time.Hour)
	srv.setDown(0)
	srv.setKeys(jwk(t, k.ed1.Public(), "ed", sig("")))
	token := sign(t, jwt.SigningMethodEdDSA, k.ed1, map[string]any{"kid": "ed"}, validClaims(clock.Now()))
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify once the endpoint is back: %v", err)
	}
}

// TestJWKSUnknownKIDFlood checks that 100 tokens with made-up kids cost the
// endpoint one fetch per rate-limit interval, sent one by one or at once.
func TestJWKSUnknownKIDFlood(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	srv := newJWKSServer(t)
	srv.setKeys(jwk(t, k.ed1.Public(), "ed", sig("")))
	v := jwksVerifier(t, srv, clock, time.Hour)
	tokens := make([]string, 100)
	for i := range tokens {
		tokens[i] = sign(t, jwt.SigningMethodEdDSA, k.ed1, map[string]any{"kid": fmt.Sprintf("made-up-%d", i)}, validClaims(clock.Now()))
	}
	flood := func(concurrent bool) { verifyAllRefused(t, v, tokens, concurrent) }
	wantRequests := func(want int64) {
		t.Helper()
		if n := srv.requests.Load(); n != want {
			t.Fatalf("endpoint got %d requests, want %d", n, want)
		}
	}

	wantRequests(1) // the first fetch at start
	flood(false)
	wantRequests(2)
	clock.Add(30 * time.Second)
	flood(true)
	wantRequests(2) // still within the minute
	clock.Add(31 * time.Second)
	flood(true)
	wantRequests(3)
	flood(false)
	wantRequests(3)
	// The known key is unaffected by the flood.
	good := sign(t, jwt.SigningMethodEdDSA, k.ed1, map[string]any{"kid": "ed"}, validClaims(clock.Now()))
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("known key after flood: %v", err)
	}
}

// verifyAllRefused checks that each token is refused, one by one or all at
// once.
func verifyAllRefused(t *testing.T, v *Verifier, tokens []string, concurrent bool) {
	t.Helper()
	var wg sync.WaitGroup
	for _, tok := range tokens {
		check := func() {
			_, err := v.Verify(context.Background(), tok)
			if model.ErrorCode(err) != model.Unauthenticated {
				t.Errorf("made-up kid: %v", err)
			}
		}
		if concurrent {
			wg.Go(check)
		} else {
			check()
		}
	}
	wg.Wait()
}

// TestJWKSStopsWithContext checks that cancelling NewVerifier's context ends
// the background refresh.
func TestJWKSStopsWithContext(t *testing.T) {
	srv := newJWKSServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	v, err := NewVerifier(ctx, Config{Issuer: testIssuer, Audience: testAudience, JWKSURL: srv.URL, JWKSRefresh: time.Millisecond, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-v.jwks.stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("refresh goroutine still running after cancel")
	}
}
