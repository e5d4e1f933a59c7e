package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// claimNames are the claims Omadata reads, as RFC 7519 spells them.
var claimNames = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope"}

// UnmarshalJSON reads the claims with their names taken exactly: claim
// names are case-sensitive and unique (RFC 7519 §4), but encoding/json
// matches names regardless of case and keeps the last of duplicates, so a
// custom claim "Sub" that an issuer let a user choose would otherwise
// become the token's subject. A claims set with a duplicate name, or with
// a name that differs from one Omadata reads only in case, is refused.
func (c *claims) UnmarshalJSON(b []byte) error {
	if err := exactNames(b, claimNames); err != nil {
		return err
	}
	type plain claims // without this method, so no recursion
	return json.Unmarshal(b, (*plain)(c))
}

// checkHeaderNames refuses a token whose JOSE header repeats a name (RFC
// 7515 §4: names are unique): which of two `alg`s a parser believes would
// be left to chance.
func checkHeaderNames(t *jwt.Token) error {
	head, _, _ := strings.Cut(t.Raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return fmt.Errorf("%w: header", jwt.ErrTokenMalformed)
	}
	return exactNames(b, nil)
}

// exactNames reads the names of the JSON object b and refuses duplicates
// and near-misses (same letters, other case) of the known names.
func exactNames(b []byte, known []string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%w: not a JSON object", jwt.ErrTokenMalformed)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", jwt.ErrTokenMalformed, err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("%w: duplicate name %q", jwt.ErrTokenMalformed, name)
		}
		seen[name] = true
		for _, k := range known {
			if name != k && strings.EqualFold(name, k) {
				return fmt.Errorf("%w: name %q is not %q", jwt.ErrTokenMalformed, name, k)
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("%w: %v", jwt.ErrTokenMalformed, err)
		}
	}
	return nil
}
