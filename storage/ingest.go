package storage

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// Bounds of a sane receipt: anything beyond is a till error, not a purchase.
const (
	maxReceiptCents = 10_000_000 // 100,000 €
	maxLines        = 1000
	maxQuantity     = 10_000
	clockSkew       = 5 * time.Minute
	maxReceiptAge   = 10 * 365 * 24 * time.Hour
)

var (
	sourcePattern   = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ValidateReceipt checks one receipt from a till against now. It returns a
// BAD_USER_INPUT error naming the first offending field, or nil. It knows
// nothing of the database: cards and stores are checked by the ingest.
func ValidateReceipt(r model.ReceiptInput, now time.Time) error {
	switch {
	case !sourcePattern.MatchString(r.Source):
		return model.InputErrorf("source", "1-64 letters, digits or _.:-")
	case !printable(r.ExternalID, 128):
		return model.InputErrorf("externalId", "1-128 printable characters")
	case !cardPattern.MatchString(r.CardNumber):
		return model.InputErrorf("cardNumber", "4-32 digits or letters")
	case !idPattern.MatchString(r.StoreID):
		return model.InputErrorf("storeId", "1-64 letters, digits or _.:-")
	case r.PurchasedAt.After(now.Add(clockSkew)):
		return model.InputErrorf("purchasedAt", "is in the future")
	case r.PurchasedAt.Before(now.Add(-maxReceiptAge)):
		return model.InputErrorf("purchasedAt", "is more than 10 years ago")
	case r.TotalCents < 0 || r.TotalCents > maxReceiptCents:
		return model.InputErrorf("totalCents", "must be between 0 and %d", maxReceiptCents)
	case r.BonusEligibleCents < 0 || r.BonusEligibleCents > r.TotalCents:
		return model.InputErrorf("bonusEligibleCents", "must be between 0 and totalCents")
	case r.Currency != nil && !currencyPattern.MatchString(*r.Currency):
		return model.InputErrorf("currency", "an ISO 4217 code such as EUR")
	case len(r.Lines) == 0 || len(r.Lines) > maxLines:
		return model.InputErrorf("lines", "1-%d lines", maxLines)
	}
	sum := 0
	for j, l := range r.Lines {
		if err := validateLine(l, fmt.Sprintf("lines[%d]", j)); err != nil {
			return err
		}
		sum += l.AmountCents
	}
	if sum != r.TotalCents {
		return model.InputErrorf("lines", "line amounts sum to %d, not totalCents %d", sum, r.TotalCents)
	}
	return nil
}

func validateLine(l model.LineInput, at string) error {
	discount := deref(l.DiscountCents)
	switch {
	case l.Gtin != nil && !gtinPattern.MatchString(*l.Gtin):
		return model.InputErrorf(at+".gtin", "8-14 digits")
	case !printable(l.Description, 200):
		return model.InputErrorf(at+".description", "1-200 printable characters")
	case math.IsNaN(l.Quantity) || l.Quantity <= 0 || l.Quantity > maxQuantity:
		return model.InputErrorf(at+".quantity", "must be above 0 and at most %d", maxQuantity)
	case math.Abs(l.Quantity*1000-math.Round(l.Quantity*1000)) > 1e-6:
		return model.InputErrorf(at+".quantity", "at most 3 decimals")
	case !l.Unit.IsValid():
		return model.InputErrorf(at+".unit", "PIECE, KG or L")
	case l.UnitPriceCents < 0 || l.UnitPriceCents > maxReceiptCents:
		return model.InputErrorf(at+".unitPriceCents", "must be between 0 and %d", maxReceiptCents)
	case discount < 0 || l.AmountCents < 0:
		return model.InputErrorf(at+".amountCents", "amounts and discounts cannot be negative")
	case math.Abs(math.Round(l.Quantity*float64(l.UnitPriceCents))-float64(discount)-float64(l.AmountCents)) > 1:
		return model.InputErrorf(at+".amountCents", "is not quantity × unitPriceCents − discountCents")
	case l.WarrantyMonths != nil && (*l.WarrantyMonths < 0 || *l.WarrantyMonths > 240):
		return model.InputErrorf(at+".warrantyMonths", "must be between 0 and 240")
	}
	return nil
}

// printable reports whether s is 1..max runes without control characters.
func printable(s string, max int) bool {
	if strings.TrimSpace(s) == "" || len([]rune(s)) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return false
		}
	}
	return true
}

// ingestItem is one valid receipt on its way into the database.
type ingestItem struct {
	index    int
	in       model.ReceiptInput
	customer string
	hash     []byte
	keep     bool // store the lines (PRODUCT_LEVEL_DATA granted)
	seq      int64
	warranty []*time.Time
	// purchasedOn is the purchase's local date in the program's time zone
	// (as midnight UTC), stored on the receipt and its lines: the insight
	// rollups group by its month (migration 00030).
	purchasedOn time.Time
}

// IngestReceipts stores receipts from the tills. Each receipt is accepted,
// a duplicate (same source and externalId, same content), or rejected on
// its own (BAD_USER_INPUT, NOT_FOUND for an unknown card or store, CONFLICT
// for a known key with other content). All accepted receipts are written in
// one transaction: a receipt is never half-stored, and once this returns
// they are durable. Lines of a member whose PRODUCT_LEVEL_DATA is not
// granted at purchase time (and now) are dropped before anything is written.
func (db *DB) IngestReceipts(ctx context.Context, in []model.ReceiptInput) (*model.IngestResult, error) {
	now := db.Now()
	rej := newRejections()
	items := make([]*ingestItem, 0, len(in))
	for i, r := range in {
		if err := ValidateReceipt(r, now); err != nil {
			rej.add(i, err)
			continue
		}
		items = append(items, &ingestItem{index: i, in: r, hash: contentHash(r),
			purchasedOn: model.DateOf(r.PurchasedAt, db.cfg.Location).UTCMidnight()})
	}
	res := &model.IngestResult{}
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		*res = model.IngestResult{}
		return db.ingest(ctx, tx, items, rej, res, now, insertReceiptsWithLines)
	})
	if err != nil {
		return nil, err
	}
	sortRejections(rej.list)
	res.Rejected, res.Rejections = len(rej.list), nonNil(rej.list)
	return res, nil
}

// ingest runs the steps of IngestReceipts (and of each ImportReceipts
// chunk) inside its transaction.
func (db *DB) ingest(ctx context.Context, tx pgx.Tx, items []*ingestItem, rej *rejections, res *model.IngestResult, now time.Time, write receiptWriter) error {
	// Resolve cards and stores; reject what is unknown.
	if err := resolveOwners(ctx, tx, items, rej); err != nil {
		return err
	}
	items = pending(items, rej)
	// Decide, per receipt, whether its lines may be stored.
	if err := decideLines(ctx, tx, items, now); err != nil {
		return err
	}
	if err := db.warranties(ctx, tx, items); err != nil {
		return err
	}
	// Insert the receipts and their lines; keys already present are
	// duplicates or conflicts.
	fresh, stored, err := write(ctx, tx, items, now)
	if err != nil {
		return err
	}
	if err := classifyExisting(ctx, tx, items, fresh, rej, res); err != nil {
		return err
	}
	res.Accepted, res.LinesStored = len(fresh), stored
	for _, it := range fresh {
		if !it.keep {
			res.LinesDiscarded += len(it.in.Lines)
		}
	}
	return touchCardUse(ctx, tx, fresh)
}

// pending returns the items not rejected so far.
func pending(items []*ingestItem, rej *rejections) []*ingestItem {
	out := items[:0:0]
	for _, it := range items {
		if rej.ok(it.index) {
			out = append(out, it)
		}
	}
	return out
}

func resolveOwners(ctx context.Context, tx pgx.Tx, items []*ingestItem, rej *rejections) error {
	cards, stores := make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		cards[i], stores[i] = it.in.CardNumber, it.in.StoreID
	}
	rows, _ := tx.Query(ctx, `SELECT card_number, customer_id FROM cards WHERE card_number = ANY($1)`, cards)
	owner := map[string]string{}
	var card, customer string
	if _, err := pgx.ForEachRow(rows, []any{&card, &customer}, func() error { owner[card] = customer; return nil }); err != nil {
		return err
	}
	known, err := existing(ctx, tx, `SELECT store_id FROM stores WHERE store_id = ANY($1)`, stores)
	if err != nil {
		return err
	}
	for _, it := range items {
		it.customer = owner[it.in.CardNumber]
		switch {
		case it.customer == "":
			rej.add(it.index, model.Errorf(model.NotFound, "cardNumber: unknown card"))
		case !known[it.in.StoreID]:
			rej.add(it.index, model.Errorf(model.NotFound, "storeId: unknown store %q", it.in.StoreID))
		}
	}
	return nil
}

// decideLines sets keep for each item: the owner's PRODUCT_LEVEL_DATA was
// granted when the purchase was made and still is (a receipt that arrives
// after a withdrawal must not bring lines back).
func decideLines(ctx context.Context, tx pgx.Tx, items []*ingestItem, now time.Time) error {
	customers, times := make([]string, len(items)), make([]time.Time, len(items))
	for i, it := range items {
		customers[i], times[i] = it.customer, it.in.PurchasedAt
	}
	// Key-share lock the owners first, in a statement of its own: a consent
	// change holds its member FOR UPDATE, so the decision below waits for a
	// withdrawal in progress and then sees it, instead of storing lines the
	// withdrawal has just erased (storage/consent.go, changeConsents).
	if _, err := tx.Exec(ctx, `
		SELECT 1 FROM members WHERE customer_id = ANY($1) ORDER BY customer_id FOR KEY SHARE`, customers); err != nil {
		return err
	}
	rows, _ := tx.Query(ctx, `
		SELECT `+productLevelSQL("c", "t")+` AND `+productLevelSQL("c", "$3")+`
		FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS u(c, t, n) ORDER BY n`,
		customers, times, now)
	keep, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	for i := range keep {
		items[i].keep = keep[i]
	}
	return err
}

// warranties computes each line's warranty end: the line's own months, or
// the product's, from the purchase date in the program's time zone.
func (db *DB) warranties(ctx context.Context, tx pgx.Tx, items []*ingestItem) error {
	var gtins []string
	for _, it := range items {
		for _, l := range it.in.Lines {
			if l.Gtin != nil && l.WarrantyMonths == nil {
				gtins = append(gtins, *l.Gtin)
			}
		}
	}
	months := map[string]int{}
	if len(gtins) > 0 {
		rows, _ := tx.Query(ctx, `SELECT gtin, warranty_months FROM products WHERE gtin = ANY($1) AND warranty_months > 0`, gtins)
		var g string
		var m int
		if _, err := pgx.ForEachRow(rows, []any{&g, &m}, func() error { months[g] = m; return nil }); err != nil {
			return err
		}
	}
	for _, it := range items {
		it.warranty = make([]*time.Time, len(it.in.Lines))
		day := model.DateOf(it.in.PurchasedAt, db.cfg.Location)
		for j, l := range it.in.Lines {
			m := deref(l.WarrantyMonths)
			if l.WarrantyMonths == nil && l.Gtin != nil {
				m = months[*l.Gtin]
			}
			if m > 0 {
				end := time.Date(day.Year, day.Month+time.Month(m), day.Day, 0, 0, 0, 0, time.UTC)
				it.warranty[j] = &end
			}
		}
	}
	return nil
}

// maxWarranty is the latest warranty end of an item's lines, if any.
func (it *ingestItem) maxWarranty() *time.Time {
	var max *time.Time
	for _, w := range it.warranty {
		if w != nil && (max == nil || w.After(*max)) {
			max = w
		}
	}
	return max
}

type receiptKey struct{ customer, source, externalID string }

// receiptRows are the receipts an ingest inserts, as the columns of one
// array insert: the first item of each key, in order.
type receiptRows struct {
	items                                        []*ingestItem
	customer, source, ext, card, store, currency []string
	at, day                                      []time.Time
	total, bonus, lineCount, stored              []int
	warranty                                     []*time.Time
	hash                                         [][]byte
}

func newReceiptRows(items []*ingestItem) *receiptRows {
	c := &receiptRows{}
	seen := map[receiptKey]bool{}
	for _, it := range items {
		k := receiptKey{it.customer, it.in.Source, it.in.ExternalID}
		if seen[k] {
			continue
		}
		seen[k] = true
		stored := 0
		if it.keep {
			stored = len(it.in.Lines)
		}
		cur := "EUR"
		if it.in.Currency != nil {
			cur = *it.in.Currency
		}
		// The warranty end comes from the lines: a totals-only receipt keeps none.
		var warranty *time.Time
		if it.keep {
			warranty = it.maxWarranty()
		}
		c.items = append(c.items, it)
		c.customer, c.source, c.ext = append(c.customer, it.customer), append(c.source, it.in.Source), append(c.ext, it.in.ExternalID)
		c.card, c.store, c.currency = append(c.card, it.in.CardNumber), append(c.store, it.in.StoreID), append(c.currency, cur)
		c.at, c.total, c.bonus = append(c.at, it.in.PurchasedAt), append(c.total, it.in.TotalCents), append(c.bonus, it.in.BonusEligibleCents)
		c.lineCount, c.stored = append(c.lineCount, len(it.in.Lines)), append(c.stored, stored)
		c.warranty, c.hash, c.day = append(c.warranty, warranty), append(c.hash, it.hash), append(c.day, it.purchasedOn)
	}
	return c
}

func (c *receiptRows) args(now time.Time) []any {
	return []any{c.customer, c.source, c.ext, c.card, c.store, c.at, c.total, c.bonus,
		c.currency, c.lineCount, c.stored, c.warranty, c.hash, now, c.day}
}

// receiptsSQL inserts the receipts of receiptRows.args, skipping keys that
// are stored already, and answers (i, receipt_seq) for each inserted one,
// i being its position in the arrays from 1. linesCTE, if not empty, is
// one more WITH item that may read k(i, customer_id, receipt_seq, day):
// the inserted receipts.
func receiptsSQL(linesCTE string) string {
	return `
		WITH u AS (
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
				$7::bigint[], $8::bigint[], $9::text[], $10::int[], $11::int[], $12::date[], $13::bytea[], $15::date[])
				WITH ORDINALITY AS u(c, s, e, card, st, at, tot, bon, cur, lc, ls, w, h, d, i)),
		r AS (
			INSERT INTO receipts (customer_id, source, external_id, card_number, store_id, purchased_at,
				total_cents, bonus_eligible_cents, currency, line_count, lines_stored, warranty_until, content_hash, ingested_at,
				purchased_on)
			SELECT c, s, e, card, st, at, tot, bon, cur, lc, ls, w, h, $14, d FROM u
			ON CONFLICT (customer_id, source, external_id) DO NOTHING
			RETURNING customer_id, source, external_id, receipt_seq),
		k AS (
			SELECT u.i, r.customer_id, r.receipt_seq, u.d AS day
			FROM r JOIN u ON u.c = r.customer_id AND u.s = r.source AND u.e = r.external_id)` + linesCTE + `
		SELECT i, receipt_seq FROM k`
}

// freshItems reads the (i, receipt_seq) rows of receiptsSQL: the items it
// inserted, with their sequence numbers.
func (c *receiptRows) freshItems(rows pgx.Rows) ([]*ingestItem, error) {
	var fresh []*ingestItem
	var i, seq int64
	_, err := pgx.ForEachRow(rows, []any{&i, &seq}, func() error {
		it := c.items[i-1]
		it.seq = seq
		fresh = append(fresh, it)
		return nil
	})
	return fresh, err
}

// receiptWriter inserts the receipts of items whose key is new (the first
// item of each), with the lines of those that keep them, and returns the
// items it inserted and how many lines it wrote: insertReceiptsWithLines
// for the service, insertReceiptsThenCopyLines for `omadata import`.
type receiptWriter func(ctx context.Context, tx pgx.Tx, items []*ingestItem, now time.Time) ([]*ingestItem, int, error)

// insertReceiptsWithLines writes receipts and lines in one statement.
// That is for the member locks: the rollup triggers of both tables fire at
// the end of the statement, and the first of them locks the batch's
// members until commit (migration 00030, rollup_lock_members). With the
// receipts and lines inserted by separate statements, the lock came with
// the receipts and was held while every line, its index entries and its
// foreign-key check were written, so concurrent batches that share a
// member (most of them, on a busy feed) waited for all of that.
func insertReceiptsWithLines(ctx context.Context, tx pgx.Tx, items []*ingestItem, now time.Time) ([]*ingestItem, int, error) {
	c := newReceiptRows(items)
	var l struct {
		unit, desc                          []string
		gtin                                []*string
		receipt, lineNo, price, amount, dis []int
		qty                                 []float64
		warranty                            []*time.Time
	}
	for i, it := range c.items {
		if !it.keep {
			continue
		}
		for j, line := range it.in.Lines {
			l.receipt, l.lineNo = append(l.receipt, i+1), append(l.lineNo, j+1)
			l.gtin, l.desc, l.qty, l.unit = append(l.gtin, line.Gtin), append(l.desc, line.Description), append(l.qty, line.Quantity), append(l.unit, string(line.Unit))
			l.price, l.amount, l.dis = append(l.price, line.UnitPriceCents), append(l.amount, line.AmountCents), append(l.dis, deref(line.DiscountCents))
			l.warranty = append(l.warranty, it.warranty[j])
		}
	}
	rows, _ := tx.Query(ctx, receiptsSQL(`,
		l AS (
			INSERT INTO receipt_lines (customer_id, receipt_seq, line_no, gtin, description, quantity, unit,
				unit_price_cents, amount_cents, discount_cents, warranty_until, purchased_on)
			SELECT k.customer_id, k.receipt_seq, x.n, x.g, x.t, x.q, x.un, x.p, x.a, x.di, x.w, k.day
			FROM unnest($16::int[], $17::int[], $18::text[], $19::text[], $20::numeric[], $21::text[],
				$22::bigint[], $23::bigint[], $24::bigint[], $25::date[]) AS x(i, n, g, t, q, un, p, a, di, w)
			JOIN k ON k.i = x.i)`),
		append(c.args(now), l.receipt, l.lineNo, l.gtin, l.desc, l.qty, l.unit, l.price, l.amount, l.dis, l.warranty)...)
	fresh, err := c.freshItems(rows)
	if err != nil {
		return nil, 0, err
	}
	stored := 0
	for _, it := range fresh {
		if it.keep {
			stored += len(it.in.Lines)
		}
	}
	return fresh, stored, nil
}

// classifyExisting sorts the items that were not inserted: same content as
// the stored receipt is a duplicate, other content a CONFLICT.
func classifyExisting(ctx context.Context, tx pgx.Tx, items, fresh []*ingestItem, rej *rejections, res *model.IngestResult) error {
	inserted := map[*ingestItem]bool{}
	for _, it := range fresh {
		inserted[it] = true
	}
	var rest []*ingestItem
	var customers, sources, exts []string
	for _, it := range items {
		if !inserted[it] {
			rest = append(rest, it)
			customers, sources, exts = append(customers, it.customer), append(sources, it.in.Source), append(exts, it.in.ExternalID)
		}
	}
	if len(rest) == 0 {
		return nil
	}
	rows, _ := tx.Query(ctx, `
		SELECT r.customer_id, r.source, r.external_id, r.content_hash
		FROM unnest($1::text[], $2::text[], $3::text[]) AS u(c, s, e)
		JOIN receipts r ON r.customer_id = u.c AND r.source = u.s AND r.external_id = u.e`,
		customers, sources, exts)
	stored := map[receiptKey][]byte{}
	var k receiptKey
	var h []byte
	if _, err := pgx.ForEachRow(rows, []any{&k.customer, &k.source, &k.externalID, &h}, func() error {
		stored[k] = append([]byte(nil), h...)
		return nil
	}); err != nil {
		return err
	}
	for _, it := range rest {
		if string(stored[receiptKey{it.customer, it.in.Source, it.in.ExternalID}]) == string(it.hash) {
			res.Duplicates++
		} else {
			rej.add(it.index, model.Errorf(model.Conflict, "externalId: %q from %q was already received with other content", it.in.ExternalID, it.in.Source))
		}
	}
	return nil
}

// touchCardUse records card use for the retention policy's inactivity rule.
func touchCardUse(ctx context.Context, tx pgx.Tx, fresh []*ingestItem) error {
	if len(fresh) == 0 {
		return nil
	}
	latest := map[string]time.Time{}
	for _, it := range fresh {
		if it.in.PurchasedAt.After(latest[it.customer]) {
			latest[it.customer] = it.in.PurchasedAt
		}
	}
	var ids []string
	var ats []time.Time
	for id := range latest {
		ids = append(ids, id)
	}
	// A fixed order keeps concurrent batches from deadlocking on member rows.
	sort.Strings(ids)
	for _, id := range ids {
		ats = append(ats, latest[id])
	}
	_, err := tx.Exec(ctx, `
		UPDATE members m SET last_card_use_at = greatest(m.last_card_use_at, u.at)
		FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at)
		WHERE m.customer_id = u.id AND (m.last_card_use_at IS NULL OR m.last_card_use_at < u.at)`, ids, ats)
	return err
}
