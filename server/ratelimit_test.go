package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

func TestRateLimit(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	// The limiter's own clock stands still unless the test moves it, so
	// no token comes back while the test runs.
	clock := servertest.NewClock(time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC))
	h := handler(t, env, func(c *server.Config) {
		c.Limits.MemberRate = server.Rate{PerSecond: 0.5, Burst: 3}
		c.Limits.ServiceRate = server.Rate{PerSecond: 1, Burst: 5}
		c.Limits.Now = clock.Now
	})
	c1 := env.MemberToken("c1")
	me := func(token string, header map[string]string) *reply {
		if header == nil {
			header = jsonHeader
		}
		return send(t, h, request{token: token, header: header, body: meQuery})
	}

	t.Run("OKWithinBurst", func(t *testing.T) {
		for i := range 3 {
			if r := me(c1, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			}
		}
	})
	t.Run("ErrRateLimited", func(t *testing.T) {
		r := me(c1, map[string]string{"Content-Type": mediaJSON, "Accept": mediaResponse})
		if r.Status != http.StatusTooManyRequests || r.code() != model.RateLimited || r.Header.Get("Retry-After") != "2" {
			t.Fatalf("status %d code %s Retry-After %q: %s", r.Status, r.code(), r.Header.Get("Retry-After"), r.Body)
		}
		if r.Header.Get("Content-Type") != mediaResponse+"; charset=utf-8" {
			t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
		}
	})
	t.Run("ErrRateLimitedGETAndExport", func(t *testing.T) {
		for _, target := range []string{getURL("{ me { id } }", nil), "/export"} {
			r := send(t, h, request{method: "GET", target: target, token: c1})
			if r.Status != http.StatusTooManyRequests || r.code() != model.RateLimited {
				t.Fatalf("%s: status %d: %s", target, r.Status, r.Body)
			}
		}
	})
	t.Run("OKOtherSubject", func(t *testing.T) {
		if r := me(env.MemberToken("c2"), nil); r.Status != http.StatusOK {
			t.Fatalf("c2: %d %s", r.Status, r.Body)
		}
	})
	t.Run("OKServiceHasItsOwnRate", func(t *testing.T) {
		svc := env.ServiceToken("catalog:write")
		for i := range 5 {
			if r := post(t, h, svc, `{ __typename }`, nil); r.Status != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, r.Status, r.Body)
			}
		}
		if r := post(t, h, svc, `{ __typename }`, nil); r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
			t.Fatalf("sixth: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
		}
	})
	t.Run("OKAfterRetryAfter", func(t *testing.T) {
		clock.Advance(2 * time.Second)
		if r := me(c1, nil); r.Status != http.StatusOK {
			t.Fatalf("after 2 s: %d %s", r.Status, r.Body)
		}
		if r := me(c1, nil); r.Status != http.StatusTooManyRequests {
			t.Fatalf("the one token was spent: %d", r.Status)
		}
	})
	t.Run("ErrUnauthenticatedFirst", func(t *testing.T) {
		// No bucket is spent on a request that does not authenticate.
		if r := me("not-a-token", nil); r.Status != http.StatusUnauthorized {
			t.Fatalf("status %d", r.Status)
		}
	})
}
