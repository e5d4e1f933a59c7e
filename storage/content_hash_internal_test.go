package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// TestContentHashIsJSON holds the hand-written canonical form equal to
// encoding/json's, byte for byte, on random receipts full of what JSON
// escapes, and the hash of a fixed receipt to the value stored receipts
// carry (a changed canonical form would make every re-sent receipt a
// CONFLICT).
func TestContentHashIsJSON(t *testing.T) {
	gtin, one, twelve := "6400000000001", 1, 12
	fixed := model.ReceiptInput{Source: "POS", ExternalID: "k-1", CardNumber: "9990001", StoreID: "s1",
		PurchasedAt: time.Date(2026, 3, 31, 23, 30, 0, 500, time.FixedZone("EEST", 3*3600)),
		TotalCents:  1234, BonusEligibleCents: 1000,
		Lines: []model.LineInput{
			{Gtin: &gtin, Description: "Jäätelö <3 & kahvi", Quantity: 0.355, Unit: model.UnitKg, UnitPriceCents: 999, AmountCents: 355},
			{Description: "Pussi", Quantity: 1, Unit: model.UnitPiece, UnitPriceCents: 25, AmountCents: 24, DiscountCents: &one, WarrantyMonths: &twelve},
		}}
	plain := fixed
	plain.Lines = append([]model.LineInput{}, fixed.Lines...)
	plain.Lines[0].Description = "Jäätelö 3 kahvi"
	// Hashes of the code before appendCanonical (commit d6f4d0a).
	for r, want := range map[*model.ReceiptInput]string{
		&fixed: "1b9dc4e04bc3c3a7308ed4c583e6407ccedf5baace4e76c3d28e958fa61c1aab",
		&plain: "9ca17eb2fb9248957fdec4990b7870590f8b555b4d9365f3a447b3171808fd78",
	} {
		if got := hex.EncodeToString(contentHash(*r)); got != want {
			t.Errorf("contentHash of %q = %s, want %s", r.Lines[0].Description, got, want)
		}
	}
	if _, ok := appendCanonical(nil, plain); !ok {
		t.Fatal("a plain receipt took encoding/json's path")
	}

	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Ö", "ä", "€", "<", ">", "&", `"`, `\`, "\n", "\t", "\x01", "\x7f", "\u2028", "\u2029",
		"\xff", "\xe2\x82", "😀", " ", "/", "'"}
	// Four strings in five are plain, so that most receipts take the
	// hand-written path and the rest cover every escape.
	text := func() string {
		var b []byte
		for range rng.IntN(6) {
			if rng.IntN(40) == 0 {
				b = append(b, pieces[rng.IntN(len(pieces))]...)
			} else {
				b = append(b, pieces[rng.IntN(4)]...)
			}
		}
		return string(b)
	}
	floats := []float64{0, 1, 0.5, 1.25, 0.001, 1e-7, 1.5e-6, 1e20, 1e21, 123456789.125, -2.5, math.Inf(1), math.NaN(), math.SmallestNonzeroFloat64}
	fast := 0
	for i := range 3000 {
		r := model.ReceiptInput{Source: text(), ExternalID: text(), CardNumber: text(), StoreID: text(),
			PurchasedAt:        time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(time.FixedZone("x", rng.IntN(50000)-25000)),
			TotalCents:         rng.IntN(1e9) - 5e8,
			BonusEligibleCents: rng.IntN(1e6),
		}
		if i%7 == 0 {
			r.PurchasedAt = time.Date(10000+rng.IntN(5), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if rng.IntN(2) == 0 {
			c := text()
			r.Currency = &c
		}
		for range rng.IntN(4) {
			l := model.LineInput{Description: text(), Unit: model.AllUnit[rng.IntN(len(model.AllUnit))], UnitPriceCents: rng.IntN(1e5), AmountCents: rng.IntN(1e5) - 100}
			if rng.IntN(9) == 0 {
				l.Unit = model.Unit(text())
			}
			if rng.IntN(3) > 0 {
				l.Quantity = floats[rng.IntN(len(floats))]
			} else {
				l.Quantity = rng.Float64() * 100
			}
			if rng.IntN(2) == 0 {
				g := text()
				l.Gtin = &g
			}
			if rng.IntN(2) == 0 {
				d := rng.IntN(100)
				l.DiscountCents = &d
			}
			if rng.IntN(2) == 0 {
				w := rng.IntN(60)
				l.WarrantyMonths = &w
			}
			r.Lines = append(r.Lines, l)
		}
		ref := canonicalJSON(r)
		if got, ok := appendCanonical(nil, r); ok {
			fast++
			if !bytes.Equal(got, ref) {
				t.Fatalf("receipt %d:\n got %s\nwant %s", i, got, ref)
			}
		}
		if got, want := contentHash(r), sha256Of(ref); !bytes.Equal(got, want) {
			t.Fatalf("receipt %d: contentHash differs from the hash of encoding/json's form", i)
		}
	}
	if fast < 100 {
		t.Fatalf("only %d of 3,000 receipts took the hand-written path", fast)
	}
}

func sha256Of(b []byte) []byte { h := sha256.Sum256(b); return h[:] }

// BenchmarkContentHash compares the canonical form by hand with encoding/json
// on a receipt of 20 lines.
func BenchmarkContentHash(b *testing.B) {
	gtin := "6400000000001"
	r := model.ReceiptInput{Source: "POS", ExternalID: "k-1", CardNumber: "9990001", StoreID: "s1",
		PurchasedAt: time.Now(), TotalCents: 1234, BonusEligibleCents: 1000}
	for i := range 20 {
		r.Lines = append(r.Lines, model.LineInput{Gtin: &gtin, Description: "Jäätelö 1 l", Quantity: 0.355,
			Unit: model.UnitKg, UnitPriceCents: 999, AmountCents: 355 + i})
	}
	b.Run("EncodingJSON", func(b *testing.B) {
		for b.Loop() {
			sha256Of(canonicalJSON(r))
		}
	})
	b.Run("AppendCanonical", func(b *testing.B) {
		for b.Loop() {
			contentHash(r)
		}
	})
}
