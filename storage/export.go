package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/omadata/omadata/graph/model"
)

// The export (DESIGN.md §7 `/export`, GDPR Art. 15 and 20) is one JSON
// document in the format of docs/export-format.md. It is written while the
// rows are read, inside one REPEATABLE READ read-only transaction, so it is
// a consistent snapshot and the memory it takes does not grow with the
// member's history: ten years of receipts cost what one does.

// ExportFormatVersion is the version of the export document's format. A
// change that could break a reader of the document gets a new version.
const ExportFormatVersion = "1"

// Access log wording of an export.
const (
	ExportResource = "data export"
	ExportPurpose  = "right of access (GDPR Art. 15)"
)

// ExportSummary counts what an export of the member holds now (the export
// itself adds one access event). NOT_FOUND when the member is unknown.
func (db *DB) ExportSummary(ctx context.Context, customerID string) (*model.DataExport, error) {
	s := &model.DataExport{FormatVersion: ExportFormatVersion}
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM receipts WHERE customer_id = $1),
				(SELECT count(*) FROM receipt_lines WHERE customer_id = $1),
				(SELECT count(*) FROM consent_events WHERE customer_id = $1),
				(SELECT count(*) FROM access_events WHERE customer_id = $1),
				(SELECT count(*) FROM cards WHERE customer_id = $1)
			FROM members WHERE customer_id = $1`, customerID).
			Scan(&s.Receipts, &s.Lines, &s.ConsentEvents, &s.AccessEvents, &s.Cards)
		if errNoRows(err) {
			return model.Errorf(model.NotFound, "member not found")
		}
		return err
	})
	return s, err
}

// Export writes the member's whole data to w as one JSON document. The
// export is recorded in the member's access log first, in its own short
// transaction (the document then lists it). It returns NOT_FOUND, before
// writing anything, when the member is unknown; an error after the first
// byte leaves the document unfinished, so a caller that has sent part of it
// must make the reader see the failure.
func (db *DB) Export(ctx context.Context, customerID string, w io.Writer) error {
	now := db.Now()
	err := db.writeTx(ctx, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM members WHERE customer_id = $1 FOR KEY SHARE`, customerID).Scan(&one)
		if errNoRows(err) {
			return model.Errorf(model.NotFound, "member not found")
		}
		if err != nil {
			return err
		}
		return recordAccess(ctx, tx, []Access{{Owner: customerID, ActorKind: model.ActorKindExport,
			ActorID: customerID, Resource: ExportResource, Purpose: ExportPurpose}}, now)
	})
	if err != nil {
		return err
	}
	// The primary, not the replica: the snapshot must hold the access event
	// just written.
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return db.inTx(ctx, db.pool, opts, func(tx pgx.Tx) error {
		x := &exporter{tx: tx, id: customerID, now: now, db: db, out: newJSONOut(w)}
		return x.run(ctx)
	})
}

// exporter writes one export document.
type exporter struct {
	tx     pgx.Tx
	id     string
	now    time.Time
	db     *DB
	out    *jsonOut
	counts exportCounts
	// receiptLines counts the lines written of the open receipt.
	receiptLines int
}

// exportCounts closes the document: how many items each list holds.
type exportCounts struct {
	Cards                int `json:"cards"`
	HouseholdMemberships int `json:"householdMemberships"`
	Consents             int `json:"consents"`
	ConsentReceipts      int `json:"consentReceipts"`
	ConsentEvents        int `json:"consentEvents"`
	Receipts             int `json:"receipts"`
	Lines                int `json:"lines"`
	AccessEvents         int `json:"accessEvents"`
}

func (x *exporter) run(ctx context.Context) error {
	// The profile comes first: an unknown member must fail before the first byte.
	m, err := x.profile(ctx)
	if err != nil {
		return err
	}
	x.out.raw(`{"formatVersion":`)
	x.out.value(ExportFormatVersion)
	x.out.field("generatedAt", x.now)
	x.out.field("member", m)
	x.out.field("retention", x.retention(m))
	steps := []func(context.Context) error{x.cards, x.memberships, x.consents, x.consentReceipts,
		x.consentEvents, x.receipts, x.accessLog, x.otherTables}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
		if x.out.err != nil {
			return x.out.err
		}
	}
	x.out.field("counts", x.counts)
	x.out.raw("}\n")
	return x.out.flush()
}

// exportMember is the profile of the document.
type exportMember struct {
	ID             string  `json:"id" db:"customer_id"`
	Name           string  `json:"name" db:"name"`
	Email          *string `json:"email" db:"email"`
	BirthDate      jsDate  `json:"birthDate" db:"birth_date"`
	HouseholdID    string  `json:"householdId" db:"household_id"`
	HouseholdRole  string  `json:"householdRole" db:"household_role"`
	JoinedAt       jsTime  `json:"joinedAt" db:"joined_at"`
	RetentionYears *int    `json:"retentionYears" db:"retention_years"`
	LastCardUseAt  jsTime  `json:"lastCardUseAt" db:"last_card_use_at"`
	LastLoginAt    jsTime  `json:"lastLoginAt" db:"last_login_at"`
	// Chosen says whether the member chose their retention (else the default).
	Chosen bool `json:"-" db:"chosen"`
}

func (x *exporter) profile(ctx context.Context) (*exportMember, error) {
	rows, _ := x.tx.Query(ctx, `
		SELECT customer_id, name, email, birth_date, household_id, household_role, joined_at,
			retention_years, last_card_use_at, last_login_at, retention_years IS NOT NULL AS chosen
		FROM members WHERE customer_id = $1`, x.id)
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToAddrOfStructByName[exportMember])
	if errNoRows(err) {
		return nil, model.Errorf(model.NotFound, "member not found")
	}
	if err != nil {
		return nil, err
	}
	// The profile shows the retention in effect; the retention section says
	// whether the member chose it.
	years := x.db.retentionOf(m.RetentionYears)
	m.RetentionYears = &years
	return m, nil
}

// exportRetention is the retention section.
type exportRetention struct {
	Years        int  `json:"years"`
	ChosenByMe   bool `json:"chosenByMember"`
	DefaultYears int  `json:"defaultYears"`
	MaxYears     int  `json:"maxYears"`
}

func (x *exporter) retention(m *exportMember) exportRetention {
	return exportRetention{Years: *m.RetentionYears, ChosenByMe: m.Chosen,
		DefaultYears: x.db.cfg.RetentionYears, MaxYears: x.db.cfg.MaxRetentionYears}
}

type exportCard struct {
	CardNumber string `json:"cardNumber" db:"card_number"`
	AddedAt    jsTime `json:"addedAt" db:"added_at"`
}

func (x *exporter) cards(ctx context.Context) (err error) {
	x.counts.Cards, err = section[exportCard](ctx, x, "cards", `
		SELECT card_number, added_at FROM cards WHERE customer_id = $1 ORDER BY added_at, card_number`)
	return err
}

type exportMembership struct {
	HouseholdID string `json:"householdId" db:"household_id"`
	Role        string `json:"role" db:"role"`
	JoinedAt    jsTime `json:"joinedAt" db:"joined_at"`
	LeftAt      jsTime `json:"leftAt" db:"left_at"`
}

// memberships are the member's own membership records, never the other
// members of those households.
func (x *exporter) memberships(ctx context.Context) (err error) {
	x.counts.HouseholdMemberships, err = section[exportMembership](ctx, x, "householdMemberships", `
		SELECT household_id, role, joined_at, left_at FROM household_memberships
		WHERE customer_id = $1 ORDER BY joined_at, household_id`)
	return err
}

type exportConsent struct {
	Purpose   string `json:"purpose" db:"purpose"`
	Granted   bool   `json:"granted" db:"granted"`
	ExpiresAt jsTime `json:"expiresAt" db:"expires_at"`
	UpdatedAt jsTime `json:"updatedAt" db:"recorded_at"`
	Channel   string `json:"channel" db:"channel"`
}

// consents is the current state of each purpose: its latest event at the
// time of the export, granted only while unexpired (consent_granted).
func (x *exporter) consents(ctx context.Context) (err error) {
	x.counts.Consents, err = section[exportConsent](ctx, x, "consents", `
		SELECT purpose, consent_granted(customer_id, purpose, $2) AS granted, expires_at, recorded_at, channel
		FROM (SELECT DISTINCT ON (purpose) * FROM consent_events
			WHERE customer_id = $1 AND recorded_at <= $2
			ORDER BY purpose, recorded_at DESC, event_seq DESC) latest
		ORDER BY purpose`, x.now)
	return err
}

type exportConsentReceipt struct {
	ID            string          `json:"id" db:"receipt_id"`
	IssuedAt      jsTime          `json:"issuedAt" db:"issued_at"`
	Channel       string          `json:"channel" db:"channel"`
	Actor         string          `json:"actor" db:"actor"`
	PolicyVersion string          `json:"policyVersion" db:"policy_version"`
	Changes       json.RawMessage `json:"changes" db:"changes"`
	ErasedLines   int             `json:"erasedLines" db:"erased_lines"`
}

func (x *exporter) consentReceipts(ctx context.Context) (err error) {
	x.counts.ConsentReceipts, err = section[exportConsentReceipt](ctx, x, "consentReceipts", `
		SELECT receipt_id::text, issued_at, channel, actor, policy_version, changes, erased_lines
		FROM consent_receipts WHERE customer_id = $1 ORDER BY issued_at, receipt_id`)
	return err
}

type exportConsentEvent struct {
	Seq           int64  `json:"seq" db:"event_seq"`
	Purpose       string `json:"purpose" db:"purpose"`
	Granted       bool   `json:"granted" db:"granted"`
	ExpiresAt     jsTime `json:"expiresAt" db:"expires_at"`
	Channel       string `json:"channel" db:"channel"`
	Actor         string `json:"actor" db:"actor"`
	PolicyVersion string `json:"policyVersion" db:"policy_version"`
	ReceiptID     string `json:"receiptId" db:"receipt_id"`
	RecordedAt    jsTime `json:"recordedAt" db:"recorded_at"`
}

func (x *exporter) consentEvents(ctx context.Context) (err error) {
	x.counts.ConsentEvents, err = section[exportConsentEvent](ctx, x, "consentEvents", `
		SELECT event_seq, purpose, granted, expires_at, channel, actor, policy_version, receipt_id::text, recorded_at
		FROM consent_events WHERE customer_id = $1 ORDER BY recorded_at, event_seq`)
	return err
}

type exportAccess struct {
	Seq       int64   `json:"seq" db:"event_seq"`
	At        jsTime  `json:"at" db:"at"`
	ActorKind string  `json:"actorKind" db:"actor_kind"`
	ActorName *string `json:"actorName" db:"actor_name"`
	Resource  string  `json:"resource" db:"resource"`
	Purpose   string  `json:"purpose" db:"purpose"`
}

// accessLog lists who read the member's data. The reader's internal id
// (another member's customer id) is theirs, not the member's: only the
// name the member is shown is exported.
func (x *exporter) accessLog(ctx context.Context) (err error) {
	x.counts.AccessEvents, err = section[exportAccess](ctx, x, "accessLog", `
		SELECT event_seq, at, actor_kind, actor_name, resource, purpose
		FROM access_events WHERE customer_id = $1 ORDER BY at, event_seq`)
	return err
}

type exportStore struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// exportReceipt is a receipt without its lines, which are streamed after it.
type exportReceipt struct {
	ID                 string      `json:"id"`
	Source             string      `json:"source"`
	ExternalID         string      `json:"externalId"`
	CardNumber         string      `json:"cardNumber"`
	Store              exportStore `json:"store"`
	PurchasedAt        jsTime      `json:"purchasedAt"`
	TotalCents         int64       `json:"totalCents"`
	BonusEligibleCents int64       `json:"bonusEligibleCents"`
	Currency           string      `json:"currency"`
	LineCount          int         `json:"lineCount"`
	LinesStored        int         `json:"linesStored"`
	WarrantyUntil      jsDate      `json:"warrantyUntil"`
	IngestedAt         jsTime      `json:"ingestedAt"`
}

type exportLine struct {
	LineNo         int         `json:"lineNo"`
	Gtin           *string     `json:"gtin"`
	ProductName    *string     `json:"productName"`
	Description    string      `json:"description"`
	Quantity       json.Number `json:"quantity"`
	Unit           string      `json:"unit"`
	UnitPriceCents int64       `json:"unitPriceCents"`
	AmountCents    int64       `json:"amountCents"`
	DiscountCents  int64       `json:"discountCents"`
	WarrantyUntil  jsDate      `json:"warrantyUntil"`
}

// receipts streams every receipt, oldest first, each followed by its lines:
// one query, a receipt's rows arrive together, and only the current
// receipt is in memory.
func (x *exporter) receipts(ctx context.Context) error {
	rows, err := x.tx.Query(ctx, `
		SELECT r.receipt_seq, r.source, r.external_id, r.card_number, r.store_id, s.name, r.purchased_at,
			r.total_cents, r.bonus_eligible_cents, r.currency, r.line_count, r.lines_stored,
			r.warranty_until, r.ingested_at,
			l.line_no, l.gtin, p.name, l.description, l.quantity::text, l.unit,
			l.unit_price_cents, l.amount_cents, l.discount_cents, l.warranty_until
		FROM receipts r
		JOIN stores s ON s.store_id = r.store_id
		LEFT JOIN receipt_lines l ON l.customer_id = r.customer_id AND l.receipt_seq = r.receipt_seq
		LEFT JOIN products p ON p.gtin = l.gtin
		WHERE r.customer_id = $1
		ORDER BY r.purchased_at, r.receipt_seq, l.line_no`, x.id)
	if err != nil {
		return err
	}
	defer rows.Close()
	x.out.raw(`,"receipts":[`)
	var row receiptRow
	cur := int64(-1)
	for rows.Next() {
		if err := row.scan(rows); err != nil {
			return err
		}
		if row.seq != cur {
			x.closeReceipt(cur)
			cur, row.r.ID = row.seq, ReceiptID(row.seq)
			x.openReceipt(&row.r)
		}
		if l, ok := row.line(); ok {
			if x.receiptLines > 0 {
				x.out.raw(",")
			}
			x.out.value(l)
			x.receiptLines++
			x.counts.Lines++
		}
	}
	x.closeReceipt(cur)
	x.out.raw("]")
	return rows.Err()
}

// receiptRow is one row of the receipts query: a receipt and one of its
// lines, whose columns are NULL for a receipt without stored lines.
type receiptRow struct {
	seq                     int64
	r                       exportReceipt
	l                       exportLine
	lineNo                  *int
	desc, qty, unit         *string
	price, amount, discount *int64
}

func (w *receiptRow) scan(rows pgx.Rows) error {
	r, l := &w.r, &w.l
	return rows.Scan(&w.seq, &r.Source, &r.ExternalID, &r.CardNumber, &r.Store.ID, &r.Store.Name, &r.PurchasedAt,
		&r.TotalCents, &r.BonusEligibleCents, &r.Currency, &r.LineCount, &r.LinesStored, &r.WarrantyUntil, &r.IngestedAt,
		&w.lineNo, &l.Gtin, &l.ProductName, &w.desc, &w.qty, &w.unit, &w.price, &w.amount, &w.discount, &l.WarrantyUntil)
}

// line returns the row's line, if it has one.
func (w *receiptRow) line() (*exportLine, bool) {
	if w.lineNo == nil {
		return nil, false
	}
	l := &w.l
	l.LineNo, l.Description, l.Quantity, l.Unit = *w.lineNo, *w.desc, json.Number(*w.qty), *w.unit
	l.UnitPriceCents, l.AmountCents, l.DiscountCents = *w.price, *w.amount, *w.discount
	return l, true
}

// openReceipt writes a receipt's fields and opens its list of lines: the
// receipt's JSON object without its closing brace, then `,"lines":[`.
func (x *exporter) openReceipt(r *exportReceipt) {
	b, err := json.Marshal(r)
	if err != nil {
		x.out.err = err
		return
	}
	if x.counts.Receipts > 0 {
		x.out.raw(",")
	}
	x.out.rawBytes(b[:len(b)-1])
	x.out.raw(`,"lines":[`)
	x.counts.Receipts++
	x.receiptLines = 0
}

// closeReceipt ends the open receipt, if there is one.
func (x *exporter) closeReceipt(cur int64) {
	if cur >= 0 {
		x.out.raw("]}\n")
	}
}

// knownTables are the member tables the document has sections for; every
// other table with a customer_id column goes to otherTables.
var knownTables = []string{"members", "cards", "household_memberships", "consent_receipts",
	"consent_events", "receipts", "receipt_lines", "access_events"}

// otherTables exports the member's rows of every other table that holds
// rows about members (derived data such as the insight rollups, and tables
// later migrations add), each row as the object of its columns. Found in
// the catalog, like erasure's tables, so the export stays complete.
func (x *exporter) otherTables(ctx context.Context) error {
	tables, err := memberTables(ctx, x.tx)
	if err != nil {
		return err
	}
	slices.Sort(tables)
	x.out.raw(`,"otherTables":{`)
	n := 0
	for _, t := range tables {
		if slices.Contains(knownTables, t) {
			continue
		}
		if n > 0 {
			x.out.raw(",")
		}
		n++
		b, _ := json.Marshal(t) // a string always marshals
		x.out.rawBytes(b)
		x.out.raw(":")
		if err := x.rawRows(ctx, `SELECT (to_jsonb(t) - 'customer_id')::text FROM `+pgx.Identifier{t}.Sanitize()+` t WHERE customer_id = $1`); err != nil {
			return err
		}
	}
	x.out.raw("}")
	return nil
}

// rawRows writes a JSON array of the jsonb values sql returns.
func (x *exporter) rawRows(ctx context.Context, sql string) error {
	rows, err := x.tx.Query(ctx, sql, x.id)
	if err != nil {
		return err
	}
	defer rows.Close()
	x.out.raw("[")
	var buf bytes.Buffer
	for i := 0; rows.Next(); i++ {
		if i > 0 {
			x.out.raw(",")
		}
		// jsonb's text has spaces after colons and commas; the document is compact.
		buf.Reset()
		if err := json.Compact(&buf, rows.RawValues()[0]); err != nil {
			return err
		}
		x.out.rawBytes(buf.Bytes())
		x.out.raw("\n")
	}
	x.out.raw("]")
	return rows.Err()
}

// section writes `,"name":[...]` with one T per row of sql ($1 is the
// member, args follow) and returns how many rows it wrote.
func section[T any](ctx context.Context, x *exporter, name, sql string, args ...any) (int, error) {
	rows, err := x.tx.Query(ctx, sql, append([]any{x.id}, args...)...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	x.out.key(name)
	x.out.raw("[")
	n := 0
	for rows.Next() {
		v, err := pgx.RowToStructByName[T](rows)
		if err != nil {
			return n, err
		}
		if n > 0 {
			x.out.raw(",")
		}
		x.out.value(v)
		n++
	}
	x.out.raw("]")
	return n, rows.Err()
}

// jsonOut writes a JSON document piece by piece through a buffer. The first
// error sticks: later writes do nothing and flush returns it.
type jsonOut struct {
	w   *bufio.Writer
	enc *json.Encoder
	err error
}

func newJSONOut(w io.Writer) *jsonOut {
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &jsonOut{w: bw, enc: enc}
}

func (o *jsonOut) raw(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

func (o *jsonOut) rawBytes(b []byte) {
	if o.err == nil {
		_, o.err = o.w.Write(b)
	}
}

// value writes v as JSON (followed by a newline, which JSON allows, so
// each list item sits on its own line).
func (o *jsonOut) value(v any) {
	if o.err == nil {
		o.err = o.enc.Encode(v)
	}
}

// key writes `,"name":`.
func (o *jsonOut) key(name string) {
	b, err := json.Marshal(name)
	if err != nil && o.err == nil {
		o.err = err
	}
	o.raw(",")
	o.rawBytes(b)
	o.raw(":")
}

// field writes `,"name":value`.
func (o *jsonOut) field(name string, v any) {
	o.key(name)
	o.value(v)
}

func (o *jsonOut) flush() error {
	if o.err == nil {
		o.err = o.w.Flush()
	}
	return o.err
}

// jsTime is a nullable timestamptz that the document shows in UTC
// (RFC 3339), or null.
type jsTime struct {
	t     time.Time
	valid bool
}

// ScanTimestamptz implements pgtype.TimestamptzScanner.
func (j *jsTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	j.t, j.valid = v.Time.UTC(), v.Valid
	return nil
}

// MarshalJSON implements json.Marshaler.
func (j jsTime) MarshalJSON() ([]byte, error) {
	if !j.valid {
		return []byte("null"), nil
	}
	return j.t.MarshalJSON()
}

// jsDate is a nullable date that the document shows as "YYYY-MM-DD", or null.
type jsDate struct {
	d     model.Date
	valid bool
}

// ScanDate implements pgtype.DateScanner.
func (j *jsDate) ScanDate(v pgtype.Date) error {
	j.d, j.valid = model.DateOf(v.Time, time.UTC), v.Valid && v.InfinityModifier == pgtype.Finite
	return nil
}

// MarshalJSON implements json.Marshaler.
func (j jsDate) MarshalJSON() ([]byte, error) {
	if !j.valid {
		return []byte("null"), nil
	}
	return []byte(`"` + j.d.String() + `"`), nil
}
