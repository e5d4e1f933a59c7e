package storage

import (
	"context"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// CategoryGroups are the groups of the reference data; a category must be in
// one of them, since insights treat `non_food` and the rest differently.
var CategoryGroups = map[string]bool{
	"vegetables": true, "fruit_berries": true, "grains": true, "dairy": true, "cheese": true,
	"fats_oils": true, "eggs": true, "meat_red": true, "meat_poultry": true, "fish": true,
	"plant_protein": true, "beverages": true, "sweets_snacks": true, "ready_meals": true,
	"other_food": true, model.NonFoodGroup: true,
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

func validateCategory(c model.CategoryInput) error {
	switch {
	case !idPattern.MatchString(c.ID):
		return model.InputErrorf("id", "1-64 letters, digits or _.:-")
	case strings.TrimSpace(c.NameFi) == "" || strings.TrimSpace(c.NameSv) == "" || strings.TrimSpace(c.NameEn) == "":
		return model.InputErrorf("name", "nameFi, nameSv and nameEn are required")
	case !CategoryGroups[c.Group]:
		return model.InputErrorf("group", "unknown group %q", c.Group)
	}
	return nil
}

// UpsertCategories inserts or updates categories. Invalid items are
// rejected one by one (BAD_USER_INPUT); the valid ones are written together.
func (db *DB) UpsertCategories(ctx context.Context, in []model.CategoryInput) (*model.UpsertResult, error) {
	rej := newRejections()
	var ids, fi, sv, en, grp []string
	var fv []bool
	for i, c := range in {
		if err := validateCategory(c); err != nil {
			rej.add(i, err)
			continue
		}
		ids, fi, sv, en = append(ids, c.ID), append(fi, c.NameFi), append(sv, c.NameSv), append(en, c.NameEn)
		grp, fv = append(grp, c.Group), append(fv, c.FruitOrVegetable)
	}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO categories (category_id, name_fi, name_sv, name_en, grp, fruit_or_vegetable)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[])
			ON CONFLICT (category_id) DO UPDATE SET name_fi = excluded.name_fi, name_sv = excluded.name_sv,
				name_en = excluded.name_en, grp = excluded.grp,
				fruit_or_vegetable = excluded.fruit_or_vegetable, updated_at = now()`,
			ids, fi, sv, en, grp, fv)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rej.upsertResult(len(in)), nil
}

// CategoriesByID loads categories by id (for dataloaders); unknown ids are
// absent from the map.
func (db *DB) CategoriesByID(ctx context.Context, ids []string) (map[string]*model.Category, error) {
	out := make(map[string]*model.Category, len(ids))
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT category_id AS id, name_fi, name_sv, name_en, grp AS "group", fruit_or_vegetable
			FROM categories WHERE category_id = ANY($1)`, ids)
		list, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[model.Category])
		for _, c := range list {
			out[c.ID] = c
		}
		return err
	})
	return out, err
}
