package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// TestLedgerAppendOnly: PostgreSQL itself refuses to rewrite the consent
// ledger; only a transaction that declares itself a member erasure may
// delete a member's ledger rows (directly or by the cascade from members).
func TestLedgerAppendOnly(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	ctx := context.Background()
	pool := env.DB.Pool()

	// refused runs stmts in one transaction and wants the last one refused
	// by the ledger's trigger (SQLSTATE 42501), with nothing changed.
	refused := func(t *testing.T, stmts ...string) {
		t.Helper()
		before := count(t, env, `SELECT count(*) FROM consent_events`) + count(t, env, `SELECT count(*) FROM consent_receipts`)
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			for _, s := range stmts {
				if _, err := tx.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" || !strings.Contains(pgErr.Message, "append-only") {
			t.Fatalf("%q: want the append-only refusal, got %v", stmts[len(stmts)-1], err)
		}
		after := count(t, env, `SELECT count(*) FROM consent_events`) + count(t, env, `SELECT count(*) FROM consent_receipts`)
		if after != before || count(t, env, `SELECT count(*) FROM consent_events WHERE granted AND purpose = 'NEWSLETTER'`) != 0 {
			t.Fatalf("ledger changed: %d rows before, %d after", before, after)
		}
	}
	t.Run("ErrUpdateEvent", func(t *testing.T) {
		refused(t, `UPDATE consent_events SET granted = true WHERE purpose = 'NEWSLETTER'`)
	})
	t.Run("ErrDeleteEvent", func(t *testing.T) {
		refused(t, `DELETE FROM consent_events WHERE customer_id = 'c1'`)
	})
	t.Run("ErrUpdateReceipt", func(t *testing.T) {
		refused(t, `UPDATE consent_receipts SET channel = 'PHONE'`)
	})
	t.Run("ErrDeleteReceipt", func(t *testing.T) {
		refused(t, `DELETE FROM consent_receipts WHERE customer_id = 'c1'`)
	})
	t.Run("ErrTruncate", func(t *testing.T) {
		refused(t, `TRUNCATE consent_events`)
	})
	t.Run("ErrDeleteMemberWithoutErasure", func(t *testing.T) {
		refused(t, `DELETE FROM members WHERE customer_id = 'c1'`)
		if count(t, env, `SELECT count(*) FROM members WHERE customer_id = 'c1'`) != 1 {
			t.Fatal("member deleted")
		}
	})
	t.Run("ErrErasureSettingOff", func(t *testing.T) {
		refused(t, `SET LOCAL omadata.erasure = 'off'`, `DELETE FROM members WHERE customer_id = 'c1'`)
	})
	t.Run("ErrUpdateDuringErasure", func(t *testing.T) {
		refused(t, `SET LOCAL omadata.erasure = 'on'`, `UPDATE consent_events SET granted = true WHERE purpose = 'NEWSLETTER'`)
	})
	t.Run("DeleteMemberDuringErasure", func(t *testing.T) {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL omadata.erasure = 'on'`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM members WHERE customer_id = 'c1'`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'c1'`) +
			count(t, env, `SELECT count(*) FROM consent_receipts WHERE customer_id = 'c1'`); n != 0 {
			t.Fatalf("%d ledger rows of the erased member remain", n)
		}
		if n := count(t, env, `SELECT count(*) FROM consent_events WHERE customer_id = 'c2'`); n != len(model.AllConsentPurpose) {
			t.Fatalf("the other member has %d events", n)
		}
		// The setting was LOCAL: the next transaction on the pool is guarded again.
		for i := 0; i < 4; i++ {
			refused(t, `DELETE FROM consent_events WHERE customer_id = 'c2'`)
		}
	})
}

// TestLinesByReceiptConsent: the storage read of lines checks the owner's
// PRODUCT_LEVEL_DATA itself, so a caller that skips the resolver's check
// still gets nothing, whether the consent was denied or has expired.
func TestLinesByReceiptConsent(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	now := env.Clock.Now()
	expires := now.Add(24 * time.Hour)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	env.Member(t, servertest.MemberSpec{ID: "c2"})
	env.Member(t, servertest.MemberSpec{ID: "c3", Consents: []model.ConsentChange{
		{Purpose: model.ConsentPurposeProductLevelData, Granted: true, ExpiresAt: &expires}}})
	for _, c := range []string{"c1", "c2", "c3"} {
		env.Ingest(t, servertest.Receipt(c, "r-"+c, now.Add(-time.Hour),
			servertest.Line("6400000000001", 2, model.UnitPiece, 50)))
	}
	ctx := context.Background()
	var keys []storage.ReceiptKey
	rows, _ := env.DB.Pool().Query(ctx, `SELECT customer_id, receipt_seq FROM receipts ORDER BY customer_id`)
	keys, err := pgx.CollectRows(rows, pgx.RowToStructByPos[storage.ReceiptKey])
	if err != nil || len(keys) != 3 {
		t.Fatalf("keys %v %v", keys, err)
	}
	owners := func() []string {
		t.Helper()
		var out []string
		for _, k := range keys {
			// Each owner reads their own receipt: only consent can refuse.
			lines, err := env.DB.LinesByReceipt(ctx, k.Owner, keys)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines[k]) > 0 {
				out = append(out, k.Owner)
			}
		}
		return out
	}
	if got := strings.Join(owners(), ","); got != "c1,c2,c3" {
		t.Fatalf("all granted: lines of %q", got)
	}

	t.Run("ErrDenied", func(t *testing.T) {
		// A denial recorded without erasing (as no API path does) must
		// still close the read: the check is in the query, not in the caller.
		_, err := env.DB.Pool().Exec(ctx, `
			WITH r AS (INSERT INTO consent_receipts (customer_id, receipt_id, issued_at, channel, actor, policy_version, changes)
				VALUES ('c1', gen_random_uuid(), $1, 'WEB_PORTAL', 'test', 'test', '[]') RETURNING receipt_id)
			INSERT INTO consent_events (customer_id, purpose, granted, channel, actor, policy_version, receipt_id, recorded_at)
			SELECT 'c1', 'PRODUCT_LEVEL_DATA', false, 'WEB_PORTAL', 'test', 'test', receipt_id, $1 FROM r`, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(owners(), ","); got != "c2,c3" {
			t.Fatalf("c1 denied: lines of %q", got)
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		env.Clock.Set(expires)
		if got := strings.Join(owners(), ","); got != "c2" {
			t.Fatalf("c3's grant expired: lines of %q", got)
		}
		if n := count(t, env, `SELECT count(*) FROM receipt_lines WHERE customer_id = 'c3'`); n != 1 {
			t.Fatalf("the test needs c3's line stored, has %d", n)
		}
	})
}

// TestWithdrawalBlocksConcurrentIngest: an ingest that runs while a
// withdrawal of PRODUCT_LEVEL_DATA is in progress waits for it and then
// discards the lines, instead of storing them on a decision made before
// the withdrawal committed.
func TestWithdrawalBlocksConcurrentIngest(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	ctx := context.Background()
	now := env.Clock.Now()

	// A withdrawal in progress: the member row locked as SetConsents locks
	// it, the denial written but not yet committed.
	tx, err := env.DB.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM members WHERE customer_id = 'c1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `
		WITH r AS (INSERT INTO consent_receipts (customer_id, receipt_id, issued_at, channel, actor, policy_version, changes)
			VALUES ('c1', gen_random_uuid(), $1, 'WEB_PORTAL', 'member:c1', 'test', '[]') RETURNING receipt_id)
		INSERT INTO consent_events (customer_id, purpose, granted, channel, actor, policy_version, receipt_id, recorded_at)
		SELECT 'c1', 'PRODUCT_LEVEL_DATA', false, 'WEB_PORTAL', 'member:c1', 'test', receipt_id, $1 FROM r`, now); err != nil {
		t.Fatal(err)
	}

	type result struct {
		res *model.IngestResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := env.DB.IngestReceipts(ctx, []model.ReceiptInput{validReceipt(now)})
		done <- result{res, err}
	}()
	waitForLockWait(t, env)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.res.Accepted != 1 || r.res.LinesStored != 0 || r.res.LinesDiscarded != 2 {
		t.Fatalf("ingest during withdrawal: %v %+v", r.err, r.res)
	}
	if n := count(t, env, `SELECT count(*) FROM receipt_lines`); n != 0 {
		t.Fatalf("%d lines stored across the withdrawal", n)
	}
}

// waitForLockWait returns once some session of the test's database waits
// for a lock (the ingest blocked behind the withdrawal). It synchronises;
// it measures nothing.
func waitForLockWait(t *testing.T, env *servertest.Env) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if count(t, env, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the ingest never waited for the member lock")
}

// TestSetConsentsSerialised: concurrent changes of one member queue on the
// member lock, so each receipt's "before" is the state the previous change
// left: the ledger reads as one unbroken chain.
func TestSetConsentsSerialised(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := env.DB.SetConsents(ctx, "c1", []model.ConsentChange{
				{Purpose: model.ConsentPurposeNewsletter, Granted: i%2 == 0}}, model.ChannelMobileApp)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := env.DB.Pool().Query(ctx, `
		SELECT e.granted, (r.changes->0->>'before')::bool
		FROM consent_events e JOIN consent_receipts r USING (customer_id, receipt_id)
		WHERE e.customer_id = 'c1' AND e.purpose = 'NEWSLETTER' AND e.channel = 'MOBILE_APP'
		ORDER BY e.event_seq`)
	type link struct{ After, Before bool }
	chain, err := pgx.CollectRows(rows, pgx.RowToStructByPos[link])
	if err != nil || len(chain) != 12 {
		t.Fatalf("%d events, %v", len(chain), err)
	}
	prev := false // the enrolment default
	for i, l := range chain {
		if l.Before != prev {
			t.Fatalf("change %d says before=%v, but the previous change left %v", i, l.Before, prev)
		}
		prev = l.After
	}
}

// TestSetConsentsUnknownMember: a token for a member the registry does not
// know writes nothing.
func TestSetConsentsUnknownMember(t *testing.T) {
	env := servertest.New(t)
	_, err := env.DB.SetConsents(context.Background(), "ghost", []model.ConsentChange{
		{Purpose: model.ConsentPurposeNewsletter, Granted: true}}, model.ChannelWebPortal)
	if model.ErrorCode(err) != model.NotFound {
		t.Fatalf("got %v", err)
	}
	if n := count(t, env, `SELECT count(*) FROM consent_receipts`); n != 0 {
		t.Fatalf("%d receipts written", n)
	}
}
