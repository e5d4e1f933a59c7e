package storage

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
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

// memberActor is how the ledger names a member acting on their own consents.
func memberActor(customerID string) string { return "member:" + customerID }

// Consents returns the member's current consent for every purpose, in the
// order of the ConsentPurpose enum: granted (and unexpired) at the clock's
// now, with the expiry, time and channel of the latest event. It returns
// NOT_FOUND for an unknown (or erased) member.
func (db *DB) Consents(ctx context.Context, customerID string) ([]model.Consent, error) {
	purposes := make([]string, len(model.AllConsentPurpose))
	for i, p := range model.AllConsentPurpose {
		purposes[i] = string(p)
	}
	var out []model.Consent
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT p.purpose, consent_granted(m.customer_id, p.purpose, $2), e.expires_at, e.recorded_at, e.channel
			FROM members m
			CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS p(purpose, n)
			LEFT JOIN LATERAL (
				SELECT expires_at, recorded_at, channel FROM consent_events e
				WHERE e.customer_id = m.customer_id AND e.purpose = p.purpose AND e.recorded_at <= $2
				ORDER BY e.recorded_at DESC, e.event_seq DESC LIMIT 1) e ON true
			WHERE m.customer_id = $1
			ORDER BY p.n`, customerID, db.Now(), purposes)
		var err error
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (model.Consent, error) {
			var c model.Consent
			err := row.Scan(&c.Purpose, &c.Granted, &c.ExpiresAt, &c.UpdatedAt, &c.Channel)
			c.ExpiresAt, c.UpdatedAt = utc(c.ExpiresAt), utc(c.UpdatedAt)
			return c, err
		})
		return err
	})
	if err == nil && len(out) == 0 {
		return nil, model.Errorf(model.NotFound, "member not found")
	}
	return out, err
}

// utc returns t in UTC (nil stays nil): the API shows times in UTC.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// consentEventIDVersion marks the public id of a consent event.
const consentEventIDVersion = 'e'

// consentEventID returns the public id of the consent event with sequence
// number seq.
func consentEventID(seq int64) string {
	b := make([]byte, 9)
	b[0] = consentEventIDVersion
	binary.BigEndian.PutUint64(b[1:], uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

// ConsentHistory returns a page of the member's consent events, newest
// first, keyset paginated on (recordedAt, sequence).
func (db *DB) ConsentHistory(ctx context.Context, customerID string, first int, after *Cursor) (*model.ConsentEventConnection, error) {
	var at *time.Time
	var seq *int64
	if after != nil {
		at, seq = &after.At, &after.Seq
	}
	conn := &model.ConsentEventConnection{Edges: []model.ConsentEventEdge{}, PageInfo: &model.PageInfo{}}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT event_seq, purpose, granted, expires_at, recorded_at, channel, policy_version, receipt_id::text
			FROM consent_events
			WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR (recorded_at, event_seq) < ($2, $3::bigint))
			ORDER BY recorded_at DESC, event_seq DESC
			LIMIT $4`, customerID, at, seq, first+1)
		var s int64
		var e model.ConsentEvent
		_, err := pgx.ForEachRow(rows, []any{&s, &e.Purpose, &e.Granted, &e.ExpiresAt, &e.RecordedAt,
			&e.Channel, &e.PolicyVersion, &e.ReceiptID}, func() error {
			if len(conn.Edges) == first {
				conn.PageInfo.HasNextPage = true
				return nil
			}
			ev := e
			ev.ID, ev.RecordedAt, ev.ExpiresAt = consentEventID(s), e.RecordedAt.UTC(), utc(e.ExpiresAt)
			c := Cursor{At: ev.RecordedAt, Seq: s}.Encode()
			conn.Edges = append(conn.Edges, model.ConsentEventEdge{Cursor: c, Node: &ev})
			conn.PageInfo.EndCursor = &c
			return nil
		})
		return err
	})
	return conn, err
}

// SetConsents applies a member's own changes in one transaction and returns
// the consent receipt, which lists every requested purpose with its state
// before (now) and after. Denying PRODUCT_LEVEL_DATA while lines are stored
// erases them in the same transaction, and only with acknowledgeErasure.
// Errors: BAD_USER_INPUT (an invalid change, the MEMBER_REGISTRY channel, an
// unacknowledged erasure), NOT_FOUND (unknown member). Nothing is written
// on error.
func (db *DB) SetConsents(ctx context.Context, customerID string, changes []model.ConsentChange, channel model.Channel) (*model.ConsentReceipt, error) {
	now := db.Now()
	if err := validateMemberChannel(channel); err != nil {
		return nil, err
	}
	if err := validateConsentChanges(changes, now, false); err != nil {
		return nil, err
	}
	var rc *model.ConsentReceipt
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		var err error
		rc, err = changeConsents(ctx, tx, customerID, changes, channel, now, db.cfg.PolicyVersion)
		return err
	})
	return rc, err
}

// BlockAllMarketing denies every marketing purpose in one consent receipt.
// Errors as SetConsents.
func (db *DB) BlockAllMarketing(ctx context.Context, customerID string, channel model.Channel) (*model.ConsentReceipt, error) {
	var changes []model.ConsentChange
	for _, p := range model.AllConsentPurpose {
		if p.IsMarketing() {
			changes = append(changes, model.ConsentChange{Purpose: p, Granted: false})
		}
	}
	return db.SetConsents(ctx, customerID, changes, channel)
}

// validateMemberChannel refuses channels a member cannot act through: the
// registry's channel marks enrolment, which a member's own change is not.
func validateMemberChannel(ch model.Channel) error {
	if !ch.IsValid() || ch == model.ChannelMemberRegistry {
		return model.InputErrorf("channel", "%s is not a channel for a member's own change", ch)
	}
	return nil
}

// changeConsents is SetConsents inside the caller's transaction.
func changeConsents(ctx context.Context, tx pgx.Tx, customerID string, changes []model.ConsentChange,
	channel model.Channel, now time.Time, policy string) (*model.ConsentReceipt, error) {
	// Lock the member row: concurrent consent changes wait, so each "before"
	// is the state the change really replaces, and ingests (which key-share
	// lock their members) cannot store lines across a withdrawal.
	if err := tx.QueryRow(ctx, `SELECT customer_id FROM members WHERE customer_id = $1 FOR UPDATE`,
		customerID).Scan(new(string)); err != nil {
		if errNoRows(err) {
			return nil, model.Errorf(model.NotFound, "member not found")
		}
		return nil, err
	}
	before, err := consentsAt(ctx, tx, customerID, changes, now)
	if err != nil {
		return nil, err
	}
	erased, err := eraseOnWithdrawal(ctx, tx, customerID, changes)
	if err != nil {
		return nil, err
	}
	events := make([]consentEvent, len(changes))
	for i, c := range changes {
		events[i] = consentEvent{Purpose: c.Purpose, Granted: c.Granted, ExpiresAt: c.ExpiresAt, Before: before[c.Purpose]}
	}
	return appendConsents(ctx, tx, customerID, events, channel, memberActor(customerID), policy, erased, now)
}

// consentsAt returns the state at `at` of each purpose the changes name.
func consentsAt(ctx context.Context, tx pgx.Tx, customerID string, changes []model.ConsentChange, at time.Time) (map[model.ConsentPurpose]bool, error) {
	purposes := make([]string, len(changes))
	for i, c := range changes {
		purposes[i] = string(c.Purpose)
	}
	rows, _ := tx.Query(ctx, `SELECT p, consent_granted($1, p, $2) FROM unnest($3::text[]) p`, customerID, at, purposes)
	out := map[model.ConsentPurpose]bool{}
	var p model.ConsentPurpose
	var g bool
	_, err := pgx.ForEachRow(rows, []any{&p, &g}, func() error { out[p] = g; return nil })
	return out, err
}

// eraseOnWithdrawal erases the member's stored lines when the changes deny
// PRODUCT_LEVEL_DATA (rule 6), and returns how many it erased. Without
// acknowledgeErasure it refuses, saying how many lines would go. It looks at
// the lines, not at the consent's state before, so lines kept from a grant
// that has since expired are erased by a denial too. Rollups derived from
// the lines follow their deletion by trigger, in this same transaction;
// a receipt's warranty date, derived from its lines, goes too.
func eraseOnWithdrawal(ctx context.Context, tx pgx.Tx, customerID string, changes []model.ConsentChange) (int, error) {
	i := slices.IndexFunc(changes, func(c model.ConsentChange) bool {
		return c.Purpose == model.ConsentPurposeProductLevelData && !c.Granted
	})
	if i < 0 {
		return 0, nil
	}
	var stored int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM receipt_lines WHERE customer_id = $1`, customerID).Scan(&stored); err != nil {
		return 0, err
	}
	if stored == 0 {
		return 0, nil
	}
	if ack := changes[i].AcknowledgeErasure; ack == nil || !*ack {
		return 0, model.InputErrorf("changes.acknowledgeErasure",
			"denying PRODUCT_LEVEL_DATA erases your %d stored receipt lines and everything derived from them, for good; "+
				"send acknowledgeErasure: true to confirm", stored)
	}
	tag, err := tx.Exec(ctx, `DELETE FROM receipt_lines WHERE customer_id = $1`, customerID)
	if err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `
		UPDATE receipts SET lines_stored = 0, warranty_until = NULL
		WHERE customer_id = $1 AND (lines_stored > 0 OR warranty_until IS NOT NULL)`, customerID)
	return int(tag.RowsAffected()), err
}

// AudienceQuery asks for a page of a marketing audience.
type AudienceQuery struct {
	Purpose model.ConsentPurpose
	First   int
	// After is the last customer id of the previous page ("" for the start).
	After string
	// Reader is the service asking (its token's subject), for the access log.
	Reader string
}

// MarketingAudience returns a page of the members whose consent for the
// purpose is granted and unexpired now, ordered by customer id; for
// PERSONALIZED_OFFERS their PRODUCT_LEVEL_DATA must be granted too, since
// the offers are built from it. Email is given only for electronic
// purposes. Every member returned gets an access event, written in the same
// transaction as the read, so no audience leaves without its log.
func (db *DB) MarketingAudience(ctx context.Context, q AudienceQuery) (*model.AudienceConnection, error) {
	if !q.Purpose.IsValid() {
		return nil, model.InputErrorf("purpose", "unknown purpose %q", q.Purpose)
	}
	now := db.Now()
	conn := &model.AudienceConnection{Edges: []model.AudienceEdge{}, PageInfo: &model.PageInfo{}}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT m.customer_id, m.name, m.email FROM members m
			WHERE m.customer_id > $2
				AND `+grantedSQL("m.customer_id", "$1", "$3")+`
				AND (NOT $4 OR `+productLevelSQL("m.customer_id", "$3")+`)
			ORDER BY m.customer_id
			LIMIT $5`, string(q.Purpose), q.After, now,
			q.Purpose == model.ConsentPurposePersonalizedOffers, q.First+1)
		members, err := pgx.CollectRows(rows, pgx.RowToStructByPos[model.AudienceMember])
		if err != nil {
			return err
		}
		if len(members) > q.First {
			members, conn.PageInfo.HasNextPage = members[:q.First], true
		}
		var log []Access
		for i := range members {
			m := &members[i]
			if !q.Purpose.IsElectronic() {
				m.Email = nil
			}
			c := EncodeKeyCursor(m.ID)
			conn.Edges = append(conn.Edges, model.AudienceEdge{Cursor: c, Node: m})
			conn.PageInfo.EndCursor = &c
			log = append(log, Access{Owner: m.ID, ActorKind: model.ActorKindService, ActorID: q.Reader,
				ActorName: &q.Reader, Resource: "contact details", Purpose: "marketing audience " + string(q.Purpose)})
		}
		if len(log) == 0 {
			return nil
		}
		return recordAccess(ctx, tx, log, now)
	})
	return conn, err
}

// grantedSQL is the SQL of "whose consent for purpose is granted at at"
// (each an SQL expression) for statements that ask it per row:
// consent_state read in FROM, which PostgreSQL inlines into the
// statement's own plan (migration 00100), where consent_granted would run
// a function call per row, ten times the cost.
func grantedSQL(who, purpose, at string) string {
	return `coalesce((SELECT s.granted FROM consent_state(` + who + `, ` + purpose + `, ` + at + `) s), false)`
}

// productLevelSQL is grantedSQL for PRODUCT_LEVEL_DATA, which every read of
// lines and sums asks.
func productLevelSQL(who, at string) string { return grantedSQL(who, "'PRODUCT_LEVEL_DATA'", at) }
