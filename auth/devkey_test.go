package auth

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

func TestLoadOrCreateDevKeyCreatesOnceThenReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateDevKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Equal(second) {
		t.Fatal("second call returned a different key")
	}
	path := filepath.Join(dir, DevKeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("file is not a PRIVATE KEY PEM block:\n%s", data)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil || !first.Equal(parsed) {
		t.Fatalf("PKCS#8 content = %T, %v; want the returned key", parsed, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("dir holds %d files, want only the key (no temp files)", len(entries))
	}
}

func TestLoadOrCreateDevKeyConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	keys := make([]ed25519.PrivateKey, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			var err error
			if keys[i], err = LoadOrCreateDevKey(dir); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !k.Equal(keys[0]) {
			t.Fatal("concurrent callers got different keys")
		}
	}
}

func TestLoadOrCreateDevKeyErrReadableByOthers(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits on Windows")
	}
	dir := t.TempDir()
	if _, err := LoadOrCreateDevKey(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, DevKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevKey(dir); err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("error = %v, want readable by others", err)
	}
}

func TestLoadOrCreateDevKeyErrNotEd25519(t *testing.T) {
	der, err := x509.MarshalPKCS8PrivateKey(testKeys().ec1)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeKeyFile(t, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if _, err := LoadOrCreateDevKey(dir); err == nil || !strings.Contains(err.Error(), "want an Ed25519 key") {
		t.Fatalf("error = %v, want an Ed25519 error", err)
	}
}

func TestLoadOrCreateDevKeyErrNotPEM(t *testing.T) {
	dir := writeKeyFile(t, []byte("garbage"))
	if _, err := LoadOrCreateDevKey(dir); err == nil || !strings.Contains(err.Error(), "no PRIVATE KEY PEM block") {
		t.Fatalf("error = %v, want a PEM error", err)
	}
}

// writeKeyFile puts data where LoadOrCreateDevKey looks and returns the dir.
func writeKeyFile(t *testing.T, data []byte) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DevKeyFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// decodeToken returns a token's header and claims without verifying it.
func decodeToken(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}

func TestSignToken(t *testing.T) {
	k := testKeys()
	tests := []struct {
		name    string
		key     crypto.Signer
		alg     string
		scopes  []string
		wantErr string
	}{
		{"EdDSAMember", k.ed1, "EdDSA", nil, ""},
		{"EdDSAService", k.ed1, "EdDSA", []string{ScopeIngest, ScopeMarketingRead}, ""},
		{"RS256", k.rsa1, "RS256", nil, ""},
		{"ES256", k.ec1, "ES256", []string{ScopeCatalogWrite}, ""},
		{"ErrP384", k.ec384, "", nil, "P-256"},
		{"ErrShortRSA", k.rsa1024, "", nil, "2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token, err := SignToken(tt.key, testIssuer, testAudience, "customer-7", tt.scopes, time.Hour)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkSignedToken(t, token, tt.key.Public(), tt.alg, tt.scopes)
		})
	}
	t.Run("ErrZeroTTL", func(t *testing.T) {
		if _, err := SignToken(k.ed1, testIssuer, testAudience, "customer-7", nil, 0); err == nil {
			t.Fatal("SignToken accepted a zero ttl")
		}
	})
}

// checkSignedToken checks a SignToken token's header and claims, and that a
// verifier trusting pub accepts it with the right identity.
func checkSignedToken(t *testing.T, token string, pub crypto.PublicKey, alg string, scopes []string) {
	t.Helper()
	header, claims := decodeToken(t, token)
	if header["alg"] != alg || header["kid"] != kidOf(t, pub) {
		t.Fatalf("header = %v, want alg %s and the key's thumbprint as kid", header, alg)
	}
	for _, c := range []string{"iss", "aud", "sub", "exp", "iat", "nbf", "jti"} {
		if _, ok := claims[c]; !ok {
			t.Fatalf("claims %v lack %s", claims, c)
		}
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
		t.Fatalf("exp - iat = %v, want 3600", exp-iat)
	}
	scope, hasScope := claims["scope"]
	if len(scopes) == 0 && hasScope {
		t.Fatalf("scope = %q, want the claim left out", scope)
	}
	if len(scopes) > 0 && scope != strings.Join(scopes, " ") {
		t.Fatalf("scope = %q, want %q", scope, strings.Join(scopes, " "))
	}
	v := newTestVerifier(t, Config{DevKey: pub})
	id, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	wantKind := KindMember
	if len(scopes) > 0 {
		wantKind = KindService
	}
	if id.Subject != "customer-7" || id.Kind != wantKind || id.TokenID != claims["jti"] || len(id.Scopes) != len(scopes) {
		t.Fatalf("identity = %+v", id)
	}
}

// TestSignTokenAt checks that a token signed at an injected time verifies on
// a verifier running on that clock, and is expired an hour later.
func TestSignTokenAt(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := newTestVerifier(t, Config{DevKey: k.ed1.Public(), Now: clock.Now})
	token, err := SignTokenAt(k.ed1, testIssuer, testAudience, "customer-7", nil, clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("Verify at issue time: %v", err)
	}
	clock.Add(time.Hour + time.Minute)
	_, err = v.Verify(context.Background(), token)
	wantError(t, err, model.Unauthenticated, "token expired")
}

// TestSignTokenJTIUnique checks that two tokens signed at once differ in jti,
// so logs can tell them apart.
func TestSignTokenJTIUnique(t *testing.T) {
	k := testKeys()
	a, _ := SignToken(k.ed1, testIssuer, testAudience, "s", nil, time.Minute)
	b, _ := SignToken(k.ed1, testIssuer, testAudience, "s", nil, time.Minute)
	_, ca := decodeToken(t, a)
	_, cb := decodeToken(t, b)
	if ca["jti"] == cb["jti"] || ca["jti"] == "" {
		t.Fatalf("jti %v and %v, want distinct non-empty", ca["jti"], cb["jti"])
	}
}

// TestDevTokenRejectedByOtherVerifier checks that a dev token is not
// accepted where the dev key is not configured.
func TestDevTokenRejectedByOtherVerifier(t *testing.T) {
	k := testKeys()
	dev, err := LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, err := SignToken(dev, testIssuer, testAudience, "customer-7", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	v := newTestVerifier(t, Config{DevKey: k.ed1.Public()})
	_, err = v.Verify(context.Background(), token)
	wantError(t, err, model.Unauthenticated, "unknown signing key")
}
