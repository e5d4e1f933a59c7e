package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/web"
)

// devHandler is the handler in dev mode with env's key as the dev key.
func devHandler(t *testing.T, env *servertest.Env) http.Handler {
	return handler(t, env, func(c *server.Config) {
		c.Dev, c.DevKey, c.Issuer, c.Audience = true, env.Key, servertest.Issuer, servertest.Audience
	})
}

func TestDevMembers(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c2", Household: "h1", Role: model.HouseholdRoleMember,
		Birth: env.Clock.Now().AddDate(-9, 0, 0)})
	env.Member(t, servertest.MemberSpec{ID: "c1", Household: "h1"})
	h := devHandler(t, env)

	t.Run("OK", func(t *testing.T) {
		r := send(t, h, request{method: http.MethodGet, target: "/dev/members"})
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var got struct {
			Members []map[string]any `json:"members"`
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		want := []map[string]any{
			{"customerId": "c1", "name": "Name c1", "householdId": "h1", "householdRole": "MAIN", "adult": true},
			{"customerId": "c2", "name": "Name c2", "householdId": "h1", "householdRole": "MEMBER", "adult": false},
		}
		if len(got.Members) != len(want) {
			t.Fatalf("members = %v, want %v", got.Members, want)
		}
		for i := range want {
			for k, v := range want[i] {
				if got.Members[i][k] != v {
					t.Fatalf("member %d %s = %v, want %v (all: %v)", i, k, got.Members[i][k], v, got.Members)
				}
			}
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("Cache-Control = %q, want no-store", cc)
		}
	})
	t.Run("ErrNotInProduction", func(t *testing.T) {
		prod := handler(t, env, nil)
		if r := send(t, prod, request{method: http.MethodGet, target: "/dev/members"}); r.Status != http.StatusNotFound {
			t.Fatalf("status %d, want 404 outside dev mode: %s", r.Status, r.Body)
		}
	})
}

func TestDevToken(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	h := devHandler(t, env)
	tokenFor := func(t *testing.T, h http.Handler, body string, header map[string]string) *reply {
		t.Helper()
		return send(t, h, request{target: "/dev/token", header: header, body: body})
	}

	t.Run("OK", func(t *testing.T) {
		r := tokenFor(t, h, `{"sub": "c1"}`, jsonHeader)
		if r.Status != http.StatusOK {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		var got struct {
			Token     string `json:"token"`
			TokenType string `json:"tokenType"`
			ExpiresIn int    `json:"expiresIn"`
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.TokenType != "Bearer" || got.ExpiresIn != int(server.DevTokenTTL/time.Second) {
			t.Fatalf("answer = %+v", got)
		}
		// The token is a member token the API accepts: it reads c1's data.
		me := post(t, h, got.Token, `{ me { id } }`, nil)
		if me.Status != http.StatusOK || me.code() != "" || !strings.Contains(me.Body, `"id":"c1"`) {
			t.Fatalf("me with the dev token: status %d %s", me.Status, me.Body)
		}
		// It is no service token.
		svc := post(t, h, got.Token, `mutation { upsertStores(input: []) { upserted } }`, nil)
		if svc.code() != model.Forbidden {
			t.Fatalf("service call with a dev member token: code %q, want FORBIDDEN: %s", svc.code(), svc.Body)
		}
	})
	t.Run("ErrUnknownMember", func(t *testing.T) {
		if r := tokenFor(t, h, `{"sub": "nobody"}`, jsonHeader); r.Status != http.StatusNotFound {
			t.Fatalf("status %d, want 404: %s", r.Status, r.Body)
		}
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		// A cross-site form post cannot send application/json.
		r := tokenFor(t, h, `sub=c1`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if r.Status != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415: %s", r.Status, r.Body)
		}
	})
	t.Run("ErrNoSubject", func(t *testing.T) {
		if r := tokenFor(t, h, `{"sub": ""}`, jsonHeader); r.Status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
		}
	})
	t.Run("ErrNoDevKey", func(t *testing.T) {
		noKey := handler(t, env, func(c *server.Config) { c.Dev = true })
		if r := tokenFor(t, noKey, `{"sub": "c1"}`, jsonHeader); r.Status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503: %s", r.Status, r.Body)
		}
	})
	t.Run("ErrNotInProduction", func(t *testing.T) {
		prod := handler(t, env, func(c *server.Config) { c.DevKey = env.Key })
		if r := tokenFor(t, prod, `{"sub": "c1"}`, jsonHeader); r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want no such route outside dev mode: %s", r.Status, r.Body)
		}
	})
}

// TestPortalMounted checks that the handler serves the portal under
// /portal/ with its security headers, and tells the page the mode.
func TestPortalMounted(t *testing.T) {
	env := servertest.New(t)
	for _, tt := range []struct {
		name string
		dev  bool
		mode string
	}{{"Production", false, `data-mode="prod"`}, {"Dev", true, `data-mode="dev"`}} {
		t.Run(tt.name, func(t *testing.T) {
			h := handler(t, env, func(c *server.Config) { c.Dev = tt.dev })
			r := send(t, h, request{method: http.MethodGet, target: "/portal/"})
			if r.Status != http.StatusOK || !strings.Contains(r.Body, tt.mode) {
				t.Fatalf("status %d, want 200 with %s: %.200s", r.Status, tt.mode, r.Body)
			}
			if csp := r.Header.Get("Content-Security-Policy"); csp != web.ContentSecurityPolicy {
				t.Fatalf("CSP = %q", csp)
			}
			r = send(t, h, request{method: http.MethodGet, target: "/portal"})
			if r.Status/100 != 3 || r.Header.Get("Location") != "/portal/" {
				t.Fatalf("/portal: status %d to %q, want a redirect to /portal/", r.Status, r.Header.Get("Location"))
			}
		})
	}
}
