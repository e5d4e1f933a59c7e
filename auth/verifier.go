package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/omadata/omadata/graph/model"
)

const (
	// defaultLeeway absorbs clock skew between Omadata and token issuers.
	defaultLeeway = 30 * time.Second
	// maxTokenBytes refuses oversized tokens before any decoding: a real
	// token is well under 2 KiB, and the parser would decode whatever it got.
	maxTokenBytes = 8 << 10
	// maxKIDBytes bounds a kid before it is looked up or logged.
	maxKIDBytes = 256
)

// Config says which tokens a Verifier accepts. Issuer, Audience and at least
// one key source (PublicKeysFile, JWKSURL, DevKey) are required.
type Config struct {
	// Issuer and Audience are the required `iss` and `aud`.
	Issuer, Audience string
	// PublicKeysFile is a PEM file of one or more PUBLIC KEY, RSA PUBLIC KEY
	// or CERTIFICATE blocks (RSA of 2048 bits or more, EC P-256, Ed25519).
	// Each key's kid is its RFC 7638 thumbprint; a token without kid is tried
	// against every such key of its algorithm's type.
	PublicKeysFile string
	// JWKSURL is a JWKS endpoint whose keys are chosen by kid.
	JWKSURL string
	// JWKSRefresh is how often the JWKS is fetched in the background
	// (default 5 min); RefreshRateLimit is the least time between fetches
	// that an unknown kid triggers (default 1 min).
	JWKSRefresh, RefreshRateLimit time.Duration
	// DevKey is the public half of the dev signing key, accepted in
	// addition to the other keys in dev mode.
	DevKey crypto.PublicKey
	// Leeway is the clock skew allowed on exp, nbf and iat: 0 means the
	// default of 30 s, a negative value means none.
	Leeway time.Duration
	// HTTPClient fetches the JWKS; default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock, injected by tests; default time.Now.
	Now func() time.Time
	// Logger receives JWKS fetch failures; default slog.Default().
	Logger *slog.Logger
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	parser *jwt.Parser
	// verified keeps tokens already verified (see Verify); now and leeway
	// check a kept token's times again on every use.
	verified *lru.Cache[string, verifiedToken]
	now      func() time.Time
	leeway   time.Duration
	// static are the PEM and dev keys, by kid and in file order for tokens
	// without kid.
	static      []keyEntry
	staticByKID map[string]keyEntry
	jwks        *jwksCache // nil without Config.JWKSURL
}

// NewVerifier returns a Verifier for cfg. It returns an error when cfg lacks
// an issuer, an audience or any key source, or when a key cannot be used.
// ctx ends the background JWKS refresh.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	v := &Verifier{staticByKID: map[string]keyEntry{}, now: cfg.Now, leeway: cfg.Leeway}
	v.verified, _ = lru.New[string, verifiedToken](verifiedTokens) // errors only for a size < 1
	if err := v.addStaticKeys(cfg); err != nil {
		return nil, err
	}
	if cfg.JWKSURL != "" {
		if v.jwks, err = newJWKSCache(ctx, cfg, cfg.Logger); err != nil {
			return nil, err
		}
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(validMethods),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		jwt.WithStrictDecoding(),
	)
	return v, nil
}

// withDefaults checks cfg and fills in its defaults.
func withDefaults(cfg Config) (Config, error) {
	switch {
	case cfg.Issuer == "" || cfg.Audience == "":
		return cfg, errors.New("auth: issuer and audience are required")
	case cfg.PublicKeysFile == "" && cfg.JWKSURL == "" && cfg.DevKey == nil:
		return cfg, errors.New("auth: no key source: set a public keys file, a JWKS URL or the dev key")
	}
	cfg.JWKSRefresh = orDefault(cfg.JWKSRefresh, defaultJWKSRefresh)
	cfg.RefreshRateLimit = orDefault(cfg.RefreshRateLimit, defaultRefreshRateLimit)
	cfg.Leeway = max(orDefault(cfg.Leeway, defaultLeeway), 0)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: jwksFetchTimeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// addStaticKeys loads the PEM file and the dev key.
func (v *Verifier) addStaticKeys(cfg Config) error {
	var keys []keyEntry
	if cfg.PublicKeysFile != "" {
		pem, err := loadPEMKeys(cfg.PublicKeysFile)
		if err != nil {
			return err
		}
		keys = pem
	}
	if cfg.DevKey != nil {
		dev, err := newKeyEntry(cfg.DevKey)
		if err != nil {
			return fmt.Errorf("auth: dev key: %w", err)
		}
		keys = append(keys, dev)
	}
	for _, k := range keys {
		// The same key listed twice has the same thumbprint: keep one.
		if _, dup := v.staticByKID[k.kid]; !dup {
			v.staticByKID[k.kid] = k
			v.static = append(v.static, k)
		}
	}
	return nil
}

// claims are the claims Omadata reads from a token.
type claims struct {
	jwt.RegisteredClaims
	// Scope is the space-separated list of service scopes (RFC 8693 §4.2).
	Scope string `json:"scope"`
}

// Validate requires `sub`, which jwt validates only when told its value; the
// parser calls it after the registered claims pass.
func (c claims) Validate() error {
	if c.Subject == "" {
		return fmt.Errorf("%w: sub", jwt.ErrTokenRequiredClaimMissing)
	}
	return nil
}

// Verify checks token's signature, algorithm, issuer, audience, subject and
// times, and returns the identity it carries. Every failure is an
// UNAUTHENTICATED *model.Error with a short message that reveals no key
// material, only what the token's holder can already see in it.
func (v *Verifier) Verify(ctx context.Context, token string) (Identity, error) {
	if len(token) > maxTokenBytes {
		return Identity{}, unauthenticated("token too large")
	}
	now := v.now()
	if t, ok := v.verified.Get(token); ok && t.validAt(now, v.leeway) && v.stillPublished(t) {
		return t.id, nil
	}
	var c claims
	parsed, err := v.parser.ParseWithClaims(token, &c, v.keyFunc(ctx))
	if err != nil {
		return Identity{}, unauthenticated(rejection(parsed, err))
	}
	id := newIdentity(c.Subject, strings.Fields(c.Scope), c.ID)
	kept := verifiedToken{id: id, until: now.Add(verifiedFor),
		exp: timeOf(c.ExpiresAt), nbf: timeOf(c.NotBefore), iat: timeOf(c.IssuedAt)}
	if kid, _ := parsed.Header["kid"].(string); kid != "" && v.jwks != nil {
		if _, static := v.staticByKID[kid]; !static {
			k, ok := v.jwks.get(kid)
			if !ok {
				return id, nil // replaced while we verified: not kept
			}
			kept.jwksKID, kept.key = kid, k.key
		}
	}
	v.verified.Add(token, kept)
	return id, nil
}

// stillPublished reports whether the key that verified t is still the one
// the JWKS publishes under its kid (static keys never change): a key
// withdrawn or replaced by a fetch stops verifying kept tokens at once.
func (v *Verifier) stillPublished(t verifiedToken) bool {
	if t.jwksKID == "" {
		return true
	}
	k, ok := v.jwks.get(t.jwksKID)
	if !ok {
		return false
	}
	same, ok := k.key.(interface{ Equal(crypto.PublicKey) bool })
	return ok && same.Equal(t.key)
}

// verifiedTokens and verifiedFor bound the tokens Verify keeps: apps send
// the same token with every request for its lifetime, and checking its
// signature again each time was the largest cost of a request served from
// memory (Ed25519 about 0.1 ms, ES256 more). A kept token is honoured for
// at most verifiedFor after its signature was checked, only while the key
// that verified it is still published (stillPublished), and its times
// (exp, nbf, iat) are checked again at every use, as the parser checks
// them.
const (
	verifiedTokens = 4096
	verifiedFor    = time.Minute
)

// verifiedToken is a token whose signature and claims were verified.
type verifiedToken struct {
	id            Identity
	until         time.Time // end of keeping
	exp, nbf, iat time.Time // zero when absent
	// jwksKID and key name the JWKS key that verified the token ("" for
	// a static key).
	jwksKID string
	key     crypto.PublicKey
}

// validAt reports whether the kept token may still be honoured at now: as
// jwt's validator, with leeway, decides exp, nbf and iat.
func (t verifiedToken) validAt(now time.Time, leeway time.Duration) bool {
	return now.Before(t.until) && now.Before(t.exp.Add(leeway)) &&
		(t.nbf.IsZero() || !now.Before(t.nbf.Add(-leeway))) &&
		(t.iat.IsZero() || !now.Before(t.iat.Add(-leeway)))
}

func timeOf(d *jwt.NumericDate) time.Time {
	if d == nil {
		return time.Time{}
	}
	return d.Time
}

func unauthenticated(msg string) *model.Error {
	return model.Errorf(model.Unauthenticated, "%s", msg)
}

// Reasons a key lookup refuses a token, told apart in rejection.
var (
	errUnknownKey   = errors.New("no key for token")
	errKeyMismatch  = errors.New("key does not match alg")
	errCriticalHead = errors.New("unsupported critical header")
)

// keyFunc returns the key, or for a token without kid the keys, that may
// verify a token whose algorithm the parser has already whitelisted.
func (v *Verifier) keyFunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if err := checkHeaderNames(t); err != nil {
			return nil, err
		}
		// RFC 7515 §4.1.11: a token that needs an extension we do not
		// implement must be refused, not verified without it.
		if _, ok := t.Header["crit"]; ok {
			return nil, errCriticalHead
		}
		alg := t.Method.Alg()
		raw, hasKID := t.Header["kid"]
		if !hasKID {
			return v.keysWithoutKID(alg)
		}
		kid, ok := raw.(string)
		if !ok || kid == "" || len(kid) > maxKIDBytes {
			return nil, errUnknownKey
		}
		key, ok := v.lookup(ctx, kid)
		switch {
		case !ok:
			return nil, errUnknownKey
		case key.alg != alg:
			return nil, errKeyMismatch
		}
		return key.key, nil
	}
}

// keysWithoutKID returns the static keys of alg's type, each to be tried.
func (v *Verifier) keysWithoutKID(alg string) (any, error) {
	var set jwt.VerificationKeySet
	for _, k := range v.static {
		if k.alg == alg {
			set.Keys = append(set.Keys, k.key)
		}
	}
	if len(set.Keys) == 0 {
		return nil, errUnknownKey
	}
	return set, nil
}

// lookup finds the key named kid: the static keys first, which never change,
// then the JWKS, which may fetch.
func (v *Verifier) lookup(ctx context.Context, kid string) (keyEntry, bool) {
	if k, ok := v.staticByKID[kid]; ok {
		return k, true
	}
	if v.jwks == nil {
		return keyEntry{}, false
	}
	return v.jwks.lookup(ctx, kid)
}

// rejection turns a parse error into the client's message. Key errors come
// from keyFunc, which the parser calls only for a whitelisted alg, so they
// are told first; signature failures come before claim failures, because the
// claims of a token whose signature failed are not to be believed.
func rejection(t *jwt.Token, err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, errCriticalHead):
		return "unsupported critical header"
	case errors.Is(err, errUnknownKey):
		return "unknown signing key"
	case errors.Is(err, errKeyMismatch):
		return "signing key does not match algorithm"
	case t == nil || t.Method == nil || !slices.Contains(validMethods, t.Method.Alg()):
		return "unsupported signing algorithm"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "invalid signature"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not yet valid"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "missing required claim"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "invalid issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "invalid audience"
	default:
		return "invalid token"
	}
}
