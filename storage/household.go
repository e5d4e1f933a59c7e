package storage

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// VisibleOwners returns whose purchase data the viewer may read now: the
// viewer and the household members rule 5 makes visible (the SQL function
// visible_owners, the one definition of the rule).
func (db *DB) VisibleOwners(ctx context.Context, viewer string) ([]string, error) {
	var ids []string
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT o FROM visible_owners($1, $2) AS v(o) ORDER BY o = $1 DESC, o`, viewer, db.Now())
		var err error
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return ids, err
}

// Household returns the viewer's household as the viewer may see it: each
// member's name, role, whether they are an adult and whether they share.
// Never another member's email, cards or customer id.
func (db *DB) Household(ctx context.Context, viewer string) (*model.Household, error) {
	h := &model.Household{ViewerID: viewer}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		now := db.Now()
		err := tx.QueryRow(ctx, `
			SELECT household_id, household_sharing_open(household_id, $2)
			FROM members WHERE customer_id = $1`, viewer, now).Scan(&h.ID, &h.SharingOpen)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `
			SELECT m.name, m.household_role AS role, is_adult(m.birth_date, $2) AS adult,
				is_adult(m.birth_date, $2) AND consent_granted(m.customer_id, 'HOUSEHOLD_SHARING', $2) AS sharing,
				m.customer_id = $1 AS me
			FROM members m WHERE m.household_id = $3
			ORDER BY m.household_role = 'MAIN' DESC, is_adult(m.birth_date, $2) DESC, m.name, m.customer_id`,
			viewer, now, h.ID)
		h.Members, err = pgx.CollectRows(rows, pgx.RowToStructByName[model.HouseholdMember])
		return err
	})
	if errNoRows(err) || model.ErrorCode(err) == model.NotFound {
		return nil, model.Errorf(model.NotFound, "member not found")
	}
	return h, err
}

// AccessPage is one page of a member's access log.
type AccessPage struct {
	Events      []model.AccessEvent
	Cursors     []Cursor
	HasNextPage bool
}

// AccessLog returns a page of the member's own access log, newest first.
func (db *DB) AccessLog(ctx context.Context, customerID string, first int, after *Cursor) (*AccessPage, error) {
	page := &AccessPage{}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		cond, args := "", []any{customerID, first + 1}
		if after != nil {
			cond, args = "AND (at, event_seq) < ($3, $4)", append(args, after.At, after.Seq)
		}
		rows, err := tx.Query(ctx, `
			SELECT event_seq, at, actor_kind, actor_name, resource, purpose FROM access_events
			WHERE customer_id = $1 `+cond+` ORDER BY at DESC, event_seq DESC LIMIT $2`, args...)
		if err != nil {
			return err
		}
		var seq int64
		var e model.AccessEvent
		_, err = pgx.ForEachRow(rows, []any{&seq, &e.At, &e.ActorKind, &e.ActorName, &e.Resource, &e.Purpose}, func() error {
			e.At = e.At.UTC()
			e.ID = accessEventID(seq)
			page.Events = append(page.Events, e)
			page.Cursors = append(page.Cursors, Cursor{At: e.At, Seq: seq})
			return nil
		})
		return err
	})
	if len(page.Events) > first {
		page.Events, page.Cursors, page.HasNextPage = page.Events[:first], page.Cursors[:first], true
	}
	return page, err
}
