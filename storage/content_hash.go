package storage

import (
	"crypto/sha256"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omadata/omadata/graph/model"
)

// contentHash is the SHA-256 of the receipt's canonical form: defaults
// applied, the time in UTC, encoded as encoding/json encodes a
// model.ReceiptInput. The hash is stored with the receipt and compared when
// the same (source, externalId) comes again, so its bytes must never
// change: a receipt sent again after an upgrade would otherwise read as a
// CONFLICT.
//
// appendCanonical writes those bytes without reflection (json.Marshal was
// about 4 % of an import's CPU and 6 % of the server's during ingest);
// anything it does not write exactly as encoding/json would (a string that
// needs escaping, a float in exponent form, a year beyond 9999) it leaves
// to encoding/json. TestContentHashIsJSON holds the two equal.
func contentHash(r model.ReceiptInput) []byte {
	buf := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(buf)
	b, ok := appendCanonical((*buf)[:0], r)
	if !ok {
		b = canonicalJSON(r)
	}
	*buf = b
	h := sha256.Sum256(b)
	return h[:]
}

var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// canonicalJSON is the canonical form by encoding/json: the definition.
func canonicalJSON(r model.ReceiptInput) []byte {
	cur := "EUR"
	if r.Currency != nil {
		cur = *r.Currency
	}
	r.Currency, r.PurchasedAt = &cur, r.PurchasedAt.UTC()
	lines := make([]model.LineInput, len(r.Lines))
	for i, l := range r.Lines {
		d := deref(l.DiscountCents)
		l.DiscountCents = &d
		lines[i] = l
	}
	r.Lines = lines
	b, _ := json.Marshal(r) // a struct of plain fields always marshals
	return b
}

// appendCanonical appends the canonical form of r to b, or reports false.
func appendCanonical(b []byte, r model.ReceiptInput) ([]byte, bool) {
	cur := "EUR"
	if r.Currency != nil {
		cur = *r.Currency
	}
	at := r.PurchasedAt.UTC()
	if at.Year() < 0 || at.Year() > 9999 {
		return b, false
	}
	ok := true
	str := func(s string) {
		if ok = ok && plainJSON(s); ok {
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
		}
	}
	b = append(b, `{"source":`...)
	str(r.Source)
	b = append(b, `,"externalId":`...)
	str(r.ExternalID)
	b = append(b, `,"cardNumber":`...)
	str(r.CardNumber)
	b = append(b, `,"storeId":`...)
	str(r.StoreID)
	b = append(b, `,"purchasedAt":"`...)
	b = at.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","totalCents":`...)
	b = strconv.AppendInt(b, int64(r.TotalCents), 10)
	b = append(b, `,"bonusEligibleCents":`...)
	b = strconv.AppendInt(b, int64(r.BonusEligibleCents), 10)
	b = append(b, `,"currency":`...)
	str(cur)
	b = append(b, `,"lines":[`...)
	for i, l := range r.Lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if l.Gtin != nil {
			b = append(b, `"gtin":`...)
			str(*l.Gtin)
			b = append(b, ',')
		}
		b = append(b, `"description":`...)
		str(l.Description)
		b = append(b, `,"quantity":`...)
		if a := math.Abs(l.Quantity); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(l.Quantity) {
			return b, false // exponent form, or not a number: encoding/json's business
		}
		b = strconv.AppendFloat(b, l.Quantity, 'f', -1, 64)
		if !l.Unit.IsValid() {
			return b, false // written by strconv.Quote, then checked by encoding/json
		}
		b = append(b, `,"unit":"`...)
		b = append(b, l.Unit...)
		b = append(b, '"')
		b = append(b, `,"unitPriceCents":`...)
		b = strconv.AppendInt(b, int64(l.UnitPriceCents), 10)
		b = append(b, `,"amountCents":`...)
		b = strconv.AppendInt(b, int64(l.AmountCents), 10)
		b = append(b, `,"discountCents":`...)
		b = strconv.AppendInt(b, int64(deref(l.DiscountCents)), 10)
		if l.WarrantyMonths != nil {
			b = append(b, `,"warrantyMonths":`...)
			b = strconv.AppendInt(b, int64(*l.WarrantyMonths), 10)
		}
		b = append(b, '}')
	}
	b = append(b, "]}"...)
	return b, ok
}

// plainJSON reports whether encoding/json writes s as it is between quotes:
// valid UTF-8 without control characters, quotes, backslashes, the HTML
// characters <, > and &, and the separators U+2028 and U+2029.
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}
