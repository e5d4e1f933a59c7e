package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/omadata/omadata/graph/model"
)

// FuzzVerify feeds Verify arbitrary bearer tokens. It must never panic,
// must refuse every one as UNAUTHENTICATED with no identity, except the
// exact tokens the test signed: the fuzzer cannot forge a signature, so
// any other token it finds accepted is a hole.
func FuzzVerify(f *testing.F) {
	k, clock := testKeys(), newFakeClock()
	v := fuzzVerifier(f, clock)
	now := clock.Now()
	valid := map[string]bool{}
	for _, tok := range []string{
		sign(f, jwt.SigningMethodEdDSA, k.ed1, nil, validClaims(now)),
		sign(f, jwt.SigningMethodRS256, k.rsa1, map[string]any{"kid": kidOf(f, &k.rsa1.PublicKey)}, validClaims(now)),
		sign(f, jwt.SigningMethodES256, k.ec1, nil, validClaims(now)),
	} {
		valid[tok] = true
		f.Add(tok)
	}
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, nil, validClaims(now)))
	f.Add(sign(f, jwt.SigningMethodHS256, pemPublic(f, &k.rsa1.PublicKey), nil, validClaims(now)))
	f.Add(sign(f, jwt.SigningMethodEdDSA, k.edOther, nil, validClaims(now)))
	f.Add(strings.Repeat(".", 100))
	f.Add("eyJhbGciOiJFZERTQSJ9.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		id, err := v.Verify(context.Background(), token)
		if valid[token] {
			if err != nil {
				t.Fatalf("a token the test signed was refused: %v", err)
			}
			return
		}
		if err == nil || id.Subject != "" || id.Kind != 0 {
			t.Fatalf("accepted a token nobody signed: %q -> %+v", token, id)
		}
		wantUnauthenticated(t, err)
	})
}

// FuzzVerifyClaims signs arbitrary header and claims bytes with a key the
// verifier trusts, so the fuzzer explores everything after the signature
// check: algorithm and key selection, claim types and values. Whatever is
// accepted must meet the whole policy, read back from the raw JSON with
// exact (case-sensitive) claim names and no duplicates.
func FuzzVerifyClaims(f *testing.F) {
	k, clock := testKeys(), newFakeClock()
	v := fuzzVerifier(f, clock)
	now := clock.Now()
	claims := func(edit func(jwt.MapClaims)) []byte {
		b, _ := json.Marshal(with(validClaims(now), edit))
		return b
	}
	f.Add([]byte(`{"alg":"EdDSA","typ":"JWT"}`), claims(func(jwt.MapClaims) {}))
	f.Add([]byte(`{"alg":"EdDSA","kid":"`+kidOf(f, k.ed1.Public())+`"}`), claims(func(c jwt.MapClaims) { c["scope"] = "receipts:ingest" }))
	f.Add([]byte(`{"alg":"none"}`), claims(func(jwt.MapClaims) {}))
	f.Add([]byte(`{"alg":"EdDSA","crit":["exp"]}`), claims(func(jwt.MapClaims) {}))
	f.Add([]byte(`{"alg":"EdDSA"}`), claims(func(c jwt.MapClaims) { c["aud"] = []any{"x", testAudience}; c["exp"] = 1e300 }))
	f.Add([]byte(`{"alg":"EdDSA"}`), []byte(`{"iss":"`+testIssuer+`","aud":"omadata","sub":"a","exp":1e99,"Sub":"b"}`))
	f.Add([]byte(`{"alg":"EdDSA"}`), []byte(`{"iss":"`+testIssuer+`","aud":"omadata","sub":"a","sub":"b","exp":9999999999}`))
	f.Fuzz(func(t *testing.T, header, payload []byte) {
		unsigned := seg(string(header)) + "." + seg(string(payload))
		token := unsigned + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.ed1, []byte(unsigned)))
		id, err := v.Verify(context.Background(), token)
		if err != nil {
			if id.Subject != "" {
				t.Fatalf("identity %+v with error %v", id, err)
			}
			wantUnauthenticated(t, err)
			return
		}
		checkPolicy(t, header, payload, id, now)
	})
}

// checkPolicy fails unless an accepted token's header and claims meet the
// policy of RFC 8725 and DESIGN.md §4.
func checkPolicy(t *testing.T, header, payload []byte, id Identity, now time.Time) {
	h, err := exactObject(header)
	if err != nil || h["alg"] != "EdDSA" || h["crit"] != nil {
		t.Fatalf("accepted header %s (%v)", header, err)
	}
	c, err := exactObject(payload)
	if err != nil {
		t.Fatalf("accepted claims %s: %v", payload, err)
	}
	exp, ok := c["exp"].(float64)
	switch {
	case c["iss"] != testIssuer:
		t.Fatalf("accepted iss %v", c["iss"])
	case !audienceHas(c["aud"], testAudience):
		t.Fatalf("accepted aud %v", c["aud"])
	case c["sub"] != id.Subject || id.Subject == "":
		t.Fatalf("accepted sub %v as %q", c["sub"], id.Subject)
	case !ok || exp < float64(now.Add(-defaultLeeway).Unix()):
		t.Fatalf("accepted exp %v", c["exp"])
	}
	for _, name := range []string{"nbf", "iat"} {
		if v, set := c[name]; set {
			if n, ok := v.(float64); !ok || n > float64(now.Add(defaultLeeway).Unix()) {
				t.Fatalf("accepted %s %v", name, v)
			}
		}
	}
}

// exactObject decodes a JSON object keeping names exactly as written, and
// refuses duplicate names, which parsers resolve differently.
func exactObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not an object")
	}
	out := map[string]any{}
	for dec.More() {
		name, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := out[name.(string)]; dup {
			return nil, errors.New("duplicate name " + name.(string))
		}
		out[name.(string)] = v
	}
	return out, nil
}

func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

func fuzzVerifier(f *testing.F, clock *fakeClock) *Verifier {
	k := testKeys()
	var pems []byte
	for _, pub := range []any{&k.rsa1.PublicKey, &k.ec1.PublicKey, k.ed1.Public()} {
		pems = append(pems, pemPublic(f, pub)...)
	}
	return newTestVerifier(f, Config{PublicKeysFile: writeFile(f, pems), Now: clock.Now})
}

func wantUnauthenticated(t *testing.T, err error) {
	var e *model.Error
	if !errors.As(err, &e) || e.Code != model.Unauthenticated || e.Message == "" {
		t.Fatalf("error %#v, want UNAUTHENTICATED", err)
	}
}
