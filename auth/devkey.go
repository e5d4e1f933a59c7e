package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DevKeyFile is the name of the dev signing key in the data directory.
const DevKeyFile = "dev-signing-key.pem"

// LoadOrCreateDevKey returns the dev signing key kept in dir as a PKCS#8 PEM
// file named DevKeyFile, creating dir and the key on first use. The key is
// reused after, so dev tokens survive restarts. It refuses a key file that
// other users can read, as ssh does: anyone who holds it can sign tokens for
// any member of a dev server.
func LoadOrCreateDevKey(dir string) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, DevKeyFile)
	key, err := readDevKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	if err := createDevKey(dir, path); err != nil {
		return nil, err
	}
	return readDevKey(path)
}

// readDevKey reads and checks the key file at path.
func readDevKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	// Windows reports no meaningful permission bits.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth: dev key %s is readable by others (mode %v); run chmod 600 on it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("auth: dev key %s: no PRIVATE KEY PEM block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auth: dev key %s: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auth: dev key %s: want an Ed25519 key, found %T", path, parsed)
	}
	return key, nil
}

// createDevKey writes a new key to path unless one appeared there meanwhile.
// It writes a temporary file and hard-links it into place, so that two
// processes starting at once (serve and `omadata token`) never read a
// half-written file and never both win: the link fails for the second.
func createDevKey(dir, path string) error {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("auth: dev key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("auth: dev key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, DevKeyFile+".*") // created with mode 0600
	if err != nil {
		return fmt.Errorf("auth: dev key: %w", err)
	}
	defer os.Remove(tmp.Name())
	werr := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("auth: dev key: %w", werr)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("auth: dev key: %w", err)
	}
	return nil
}

// SignToken returns a token for subject signed by key: EdDSA for an Ed25519
// key, RS256 for RSA, ES256 for EC P-256. It sets iss, aud, sub, exp (now +
// ttl), iat, nbf, a random jti, and kid (the key's RFC 7638 thumbprint, which
// is how a Verifier names the key); `scope` holds scopes space-separated and
// is left out when there are none.
func SignToken(key crypto.Signer, issuer, audience, subject string, scopes []string, ttl time.Duration) (string, error) {
	return SignTokenAt(key, issuer, audience, subject, scopes, time.Now(), ttl)
}

// SignTokenAt is SignToken with the issue time given, for tests whose
// verifier runs on an injected clock.
func SignTokenAt(key crypto.Signer, issuer, audience, subject string, scopes []string, now time.Time, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", errors.New("auth: token ttl must be positive")
	}
	method, err := signingMethod(key)
	if err != nil {
		return "", err
	}
	kid, err := thumbprint(key.Public())
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	token := jwt.NewWithClaims(method, signedClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Audience:  jwt.ClaimStrings{audience},
			Subject:   subject,
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ID:        rand.Text(),
		},
		Scope: strings.Join(scopes, " "),
	})
	token.Header["kid"] = kid
	return token.SignedString(key)
}

// signedClaims are claims as SignToken writes them: unlike claims, it leaves
// out an empty scope.
type signedClaims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope,omitempty"`
}

// signingMethod picks the algorithm for key. RSA and EC keys must be the
// standard library's types, which is what jwt signs with.
func signingMethod(key crypto.Signer) (jwt.SigningMethod, error) {
	if key == nil {
		return nil, errors.New("auth: no signing key")
	}
	alg, err := algForKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("auth: signing key: %w", err)
	}
	switch key.(type) {
	case ed25519.PrivateKey, *rsa.PrivateKey, *ecdsa.PrivateKey:
	default:
		if alg != algEdDSA {
			return nil, fmt.Errorf("auth: signing key: %T is not supported for %s", key, alg)
		}
	}
	return jwt.GetSigningMethod(alg), nil
}
