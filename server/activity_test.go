package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/server"
	"github.com/omadata/omadata/server/servertest"
)

func TestTouchLoginMiddleware(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	served := 0
	h := server.TouchLogin(env.DB, slog.New(slog.NewTextHandler(io.Discard, nil)),
		http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served++ }))
	request := func(id auth.Identity) int {
		req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		req = req.WithContext(auth.NewContext(req.Context(), id))
		n, _ := env.Tracer.Count(func() { h.ServeHTTP(httptest.NewRecorder(), req) })
		return n
	}
	member := auth.Identity{Subject: "c1", Kind: auth.KindMember}

	t.Run("FirstRequestWrites", func(t *testing.T) {
		// Two statements: the transaction's scope (row-level security) and the update.
		if n := request(member); n != 2 || served != 1 {
			t.Fatalf("%d statements, served %d", n, served)
		}
		if at := lastLogin(t, env, "c1"); at == nil || !at.Equal(env.Clock.Now()) {
			t.Fatalf("last login %v", at)
		}
	})
	t.Run("LaterRequestsSameDayDoNot", func(t *testing.T) {
		for range 3 {
			env.Clock.Advance(time.Minute)
			if n := request(member); n != 0 {
				t.Fatalf("a later request the same day sent %d statements", n)
			}
		}
		if served != 4 {
			t.Fatalf("served %d", served)
		}
	})
	t.Run("NextDayWrites", func(t *testing.T) {
		env.Clock.Advance(24 * time.Hour)
		if n := request(member); n != 2 {
			t.Fatalf("next day: %d statements", n)
		}
		if at := lastLogin(t, env, "c1"); !at.Equal(env.Clock.Now()) {
			t.Fatalf("last login %v, want %v", at, env.Clock.Now())
		}
	})
	t.Run("ServiceNever", func(t *testing.T) {
		svc := auth.Identity{Subject: "pos", Kind: auth.KindService, Scopes: []string{auth.ScopeIngest}}
		if n := request(svc); n != 0 {
			t.Fatalf("a service request sent %d statements", n)
		}
	})
}
