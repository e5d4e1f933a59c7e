package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/omadata/omadata/graph/model"
)

// ReceiptPage is one page of a receipt connection.
type ReceiptPage struct {
	Receipts    []*model.Receipt
	HasNextPage bool
}

// ReceiptQuery selects receipts the viewer may see: their own, or with
// Household the receipts of every member visible to them under rule 5
// (the SQL function visible_owners, evaluated in the same statement).
type ReceiptQuery struct {
	Viewer    string
	Household bool
	First     int
	After     *Cursor
	Filter    *model.ReceiptFilter
	// WithLines reads the lines of the page in the same transaction (one
	// more statement, whatever the page size).
	WithLines bool
}

// ownersCTE selects the owners a query may read ($1 viewer, $2 now) with
// whether each one's product-level data may be shown now.
func ownersCTE(household bool) string {
	from := "(SELECT $1::text) AS v(o)"
	if household {
		from = "visible_owners($1, $2) AS v(o)"
	}
	return `WITH owners AS (
			SELECT o AS id, ` + productLevelSQL("o", "$2") + ` AS allowed
			FROM ` + from + `)`
}

// Receipts returns a page of the owners' receipts, newest first, keyset
// paginated across owners. Each receipt says whether its owner's
// product-level data may be shown now, and carries its store.
func (db *DB) Receipts(ctx context.Context, q ReceiptQuery) (*ReceiptPage, error) {
	now := db.Now()
	where, args := db.receiptFilter(q, now)
	sql := fmt.Sprintf(`%s
		SELECT %s
		FROM owners o CROSS JOIN LATERAL (
			SELECT * FROM receipts r
			WHERE r.customer_id = o.id %s
			ORDER BY r.purchased_at DESC, r.receipt_seq DESC
			LIMIT $3) r
		JOIN stores s ON s.store_id = r.store_id
		ORDER BY r.purchased_at DESC, r.receipt_seq DESC
		LIMIT $3`, ownersCTE(q.Household), receiptColumns, where)
	var page ReceiptPage
	// A household read may log access events; a read of one's own never does
	// and can go to a replica.
	inTx := db.readTx
	if q.Household && q.WithLines {
		inTx = db.writeTx
	}
	err := inTx(ctx, func(tx pgx.Tx) error {
		list, err := scanReceipts(tx.Query(ctx, sql, append([]any{q.Viewer, now, q.First + 1}, args...)...))
		if err != nil {
			return err
		}
		if len(list) > q.First {
			list, page.HasNextPage = list[:q.First], true
		}
		page.Receipts = list
		if q.WithLines {
			return readLines(ctx, tx, q.Viewer, list, now)
		}
		return nil
	})
	for _, r := range page.Receipts {
		r.Shared = r.OwnerID != q.Viewer
	}
	return &page, err
}

// readLines reads the lines of receipts whose lines may be shown and
// attaches them, with the checks and logging of LinesByReceipt.
func readLines(ctx context.Context, tx pgx.Tx, viewer string, receipts []*model.Receipt, now time.Time) error {
	var keys []ReceiptKey
	for _, r := range receipts {
		r.LinesRead = true
		if r.LinesAllowed && r.LinesStored > 0 {
			keys = append(keys, ReceiptKey{Owner: r.OwnerID, Seq: r.Seq})
		}
	}
	if len(keys) == 0 {
		return nil
	}
	lines, err := linesIn(ctx, tx, viewer, keys, now)
	for _, r := range receipts {
		r.Lines = lines[ReceiptKey{Owner: r.OwnerID, Seq: r.Seq}]
	}
	return err
}

const receiptColumns = `r.customer_id, r.receipt_seq, r.purchased_at, r.store_id, r.total_cents,
	r.bonus_eligible_cents, r.currency, r.line_count, r.lines_stored, r.warranty_until, o.allowed,
	s.name, s.chain, s.kind, s.city, s.bonus_eligible`

// receiptFilter returns the WHERE conditions (after the owner) and their
// arguments, numbered from $4.
func (db *DB) receiptFilter(q ReceiptQuery, now time.Time) (string, []any) {
	var conds []string
	var args []any
	// add appends a condition whose ? placeholders take vals in order.
	add := func(cond string, vals ...any) {
		for _, v := range vals {
			args = append(args, v)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)+3), 1)
		}
		conds = append(conds, cond)
	}
	if q.After != nil {
		add("(r.purchased_at, r.receipt_seq) < (?, ?)", q.After.At, q.After.Seq)
	}
	if f := q.Filter; f != nil {
		loc := db.cfg.Location
		if f.From != nil {
			add("r.purchased_at >= ?", f.From.Start(loc))
		}
		if f.To != nil {
			add("r.purchased_at < ?", f.To.AddDays(1).Start(loc))
		}
		if f.StoreID != nil {
			add("r.store_id = ?", *f.StoreID)
		}
		if f.WarrantyOnly != nil && *f.WarrantyOnly {
			add("r.warranty_until >= ?", model.DateOf(now, loc).UTCMidnight())
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return "AND " + strings.Join(conds, " AND "), args
}

func scanReceipts(rows pgx.Rows, err error) ([]*model.Receipt, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*model.Receipt, error) {
		r := &model.Receipt{Store: &model.Store{}}
		var warranty *time.Time
		err := row.Scan(&r.OwnerID, &r.Seq, &r.PurchasedAt, &r.StoreID, &r.TotalCents, &r.BonusEligibleCents,
			&r.Currency, &r.LineCount, &r.LinesStored, &warranty, &r.LinesAllowed,
			&r.Store.Name, &r.Store.Chain, &r.Store.Kind, &r.Store.City, &r.Store.BonusEligible)
		r.ID, r.Store.ID, r.PurchasedAt = ReceiptID(r.Seq), r.StoreID, r.PurchasedAt.UTC()
		if warranty != nil {
			d := model.DateOf(*warranty, time.UTC)
			r.WarrantyUntil = &d
		}
		return r, err
	})
}

// Receipt returns the receipt with public id id if the viewer may see it
// (theirs, or shared with them under rule 5), else NOT_FOUND, exactly as for
// an id that does not exist.
// With withLines it reads the lines in the same transaction.
func (db *DB) Receipt(ctx context.Context, viewer string, id string, withLines bool) (*model.Receipt, error) {
	seq, err := ParseReceiptID(id)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	var list []*model.Receipt
	inTx := db.readTx
	if withLines {
		inTx = db.writeTx // a shared receipt's lines are logged
	}
	err = inTx(ctx, func(tx pgx.Tx) error {
		list, err = scanReceipts(tx.Query(ctx, ownersCTE(true)+`
			SELECT `+receiptColumns+`
			FROM owners o JOIN receipts r ON r.customer_id = o.id AND r.receipt_seq = $3
			JOIN stores s ON s.store_id = r.store_id`, viewer, now, seq))
		if err != nil || !withLines {
			return err
		}
		return readLines(ctx, tx, viewer, list, now)
	})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, model.Errorf(model.NotFound, "receipt not found")
	}
	list[0].Shared = list[0].OwnerID != viewer
	return list[0], nil
}

// ReceiptKey identifies a receipt internally (owner and sequence number).
type ReceiptKey struct {
	Owner string
	Seq   int64
}

// LinesByReceipt loads the lines of many receipts in one statement, with
// their products and categories, for the viewer. Where the lines are read,
// the SQL checks again that each owner is visible to the viewer (rule 5)
// and that the owner's PRODUCT_LEVEL_DATA is granted now (rule 3), so no
// path to lines (nested, aliased or batched) can skip either. In the same
// statement it appends an access event to the log of every other owner
// whose lines it returns (rule 7): the read and its record commit together.
func (db *DB) LinesByReceipt(ctx context.Context, viewer string, keys []ReceiptKey) (map[ReceiptKey][]model.ReceiptLine, error) {
	var out map[ReceiptKey][]model.ReceiptLine
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = linesIn(ctx, tx, viewer, keys, db.Now())
		return err
	})
	return out, err
}

// linesIn is LinesByReceipt inside a caller's transaction. Lines of the
// viewer's own receipts are read without the logging insert, so a read of
// one's own stays read-only.
func linesIn(ctx context.Context, tx pgx.Tx, viewer string, keys []ReceiptKey, now time.Time) (map[ReceiptKey][]model.ReceiptLine, error) {
	owners, seqs, resources := make([]string, len(keys)), make([]int64, len(keys)), make([]string, len(keys))
	shared := false
	for i, k := range keys {
		owners[i], seqs[i], resources[i] = k.Owner, k.Seq, "receipt "+ReceiptID(k.Seq)
		shared = shared || k.Owner != viewer
	}
	sql := linesSQL
	if shared {
		sql = linesLoggedSQL
	}
	rows, err := tx.Query(ctx, sql, owners, seqs, now, viewer, resources)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[ReceiptKey][]model.ReceiptLine, len(keys))
	scanner := newLineScanner()
	for rows.Next() {
		key, line, err := scanner.scan(rows)
		if err != nil {
			return nil, err
		}
		out[key] = append(out[key], line)
	}
	return out, rows.Err()
}

// linesWith selects the keys ($1 owners, $2 sequence numbers, $5 resource
// names) and the owners whose lines the viewer ($4) may read at $3: visible
// under rule 5 (all, or with own only the viewer) and PRODUCT_LEVEL_DATA
// granted.
func linesWith(own bool) string {
	owners := "visible_owners($4, $3) AS v(o)"
	if own {
		owners = "(SELECT $4::text) AS v(o)"
	}
	return `
	WITH k AS (
		SELECT * FROM unnest($1::text[], $2::bigint[], $5::text[]) AS k(customer_id, receipt_seq, resource)),
	allowed AS (
		SELECT o AS customer_id FROM ` + owners + `
		WHERE ` + productLevelSQL("o", "$3") + `)`
}

// linesSelect reads the lines of the allowed keys with their products and
// categories.
const linesSelect = `
	SELECT l.customer_id, l.receipt_seq, l.line_no, l.gtin, l.description, l.quantity::float8, l.unit,
		l.unit_price_cents, l.amount_cents, l.discount_cents, l.warranty_until,
		p.gtin, p.name, p.brand, p.category_id, p.origin, p.origin_country, p.unit, p.net_weight_kg,
		p.energy_kj, p.fat, p.saturated_fat, p.carbohydrate, p.sugars, p.fibre, p.protein, p.salt,
		p.co2e_kg_per_kg, p.warranty_months,
		c.name_fi, c.name_sv, c.name_en, c.grp, c.fruit_or_vegetable
	FROM k JOIN allowed a USING (customer_id)
	JOIN receipt_lines l ON l.customer_id = k.customer_id AND l.receipt_seq = k.receipt_seq
	LEFT JOIN products p ON p.gtin = l.gtin
	LEFT JOIN categories c ON c.category_id = p.category_id
	ORDER BY l.customer_id, l.receipt_seq, l.line_no`

// linesSQL reads the viewer's own lines.
var linesSQL = linesWith(true) + linesSelect

// linesLoggedSQL also appends, in the same statement, an access event ($5:
// the resources) to the log of every other owner whose lines it returns.
var linesLoggedSQL = linesWith(false) + `,
	logged AS (
		INSERT INTO access_events (customer_id, at, actor_kind, actor_id, actor_name, resource, purpose)
		SELECT k.customer_id, $3, 'HOUSEHOLD_MEMBER', $4,
			(SELECT split_part(name, ' ', 1) FROM members WHERE customer_id = $4), k.resource, 'household sharing'
		FROM k JOIN allowed a USING (customer_id)
		WHERE k.customer_id <> $4
		  AND EXISTS (SELECT 1 FROM receipt_lines l WHERE l.customer_id = k.customer_id AND l.receipt_seq = k.receipt_seq))` + linesSelect

// lineScanner scans the rows of linesSQL. The lines of a page repeat a
// few hundred products: each product is scanned and built once per query
// and shared by its lines; the rows of a product already seen skip its
// columns (pgx skips a nil destination). Nullable columns scan into pgx's
// value types, which need neither reflection nor an allocation (a pointer
// destination needs both). Scanning every row's product into pointers was a
// third of the CPU of a page of receipts.
type lineScanner struct {
	k                     ReceiptKey
	l                     model.ReceiptLine
	unit                  string
	gtin                  pgtype.Text
	warranty              pgtype.Date
	p                     productColumns
	withProduct, lineOnly []any
	products              map[string]*model.Product
}

// productColumns are a line's product and category from the outer join:
// all nullable.
type productColumns struct {
	gtin, name, brand, category, origin, originCountry, unit   pgtype.Text
	netWeight, energy, fat, saturatedFat, carbohydrate, sugars pgtype.Float8
	fibre, protein, salt, co2e                                 pgtype.Float8
	warrantyMonths                                             pgtype.Int4
	catFi, catSv, catEn, catGroup                              pgtype.Text
	catFV                                                      pgtype.Bool
}

// productGtinColumn is the index of p.gtin in linesSelect.
const productGtinColumn = 11

func newLineScanner() *lineScanner {
	s := &lineScanner{products: map[string]*model.Product{}}
	p := &s.p
	line := []any{&s.k.Owner, &s.k.Seq, &s.l.LineNo, &s.gtin, &s.l.Description, &s.l.Quantity, &s.unit,
		&s.l.UnitPriceCents, &s.l.AmountCents, &s.l.DiscountCents, &s.warranty}
	product := []any{&p.gtin, &p.name, &p.brand, &p.category, &p.origin, &p.originCountry, &p.unit, &p.netWeight,
		&p.energy, &p.fat, &p.saturatedFat, &p.carbohydrate, &p.sugars, &p.fibre, &p.protein, &p.salt,
		&p.co2e, &p.warrantyMonths, &p.catFi, &p.catSv, &p.catEn, &p.catGroup, &p.catFV}
	s.withProduct = append(slices.Clip(line), product...)
	s.lineOnly = append(slices.Clip(line), make([]any, len(product))...)
	return s
}

// scan scans one row: the line, its product and category.
func (s *lineScanner) scan(rows pgx.Rows) (ReceiptKey, model.ReceiptLine, error) {
	known, seen := s.products[string(rows.RawValues()[productGtinColumn])]
	dest := s.withProduct
	if seen {
		dest = s.lineOnly
	}
	if err := rows.Scan(dest...); err != nil {
		return s.k, model.ReceiptLine{}, err
	}
	l := s.l
	l.OwnerID, l.ReceiptSeq, l.Unit, l.Gtin = s.k.Owner, s.k.Seq, model.Unit(s.unit), textPtr(s.gtin)
	if s.warranty.Valid {
		d := model.DateOf(s.warranty.Time, time.UTC)
		l.WarrantyUntil = &d
	}
	switch {
	case seen:
		l.Product = known
	case s.p.gtin.Valid:
		l.Product = s.p.row().product()
		s.products[l.Product.Gtin] = l.Product
	}
	return s.k, l, nil
}

// row returns the columns of a line that has a product.
func (c *productColumns) row() productRow {
	return productRow{Gtin: c.gtin.String, Name: c.name.String, Brand: textPtr(c.brand), CategoryID: c.category.String,
		Origin: model.Origin(c.origin.String), OriginCountry: textPtr(c.originCountry), Unit: model.Unit(c.unit.String),
		NetWeightKg: floatPtr(c.netWeight), EnergyKj: floatPtr(c.energy), Fat: floatPtr(c.fat),
		SaturatedFat: floatPtr(c.saturatedFat), Carbohydrate: floatPtr(c.carbohydrate), Sugars: floatPtr(c.sugars),
		Fibre: floatPtr(c.fibre), Protein: floatPtr(c.protein), Salt: floatPtr(c.salt), Co2eKgPerKg: floatPtr(c.co2e),
		WarrantyMonths: intPtr(c.warrantyMonths), NameFi: c.catFi.String, NameSv: c.catSv.String,
		NameEn: c.catEn.String, Grp: c.catGroup.String, FruitOrVegetable: c.catFV.Bool}
}

func textPtr(t pgtype.Text) *string {
	if !t.Valid {
		return nil
	}
	return &t.String
}

func intPtr(i pgtype.Int4) *int {
	if !i.Valid {
		return nil
	}
	v := int(i.Int32)
	return &v
}
