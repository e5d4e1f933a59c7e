package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

func lastLogin(t *testing.T, env *servertest.Env, id string) *time.Time {
	t.Helper()
	var at *time.Time
	if err := env.DB.Pool().QueryRow(context.Background(), `SELECT last_login_at FROM members WHERE customer_id = $1`, id).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

func TestTouchLogin(t *testing.T) {
	ctx := context.Background()
	// 23:30 in Helsinki: the local day ends half an hour later.
	start := time.Date(2026, 6, 15, 20, 30, 0, 0, time.UTC)
	env := servertest.New(t, servertest.Options{Start: start})
	env.Member(t, servertest.MemberSpec{ID: "c1"})

	t.Run("First", func(t *testing.T) {
		if wrote, err := env.DB.TouchLogin(ctx, "c1"); err != nil || !wrote {
			t.Fatalf("first login: %v %v", wrote, err)
		}
		if at := lastLogin(t, env, "c1"); at == nil || !at.Equal(start) {
			t.Fatalf("last login %v, want %v", at, start)
		}
	})
	t.Run("SameDay", func(t *testing.T) {
		env.Clock.Advance(20 * time.Minute)
		if wrote, err := env.DB.TouchLogin(ctx, "c1"); err != nil || wrote {
			t.Fatalf("second login the same day wrote: %v %v", wrote, err)
		}
		if at := lastLogin(t, env, "c1"); !at.Equal(start) {
			t.Fatalf("last login moved to %v", at)
		}
	})
	t.Run("NextLocalDay", func(t *testing.T) {
		env.Clock.Advance(20 * time.Minute) // 00:10 in Helsinki, still the 15th in UTC
		if wrote, err := env.DB.TouchLogin(ctx, "c1"); err != nil || !wrote {
			t.Fatalf("login on the next day: %v %v", wrote, err)
		}
		if at := lastLogin(t, env, "c1"); !at.Equal(env.Clock.Now()) {
			t.Fatalf("last login %v, want %v", at, env.Clock.Now())
		}
	})
	t.Run("UnknownMember", func(t *testing.T) {
		if wrote, err := env.DB.TouchLogin(ctx, "nobody"); err != nil || wrote {
			t.Fatalf("unknown member: %v %v", wrote, err)
		}
	})
}

// TestIngestTouchesCardUse: the other half of activity, kept by ingest.
func TestIngestTouchesCardUse(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	at := env.Clock.Now().Add(-2 * time.Hour)
	env.Ingest(t, servertest.Receipt("c1", "x", at, servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
	var last *time.Time
	if err := env.DB.Pool().QueryRow(context.Background(), `SELECT last_card_use_at FROM members WHERE customer_id = 'c1'`).Scan(&last); err != nil || last == nil || !last.Equal(at) {
		t.Fatalf("last card use %v (%v), want %v", last, err, at)
	}
}
