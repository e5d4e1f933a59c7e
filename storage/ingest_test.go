package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

func ptr[T any](v T) *T { return &v }

func validReceipt(now time.Time) model.ReceiptInput {
	return servertest.Receipt("c1", "x1", now.Add(-time.Hour),
		servertest.Line("6400000000001", 2, model.UnitPiece, 50),
		servertest.Line("6400000000002", 0.25, model.UnitKg, 400))
}

// TestValidateReceipt has one case per validation rule of ingest.
func TestValidateReceipt(t *testing.T) {
	now := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		edit  func(r *model.ReceiptInput)
		field string
	}{
		"OK":                      {func(r *model.ReceiptInput) {}, ""},
		"ErrEmptySource":          {func(r *model.ReceiptInput) { r.Source = "" }, "source"},
		"ErrEmptyExternalID":      {func(r *model.ReceiptInput) { r.ExternalID = " " }, "externalId"},
		"ErrControlInExternalID":  {func(r *model.ReceiptInput) { r.ExternalID = "a\x00b" }, "externalId"},
		"ErrBadCard":              {func(r *model.ReceiptInput) { r.CardNumber = "12" }, "cardNumber"},
		"ErrBadStore":             {func(r *model.ReceiptInput) { r.StoreID = "a b" }, "storeId"},
		"ErrFuture":               {func(r *model.ReceiptInput) { r.PurchasedAt = now.Add(time.Hour) }, "purchasedAt"},
		"ErrAncient":              {func(r *model.ReceiptInput) { r.PurchasedAt = now.AddDate(-11, 0, 0) }, "purchasedAt"},
		"ErrNegativeTotal":        {func(r *model.ReceiptInput) { r.TotalCents = -1 }, "totalCents"},
		"ErrAbsurdTotal":          {func(r *model.ReceiptInput) { r.TotalCents = 1 << 40 }, "totalCents"},
		"ErrBonusAboveTotal":      {func(r *model.ReceiptInput) { r.BonusEligibleCents = r.TotalCents + 1 }, "bonusEligibleCents"},
		"ErrCurrency":             {func(r *model.ReceiptInput) { r.Currency = ptr("euro") }, "currency"},
		"ErrNoLines":              {func(r *model.ReceiptInput) { r.Lines = nil }, "lines"},
		"ErrSumMismatch":          {func(r *model.ReceiptInput) { r.TotalCents++; r.BonusEligibleCents = 0 }, "lines"},
		"ErrGtin":                 {func(r *model.ReceiptInput) { r.Lines[0].Gtin = ptr("abc") }, "lines[0].gtin"},
		"ErrDescription":          {func(r *model.ReceiptInput) { r.Lines[0].Description = "" }, "lines[0].description"},
		"ErrZeroQuantity":         {func(r *model.ReceiptInput) { r.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		"ErrNegativeQuantity":     {func(r *model.ReceiptInput) { r.Lines[0].Quantity = -2 }, "lines[0].quantity"},
		"ErrQuantityDecimals":     {func(r *model.ReceiptInput) { r.Lines[1].Quantity = 0.2501 }, "lines[1].quantity"},
		"ErrUnit":                 {func(r *model.ReceiptInput) { r.Lines[0].Unit = "BOX" }, "lines[0].unit"},
		"ErrNegativePrice":        {func(r *model.ReceiptInput) { r.Lines[0].UnitPriceCents = -1 }, "lines[0].unitPriceCents"},
		"ErrAmountNotPriceTimesQ": {func(r *model.ReceiptInput) { r.Lines[0].AmountCents += 5; r.TotalCents += 5 }, "lines[0].amountCents"},
		"ErrNegativeDiscount":     {func(r *model.ReceiptInput) { r.Lines[0].DiscountCents = ptr(-1) }, "lines[0].amountCents"},
		"ErrWarranty":             {func(r *model.ReceiptInput) { r.Lines[0].WarrantyMonths = ptr(-1) }, "lines[0].warrantyMonths"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := validReceipt(now)
			c.edit(&r)
			err := storage.ValidateReceipt(r, now)
			if c.field == "" {
				if err != nil {
					t.Fatalf("valid receipt rejected: %v", err)
				}
				return
			}
			if model.ErrorCode(err) != model.BadUserInput || !strings.HasPrefix(model.ErrorMessage(err), c.field+":") {
				t.Fatalf("want BAD_USER_INPUT on %s, got %v", c.field, err)
			}
		})
	}
}

func count(t *testing.T, env *servertest.Env, sql string) int {
	t.Helper()
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngest(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	ctx := context.Background()
	now := env.Clock.Now()
	good := validReceipt(now)

	t.Run("OK", func(t *testing.T) {
		res := env.Ingest(t, good)
		if res.Accepted != 1 || res.LinesStored != 2 || res.LinesDiscarded != 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("ReplayIsDuplicate", func(t *testing.T) {
		res := env.Ingest(t, good, good)
		if res.Accepted != 0 || res.Duplicates != 2 || count(t, env, `SELECT count(*) FROM receipts`) != 1 ||
			count(t, env, `SELECT count(*) FROM receipt_lines`) != 2 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		other := servertest.Receipt("c1", good.ExternalID, good.PurchasedAt, servertest.Line("6400000000003", 1, model.UnitPiece, 129))
		res, err := env.DB.IngestReceipts(ctx, []model.ReceiptInput{other})
		if err != nil || res.Rejected != 1 || res.Rejections[0].Code != model.Conflict {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("ErrUnknownCardAndStore", func(t *testing.T) {
		card := validReceipt(now)
		card.ExternalID, card.CardNumber = "x2", "92460000"
		store := validReceipt(now)
		store.ExternalID, store.StoreID = "x3", "nowhere"
		fine := validReceipt(now)
		fine.ExternalID = "x4"
		res, err := env.DB.IngestReceipts(ctx, []model.ReceiptInput{card, fine, store})
		if err != nil || res.Accepted != 1 || res.Rejected != 2 ||
			res.Rejections[0].Index != 0 || res.Rejections[0].Code != model.NotFound ||
			res.Rejections[1].Index != 2 || res.Rejections[1].Code != model.NotFound {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("InvalidItemLeavesOthers", func(t *testing.T) {
		bad := validReceipt(now)
		bad.ExternalID, bad.TotalCents = "x5", bad.TotalCents+1
		fine := validReceipt(now)
		fine.ExternalID = "x6"
		before := count(t, env, `SELECT count(*) FROM receipt_lines`)
		res, err := env.DB.IngestReceipts(ctx, []model.ReceiptInput{bad, fine})
		if err != nil || res.Accepted != 1 || res.Rejected != 1 || res.Rejections[0].Code != model.BadUserInput {
			t.Fatalf("%v %+v", err, res)
		}
		if got := count(t, env, `SELECT count(*) FROM receipt_lines`) - before; got != 2 {
			t.Fatalf("stored %d lines, want the 2 of the valid receipt only", got)
		}
	})
	t.Run("WarrantyFromProduct", func(t *testing.T) {
		r := servertest.Receipt("c1", "kettle", now.Add(-time.Hour), servertest.Line("6400000000004", 1, model.UnitPiece, 3990))
		env.Ingest(t, r)
		var until time.Time
		err := env.DB.Pool().QueryRow(ctx, `SELECT warranty_until FROM receipts WHERE external_id = 'kettle'`).Scan(&until)
		if err != nil || until.Format(time.DateOnly) != "2028-06-15" {
			t.Fatalf("warranty until %v (%v)", until, err)
		}
	})
}

// TestIngestTotalsOnly: lines of a member without PRODUCT_LEVEL_DATA are
// dropped before anything is written; the totals are kept for the bonus.
func TestIngestTotalsOnly(t *testing.T) {
	env := servertest.New(t)
	env.Catalog(t)
	env.Member(t, servertest.MemberSpec{ID: "c1", Consents: []model.ConsentChange{
		{Purpose: model.ConsentPurposeProductLevelData, Granted: false}}})
	res := env.Ingest(t, validReceipt(env.Clock.Now()))
	if res.Accepted != 1 || res.LinesStored != 0 || res.LinesDiscarded != 2 {
		t.Fatalf("%+v", res)
	}
	if n := count(t, env, `SELECT count(*) FROM receipt_lines`); n != 0 {
		t.Fatalf("%d lines stored", n)
	}
	if n := count(t, env, `SELECT total_cents FROM receipts`); n != validReceipt(env.Clock.Now()).TotalCents {
		t.Fatalf("total %d", n)
	}
}
