package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestImportCommand runs `omadata import` through the command dispatch, as
// an operator (and the benchmark) does: a file of receipts is stored once,
// and a rerun stores nothing twice.
func TestImportCommand(t *testing.T) {
	url := pgtest.NewDatabase(t)
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config{DatabaseURL: url, Location: helsinki, RetentionYears: 5, MaxRetentionYears: 10, InactivityMonths: 24}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	if err := dispatch(ctx, cfg, log, "seed", []string{"--members", "2", "--years", "0.05"}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var card, store, gtin string
	if err := conn.QueryRow(ctx, `SELECT (SELECT card_number FROM cards LIMIT 1), (SELECT store_id FROM stores LIMIT 1),
		(SELECT gtin FROM products LIMIT 1)`).Scan(&card, &store, &gtin); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "receipts.ndjson")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(f)
	for i, ext := range []string{"imp-1", "imp-2"} {
		at := time.Now().Add(-time.Duration(i+1) * time.Hour)
		if err := enc.Encode(model.ReceiptInput{Source: "import-test", ExternalID: ext, CardNumber: card, StoreID: store,
			PurchasedAt: at, TotalCents: 250, BonusEligibleCents: 250, Lines: []model.LineInput{{Gtin: &gtin,
				Description: "item", Quantity: 1, Unit: model.UnitPiece, UnitPriceCents: 250, AmountCents: 250}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	imported := func() int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM receipts WHERE source = 'import-test'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for run := range 2 {
		if err := dispatch(ctx, cfg, log, "import", []string{file}); err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		if n := imported(); n != 2 {
			t.Fatalf("run %d: %d receipts stored, want 2", run+1, n)
		}
	}
	t.Run("ErrUnknownCommand", func(t *testing.T) {
		if err := dispatch(ctx, cfg, log, "imprt", nil); !errors.Is(err, errUsage) {
			t.Fatalf("unknown command: %v", err)
		}
	})
}
