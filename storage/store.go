package storage

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

func validateStore(s model.StoreInput) error {
	switch {
	case !idPattern.MatchString(s.ID):
		return model.InputErrorf("id", "1-64 letters, digits or _.:-")
	case strings.TrimSpace(s.Name) == "" || len(s.Name) > 200:
		return model.InputErrorf("name", "required, at most 200 characters")
	case !s.Kind.IsValid():
		return model.InputErrorf("kind", "unknown store kind")
	}
	return nil
}

// UpsertStores inserts or updates stores; invalid items are rejected one by
// one (BAD_USER_INPUT), the valid ones are written together.
func (db *DB) UpsertStores(ctx context.Context, in []model.StoreInput) (*model.UpsertResult, error) {
	rej := newRejections()
	var ids, names, kinds []string
	var chains, cities []*string
	var bonus []bool
	for i, s := range in {
		if err := validateStore(s); err != nil {
			rej.add(i, err)
			continue
		}
		ids, names, kinds = append(ids, s.ID), append(names, s.Name), append(kinds, string(s.Kind))
		chains, cities, bonus = append(chains, s.Chain), append(cities, s.City), append(bonus, s.BonusEligible)
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO stores (store_id, name, chain, kind, city, bonus_eligible)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])
			ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, chain = excluded.chain,
				kind = excluded.kind, city = excluded.city, bonus_eligible = excluded.bonus_eligible,
				updated_at = now()`,
			ids, names, chains, kinds, cities, bonus)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rej.upsertResult(len(in)), nil
}

// StoresByID loads stores by id (for dataloaders).
func (db *DB) StoresByID(ctx context.Context, ids []string) (map[string]*model.Store, error) {
	out := make(map[string]*model.Store, len(ids))
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT store_id AS id, name, chain, kind, city, bonus_eligible
			FROM stores WHERE store_id = ANY($1)`, ids)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[model.Store])
		for _, s := range list {
			out[s.ID] = s
		}
		return err
	})
	return out, err
}
