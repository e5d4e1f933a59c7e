package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

var t0 = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// receiptKeys lists every stored receipt as "customer/externalId", sorted.
func receiptKeys(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	rows, _ := env.DB.Pool().Query(context.Background(), `SELECT customer_id || '/' || external_id FROM receipts ORDER BY 1`)
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func members(t *testing.T, env *servertest.Env) []string {
	t.Helper()
	rows, _ := env.DB.Pool().Query(context.Background(), `SELECT customer_id FROM members ORDER BY 1`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func touch(t *testing.T, env *servertest.Env, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := env.DB.TouchLogin(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
}

func milk(customer, ext string, at time.Time) model.ReceiptInput {
	return servertest.Receipt(customer, ext, at, servertest.Line("6400000000003", 1, model.UnitPiece, 129))
}

func run(t *testing.T, env *servertest.Env) storage.RetentionReport {
	t.Helper()
	rep, err := env.DB.RunRetention(context.Background(), storage.RetentionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestRetentionReceipts moves the clock 5 years ahead: exactly the receipts
// older than each member's window go, except those under a running warranty.
func TestRetentionReceipts(t *testing.T) {
	ctx := context.Background()
	env := servertest.New(t, servertest.Options{Start: t0})
	env.Catalog(t)
	for _, id := range []string{"a", "b", "c"} {
		env.Member(t, servertest.MemberSpec{ID: id})
	}
	if _, err := env.DB.SetRetentionYears(ctx, "b", 7); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.SetRetentionYears(ctx, "c", 1); err != nil {
		t.Fatal(err)
	}
	decade := servertest.Line("6400000000003", 1, model.UnitPiece, 129)
	decade.WarrantyMonths = ptr(120)
	env.Ingest(t,
		milk("a", "a1", t0.AddDate(-2, 0, 0)),
		milk("a", "a2", t0.Add(-24*time.Hour)),
		// The kettle's 24-month warranty has ended 5 years on; the decade's has not.
		servertest.Receipt("a", "a3-kettle", t0.Add(-24*time.Hour), servertest.Line("6400000000004", 1, model.UnitPiece, 2990)),
		servertest.Receipt("a", "a4-decade", t0.Add(-24*time.Hour), decade),
		milk("b", "b1", t0.AddDate(-3, 0, 0)),
		milk("b", "b2", t0.AddDate(-1, 0, 0)),
		milk("c", "c1", t0.Add(-24*time.Hour)))
	env.Clock.Set(t0.AddDate(4, 6, 0))
	env.Ingest(t,
		milk("a", "a5", env.Clock.Now().Add(-24*time.Hour)),
		milk("c", "c2", env.Clock.Now().Add(-24*time.Hour)),
		milk("c", "c3", t0.AddDate(3, 0, 0)))
	env.Clock.Set(t0.AddDate(5, 0, 0))
	touch(t, env, "a", "b", "c")

	t.Run("OK", func(t *testing.T) {
		rep := run(t, env)
		if want := (storage.RetentionReport{Receipts: 6}); rep != want {
			t.Fatalf("report = %+v, want %+v", rep, want)
		}
		want := []string{"a/a4-decade", "a/a5", "b/b2", "c/c2"}
		if got := receiptKeys(t, env); !slices.Equal(got, want) {
			t.Fatalf("receipts left = %v, want %v", got, want)
		}
		// Lines went with their receipts; the kept ones keep theirs.
		if n := count(t, env, `SELECT count(*) FROM receipt_lines`); n != 4 {
			t.Fatalf("%d lines left, want 4", n)
		}
		if got := members(t, env); !slices.Equal(got, []string{"a", "b", "c"}) {
			t.Fatalf("members = %v", got)
		}
		checkRollups(t, env)
	})

	t.Run("Idempotent", func(t *testing.T) {
		if rep := run(t, env); rep != (storage.RetentionReport{}) {
			t.Fatalf("second run = %+v, want nothing", rep)
		}
	})

	t.Run("WarrantyEnds", func(t *testing.T) {
		// The decade's warranty runs to 2036-06-14 (a purchase of 2026-06-14).
		env.Clock.Set(time.Date(2036, 6, 14, 12, 0, 0, 0, time.UTC))
		touch(t, env, "a", "b", "c")
		run(t, env) // the other receipts are all past their windows by now
		if got := receiptKeys(t, env); !slices.Equal(got, []string{"a/a4-decade"}) {
			t.Fatalf("on the warranty's last day, receipts left = %v", got)
		}
		env.Clock.Set(time.Date(2036, 6, 15, 12, 0, 0, 0, time.UTC))
		touch(t, env, "a", "b", "c")
		run(t, env)
		if got := receiptKeys(t, env); len(got) != 0 {
			t.Fatalf("receipt kept after its warranty ended: %v", got)
		}
	})
}

// checkRollups asserts that the insight rollups sum exactly the receipts
// and lines that remain: deleted receipts took their contributions along.
func checkRollups(t *testing.T, env *servertest.Env) {
	t.Helper()
	for name, sql := range map[string]string{
		"receipts": `SELECT (SELECT coalesce(sum(receipt_count), 0) FROM receipt_month_rollups) - (SELECT count(*) FROM receipts)`,
		"spend":    `SELECT (SELECT coalesce(sum(spend_cents), 0) FROM receipt_month_rollups) - (SELECT coalesce(sum(total_cents), 0) FROM receipts)`,
		"lines":    `SELECT (SELECT coalesce(sum(line_count), 0) FROM line_month_rollups) - (SELECT count(*) FROM receipt_lines)`,
		"category": `SELECT (SELECT coalesce(sum(spend_cents), 0) FROM category_month_rollups) - (SELECT coalesce(sum(amount_cents), 0) FROM receipt_lines)`,
	} {
		if d := count(t, env, sql); d != 0 {
			t.Errorf("rollups of %s are off by %d", name, d)
		}
	}
	if n := count(t, env, `SELECT count(*) FROM receipt_month_rollups`); n == 0 {
		t.Error("no rollups at all: the check above proves nothing")
	}
}

// TestRetentionInactivity moves the clock 24 months ahead: members without
// card use or login since then are erased, and so are the records of
// households left before then.
func TestRetentionInactivity(t *testing.T) {
	ctx := context.Background()
	env := servertest.New(t, servertest.Options{Start: t0})
	env.Catalog(t)
	for _, id := range []string{"card", "login", "never", "shopper", "mover", "late"} {
		env.Member(t, servertest.MemberSpec{ID: id, Household: "h-" + id})
	}
	env.Ingest(t, milk("card", "x1", t0.Add(-time.Hour)))
	env.Clock.Set(t0.Add(time.Hour))
	env.Member(t, servertest.MemberSpec{ID: "mover", Household: "h-new"}) // leaves h-mover at t0+1h
	env.Clock.Set(t0.AddDate(0, 0, 2))
	env.Member(t, servertest.MemberSpec{ID: "late", Household: "h-new"}) // leaves h-late at t0+2d
	env.Clock.Set(t0.AddDate(1, 0, 0))
	touch(t, env, "login")
	env.Ingest(t, milk("shopper", "x2", env.Clock.Now().Add(-time.Hour)))
	// 24 months and a day on: the inactivity cutoff is t0 + 1 day.
	env.Clock.Set(t0.AddDate(2, 0, 1))
	touch(t, env, "mover", "late")

	rep := run(t, env)
	if want := (storage.RetentionReport{Members: 2, Memberships: 1}); rep != want {
		t.Fatalf("report = %+v, want %+v", rep, want)
	}
	if got, want := members(t, env), []string{"late", "login", "mover", "shopper"}; !slices.Equal(got, want) {
		t.Fatalf("members = %v, want %v", got, want)
	}
	if got := receiptKeys(t, env); !slices.Equal(got, []string{"shopper/x2"}) {
		t.Fatalf("receipts = %v", got)
	}
	rows, _ := env.DB.Pool().Query(ctx, `SELECT customer_id || '@' || household_id FROM household_memberships ORDER BY 1`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	want := []string{"late@h-late", "late@h-new", "login@h-login", "mover@h-new", "shopper@h-shopper"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("memberships = %v (%v), want %v", got, err, want)
	}
	for _, id := range []string{"card", "never"} {
		if n := rowsAbout(t, env, id); n != 0 {
			t.Errorf("%d rows still refer to erased %s", n, id)
		}
	}
	if n := count(t, env, `SELECT count FROM erasures WHERE reason = 'inactivity' AND day = '2028-06-16'`); n != 2 {
		t.Fatalf("erasures counted %d, want 2", n)
	}
}

// rowsAbout counts rows of every table of the schema whose text form
// contains s.
func rowsAbout(t *testing.T, env *servertest.Env, s string) int {
	t.Helper()
	ctx := context.Background()
	rows, _ := env.DB.Pool().Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(tables) < 10 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	total := 0
	for _, tb := range tables {
		var n int
		if err := env.DB.Pool().QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{tb}.Sanitize()+` t WHERE t::text LIKE '%' || $1 || '%'`, s).Scan(&n); err != nil {
			t.Fatal(err)
		}
		total += n
	}
	return total
}

// TestRetentionKilled cancels a run after its k-th batch and runs again: the
// final state is exactly that of an uninterrupted run.
func TestRetentionKilled(t *testing.T) {
	for _, k := range []int{1, 4} {
		t.Run(fmt.Sprintf("AfterBatch%d", k), func(t *testing.T) {
			env := servertest.New(t, servertest.Options{Start: t0})
			env.Catalog(t)
			var want []string
			for m := range 3 {
				id := fmt.Sprintf("m%d", m)
				env.Member(t, servertest.MemberSpec{ID: id})
				var rs []model.ReceiptInput
				for i := range 14 {
					at := t0.AddDate(0, 0, -1-i) // expired 5 years on
					if i >= 12 {
						at = t0.AddDate(4, 6, -i) // kept
						want = append(want, fmt.Sprintf("%s/r%02d", id, i))
					}
					rs = append(rs, milk(id, fmt.Sprintf("r%02d", i), at))
				}
				env.Clock.Set(t0.AddDate(4, 6, 0))
				env.Ingest(t, rs...)
				env.Clock.Set(t0)
			}
			for i := range 5 {
				env.Member(t, servertest.MemberSpec{ID: fmt.Sprintf("z%d", i)}) // inactive
			}
			env.Clock.Set(t0.AddDate(5, 0, 0))
			touch(t, env, "m0", "m1", "m2")

			ctx, cancel := context.WithCancel(context.Background())
			batches := 0
			opts := storage.RetentionOptions{ReceiptBatch: 5, MemberBatch: 2, AfterBatch: func(storage.RetentionReport) {
				if batches++; batches == k {
					cancel()
				}
			}}
			rep, err := env.DB.RunRetention(ctx, opts)
			if !errors.Is(err, context.Canceled) || batches != k {
				t.Fatalf("killed run: %v after %d batches (%+v)", err, batches, rep)
			}
			// Batches are whole: what the report counts is done, nothing else.
			if left := count(t, env, `SELECT count(*) FROM receipts`); left != 42-rep.Receipts-0 {
				t.Fatalf("%d receipts left after deleting %d of 42", left, rep.Receipts)
			}
			if left := len(members(t, env)); left != 8-rep.Members {
				t.Fatalf("%d members left after erasing %d of 8", left, rep.Members)
			}
			opts.AfterBatch = nil
			rest, err := env.DB.RunRetention(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Receipts+rest.Receipts != 36 || rep.Members+rest.Members != 5 {
				t.Fatalf("the two runs deleted %d+%d receipts and erased %d+%d members, want 36 and 5",
					rep.Receipts, rest.Receipts, rep.Members, rest.Members)
			}
			if got := receiptKeys(t, env); !slices.Equal(got, want) {
				t.Fatalf("receipts left = %v, want %v", got, want)
			}
			if got := members(t, env); !slices.Equal(got, []string{"m0", "m1", "m2"}) {
				t.Fatalf("members left = %v", got)
			}
			checkRollups(t, env)
		})
	}
}

// TestRetentionSchedule: serve's daily run happens once a day across
// replicas, and never while another process holds the lock.
func TestRetentionSchedule(t *testing.T) {
	ctx := context.Background()
	env := servertest.New(t, servertest.Options{Start: t0})
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "old"})
	env.Clock.Set(t0.AddDate(3, 0, 0)) // "old" is inactive

	t.Run("Due", func(t *testing.T) {
		ran, rep, err := env.DB.RunRetentionIfDue(ctx)
		if err != nil || !ran || rep.Members != 1 {
			t.Fatalf("first run: ran %v %+v %v", ran, rep, err)
		}
		if n := count(t, env, `SELECT count(*) FROM retention_runs WHERE finished_at IS NOT NULL AND members = 1`); n != 1 {
			t.Fatalf("%d finished runs recorded", n)
		}
	})
	t.Run("NotDueTheSameDay", func(t *testing.T) {
		env.Clock.Advance(23 * time.Hour)
		if ran, _, err := env.DB.RunRetentionIfDue(ctx); err != nil || ran {
			t.Fatalf("ran again within a day: %v %v", ran, err)
		}
	})
	t.Run("ErrLocked", func(t *testing.T) {
		env.Clock.Advance(2 * time.Hour)
		other, err := pgx.Connect(ctx, env.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close(ctx)
		if _, err := other.Exec(ctx, `SELECT pg_advisory_lock($1)`, storage.RetentionLockKey); err != nil {
			t.Fatal(err)
		}
		if ran, _, err := env.DB.RunRetentionIfDue(ctx); err != nil || ran {
			t.Fatalf("ran while another replica holds the lock: %v %v", ran, err)
		}
		if _, err := env.DB.RunRetentionLocked(ctx, storage.RetentionOptions{}); !errors.Is(err, storage.ErrRetentionBusy) {
			t.Fatalf("RunRetentionLocked while locked: %v", err)
		}
		if _, err := other.Exec(ctx, `SELECT pg_advisory_unlock($1)`, storage.RetentionLockKey); err != nil {
			t.Fatal(err)
		}
		if ran, _, err := env.DB.RunRetentionIfDue(ctx); err != nil || !ran {
			t.Fatalf("a day later, unlocked: ran %v %v", ran, err)
		}
	})
	t.Run("LockFreedAfterCancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := env.DB.RunRetentionLocked(cctx, storage.RetentionOptions{}); err == nil {
			t.Fatal("a cancelled run succeeded")
		}
		if _, err := env.DB.RunRetentionLocked(ctx, storage.RetentionOptions{}); err != nil {
			t.Fatalf("after a cancelled run: %v", err)
		}
	})
}

// TestSetRetentionYears checks the bounds at the storage door (the API test
// is in resolvers).
func TestSetRetentionYears(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	for _, y := range []int{0, 11, -1} {
		if _, err := env.DB.SetRetentionYears(context.Background(), "c1", y); model.ErrorCode(err) != model.BadUserInput {
			t.Errorf("years %d: %v", y, err)
		}
	}
	if _, err := env.DB.SetRetentionYears(context.Background(), "nobody", 3); model.ErrorCode(err) != model.NotFound {
		t.Errorf("unknown member: %v", err)
	}
}
