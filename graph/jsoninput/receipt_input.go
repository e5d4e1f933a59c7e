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
	if !d.eat('{') {
		return lines, false
	}
	var seen uint16
	for first := true; ; first = false {
		if first && d.eat('}') {
			break
		}
		k, ok := d.key()
		if !ok {
			return lines, false
		}
		var bit uint16
		switch k {
		case "source":
			bit = rSource
			r.Source, ok = d.str()
		case "externalId":
			bit = rExternalID
			r.ExternalID, ok = d.str()
		case "cardNumber":
			bit = rCardNumber
			r.CardNumber, ok = d.str()
		case "storeId":
			bit = rStoreID
			r.StoreID, ok = d.str()
		case "purchasedAt":
			bit = rPurchasedAt
			var s string
			if s, ok = d.str(); ok {
				var err error
				r.PurchasedAt, err = graphql.UnmarshalTime(s)
				ok = err == nil
			}
		case "totalCents":
			bit = rTotalCents
			r.TotalCents, ok = d.int()
		case "bonusEligibleCents":
			bit = rBonusEligibleCents
			r.BonusEligibleCents, ok = d.int()
		case "currency":
			bit = rCurrency
			r.Currency, ok = d.optString()
		case "lines":
			bit = rLines
			if lines, ok = d.lines(lines); ok {
				r.Lines = append(make([]model.LineInput, 0, len(lines)), lines...)
			}
		default:
			return lines, false
		}
		if !ok || seen&bit != 0 {
			return lines, false
		}
		seen |= bit
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			break
		}
		return lines, false
	}
	if seen&rRequired != rRequired {
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
	lGtin uint8 = 1 << iota
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
	if !d.eat('{') {
		return false
	}
	var seen uint8
	for first := true; ; first = false {
		if first && d.eat('}') {
			break
		}
		k, ok := d.key()
		if !ok {
			return false
		}
		var bit uint8
		switch k {
		case "gtin":
			bit = lGtin
			l.Gtin, ok = d.optString()
		case "description":
			bit = lDescription
			l.Description, ok = d.str()
		case "quantity":
			bit = lQuantity
			l.Quantity, ok = d.float()
		case "unit":
			bit = lUnit
			var s string
			if s, ok = d.str(); ok {
				// The generic path takes an enum value in any case, then
				// refuses one that is not exact; only exact ones are read here.
				l.Unit = model.Unit(s)
				ok = l.Unit.IsValid()
			}
		case "unitPriceCents":
			bit = lUnitPriceCents
			l.UnitPriceCents, ok = d.int()
		case "amountCents":
			bit = lAmountCents
			l.AmountCents, ok = d.int()
		case "discountCents":
			bit = lDiscountCents
			l.DiscountCents, ok = d.optInt()
		case "warrantyMonths":
			bit = lWarrantyMonths
			l.WarrantyMonths, ok = d.optInt()
		default:
			return false
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			break
		}
		return false
	}
	if seen&lRequired != lRequired {
		return false
	}
	if seen&lDiscountCents == 0 {
		zero := 0 // the schema's default
		l.DiscountCents = &zero
	}
	return true
}
