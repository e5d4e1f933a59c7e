package jsoninput

import (
	"github.com/99designs/gqlgen/graphql"

	"github.com/omadata/omadata/graph/model"
)

// ReceiptInputs decodes a [ReceiptInput!]! from JSON, or declines (see the
// package documentation).
func ReceiptInputs(raw string) ([]model.ReceiptInput, bool) {
	d := &scanner{s: raw}
	if !d.eat('[') {
		return nil, false
	}
	out := []model.ReceiptInput{}
	var lines []model.LineInput // reused: each receipt keeps an exact copy
	if d.eat(']') {
		return out, d.atEnd()
	}
	for {
		var r model.ReceiptInput
		var ok bool
		if lines, ok = d.receipt(&r, lines[:0]); !ok {
			return nil, false
		}
		out = append(out, r)
		if d.eat(',') {
			continue
		}
		if d.eat(']') && d.atEnd() {
			return out, true
		}
		return nil, false
	}
}

// Fields of ReceiptInput, as bits of what a receipt has.
const (
	rSource uint16 = 1 << iota
	rExternalID
	rCardNumber
	rStoreID
	rPurchasedAt
	rTotalCents
	rBonusEligibleCents
	rCurrency
	rLines

	rRequired = rSource | rExternalID | rCardNumber | rStoreID | rPurchasedAt | rTotalCents | rBonusEligibleCents | rLines
)

// receipt reads one ReceiptInput, its lines through the scratch slice
// lines, which it returns for the next receipt.
func (d *scanner) receipt(r *model.ReceiptInput, lines []model.LineInput) ([]model.LineInput, bool) {
	seen, ok := d.object(func(k string) (bit uint16, ok bool) {
		switch k {
		case "source":
			r.Source, ok = d.str()
			return rSource, ok
		case "externalId":
			r.ExternalID, ok = d.str()
			return rExternalID, ok
		case "cardNumber":
			r.CardNumber, ok = d.str()
			return rCardNumber, ok
		case "storeId":
			r.StoreID, ok = d.str()
			return rStoreID, ok
		case "purchasedAt":
			var s string
			if s, ok = d.str(); ok {
				var err error
				r.PurchasedAt, err = graphql.UnmarshalTime(s)
				ok = err == nil
			}
			return rPurchasedAt, ok
		case "totalCents":
			r.TotalCents, ok = d.int()
			return rTotalCents, ok
		case "bonusEligibleCents":
			r.BonusEligibleCents, ok = d.int()
			return rBonusEligibleCents, ok
		case "currency":
			r.Currency, ok = d.optString()
			return rCurrency, ok
		case "lines":
			if lines, ok = d.lines(lines); ok {
				r.Lines = append(make([]model.LineInput, 0, len(lines)), lines...)
			}
			return rLines, ok
		}
		return 0, false
	})
	if !ok || seen&rRequired != rRequired {
		return lines, false
	}
	if seen&rCurrency == 0 {
		eur := "EUR" // the schema's default
		r.Currency = &eur
	}
	return lines, true
}

// lines reads a [LineInput!]! into lines.
func (d *scanner) lines(lines []model.LineInput) ([]model.LineInput, bool) {
	if !d.eat('[') {
		return lines, false
	}
	if d.eat(']') {
		return lines, true
	}
	for {
		var l model.LineInput
		if !d.line(&l) {
			return lines, false
		}
		lines = append(lines, l)
		if d.eat(',') {
			continue
		}
		return lines, d.eat(']')
	}
}

// Fields of LineInput.
const (
	lGtin uint16 = 1 << iota
	lDescription
	lQuantity
	lUnit
	lUnitPriceCents
	lAmountCents
	lDiscountCents
	lWarrantyMonths

	lRequired = lDescription | lQuantity | lUnit | lUnitPriceCents | lAmountCents
)

// line reads one LineInput.
func (d *scanner) line(l *model.LineInput) bool {
	seen, ok := d.object(func(k string) (bit uint16, ok bool) {
		switch k {
		case "gtin":
			l.Gtin, ok = d.optString()
			return lGtin, ok
		case "description":
			l.Description, ok = d.str()
			return lDescription, ok
		case "quantity":
			l.Quantity, ok = d.float()
			return lQuantity, ok
		case "unit":
			var s string
			if s, ok = d.str(); ok {
				// The generic path takes an enum value in any case, then
				// refuses one that is not exact; only exact ones are read here.
				l.Unit = model.Unit(s)
				ok = l.Unit.IsValid()
			}
			return lUnit, ok
		case "unitPriceCents":
			l.UnitPriceCents, ok = d.int()
			return lUnitPriceCents, ok
		case "amountCents":
			l.AmountCents, ok = d.int()
			return lAmountCents, ok
		case "discountCents":
			l.DiscountCents, ok = d.optInt()
			return lDiscountCents, ok
		case "warrantyMonths":
			l.WarrantyMonths, ok = d.optInt()
			return lWarrantyMonths, ok
		}
		return 0, false
	})
	if !ok || seen&lRequired != lRequired {
		return false
	}
	if seen&lDiscountCents == 0 {
		zero := 0 // the schema's default
		l.DiscountCents = &zero
	}
	return true
}

// object reads a JSON object, each member's value through field, which
// reads the value of key and returns the member's bit (ok false: an
// unknown key or a value it declines). It returns the bits of the members
// read, and declines a repeated member.
func (d *scanner) object(field func(key string) (bit uint16, ok bool)) (seen uint16, ok bool) {
	if !d.eat('{') {
		return 0, false
	}
	if d.eat('}') {
		return 0, true
	}
	for {
		k, ok := d.key()
		if !ok {
			return 0, false
		}
		bit, ok := field(k)
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		if !d.eat(',') {
			return seen, d.eat('}')
		}
	}
}
