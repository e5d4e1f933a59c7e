package storage_test

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// fuzzNow is the fixed "now" the fuzz targets validate against.
var fuzzNow = time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)

// Flags of FuzzValidateReceipt's optional fields.
const (
	hasCurrency = 1 << iota
	hasGtin
	hasDiscount
	hasWarranty
	manyLines // 1,001 copies of the line: one past the limit
)

// FuzzValidateReceipt feeds the till's input check receipts of `copies`
// identical lines plus, for a total that can differ, one line of the
// remainder. It must never panic; whatever it accepts must be a sane
// receipt whose lines sum exactly to its total; whatever it refuses must
// be BAD_USER_INPUT naming the field.
func FuzzValidateReceipt(f *testing.F) {
	f.Add("pos-s1", "x1", "9246c1", "s1", "EUR", int64(3600), 90, 90, "6400000000001", "Apples", "PIECE", 2.0, 45, 90, 0, 0, uint8(1), uint8(hasGtin|hasCurrency))
	f.Add("pos-s1", "x2", "9246c1", "s1", "", int64(60), 816, 500, "", "Tomatoes", "KG", 0.512, 399, 204, 0, 0, uint8(4), uint8(0))
	f.Add("pos:1", "ä/€ 1", "ABCD", "s.1", "SEK", int64(86400*365*9), 0, 0, "12345678", "Free sample", "L", 0.001, 0, 0, 0, 24, uint8(2), uint8(hasWarranty|hasDiscount))
	f.Add("pos-s1", "x3", "9246c1", "s1", "EUR", int64(-200), 9_999_999, 0, "", "Car", "PIECE", 1.0, 10_000_000, 9_999_999, 1, 0, uint8(1), uint8(hasDiscount))
	f.Add("pos-s1", "x4", "9246c1", "s1", "EUR", int64(10), 1001, 1001, "", "Gum", "PIECE", 1.0, 1, 1, 0, 0, uint8(1), uint8(manyLines))
	f.Fuzz(func(t *testing.T, source, ext, card, store, currency string, ageSeconds int64, total, bonus int,
		gtin, desc, unit string, qty float64, price, amount, discount, warranty int, copies, flags uint8) {
		r := model.ReceiptInput{Source: source, ExternalID: ext, CardNumber: card, StoreID: store,
			PurchasedAt: fuzzNow.Add(-time.Duration(ageSeconds) * time.Second), TotalCents: total, BonusEligibleCents: bonus}
		if flags&hasCurrency != 0 {
			r.Currency = &currency
		}
		line := model.LineInput{Description: desc, Quantity: qty, Unit: model.Unit(unit), UnitPriceCents: price, AmountCents: amount}
		if flags&hasGtin != 0 {
			line.Gtin = &gtin
		}
		if flags&hasDiscount != 0 {
			line.DiscountCents = &discount
		}
		if flags&hasWarranty != 0 {
			line.WarrantyMonths = &warranty
		}
		n := int(copies)
		if flags&manyLines != 0 {
			n = 1001
		}
		for range n {
			r.Lines = append(r.Lines, line)
		}
		err := storage.ValidateReceipt(r, fuzzNow)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		checkAccepted(t, r)
	})
}

// checkRefusal requires a BAD_USER_INPUT error that names its field.
func checkRefusal(t *testing.T, err error) {
	var e *model.Error
	if !errors.As(err, &e) || e.Code != model.BadUserInput || e.Field == "" || !strings.HasPrefix(e.Message, e.Field+": ") {
		t.Fatalf("refusal %#v is not BAD_USER_INPUT naming its field", err)
	}
}

// checkAccepted requires an accepted receipt to be one a till could have
// printed, its line amounts summing (without overflow) to its total.
func checkAccepted(t *testing.T, r model.ReceiptInput) {
	sum := new(big.Int)
	for _, l := range r.Lines {
		sum.Add(sum, big.NewInt(int64(l.AmountCents)))
		d := 0
		if l.DiscountCents != nil {
			d = *l.DiscountCents
		}
		switch {
		case math.IsNaN(l.Quantity) || math.IsInf(l.Quantity, 0) || l.Quantity <= 0 || l.Quantity > 10_000:
			t.Fatalf("accepted quantity %v", l.Quantity)
		case l.AmountCents < 0 || d < 0 || l.UnitPriceCents < 0 || l.AmountCents > 10_000*10_000_000+1 || d > 10_000*10_000_000+1:
			t.Fatalf("accepted line amounts %+v", l)
		case !utf8.ValidString(l.Description) || strings.TrimSpace(l.Description) == "":
			t.Fatalf("accepted description %q", l.Description)
		case !l.Unit.IsValid():
			t.Fatalf("accepted unit %q", l.Unit)
		}
	}
	switch {
	case sum.Cmp(big.NewInt(int64(r.TotalCents))) != 0:
		t.Fatalf("accepted lines summing to %s, total %d", sum, r.TotalCents)
	case len(r.Lines) < 1 || len(r.Lines) > 1000:
		t.Fatalf("accepted %d lines", len(r.Lines))
	case r.BonusEligibleCents < 0 || r.BonusEligibleCents > r.TotalCents || r.TotalCents > 10_000_000:
		t.Fatalf("accepted totals %d / %d", r.TotalCents, r.BonusEligibleCents)
	case r.PurchasedAt.After(fuzzNow.Add(5*time.Minute)) || r.PurchasedAt.Before(fuzzNow.AddDate(-10, 0, 0)):
		t.Fatalf("accepted purchase time %v", r.PurchasedAt)
	case !utf8.ValidString(r.ExternalID) || strings.TrimSpace(r.ExternalID) == "":
		t.Fatalf("accepted externalId %q", r.ExternalID)
	}
}

// FuzzDecodeCursor checks that decoding an `after` argument never panics,
// refuses with BAD_USER_INPUT naming `after`, and accepts only the one
// spelling that Encode gives, so a position has exactly one cursor.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(storage.Cursor{At: fuzzNow, Seq: 42}.Encode())
	f.Add(storage.Cursor{At: time.UnixMicro(math.MinInt64), Seq: -1}.Encode())
	f.Add("")
	f.Add("not-a-cursor")
	f.Add(storage.ReceiptID(7))
	f.Fuzz(func(t *testing.T, s string) {
		c, err := storage.DecodeCursor(&s)
		switch {
		case err != nil:
			var e *model.Error
			if !errors.As(err, &e) || e.Code != model.BadUserInput || e.Field != "after" {
				t.Fatalf("refusal %#v", err)
			}
		case s == "":
			if c != nil {
				t.Fatalf("empty after decoded to %+v", c)
			}
		case c.Encode() != s:
			t.Fatalf("%q decoded to %+v, which encodes as %q", s, c, c.Encode())
		}
	})
}

// FuzzCursorRoundTrip checks every position survives encoding.
func FuzzCursorRoundTrip(f *testing.F) {
	f.Add(fuzzNow.UnixMicro(), int64(1))
	f.Add(int64(math.MinInt64), int64(math.MaxInt64))
	f.Fuzz(func(t *testing.T, micros, seq int64) {
		in := storage.Cursor{At: time.UnixMicro(micros).UTC(), Seq: seq}
		s := in.Encode()
		out, err := storage.DecodeCursor(&s)
		if err != nil || !out.At.Equal(in.At) || out.Seq != in.Seq {
			t.Fatalf("%+v -> %q -> %+v, %v", in, s, out, err)
		}
	})
}

// FuzzParseReceiptID checks that a receipt id parses to the sequence
// number it was made from, and that anything else is NOT_FOUND (never
// BAD_USER_INPUT, which would tell a prober the id was malformed rather
// than someone else's) and never a second spelling of a real id.
func FuzzParseReceiptID(f *testing.F) {
	f.Add(storage.ReceiptID(1))
	f.Add(storage.ReceiptID(math.MaxInt64))
	f.Add("zzz")
	f.Add(storage.Cursor{At: fuzzNow, Seq: 1}.Encode())
	f.Fuzz(func(t *testing.T, id string) {
		seq, err := storage.ParseReceiptID(id)
		if err != nil {
			var e *model.Error
			if !errors.As(err, &e) || e.Code != model.NotFound || e.Message != "receipt not found" {
				t.Fatalf("refusal %#v", err)
			}
			return
		}
		if storage.ReceiptID(seq) != id {
			t.Fatalf("%q parsed to %d, whose id is %q", id, seq, storage.ReceiptID(seq))
		}
	})
}
