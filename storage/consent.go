package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// MaxConsentHorizon is how far ahead a time-limited grant may end.
const MaxConsentHorizon = 5 * 365 * 24 * time.Hour

// validateConsentChanges checks a list of changes: known purposes, each at
// most once, expiry only on grants, in the future and within the horizon.
func validateConsentChanges(changes []model.ConsentChange, now time.Time, allowEmpty bool) error {
	if len(changes) == 0 && !allowEmpty {
		return model.InputErrorf("changes", "at least one change is needed")
	}
	seen := map[model.ConsentPurpose]bool{}
	for _, c := range changes {
		switch {
		case !c.Purpose.IsValid():
			return model.InputErrorf("changes.purpose", "unknown purpose %q", c.Purpose)
		case seen[c.Purpose]:
			return model.InputErrorf("changes.purpose", "%s appears more than once", c.Purpose)
		case c.ExpiresAt != nil && !c.Granted:
			return model.InputErrorf("changes.expiresAt", "only a grant can expire (%s)", c.Purpose)
		case c.ExpiresAt != nil && !c.ExpiresAt.After(now):
			return model.InputErrorf("changes.expiresAt", "must be in the future (%s)", c.Purpose)
		case c.ExpiresAt != nil && c.ExpiresAt.After(now.Add(MaxConsentHorizon)):
			return model.InputErrorf("changes.expiresAt", "at most 5 years ahead (%s)", c.Purpose)
		}
		seen[c.Purpose] = true
	}
	return nil
}

// consentEvent is one event to append to the ledger.
type consentEvent struct {
	Purpose   model.ConsentPurpose
	Granted   bool
	ExpiresAt *time.Time
	Before    bool
}

// appendConsents writes one consent receipt and its events. The ledger is
// append-only: nothing here (or anywhere but erasure) updates or deletes.
func appendConsents(ctx context.Context, tx pgx.Tx, customerID string, events []consentEvent,
	channel model.Channel, actor, policy string, erasedLines int, now time.Time) (*model.ConsentReceipt, error) {
	rc := &model.ConsentReceipt{ID: uuid.NewString(), IssuedAt: now, Subject: customerID, Channel: channel,
		PolicyVersion: policy, ErasedLines: erasedLines, Changes: []model.ConsentDelta{}}
	var purposes []string
	var granted []bool
	var expires []*time.Time
	for _, e := range events {
		rc.Changes = append(rc.Changes, model.ConsentDelta{Purpose: e.Purpose, Before: e.Before, After: e.Granted, ExpiresAt: e.ExpiresAt})
		purposes, granted, expires = append(purposes, string(e.Purpose)), append(granted, e.Granted), append(expires, e.ExpiresAt)
	}
	changes, err := json.Marshal(rc.Changes)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO consent_receipts (customer_id, receipt_id, issued_at, channel, actor, policy_version, changes, erased_lines)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		customerID, rc.ID, now, string(channel), actor, policy, changes, erasedLines); err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO consent_events (customer_id, purpose, granted, expires_at, channel, actor, policy_version, receipt_id, recorded_at)
		SELECT $1, p, g, e, $5, $6, $7, $8, $9
		FROM unnest($2::text[], $3::bool[], $4::timestamptz[]) AS u(p, g, e)`,
		customerID, purposes, granted, expires, string(channel), actor, policy, rc.ID, now)
	return rc, err
}

// enrol records a new member's consents: every purpose at its default,
// except those the registry sets.
func enrol(ctx context.Context, tx pgx.Tx, customerID string, initial []model.ConsentChange, now time.Time, policy string) (*model.ConsentReceipt, error) {
	override := map[model.ConsentPurpose]model.ConsentChange{}
	for _, c := range initial {
		override[c.Purpose] = c
	}
	var events []consentEvent
	for _, p := range model.AllConsentPurpose {
		e := consentEvent{Purpose: p, Granted: p.DefaultGranted()}
		if c, ok := override[p]; ok {
			e.Granted, e.ExpiresAt = c.Granted, c.ExpiresAt
		}
		events = append(events, e)
	}
	return appendConsents(ctx, tx, customerID, events, model.ChannelMemberRegistry, "member-registry", policy, 0, now)
}

// ConsentGranted reports whether the member's consent for purpose is
// granted and unexpired now.
func (db *DB) ConsentGranted(ctx context.Context, customerID string, purpose model.ConsentPurpose) (bool, error) {
	var ok bool
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT consent_granted($1, $2, $3)`, customerID, string(purpose), db.Now()).Scan(&ok)
	})
	return ok, err
}
