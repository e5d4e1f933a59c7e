package auth

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/acme"

	"github.com/omadata/omadata/graph/model"
)

// staticVerifier accepts the PEM keys rsa1, rsa2, ec1 and ed1 at clock's time.
func staticVerifier(t *testing.T, clock *fakeClock) *Verifier {
	k := testKeys()
	var pems []byte
	for _, pub := range []crypto.PublicKey{&k.rsa1.PublicKey, &k.rsa2.PublicKey, &k.ec1.PublicKey, k.ed1.Public()} {
		pems = append(pems, pemPublic(t, pub)...)
	}
	return newTestVerifier(t, Config{PublicKeysFile: writeFile(t, pems), Now: clock.Now})
}

// with returns claims changed by edit.
func with(claims jwt.MapClaims, edit func(jwt.MapClaims)) jwt.MapClaims {
	edit(claims)
	return claims
}

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerifyOK(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := staticVerifier(t, clock)
	now := clock.Now()
	kid := func(pub crypto.PublicKey) map[string]any { return map[string]any{"kid": kidOf(t, pub)} }
	member := Identity{Subject: "customer-42", Kind: KindMember}

	tests := []struct {
		name  string
		token string
		want  Identity
	}{
		{"RS256", sign(t, jwt.SigningMethodRS256, k.rsa1, kid(&k.rsa1.PublicKey), validClaims(now)), member},
		{"ES256", sign(t, jwt.SigningMethodES256, k.ec1, kid(&k.ec1.PublicKey), validClaims(now)), member},
		{"EdDSA", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid(k.ed1.Public()), validClaims(now)), member},
		// Without kid, every PEM key of the alg's type is tried: rsa2 is the second.
		{"NoKIDSecondRSAKey", sign(t, jwt.SigningMethodRS256, k.rsa2, nil, validClaims(now)), member},
		{"NoKIDEdDSA", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, validClaims(now)), member},
		{"ServiceScopes", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, with(validClaims(now), func(c jwt.MapClaims) {
			c["sub"], c["scope"], c["jti"] = "pos-eu-1", "receipts:ingest catalog:write", "tok-1"
		})), Identity{Subject: "pos-eu-1", Kind: KindService, Scopes: []string{ScopeIngest, ScopeCatalogWrite}, TokenID: "tok-1"}},
		{"OtherScopesStayMember", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, with(validClaims(now), func(c jwt.MapClaims) {
			c["scope"] = "openid  profile"
		})), Identity{Subject: "customer-42", Kind: KindMember, Scopes: []string{"openid", "profile"}}},
		{"AudienceList", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, with(validClaims(now), func(c jwt.MapClaims) {
			c["aud"] = []string{"billing", testAudience}
		})), member},
		{"ExpiredWithinLeeway", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, with(validClaims(now), func(c jwt.MapClaims) {
			c["exp"] = now.Add(-20 * time.Second).Unix()
		})), member},
		{"NotBeforeWithinLeeway", sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, with(validClaims(now), func(c jwt.MapClaims) {
			c["nbf"], c["iat"] = now.Add(20*time.Second).Unix(), now.Add(20*time.Second).Unix()
		})), member},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(context.Background(), tt.token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.Subject != tt.want.Subject || got.Kind != tt.want.Kind || got.TokenID != tt.want.TokenID || !slices.Equal(got.Scopes, tt.want.Scopes) {
				t.Fatalf("identity = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// rejectFixture is the static verifier with what reject cases build on.
type rejectFixture struct {
	v             *Verifier
	now           time.Time
	rsaKID, edKID map[string]any
	parts         []string // the segments of a good EdDSA token
}

func newRejectFixture(t *testing.T) *rejectFixture {
	k := testKeys()
	clock := newFakeClock()
	f := &rejectFixture{
		v:      staticVerifier(t, clock),
		now:    clock.Now(),
		rsaKID: map[string]any{"kid": kidOf(t, &k.rsa1.PublicKey)},
		edKID:  map[string]any{"kid": kidOf(t, k.ed1.Public())},
	}
	f.parts = strings.Split(f.ed(t, func(jwt.MapClaims) {}), ".")
	return f
}

// ed is an EdDSA token of a listed key, with valid claims changed by edit.
func (f *rejectFixture) ed(t *testing.T, edit func(jwt.MapClaims)) string {
	return sign(t, jwt.SigningMethodEdDSA, testKeys().ed1, f.edKID, with(validClaims(f.now), edit))
}

type rejectCase struct{ name, token, message string }

// run checks that each case's token is refused as UNAUTHENTICATED with its
// message, which names the check that refused it.
func (f *rejectFixture) run(t *testing.T, cases []rejectCase) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.v.Verify(context.Background(), tt.token)
			wantError(t, err, model.Unauthenticated, tt.message)
			if id.Subject != "" {
				t.Fatalf("identity = %+v on error", id)
			}
		})
	}
}

func TestVerifyRejectsAlgorithm(t *testing.T) {
	k, f := testKeys(), newRejectFixture(t)
	now, p := f.now, f.parts
	f.run(t, []rejectCase{
		{"AlgNone", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, validClaims(now)), "unsupported signing algorithm"},
		{"AlgNoneWithKID", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, f.edKID, validClaims(now)), "unsupported signing algorithm"},
		{"HS256", sign(t, jwt.SigningMethodHS256, []byte("secret"), nil, validClaims(now)), "unsupported signing algorithm"},
		{"HS256WithRSAPublicKeyAsSecret", sign(t, jwt.SigningMethodHS256, pemPublic(t, &k.rsa1.PublicKey), f.rsaKID, validClaims(now)), "unsupported signing algorithm"},
		{"RS384", sign(t, jwt.SigningMethodRS384, k.rsa1, f.rsaKID, validClaims(now)), "unsupported signing algorithm"},
		{"PS256", sign(t, jwt.SigningMethodPS256, k.rsa1, f.rsaKID, validClaims(now)), "unsupported signing algorithm"},
		{"ES384", sign(t, jwt.SigningMethodES384, k.ec384, nil, validClaims(now)), "unsupported signing algorithm"},
		{"UnknownAlg", seg(`{"alg":"XYZ"}`) + "." + p[1] + "." + p[2], "unsupported signing algorithm"},
		{"NoAlg", seg(`{"typ":"JWT"}`) + "." + p[1] + "." + p[2], "unsupported signing algorithm"},
		// A key's type must match the alg.
		{"ES256WithRSAKID", sign(t, jwt.SigningMethodES256, k.ec1, f.rsaKID, validClaims(now)), "signing key does not match algorithm"},
		{"RS256WithEdKID", sign(t, jwt.SigningMethodRS256, k.rsa1, f.edKID, validClaims(now)), "signing key does not match algorithm"},
		{"CriticalHeader", sign(t, jwt.SigningMethodEdDSA, k.ed1, map[string]any{"crit": []string{"exp"}}, validClaims(now)), "unsupported critical header"},
	})
}

func TestVerifyRejectsKey(t *testing.T) {
	k, f := testKeys(), newRejectFixture(t)
	now, p := f.now, f.parts
	kid := func(s any) map[string]any { return map[string]any{"kid": s} }
	tampered := seg(`{"iss":"` + testIssuer + `","aud":"omadata","sub":"customer-1","exp":` + fmt.Sprint(now.Add(time.Hour).Unix()) + `}`)
	f.run(t, []rejectCase{
		{"UnlistedKeyNoKID", sign(t, jwt.SigningMethodRS256, k.rsaOther, nil, validClaims(now)), "invalid signature"},
		{"UnlistedKeyListedKID", sign(t, jwt.SigningMethodRS256, k.rsaOther, f.rsaKID, validClaims(now)), "invalid signature"},
		{"UnlistedKeyOwnKID", sign(t, jwt.SigningMethodEdDSA, k.edOther, kid(kidOf(t, k.edOther.Public())), validClaims(now)), "unknown signing key"},
		{"TamperedPayload", p[0] + "." + tampered + "." + p[2], "invalid signature"},
		{"KIDPath", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid("../../etc/passwd"), validClaims(now)), "unknown signing key"},
		{"KIDSQL", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid("' OR 1=1--"), validClaims(now)), "unknown signing key"},
		{"KIDEmpty", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid(""), validClaims(now)), "unknown signing key"},
		{"KIDNumber", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid(7), validClaims(now)), "unknown signing key"},
		{"KIDTooLong", sign(t, jwt.SigningMethodEdDSA, k.ed1, kid(strings.Repeat("k", 300)), validClaims(now)), "unknown signing key"},
	})
}

func TestVerifyRejectsClaims(t *testing.T) {
	f := newRejectFixture(t)
	now := f.now
	f.run(t, []rejectCase{
		// Times, beyond the 30 s leeway.
		{"Expired", f.ed(t, func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), "token expired"},
		{"NotYetValid", f.ed(t, func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }), "token not yet valid"},
		{"IssuedInFuture", f.ed(t, func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }), "token issued in the future"},
		// Required claims.
		{"MissingExp", f.ed(t, func(c jwt.MapClaims) { delete(c, "exp") }), "missing required claim"},
		{"MissingSub", f.ed(t, func(c jwt.MapClaims) { delete(c, "sub") }), "missing required claim"},
		{"EmptySub", f.ed(t, func(c jwt.MapClaims) { c["sub"] = "" }), "missing required claim"},
		{"MissingIss", f.ed(t, func(c jwt.MapClaims) { delete(c, "iss") }), "missing required claim"},
		{"MissingAud", f.ed(t, func(c jwt.MapClaims) { delete(c, "aud") }), "missing required claim"},
		{"WrongIss", f.ed(t, func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }), "invalid issuer"},
		{"WrongAud", f.ed(t, func(c jwt.MapClaims) { c["aud"] = "billing" }), "invalid audience"},
	})
}

func TestVerifyRejectsMalformed(t *testing.T) {
	f := newRejectFixture(t)
	p := f.parts
	hdr := seg(`{"alg":"EdDSA","typ":"JWT"}`)
	f.run(t, []rejectCase{
		{"Empty", "", "malformed token"},
		{"OneSegment", "abc", "malformed token"},
		{"TwoSegments", p[0] + "." + p[1], "malformed token"},
		{"FourSegments", strings.Join(p, ".") + ".x", "malformed token"},
		{"HeaderNotBase64", "!!!." + p[1] + "." + p[2], "malformed token"},
		{"HeaderPadded", p[0] + "=." + p[1] + "." + p[2], "malformed token"},
		{"HeaderNotJSON", seg("nope") + "." + p[1] + "." + p[2], "malformed token"},
		{"ClaimsNotJSON", hdr + "." + seg("nope") + "." + p[2], "malformed token"},
		{"ClaimsNotBase64", hdr + ".%%%." + p[2], "malformed token"},
		{"SignatureNotBase64", p[0] + "." + p[1] + ".***", "malformed token"},
		{"ScopeNotString", f.ed(t, func(c jwt.MapClaims) { c["scope"] = []string{ScopeIngest} }), "malformed token"},
		{"TooLarge", f.ed(t, func(c jwt.MapClaims) { c["pad"] = strings.Repeat("x", maxTokenBytes) }), "token too large"},
	})
}

// TestVerifyKeyTypeNeverCrosses checks that with only RSA keys loaded, no
// token of another algorithm finds a key to try.
func TestVerifyKeyTypeNeverCrosses(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := newTestVerifier(t, Config{PublicKeysFile: writeFile(t, pemPublic(t, &k.rsa1.PublicKey)), Now: clock.Now})
	for name, token := range map[string]string{
		"ES256": sign(t, jwt.SigningMethodES256, k.ec1, nil, validClaims(clock.Now())),
		"EdDSA": sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, validClaims(clock.Now())),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), token)
			wantError(t, err, model.Unauthenticated, "unknown signing key")
		})
	}
}

// TestVerifyLeewayConfig checks the configured leeway replaces the default.
func TestVerifyLeewayConfig(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	claims := with(validClaims(clock.Now()), func(c jwt.MapClaims) { c["exp"] = clock.Now().Add(-20 * time.Second).Unix() })
	token := sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, claims)
	tests := []struct {
		name    string
		leeway  time.Duration
		wantErr bool
	}{
		{"Default30s", 0, false},
		{"Negative", -1, true},
		{"TenSeconds", 10 * time.Second, true},
		{"OneMinute", time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTestVerifier(t, Config{DevKey: k.ed1.Public(), Leeway: tt.leeway, Now: clock.Now})
			_, err := v.Verify(context.Background(), token)
			if tt.wantErr {
				wantError(t, err, model.Unauthenticated, "token expired")
			} else if err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestVerifyDevKeyBesidePEM(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := newTestVerifier(t, Config{PublicKeysFile: writeFile(t, pemPublic(t, &k.rsa1.PublicKey)), DevKey: k.edOther.Public(), Now: clock.Now})
	for name, token := range map[string]string{
		"PEMKey": sign(t, jwt.SigningMethodRS256, k.rsa1, nil, validClaims(clock.Now())),
		"DevKey": sign(t, jwt.SigningMethodEdDSA, k.edOther, map[string]any{"kid": kidOf(t, k.edOther.Public())}, validClaims(clock.Now())),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(context.Background(), token); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

// selfSigned returns a CERTIFICATE PEM block for pub, signed by priv.
func selfSigned(t *testing.T, pub crypto.PublicKey, priv crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "idp.omadata.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestPEMFormats checks each accepted PEM block type by verifying a token
// signed with its key, with and without kid.
func TestPEMFormats(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	tests := []struct {
		name   string
		pem    []byte
		method jwt.SigningMethod
		priv   crypto.Signer
	}{
		{"PublicKeyRSA", pemPublic(t, &k.rsa1.PublicKey), jwt.SigningMethodRS256, k.rsa1},
		{"PublicKeyEC", pemPublic(t, &k.ec1.PublicKey), jwt.SigningMethodES256, k.ec1},
		{"PublicKeyEd25519", pemPublic(t, k.ed1.Public()), jwt.SigningMethodEdDSA, k.ed1},
		{"RSAPublicKey", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.rsa2.PublicKey)}), jwt.SigningMethodRS256, k.rsa2},
		{"CertificateEC", selfSigned(t, &k.ec1.PublicKey, k.ec1), jwt.SigningMethodES256, k.ec1},
		{"CertificateEd25519", selfSigned(t, k.ed1.Public(), k.ed1), jwt.SigningMethodEdDSA, k.ed1},
		{"CertificateRSA", selfSigned(t, &k.rsa1.PublicKey, k.rsa1), jwt.SigningMethodRS256, k.rsa1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Text around the block, as in a file with comments, is ignored.
			file := append([]byte("# the identity provider's key\n"), tt.pem...)
			v := newTestVerifier(t, Config{PublicKeysFile: writeFile(t, file), Now: clock.Now})
			for _, header := range []map[string]any{nil, {"kid": kidOf(t, tt.priv.Public())}} {
				token := sign(t, tt.method, tt.priv, header, validClaims(clock.Now()))
				if _, err := v.Verify(context.Background(), token); err != nil {
					t.Fatalf("Verify (header %v): %v", header, err)
				}
			}
		})
	}
}

func TestNewVerifierErrors(t *testing.T) {
	k := testKeys()
	ecPriv, _ := x509.MarshalECPrivateKey(k.ec1)
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"NoIssuer", Config{Audience: testAudience, DevKey: k.ed1.Public()}, "issuer and audience are required"},
		{"NoAudience", Config{Issuer: testIssuer, DevKey: k.ed1.Public()}, "issuer and audience are required"},
		{"NoKeySource", Config{Issuer: testIssuer, Audience: testAudience}, "no key source"},
		{"MissingFile", Config{PublicKeysFile: "/nonexistent/keys.pem"}, "no such file"},
		{"EmptyFile", Config{PublicKeysFile: writeFile(t, []byte("not pem"))}, "no PEM blocks found"},
		{"PrivateKeyBlock", Config{PublicKeysFile: writeFile(t, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecPriv}))}, `unsupported PEM block type "EC PRIVATE KEY"`},
		{"ShortRSA", Config{PublicKeysFile: writeFile(t, pemPublic(t, &k.rsa1024.PublicKey))}, "at least 2048 bits"},
		{"P384", Config{PublicKeysFile: writeFile(t, pemPublic(t, &k.ec384.PublicKey))}, "EC key must be on curve P-256"},
		{"GoodThenBad", Config{PublicKeysFile: writeFile(t, append(pemPublic(t, k.ed1.Public()), pemPublic(t, &k.ec384.PublicKey)...))}, "PEM block 2"},
		{"CorruptBlock", Config{PublicKeysFile: writeFile(t, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte("junk")}))}, "PEM block 1"},
		{"DevKeyPrivate", Config{DevKey: k.ed1}, "unsupported public key type"},
		{"JWKSNotURL", Config{JWKSURL: "keys.json"}, "absolute http(s) URL"},
		{"JWKSFileScheme", Config{JWKSURL: "file:///etc/passwd"}, "absolute http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Issuer == "" && cfg.Audience == "" {
				cfg.Issuer, cfg.Audience = testIssuer, testAudience
			}
			_, err := NewVerifier(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewVerifier error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestThumbprint(t *testing.T) {
	k := testKeys()
	b := func(s string) []byte {
		v, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// RFC 7638 §3.1 example key.
	rfc7638N := "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	rfcRSA := &rsa.PublicKey{N: new(big.Int).SetBytes(b(rfc7638N)), E: 65537}
	tests := []struct {
		name string
		key  crypto.PublicKey
		want string
	}{
		{"RFC7638RSA", rfcRSA, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"},
		{"RFC8037Ed25519", ed25519.PublicKey(b("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
		// No RFC gives an EC vector; x/crypto/acme's implementation is an
		// independent one.
		{"ECMatchesACME", &k.ec1.PublicKey, acmeThumbprint(t, &k.ec1.PublicKey)},
		{"ECOtherMatchesACME", &k.ecOther.PublicKey, acmeThumbprint(t, &k.ecOther.PublicKey)},
		{"RSAMatchesACME", &k.rsa2.PublicKey, acmeThumbprint(t, &k.rsa2.PublicKey)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := thumbprint(tt.key)
			if err != nil || got != tt.want {
				t.Fatalf("thumbprint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func acmeThumbprint(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	s, err := acme.JWKThumbprint(pub)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifiedTokensKept checks that a token kept after its first
// verification is still held to its times, and that nothing but the very
// same token, signature and all, is taken for it.
func TestVerifiedTokensKept(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := newTestVerifier(t, Config{DevKey: k.ed1.Public(), Now: clock.Now})
	ctx := context.Background()
	token := sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, validClaims(clock.Now()))
	for range 2 {
		if id, err := v.Verify(ctx, token); err != nil || id.Subject != "customer-42" {
			t.Fatalf("Verify = %+v, %v", id, err)
		}
	}
	// The same claims under another signature are another token.
	forged := token[:len(token)-4] + "AAAA"
	if forged == token {
		forged = token[:len(token)-4] + "BBBB"
	}
	_, err := v.Verify(ctx, forged)
	wantError(t, err, model.Unauthenticated, "invalid signature")
	// Kept or not, an expired token is refused, with the parser's reason,
	// once the leeway has passed too.
	clock.Add(time.Hour + defaultLeeway - time.Second)
	if _, err := v.Verify(ctx, token); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	clock.Add(2 * time.Second)
	_, err = v.Verify(ctx, token)
	wantError(t, err, model.Unauthenticated, "token expired")
}

// TestVerifiedTokenExpiresWhileKept checks a kept token against its expiry
// before the keeping time is up.
func TestVerifiedTokenExpiresWhileKept(t *testing.T) {
	k := testKeys()
	clock := newFakeClock()
	v := newTestVerifier(t, Config{DevKey: k.ed1.Public(), Leeway: -1, Now: clock.Now}) // no leeway
	claims := validClaims(clock.Now())
	claims["exp"] = clock.Now().Add(10 * time.Second).Unix()
	token := sign(t, jwt.SigningMethodEdDSA, k.ed1, nil, claims)
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	clock.Add(11 * time.Second) // well within verifiedFor
	_, err := v.Verify(context.Background(), token)
	wantError(t, err, model.Unauthenticated, "token expired")
}
