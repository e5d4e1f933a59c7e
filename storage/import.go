package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// DefaultImportBatch is the receipts per transaction of ImportReceipts:
// large enough that a transaction's fixed cost (a dozen statements, one
// rollup trigger per table) is spread over about 100,000 lines, and that
// each rollup row it upserts sums many lines (10,000 receipts imported 20 %
// faster than 5,000, and 2,000 30 % slower, on the benchmark's data).
const DefaultImportBatch = 10000

// maxImportLine bounds one line of an import file: a receipt of 1,000
// lines with long descriptions fits many times over.
const maxImportLine = 8 << 20

// ImportOptions controls ImportReceipts.
type ImportOptions struct {
	// Batch is the receipts per transaction (default DefaultImportBatch).
	Batch int
	// Workers is how many transactions are in flight at once (default
	// DefaultImportWorkers).
	Workers int
	// Rejected, if set, is called for each rejected receipt with its line
	// number in the file (from 1) and why. Calls do not overlap.
	Rejected func(line int, r model.Rejection)
	// Progress, if set, is called after each committed batch with the
	// totals so far. Calls do not overlap.
	Progress func(ImportSummary)
}

// DefaultImportWorkers keeps a two-core database busy while the import
// parses the next batches.
const DefaultImportWorkers = 2

// ImportSummary counts what ImportReceipts did.
type ImportSummary struct {
	// Receipts is the receipts read (non-blank lines of the file).
	Receipts       int `json:"receipts"`
	Accepted       int `json:"accepted"`
	Duplicates     int `json:"duplicates"`
	Rejected       int `json:"rejected"`
	LinesStored    int `json:"linesStored"`
	LinesDiscarded int `json:"linesDiscarded"`
}

// importChunk is one transaction's worth of an import file.
type importChunk struct {
	items []*ingestItem // the receipts that passed validation
	rej   *rejections   // indexes are positions in the chunk
	line  []int         // file line number of each position
	now   time.Time
}

// ImportReceipts loads receipts from r, one JSON ReceiptInput a line
// (NDJSON), for `omadata import`. Every receipt goes through the rules of
// IngestReceipts: the same validation, card and store resolution, the
// PRODUCT_LEVEL_DATA rule at purchase time, duplicates and CONFLICTs by
// (source, externalId), and the rollup triggers; a line that is not a
// ReceiptInput is rejected as BAD_USER_INPUT. Each batch of opt.Batch
// receipts commits on its own, so an interrupted import keeps the batches
// it finished, and running it again stores the rest and counts the others
// as duplicates.
//
// The lines are written with COPY, which PostgreSQL refuses under
// row-level security, so the import's transactions keep the connecting
// user (the tables' owner, as for migrations) instead of switching to
// omadata_app: it is an operator's tool, not a request.
//
// Parsing runs ahead of opt.Workers writers. Receipts are routed to a
// writer by card number, so one card's receipts keep their order and
// writers seldom wait for each other's member locks (rollups lock the
// members they update until commit).
func (db *DB) ImportReceipts(ctx context.Context, r io.Reader, opt ImportOptions) (*ImportSummary, error) {
	if opt.Batch <= 0 {
		opt.Batch = DefaultImportBatch
	}
	if opt.Workers <= 0 {
		opt.Workers = DefaultImportWorkers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queues := make([]chan *importChunk, opt.Workers)
	errs := make(chan error, opt.Workers)
	var wg sync.WaitGroup
	var mu sync.Mutex // guards sum and serialises the callbacks
	sum := &ImportSummary{}
	for i := range queues {
		queues[i] = make(chan *importChunk, 1)
		wg.Add(1)
		go func(q <-chan *importChunk) {
			defer wg.Done()
			for c := range q {
				if ctx.Err() != nil {
					continue // another writer failed: drain
				}
				if err := db.importChunk(ctx, c, sum, &mu, opt); err != nil {
					errs <- err
					cancel()
				}
			}
		}(queues[i])
	}
	readErr := db.readChunks(ctx, r, opt.Batch, queues)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return sum, err // the first writer's failure, not the cancellations after it
	}
	return sum, readErr
}

// parsedLine is a line of the file on its way to a writer.
type parsedLine struct {
	in  model.ReceiptInput
	err error
	n   int // line number
}

// readChunks parses and validates r into chunks of batch receipts, one
// current chunk per writer, and closes the writers' queues at the end.
func (db *DB) readChunks(ctx context.Context, r io.Reader, batch int, queues []chan *importChunk) error {
	defer func() {
		for _, q := range queues {
			close(q)
		}
	}()
	rt := &router{db: db, batch: batch, queues: queues, chunks: make([]*importChunk, len(queues))}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxImportLine)
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		in, err := parseReceipt(text)
		rt.pending = append(rt.pending, parsedLine{in, err, n})
		if len(rt.pending) == batch {
			if err := rt.route(ctx); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("import: a line is longer than %d bytes", maxImportLine)
		}
		return fmt.Errorf("import: read: %w", err)
	}
	if err := rt.route(ctx); err != nil {
		return err
	}
	return rt.flush(ctx)
}

// router hands parsed lines to the writers: all receipts of one member to
// the same writer, so that writers do not wait for each other's member
// locks (the rollup triggers lock a transaction's members until commit).
type router struct {
	db      *DB
	batch   int
	queues  []chan *importChunk
	chunks  []*importChunk // each writer's chunk being filled
	pending []parsedLine
}

// route resolves the pending lines' cards to their members and adds each
// line to its writer's chunk, sending the chunks that fill up.
func (rt *router) route(ctx context.Context) error {
	if len(rt.pending) == 0 {
		return nil
	}
	owners, err := rt.db.cardOwners(ctx, rt.pending)
	if err != nil {
		return err
	}
	for _, p := range rt.pending {
		key := owners[p.in.CardNumber]
		if key == "" {
			key = p.in.CardNumber // unknown: rejected by the writer
		}
		w := writerOf(key, len(rt.queues))
		if rt.chunks[w] == nil {
			rt.chunks[w] = rt.db.newChunk(rt.batch)
		}
		rt.chunks[w].add(p.in, p.err, p.n, rt.db.cfg.Location)
		if len(rt.chunks[w].line) == rt.batch {
			if err := rt.send(ctx, w); err != nil {
				return err
			}
		}
	}
	rt.pending = rt.pending[:0]
	return nil
}

// send queues writer w's chunk.
func (rt *router) send(ctx context.Context, w int) error {
	select {
	case rt.queues[w] <- rt.chunks[w]:
		rt.chunks[w] = nil
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// flush sends the chunks that are not full.
func (rt *router) flush(ctx context.Context) error {
	for w, c := range rt.chunks {
		if c != nil {
			if err := rt.send(ctx, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// cardOwners maps the cards of lines to their members.
func (db *DB) cardOwners(ctx context.Context, lines []parsedLine) (map[string]string, error) {
	cards := make([]string, 0, len(lines))
	for _, p := range lines {
		if p.err == nil {
			cards = append(cards, p.in.CardNumber)
		}
	}
	owners := make(map[string]string, len(cards))
	err := db.importTx(ctx, time.Time{}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT card_number, customer_id FROM cards WHERE card_number = ANY($1)`, cards)
		var card, customer string
		_, err := pgx.ForEachRow(rows, []any{&card, &customer}, func() error { owners[card] = customer; return nil })
		return err
	})
	return owners, err
}

// writerOf routes a card's receipts to one of n writers.
func writerOf(card string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(card))
	return int(h.Sum32() % uint32(n))
}

func (db *DB) newChunk(batch int) *importChunk {
	return &importChunk{items: make([]*ingestItem, 0, batch), rej: newRejections(),
		line: make([]int, 0, batch), now: db.Now()}
}

// parseReceipt decodes one line of the file.
func parseReceipt(text []byte) (model.ReceiptInput, error) {
	var in model.ReceiptInput
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err != nil {
		return in, model.InputErrorf("line", "not a ReceiptInput: %s", jsonProblem(err))
	}
	return in, nil
}

// add validates one receipt of the file (line number n), or records the
// error its line had.
func (c *importChunk) add(in model.ReceiptInput, err error, n int, loc *time.Location) {
	i := len(c.line)
	c.line = append(c.line, n)
	if err == nil {
		err = ValidateReceipt(in, c.now)
	}
	if err != nil {
		c.rej.add(i, err)
		return
	}
	c.items = append(c.items, &ingestItem{index: i, in: in, hash: contentHash(in),
		purchasedOn: model.DateOf(in.PurchasedAt, loc).UTCMidnight()})
}

// jsonProblem says what is wrong with a line without echoing its content.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s must be %s", typ.Field, typ.Type)
	}
	return err.Error()
}

// importChunk writes one chunk in one transaction and adds it to sum.
func (db *DB) importChunk(ctx context.Context, c *importChunk, sum *ImportSummary, mu *sync.Mutex, opt ImportOptions) error {
	res := &model.IngestResult{}
	err := db.importTx(ctx, c.now, func(tx pgx.Tx) error {
		return db.ingest(ctx, tx, c.items, c.rej, res, c.now, insertReceiptsThenCopyLines)
	})
	if err != nil {
		return fmt.Errorf("import: batch ending at line %d: %w", c.line[len(c.line)-1], mapError(err))
	}
	sortRejections(c.rej.list)
	mu.Lock()
	defer mu.Unlock()
	for _, r := range c.rej.list {
		if opt.Rejected != nil {
			opt.Rejected(c.line[r.Index], r)
		}
	}
	sum.Receipts += len(c.line)
	sum.Accepted += res.Accepted
	sum.Duplicates += res.Duplicates
	sum.Rejected += len(c.rej.list)
	sum.LinesStored += res.LinesStored
	sum.LinesDiscarded += res.LinesDiscarded
	if opt.Progress != nil {
		opt.Progress(*sum)
	}
	return nil
}

// importWorkMem lets a batch's rollup triggers sort and hash their
// transition tables in memory instead of temporary files.
const importWorkMem = "64MB"

// importTx runs fn in a transaction of the import: system scope, as the
// policies expect, without the role switch (see ImportReceipts).
func (db *DB) importTx(ctx context.Context, now time.Time, fn func(pgx.Tx) error) error {
	if now.IsZero() {
		now = db.Now()
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT omadata_scope('system', '', $1), set_config('work_mem', $2, true)`, now, importWorkMem)
		if err != nil {
			return err
		}
		return fn(tx)
	})
}

// lineColumns are the receipt_lines columns copyLines fills.
var lineColumns = []string{"customer_id", "receipt_seq", "line_no", "gtin", "description", "quantity", "unit",
	"unit_price_cents", "amount_cents", "discount_cents", "warranty_until", "purchased_on"}

// insertReceiptsThenCopyLines inserts the receipts, then COPYs the lines
// of those it inserted that keep them in one COPY statement (whose
// statement-level rollup triggers fire as for an INSERT). The import's
// writers take members of their own (ImportReceipts), so the member locks
// the receipts' trigger takes first cost them no waiting.
func insertReceiptsThenCopyLines(ctx context.Context, tx pgx.Tx, items []*ingestItem, now time.Time) ([]*ingestItem, int, error) {
	c := newReceiptRows(items)
	rows, _ := tx.Query(ctx, receiptsSQL(""), c.args(now)...)
	fresh, err := c.freshItems(rows)
	if err != nil {
		return nil, 0, err
	}
	stored, err := copyLines(ctx, tx, fresh)
	return fresh, stored, err
}

// copyLines writes the lines of fresh receipts that keep them with COPY.
func copyLines(ctx context.Context, tx pgx.Tx, fresh []*ingestItem) (int, error) {
	var rows [][]any
	for _, it := range fresh {
		if !it.keep {
			continue
		}
		for j, l := range it.in.Lines {
			rows = append(rows, []any{it.customer, it.seq, j + 1, l.Gtin, l.Description, l.Quantity, string(l.Unit),
				l.UnitPriceCents, l.AmountCents, deref(l.DiscountCents), it.warranty[j], it.purchasedOn})
		}
	}
	if len(rows) == 0 {
		return 0, nil
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"receipt_lines"}, lineColumns, pgx.CopyFromRows(rows))
	return int(n), err
}
