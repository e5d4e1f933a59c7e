package graph

// The lines of a receipt, marshalled straight from their values (issue 9).
//
// gqlgen's generated code resolves every field of every object through a
// field context, the middleware chain, a panic handler and a boxed result
// (six to eight allocations a field), and marshals each element of a list
// of objects in a goroutine of its own. That is what a field with a
// resolver needs. The fields of a receipt's lines need none of it: every one
// is a value the storage query has read (ReceiptLine.product and
// Product.category are plain fields, filled by joins). A page of 20
// receipts has some 700 lines and, with their products and categories,
// some 7,000 fields; the machinery cost about two thirds of the CPU of such
// a request (docs/performance.md).
//
// So when the selection of Receipt.lines is one this file knows completely
// (the fields of ReceiptLine, Product other than nutritionPer100g and
// Category, with aliases, __typename, @skip and @include, which gqlgen's
// CollectFields applies, and Category.name's lang argument), the list is
// written here. Anything else (a @defer, a field this file does not know,
// a product without its category) takes gqlgen's generated function: graph/internal/overrides
// points the generated call at fastReceiptLines when the code is generated. Field interceptors of handler extensions do not see these
// fields; the server installs none. fastpath_test.go (package resolvers)
// checks that both paths write the same bytes. fastpath_insights.go does
// the same for the lists of the insights query.

import (
	"bytes"
	"context"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/graph/model"
)

// FastPaths turns the hand-written marshalling of receipt lines and of the
// insights lists on; tests turn it off, between requests, to compare with
// gqlgen's generated code.
var FastPaths = true

// fastReceiptLines replaces the generated marshaller of Receipt.lines at its
// call site.
func (ec *executionContext) fastReceiptLines(ctx context.Context, sel ast.SelectionSet, v []model.ReceiptLine) graphql.Marshaler {
	return fastList(ctx, ec, sel, v, lineType, (*objectPlan).fits, lineSource,
		ec.marshalOReceiptLine2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐReceiptLineᚄ)
}

// fastList writes v by the plan of sel for t when every element fits it,
// and through the generated function otherwise.
func fastList[T any](ctx context.Context, ec *executionContext, sel ast.SelectionSet, v []T, t *objectType,
	fits func(*objectPlan, []T) bool, src func(*T) source,
	generated func(context.Context, ast.SelectionSet, []T) graphql.Marshaler) graphql.Marshaler {
	if v == nil {
		return graphql.Null
	}
	if FastPaths {
		if p, ok := ec.planObject(ctx, sel, t); ok && fits(p, v) {
			return objectList[T]{plan: p, items: v, source: src}
		}
	}
	return generated(ctx, sel, v)
}

// field is one selected field: its JSON key, what it is, and the plan of
// its selection when it is an object.
type field struct {
	key  []byte // `"alias":`
	kind fieldKind
	sub  *objectPlan
	// typename is the object's name for __typename, lang the argument of
	// Category.name.
	typename string
	lang     *string
}

type objectPlan struct{ fields []field }

type fieldKind uint8

const (
	kTypename fieldKind = iota
	kLineNo
	kDescription
	kQuantity
	kLineUnit
	kUnitPrice
	kAmount
	kDiscount
	kWarrantyUntil
	kProduct
	kGtin
	kName
	kBrand
	kOrigin
	kOriginCountry
	kProductUnit
	kNetWeight
	kCo2e
	kWarrantyMonths
	kCategory
	kCategoryID
	kCategoryName
	kGroup
	kFruitOrVegetable
	kInsightCategory
	kInsightSpend
	kInsightWeight
	kInsightCo2e
	kMonth
	kMonthSpend
	kFruitVegKg
	kMonthCo2e
	kDomesticShare
)

// objectType is what the fast path knows of an object type: its
// implementors (for CollectFields) and the kinds of its fields; an object
// field names the type of its selection.
type objectType struct {
	implementors []string
	fields       map[string]fieldKind
	objects      map[string]*objectType
}

var (
	categoryType = &objectType{implementors: categoryImplementors, fields: map[string]fieldKind{
		"id": kCategoryID, "name": kCategoryName, "group": kGroup, "fruitOrVegetable": kFruitOrVegetable}}
	productType = &objectType{implementors: productImplementors, fields: map[string]fieldKind{
		"gtin": kGtin, "name": kName, "brand": kBrand, "origin": kOrigin, "originCountry": kOriginCountry,
		"unit": kProductUnit, "netWeightKg": kNetWeight, "co2eKgPerKg": kCo2e, "warrantyMonths": kWarrantyMonths,
		"category": kCategory}, objects: map[string]*objectType{"category": categoryType}}
	lineType = &objectType{implementors: receiptLineImplementors, fields: map[string]fieldKind{
		"lineNo": kLineNo, "description": kDescription, "quantity": kQuantity, "unit": kLineUnit,
		"unitPriceCents": kUnitPrice, "amountCents": kAmount, "discountCents": kDiscount,
		"warrantyUntil": kWarrantyUntil, "product": kProduct}, objects: map[string]*objectType{"product": productType}}
)

// planObject compiles a selection set, or returns false when any of it is
// not on the fast path.
func (ec *executionContext) planObject(ctx context.Context, sel ast.SelectionSet, t *objectType) (*objectPlan, bool) {
	fields := graphql.CollectFields(ec.OperationContext, sel, t.implementors)
	p := &objectPlan{fields: make([]field, 0, len(fields))}
	for _, f := range fields {
		if len(f.Deferrables) > 0 {
			return nil, false
		}
		out := field{key: []byte(strconv.Quote(f.Alias) + ":")}
		if f.Name == "__typename" {
			out.kind, out.typename = kTypename, t.implementors[0]
			p.fields = append(p.fields, out)
			continue
		}
		kind, ok := t.fields[f.Name]
		if !ok {
			return nil, false
		}
		out.kind = kind
		if sub := t.objects[f.Name]; sub != nil {
			if out.sub, ok = ec.planObject(ctx, f.Selections, sub); !ok {
				return nil, false
			}
		}
		if kind == kCategoryName {
			args, err := ec.field_Category_name_args(ctx, f.ArgumentMap(ec.Variables))
			if err != nil {
				return nil, false
			}
			out.lang, _ = args["lang"].(*string)
		}
		p.fields = append(p.fields, out)
	}
	return p, true
}

// fits reports whether the lines have what the plan needs: a category for
// every product when it is selected (the generated code reports a missing
// one as an error), and finite numbers.
func (p *objectPlan) fits(lines []model.ReceiptLine) bool {
	needsCategory := p.selectsCategory()
	for i := range lines {
		l := &lines[i]
		if !finite(&l.Quantity) {
			return false
		}
		if l.Product == nil {
			continue
		}
		if !finite(l.Product.NetWeightKg) || !finite(l.Product.Co2eKgPerKg) ||
			needsCategory && l.Product.Category == nil {
			return false
		}
	}
	return true
}

// selectsCategory reports whether a line plan selects product { category }.
func (p *objectPlan) selectsCategory() bool {
	for _, f := range p.fields {
		if f.kind != kProduct {
			continue
		}
		for _, pf := range f.sub.fields {
			if pf.kind == kCategory {
				return true
			}
		}
	}
	return false
}

func finite(f *float64) bool { return f == nil || !(math.IsNaN(*f) || math.IsInf(*f, 0)) }

// objectList writes a list of objects as JSON in one buffer; source tells
// the plan which object an element is.
type objectList[T any] struct {
	plan   *objectPlan
	items  []T
	source func(*T) source
}

// MarshalGQL writes the list.
func (l objectList[T]) MarshalGQL(w io.Writer) {
	var buf []byte
	if bb, ok := w.(*bytes.Buffer); ok {
		// gqlgen writes the response into a bytes.Buffer: append to its
		// free space instead of to a list of our own, then copied.
		bb.Grow(256 * len(l.items))
		buf = bb.AvailableBuffer()
	} else {
		buf = make([]byte, 0, 256*len(l.items))
	}
	buf = append(buf, '[')
	for i := range l.items {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = l.plan.appendObject(buf, l.source(&l.items[i]))
	}
	buf = append(buf, ']')
	_, _ = w.Write(buf)
}

// source is the object a plan writes: a line, a product, a category, an
// entry of byCategory or one of byMonth.
type source struct {
	line     *model.ReceiptLine
	product  *model.Product
	category *model.Category
	insight  *model.CategoryInsight
	month    *model.MonthInsight
}

func lineSource(l *model.ReceiptLine) source { return source{line: l} }

// appendObject writes the plan's fields of s as a JSON object.
func (p *objectPlan) appendObject(b []byte, s source) []byte {
	b = append(b, '{')
	for i := range p.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, p.fields[i].key...)
		b = p.fields[i].appendValue(b, s)
	}
	return append(b, '}')
}

// appendValue writes the field's value from s.
func (f *field) appendValue(b []byte, s source) []byte {
	l, pr, c, ci, m := s.line, s.product, s.category, s.insight, s.month
	switch f.kind {
	case kTypename:
		return appendString(b, f.typename)
	case kLineNo:
		return strconv.AppendInt(b, int64(l.LineNo), 10)
	case kDescription:
		return appendString(b, l.Description)
	case kQuantity:
		return appendFloat(b, l.Quantity)
	case kLineUnit:
		return appendString(b, string(l.Unit))
	case kUnitPrice:
		return strconv.AppendInt(b, int64(l.UnitPriceCents), 10)
	case kAmount:
		return strconv.AppendInt(b, int64(l.AmountCents), 10)
	case kDiscount:
		return strconv.AppendInt(b, int64(l.DiscountCents), 10)
	case kWarrantyUntil:
		if l.WarrantyUntil == nil {
			return append(b, "null"...)
		}
		return strconv.AppendQuote(b, l.WarrantyUntil.String())
	case kProduct:
		if l.Product == nil {
			return append(b, "null"...)
		}
		return f.sub.appendObject(b, source{product: l.Product})
	case kGtin:
		return appendString(b, pr.Gtin)
	case kName:
		return appendString(b, pr.Name)
	case kBrand:
		return appendOptString(b, pr.Brand)
	case kOrigin:
		return appendString(b, string(pr.Origin))
	case kOriginCountry:
		return appendOptString(b, pr.OriginCountry)
	case kProductUnit:
		return appendString(b, string(pr.Unit))
	case kNetWeight:
		return appendOptFloat(b, pr.NetWeightKg)
	case kCo2e:
		return appendOptFloat(b, pr.Co2eKgPerKg)
	case kWarrantyMonths:
		if pr.WarrantyMonths == nil {
			return append(b, "null"...)
		}
		return strconv.AppendInt(b, int64(*pr.WarrantyMonths), 10)
	case kCategory:
		return f.sub.appendObject(b, source{category: pr.Category})
	case kCategoryID:
		return appendString(b, c.ID)
	case kCategoryName:
		return appendString(b, c.Name(f.lang))
	case kGroup:
		return appendString(b, c.Group)
	case kFruitOrVegetable:
		return strconv.AppendBool(b, c.FruitOrVegetable)
	case kInsightCategory:
		return f.sub.appendObject(b, source{category: ci.Category})
	case kInsightSpend:
		return strconv.AppendInt(b, int64(ci.SpendCents), 10)
	case kInsightWeight:
		return appendOptFloat(b, ci.WeightKg)
	case kInsightCo2e:
		return appendOptFloat(b, ci.Co2eKg)
	case kMonth:
		return appendString(b, m.Month)
	case kMonthSpend:
		return strconv.AppendInt(b, int64(m.SpendCents), 10)
	case kFruitVegKg:
		return appendOptFloat(b, m.FruitVegKg)
	case kMonthCo2e:
		return appendOptFloat(b, m.Co2eKg)
	case kDomesticShare:
		return appendOptFloat(b, m.DomesticShare)
	}
	return append(b, "null"...)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendFloat writes f as gqlgen's Float does (fmt's %g: the shortest
// representation).
func appendFloat(b []byte, f float64) []byte { return strconv.AppendFloat(b, f, 'g', -1, 64) }

func appendOptFloat(b []byte, f *float64) []byte {
	if f == nil {
		return append(b, "null"...)
	}
	return appendFloat(b, *f)
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as gqlgen's String does: only the quote, the
// backslash and control characters are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '\\' && c != '"' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\t':
			b = append(b, `\t`...)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
