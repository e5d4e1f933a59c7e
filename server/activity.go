package server

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/storage"
)

// maxLoginCache bounds the members remembered as already touched today; past
// it the cache starts over (the UPDATE's own condition still writes nothing
// twice a day, it only costs a statement).
const maxLoginCache = 1 << 20

// TouchLogin records the last login of the member behind each authenticated
// request (the activity that keeps them from retention's inactivity
// erasure). It must sit after the auth middleware. A member is written at
// most once a day: the day each member was last recorded is remembered in
// process, and the UPDATE itself skips members already touched today (by
// another replica). A failure is logged and never fails the request.
func TouchLogin(db *storage.DB, log *slog.Logger, next http.Handler) http.Handler {
	c := &loginCache{seen: map[string]struct{}{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if ok && id.Kind == auth.KindMember && id.Subject != "" {
			day := db.TodayStart(db.Now())
			if c.first(id.Subject, day) {
				if _, err := db.TouchLogin(r.Context(), id.Subject); err != nil {
					c.forget(id.Subject)
					log.WarnContext(r.Context(), "recording last login failed", "err", err)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// loginCache remembers which members were touched on its day.
type loginCache struct {
	mu   sync.Mutex
	day  time.Time
	seen map[string]struct{}
}

// first reports whether member has not been seen on day yet, and marks it.
func (c *loginCache) first(member string, day time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !day.Equal(c.day) || len(c.seen) >= maxLoginCache {
		c.day, c.seen = day, map[string]struct{}{}
	}
	if _, ok := c.seen[member]; ok {
		return false
	}
	c.seen[member] = struct{}{}
	return true
}

// forget unmarks member, so a failed write is tried again.
func (c *loginCache) forget(member string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.seen, member)
}
