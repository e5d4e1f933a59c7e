package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"time"

	"github.com/omadata/omadata/auth"
)

// Issuer and audience of the harness's tokens: the service runs outside
// dev mode and trusts the harness's public key (OMADATA_JWT_PUBLIC_KEYS),
// as it would trust a real identity provider's.
const (
	tokenIssuer   = "omadata-bench"
	tokenAudience = "omadata"
	tokenTTL      = 6 * time.Hour
)

// signer signs the harness's tokens with an Ed25519 key of its own.
type signer struct {
	key    ed25519.PrivateKey
	pubPEM string // path of the public key, PEM
}

// newSigner makes a fresh key and writes its public half to dir.
func newSigner(dir string) (*signer, error) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "bench-public-key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	return &signer{key: key, pubPEM: path}, nil
}

// member returns an Omadata member token.
func (s *signer) member(id string) string {
	return s.must(auth.SignToken(s.key, tokenIssuer, tokenAudience, id, nil, tokenTTL))
}

// service returns an Omadata service token with scopes.
func (s *signer) service(name string, scopes ...string) string {
	return s.must(auth.SignToken(s.key, tokenIssuer, tokenAudience, name, scopes, tokenTTL))
}

func (s *signer) must(t string, err error) string {
	if err != nil {
		panic(err) // signing with a fresh in-memory key cannot fail
	}
	return t
}
