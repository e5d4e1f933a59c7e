package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
)

// Rate is a token bucket: PerSecond requests a second on average, Burst at
// once. A negative PerSecond turns the limit off.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Default rates: generous for a person's app (a screen is a few requests),
// ten times that for a service, whose batches are already bounded.
var (
	DefaultMemberRate  = Rate{PerSecond: 50, Burst: 100}
	DefaultServiceRate = Rate{PerSecond: 500, Burst: 1000}
)

func (r Rate) orDefault(d Rate) Rate {
	if r.PerSecond == 0 {
		return d
	}
	if r.Burst < 1 {
		r.Burst = max(1, int(math.Ceil(r.PerSecond)))
	}
	return r
}

// Idle buckets are dropped after bucketIdle, swept at most every
// sweepEvery, so the map holds only subjects seen lately.
const (
	bucketIdle = 10 * time.Minute
	sweepEvery = time.Minute
)

// rateLimiter keeps one token bucket per authenticated subject. It sits
// behind authentication, so the key is a verified `sub` that a client
// cannot vary at will; unauthenticated requests are refused before it.
type rateLimiter struct {
	member, service Rate
	now             func() time.Time

	mu        sync.Mutex
	buckets   map[bucketKey]*bucket
	lastSweep time.Time
}

type bucketKey struct {
	kind    auth.Kind
	subject string
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func newRateLimiter(l Limits) *rateLimiter {
	return &rateLimiter{member: l.MemberRate, service: l.ServiceRate, now: l.Now, buckets: map[bucketKey]*bucket{}}
}

// Middleware answers 429 RATE_LIMITED with Retry-After to a subject over
// its rate, and serves next otherwise.
func (rl *rateLimiter) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if ok {
			infoFrom(r.Context()).setSubjectKind(id.Kind.String())
			if wait, allowed := rl.allow(id); !allowed {
				secs := max(1, int(math.Ceil(wait.Seconds())))
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				writeError(w, r, http.StatusTooManyRequests, model.RateLimited,
					fmt.Sprintf("too many requests: retry after %d s", secs))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// allow takes a token from id's bucket; when there is none it returns how
// long until there will be.
func (rl *rateLimiter) allow(id auth.Identity) (time.Duration, bool) {
	cfg := rl.member
	if id.Kind == auth.KindService {
		cfg = rl.service
	}
	if cfg.PerSecond < 0 {
		return 0, true
	}
	now := rl.now()
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.sweep(now)
	k := bucketKey{id.Kind, id.Subject}
	b := rl.buckets[k]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(cfg.PerSecond), cfg.Burst)}
		rl.buckets[k] = b
	}
	b.lastSeen = now
	if b.lim.AllowN(now, 1) {
		return 0, true
	}
	res := b.lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return wait, false
}

// sweep drops buckets idle long enough to have refilled completely.
func (rl *rateLimiter) sweep(now time.Time) {
	if now.Sub(rl.lastSweep) < sweepEvery {
		return
	}
	rl.lastSweep = now
	for k, b := range rl.buckets {
		if now.Sub(b.lastSeen) > bucketIdle {
			delete(rl.buckets, k)
		}
	}
}
