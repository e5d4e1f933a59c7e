package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
)

const (
	// defaultJWKSRefresh is how often the key set is fetched in the
	// background, so that rotated keys arrive before tokens signed by them.
	defaultJWKSRefresh = 5 * time.Minute
	// defaultRefreshRateLimit bounds the fetches that unknown kids trigger:
	// anyone can send a token with a made-up kid, and each must not cost the
	// identity provider a request.
	defaultRefreshRateLimit = time.Minute
	// jwksFetchTimeout bounds one fetch, so a hung endpoint cannot hold the
	// requests that wait for it.
	jwksFetchTimeout = 10 * time.Second
	// maxJWKSBytes bounds the body we read: a key set is a few kilobytes.
	maxJWKSBytes = 1 << 20
)

// jwksCache holds the keys of a remote JWKS endpoint by kid. The key map is
// replaced whole on each successful fetch and kept on a failed one, so keys
// go on working while the endpoint is down and a revoked key goes away with
// the next good fetch.
type jwksCache struct {
	url       string
	client    *http.Client
	log       *slog.Logger
	now       func() time.Time
	rateLimit time.Duration
	// life is the verifier's context: it ends the background refresh and
	// any fetch still running.
	life context.Context

	keys atomic.Pointer[map[string]keyEntry]

	mu           sync.Mutex
	lastOnDemand time.Time     // when an unknown kid last triggered a fetch
	inflight     chan struct{} // closed when the running on-demand fetch ends

	// stopped is closed when the background refresh has returned.
	stopped chan struct{}
}

// newJWKSCache fetches the key set once and starts the background refresh.
// A failed first fetch is logged, not returned: an identity provider that is
// briefly down must not keep Omadata from starting, and the refresh and
// unknown-kid fetches fill the cache once it is back.
func newJWKSCache(ctx context.Context, cfg Config, log *slog.Logger) (*jwksCache, error) {
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("auth: JWKS URL %q must be an absolute http(s) URL", cfg.JWKSURL)
	}
	c := &jwksCache{
		url:       cfg.JWKSURL,
		client:    cfg.HTTPClient,
		log:       log,
		now:       cfg.Now,
		rateLimit: cfg.RefreshRateLimit,
		life:      ctx,
		stopped:   make(chan struct{}),
	}
	c.keys.Store(&map[string]keyEntry{})
	_ = c.refresh(ctx)
	go c.run(cfg.JWKSRefresh)
	return c, nil
}

// run refreshes the keys every interval until the verifier's context ends.
func (c *jwksCache) run(every time.Duration) {
	defer close(c.stopped)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-c.life.Done():
			return
		case <-tick.C:
			_ = c.refresh(c.life)
		}
	}
}

// get returns the cached key named kid.
func (c *jwksCache) get(kid string) (keyEntry, bool) {
	e, ok := (*c.keys.Load())[kid]
	return e, ok
}

// lookup returns the key named kid. A kid it does not know may be a key the
// provider has just rotated in, so it fetches the set again, at most once per
// rate-limit interval, and waits for that fetch (or ctx) before giving up.
func (c *jwksCache) lookup(ctx context.Context, kid string) (keyEntry, bool) {
	if e, ok := c.get(kid); ok {
		return e, true
	}
	done := c.fetchOnDemand()
	if done == nil {
		return keyEntry{}, false
	}
	select {
	case <-done:
	case <-ctx.Done():
		return keyEntry{}, false
	}
	return c.get(kid)
}

// fetchOnDemand starts a fetch for an unknown kid and returns a channel closed
// when it ends. Callers that arrive while a fetch runs share it; callers
// within the rate-limit interval of the last one get nil and are refused at
// once, so a flood of made-up kids neither reaches the provider nor queues.
func (c *jwksCache) fetchOnDemand() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != nil {
		return c.inflight
	}
	now := c.now()
	if !c.lastOnDemand.IsZero() && now.Sub(c.lastOnDemand) < c.rateLimit {
		return nil
	}
	c.lastOnDemand = now
	done := make(chan struct{})
	c.inflight = done
	// The fetch runs on the verifier's context, not the request's: a client
	// that hangs up must not cancel the fetch others are waiting for.
	go func() {
		_ = c.refresh(c.life)
		c.mu.Lock()
		c.inflight = nil
		c.mu.Unlock()
		close(done)
	}()
	return done
}

// refresh fetches the key set and, if that worked, replaces the cache.
func (c *jwksCache) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	keys, err := c.fetch(ctx)
	if err != nil {
		c.log.WarnContext(ctx, "auth: JWKS fetch failed; keeping the cached keys", "url", c.url, "keys", len(*c.keys.Load()), "err", err)
		return err
	}
	c.keys.Store(&keys)
	return nil
}

// fetch reads the key set from the endpoint.
func (c *jwksCache) fetch(ctx context.Context) (map[string]keyEntry, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS endpoint answered %s", resp.Status)
	}
	var set jwkset.JWKSMarshal
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJWKSBytes)).Decode(&set); err != nil {
		return nil, fmt.Errorf("decode JWKS: %w", err)
	}
	return c.usableKeys(ctx, set), nil
}

// usableKeys keeps the keys of set that can verify our tokens. Others are
// skipped one by one rather than failing the whole set: a provider may
// publish encryption keys or algorithms we do not use beside its signing keys.
func (c *jwksCache) usableKeys(ctx context.Context, set jwkset.JWKSMarshal) map[string]keyEntry {
	keys := make(map[string]keyEntry, len(set.Keys))
	for _, m := range set.Keys {
		entry, err := jwkEntry(m)
		if err != nil {
			c.log.DebugContext(ctx, "auth: JWKS key skipped", "kid", m.KID, "err", err)
			continue
		}
		keys[entry.kid] = entry
	}
	return keys
}

// jwkEntry turns one JWK into a key entry named by its own kid.
func jwkEntry(m jwkset.JWKMarshal) (keyEntry, error) {
	switch {
	case m.KID == "":
		return keyEntry{}, fmt.Errorf("no kid: keys are chosen by kid")
	case m.USE != "" && m.USE != jwkset.UseSig:
		return keyEntry{}, fmt.Errorf("use %q is not sig", m.USE)
	case len(m.KEYOPS) > 0 && !slices.Contains(m.KEYOPS, jwkset.KeyOpsVerify):
		return keyEntry{}, fmt.Errorf("key_ops has no verify")
	}
	// Private is false: should a provider ever publish private parameters,
	// they are dropped rather than kept in memory.
	jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return keyEntry{}, err
	}
	alg, err := algForKey(jwk.Key())
	if err != nil {
		return keyEntry{}, err
	}
	// A key bound to another algorithm (RS384, PS256) must not verify ours.
	if m.ALG != "" && string(m.ALG) != alg {
		return keyEntry{}, fmt.Errorf("alg %q is not %s", m.ALG, alg)
	}
	return keyEntry{kid: m.KID, alg: alg, key: jwk.Key()}, nil
}
