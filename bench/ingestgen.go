package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

// G1's shape: batches of 100 receipts of 20 lines (the issue's).
const (
	g1Receipts = 100
	g1Lines    = 20
)

// ingestGen makes G1 batches: fresh receipts (unique external ids) of
// existing cards at grocery stores, bought in the last hour, with lines of
// catalog products that sum to their totals.
type ingestGen struct {
	run      string // makes external ids unique across runs of the harness
	cards    []string
	stores   []string
	products []product
	next     atomic.Int64
}

type product struct {
	gtin string
	unit model.Unit
}

// newIngestGen reads cards, grocery stores and products from the database.
func newIngestGen(ctx context.Context, url string) (*ingestGen, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	g := &ingestGen{run: time.Now().UTC().Format("20060102T150405")}
	if g.cards, err = column(ctx, conn, `SELECT card_number FROM cards ORDER BY md5(card_number) LIMIT 5000`); err != nil {
		return nil, err
	}
	if g.stores, err = column(ctx, conn, `SELECT store_id FROM stores WHERE kind = 'GROCERY' ORDER BY store_id`); err != nil {
		return nil, err
	}
	rows, _ := conn.Query(ctx, `SELECT gtin, unit FROM products ORDER BY gtin`)
	var p product
	if _, err := pgx.ForEachRow(rows, []any{&p.gtin, &p.unit}, func() error { g.products = append(g.products, p); return nil }); err != nil {
		return nil, err
	}
	if len(g.cards) == 0 || len(g.stores) == 0 || len(g.products) == 0 {
		return nil, fmt.Errorf("ingest: the data set has no cards, grocery stores or products")
	}
	return g, nil
}

func column(ctx context.Context, conn *pgx.Conn, sql string) ([]string, error) {
	rows, _ := conn.Query(ctx, sql)
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// batch returns a G1 batch.
func (g *ingestGen) batch(rng *rand.Rand) []model.ReceiptInput {
	out := make([]model.ReceiptInput, g1Receipts)
	now := time.Now().UTC()
	for i := range out {
		out[i] = g.receipt(rng, now.Add(-time.Duration(rng.IntN(3600))*time.Second))
	}
	return out
}

// receipt returns one receipt of g1Lines lines.
func (g *ingestGen) receipt(rng *rand.Rand, at time.Time) model.ReceiptInput {
	lines := make([]model.LineInput, g1Lines)
	total := 0
	for j := range lines {
		p := g.products[rng.IntN(len(g.products))]
		qty, price := float64(1+rng.IntN(3)), 50+rng.IntN(950)
		if p.unit == model.UnitKg {
			qty, price = float64(200+rng.IntN(1800))/1000, 200+rng.IntN(2800)
		}
		gtin := p.gtin
		amount := int(math.Round(qty * float64(price)))
		lines[j] = model.LineInput{Gtin: &gtin, Description: "item " + gtin, Quantity: qty, Unit: p.unit,
			UnitPriceCents: price, AmountCents: amount}
		total += amount
	}
	n := g.next.Add(1)
	return model.ReceiptInput{Source: "bench-g1", ExternalID: fmt.Sprintf("%s-%d", g.run, n),
		CardNumber: g.cards[rng.IntN(len(g.cards))], StoreID: g.stores[rng.IntN(len(g.stores))],
		PurchasedAt: at.Truncate(time.Second), TotalCents: total, BonusEligibleCents: total, Lines: lines}
}
