package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// signRaw signs a header and a claims set given as raw JSON, so a test can
// write what a JSON encoder never would: duplicate and case-variant names.
func signRaw(key ed25519.PrivateKey, header, claims string) string {
	unsigned := seg(header) + "." + seg(claims)
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(unsigned)))
}

// TestVerifyExactNames checks that header and claim names are read exactly
// as RFC 7515 and 7519 spell them, which encoding/json alone does not do.
// Each token is signed with a trusted key, as an issuer that lets users
// pick custom claim names might sign it.
func TestVerifyExactNames(t *testing.T) {
	f := newRejectFixture(t)
	k := testKeys()
	exp := f.now.Add(2 * time.Hour).Unix()
	good := fmt.Sprintf(`"iss":%q,"aud":%q,"sub":"customer-42","exp":%d`, testIssuer, testAudience, exp)
	hdr := `{"alg":"EdDSA","typ":"JWT"}`
	f.run(t, []rejectCase{
		{"ErrDuplicateSub", signRaw(k.ed1, hdr, `{`+good+`,"sub":"customer-1"}`), "malformed token"},
		{"ErrCaseVariantSub", signRaw(k.ed1, hdr, `{`+good+`,"Sub":"customer-1"}`), "malformed token"},
		{"ErrCaseVariantScope", signRaw(k.ed1, hdr, `{`+good+`,"SCOPE":"receipts:ingest"}`), "malformed token"},
		{"ErrDuplicateCustomClaim", signRaw(k.ed1, hdr, `{`+good+`,"name":"a","name":"b"}`), "malformed token"},
		{"ErrDuplicateAlg", signRaw(k.ed1, `{"alg":"none","alg":"EdDSA"}`, `{`+good+`}`), "malformed token"},
	})
	t.Run("OKCustomClaims", func(t *testing.T) {
		id, err := f.v.Verify(context.Background(), signRaw(k.ed1, `{"alg":"EdDSA","Kid2":"x"}`, `{`+good+`,"name":"Aino","Iss2":1}`))
		if err != nil || id.Subject != "customer-42" || id.Kind != KindMember {
			t.Fatalf("identity %+v, %v", id, err)
		}
	})
	t.Run("ErrIsUnauthenticated", func(t *testing.T) {
		_, err := f.v.Verify(context.Background(), signRaw(k.ed1, hdr, `{`+good+`,"Sub":"customer-1"}`))
		wantError(t, err, model.Unauthenticated, "malformed token")
	})
}
