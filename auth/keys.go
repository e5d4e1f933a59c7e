package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// The accepted signing algorithms (DESIGN.md §4). Each key verifies exactly
// one of them, so a key of one type is never offered for another's alg.
const (
	algRS256 = "RS256"
	algES256 = "ES256"
	algEdDSA = "EdDSA"
)

// validMethods is the parser's whitelist: never none, never HS*.
var validMethods = []string{algRS256, algES256, algEdDSA}

// minRSABits refuses RSA keys too short to be trusted with members' data.
const minRSABits = 2048

// keyEntry is one public key that may verify tokens.
type keyEntry struct {
	kid string
	alg string // the one algorithm this key verifies
	key crypto.PublicKey
}

// newKeyEntry checks that pub is a key we accept and names it by its RFC 7638
// thumbprint, which is what SignToken puts in `kid`.
func newKeyEntry(pub crypto.PublicKey) (keyEntry, error) {
	alg, err := algForKey(pub)
	if err != nil {
		return keyEntry{}, err
	}
	kid, err := thumbprint(pub)
	if err != nil {
		return keyEntry{}, err
	}
	return keyEntry{kid: kid, alg: alg, key: pub}, nil
}

// algForKey returns the algorithm a public key verifies, or an error for key
// types, curves and sizes we do not accept.
func algForKey(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N == nil || k.N.BitLen() < minRSABits || k.E < 3 {
			return "", fmt.Errorf("RSA key must have at least %d bits", minRSABits)
		}
		return algRS256, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", errors.New("EC key must be on curve P-256")
		}
		// Bytes fails for a point off the curve, which a JWKS could carry.
		if _, err := k.Bytes(); err != nil {
			return "", fmt.Errorf("EC key: %w", err)
		}
		return algES256, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", errors.New("Ed25519 key has the wrong size")
		}
		return algEdDSA, nil
	default:
		return "", fmt.Errorf("unsupported public key type %T", pub)
	}
}

// thumbprint returns the RFC 7638 JWK thumbprint of pub: base64url of the
// SHA-256 of the key's required JWK members, in lexical order, no spaces.
func thumbprint(pub crypto.PublicKey) (string, error) {
	var jwk string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		e := big.NewInt(int64(k.E)).Bytes()
		jwk = fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64(e), b64(k.N.Bytes()))
	case *ecdsa.PublicKey:
		// Bytes is 0x04 || X || Y with fixed-width coordinates, as RFC 7518
		// §6.2.1.2 wants them.
		raw, err := k.Bytes()
		if err != nil || k.Curve != elliptic.P256() {
			return "", errors.New("thumbprint: EC key must be a valid P-256 point")
		}
		n := (len(raw) - 1) / 2
		jwk = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, b64(raw[1:1+n]), b64(raw[1+n:]))
	case ed25519.PublicKey:
		jwk = fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, b64(k))
	default:
		return "", fmt.Errorf("thumbprint: unsupported public key type %T", pub)
	}
	sum := sha256.Sum256([]byte(jwk))
	return b64(sum[:]), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// loadPEMKeys reads the public keys of a PEM file (Config.PublicKeysFile).
func loadPEMKeys(path string) ([]keyEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: public keys: %w", err)
	}
	keys, err := parsePEMKeys(data)
	if err != nil {
		return nil, fmt.Errorf("auth: public keys %s: %w", path, err)
	}
	return keys, nil
}

// parsePEMKeys parses every PEM block of data. Any block it cannot use is an
// error rather than skipped: a typo in the key file should stop the server at
// start, not surface later as members who cannot log in.
func parsePEMKeys(data []byte) ([]keyEntry, error) {
	var keys []keyEntry
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		pub, err := parsePEMBlock(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		entry, err := newKeyEntry(pub)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		keys = append(keys, entry)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM blocks found")
	}
	return keys, nil
}

// parsePEMBlock returns the public key of one PUBLIC KEY, RSA PUBLIC KEY or
// CERTIFICATE block. Private keys are refused: the file is meant to be
// shareable, and a private key in it is a leak waiting to happen.
func parsePEMBlock(block *pem.Block) (crypto.PublicKey, error) {
	switch block.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		// Only the key is used: the issuer decides which keys to trust by
		// putting them in the file, not by a chain of certificate authorities.
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	default:
		return nil, fmt.Errorf("unsupported PEM block type %q (want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE)", block.Type)
	}
}
