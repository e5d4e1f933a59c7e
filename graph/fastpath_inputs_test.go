package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/omadata/omadata/graph/jsoninput"
	"github.com/omadata/omadata/graph/model"
)

// genericReceiptInputs decodes a batch variable the way gqlgen does without
// jsoninput: encoding/json with exact numbers (server.decodeObject),
// gqlparser's coercion of variables, then the generated unmarshaller.
func genericReceiptInputs(raw string) ([]model.ReceiptInput, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one value")
	}
	es := NewExecutableSchema(Config{}).(*executableSchema)
	doc, errs := gqlparser.LoadQuery(es.Schema(),
		`mutation($input: [ReceiptInput!]!) { ingestReceipts(input: $input) { accepted } }`)
	if errs != nil {
		return nil, errs
	}
	vars, err := validator.VariableValues(es.Schema(), doc.Operations[0], map[string]any{"input": v})
	if err != nil {
		return nil, err
	}
	ec := newExecutionContext(&graphql.OperationContext{Variables: vars}, es, nil)
	return ec.unmarshalNReceiptInput2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐReceiptInputᚄ(context.Background(), vars["input"])
}

// checkSame fails unless jsoninput and the generic path agree on raw, when
// jsoninput accepts it; it reports whether jsoninput accepted it.
func checkSame(t *testing.T, raw string) bool {
	t.Helper()
	typed, ok := jsoninput.ReceiptInputs(raw)
	if !ok {
		return false
	}
	generic, err := genericReceiptInputs(raw)
	if err != nil {
		t.Fatalf("jsoninput accepted what the generic path refuses (%v):\n%s", err, raw)
	}
	if !reflect.DeepEqual(typed, generic) {
		t.Fatalf("jsoninput and the generic path differ on\n%s\ntyped:   %#v\ngeneric: %#v", raw, typed, generic)
	}
	return true
}

// randomBatch writes a batch in the many forms the generic path accepts and
// jsoninput is to take: optional fields absent, null or set, escapes,
// non-ASCII text, numbers in exponent form, white space anywhere.
func randomBatch(r *rand.Rand) string {
	var b strings.Builder
	ws := func() {
		if r.IntN(8) == 0 {
			b.WriteString([]string{" ", "\n", "\t ", "\r\n  "}[r.IntN(4)])
		}
	}
	text := func() string {
		parts := []string{"Maito", "Äpple", "ruisleipä", `"quoted"`, `back\slash`, "tab\there", "émoji 🍎", "€", "\u2028", "", "a/b", "<b>&amp;"}
		s := parts[r.IntN(len(parts))] + parts[r.IntN(len(parts))]
		if r.IntN(3) == 0 {
			q, _ := json.Marshal(s) // escapes <, >, &, U+2028
			return string(q)
		}
		escaped := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`).Replace(s)
		if r.IntN(4) == 0 {
			return `"\u00e4\/\n` + escaped + `"` // JSON's own escapes
		}
		return `"` + escaped + `"`
	}
	integer := func() string {
		return []string{"0", "-0", "1", "-250", "199", "123456789", "9223372036854775807", "-9223372036854775808"}[r.IntN(8)]
	}
	float := func() string {
		return []string{"1", "0.5", "-2.25", "1e2", "1E-3", "0.333", "12.5e+1", "0", "-0.0", "1.7976931348623157e308"}[r.IntN(10)]
	}
	field := func(first *bool, key, value string) {
		if !*first {
			b.WriteString(",")
		}
		*first = false
		ws()
		b.WriteString(`"` + key + `"`)
		ws()
		b.WriteString(":")
		ws()
		b.WriteString(value)
		ws()
	}
	// optional writes an optional field absent, null or set.
	optional := func(first *bool, key string, value func() string) {
		switch r.IntN(3) {
		case 1:
			field(first, key, "null")
		case 2:
			field(first, key, value())
		}
	}
	times := []string{`"2026-11-22T10:15:00+02:00"`, `"2026-01-02T03:04:05.123456789Z"`, `"2025-06-30T23:59:59-07:00"`, `"2026-03-01 08:00:00"`, `""`}
	units := []string{`"PIECE"`, `"KG"`, `"L"`}
	b.WriteString("[")
	for i := range r.IntN(4) {
		if i > 0 {
			b.WriteString(",")
		}
		ws()
		b.WriteString("{")
		first := true
		// Fields in a random order.
		fields := []func(){
			func() { field(&first, "source", text()) },
			func() { field(&first, "externalId", text()) },
			func() { field(&first, "cardNumber", text()) },
			func() { field(&first, "storeId", text()) },
			func() { field(&first, "purchasedAt", times[r.IntN(len(times))]) },
			func() { field(&first, "totalCents", integer()) },
			func() { field(&first, "bonusEligibleCents", integer()) },
			func() { optional(&first, "currency", text) },
			func() {
				var lines strings.Builder
				lines.WriteString("[")
				for j := range r.IntN(4) {
					if j > 0 {
						lines.WriteString(",")
					}
					lines.WriteString("{")
					lf := true
					line := []func(){
						func() { optional(&lf, "gtin", text) },
						func() { field(&lf, "description", text()) },
						func() { field(&lf, "quantity", float()) },
						func() { field(&lf, "unit", units[r.IntN(len(units))]) },
						func() { field(&lf, "unitPriceCents", integer()) },
						func() { field(&lf, "amountCents", integer()) },
						func() { optional(&lf, "discountCents", integer) },
						func() { optional(&lf, "warrantyMonths", integer) },
					}
					saved := b
					b = strings.Builder{}
					for _, k := range r.Perm(len(line)) {
						line[k]()
					}
					lines.WriteString(b.String())
					b = saved
					lines.WriteString("}")
				}
				lines.WriteString("]")
				field(&first, "lines", lines.String())
			},
		}
		for _, k := range r.Perm(len(fields)) {
			fields[k]()
		}
		b.WriteString("}")
		ws()
	}
	b.WriteString("]")
	return b.String()
}

// TestReceiptInputsDecoded: jsoninput takes every batch of the forms tills
// send, and returns what the generated code would.
func TestReceiptInputsDecoded(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 22))
	for range 3000 {
		raw := randomBatch(r)
		if !checkSame(t, raw) {
			if _, err := genericReceiptInputs(raw); err != nil {
				t.Fatalf("the generator wrote an invalid batch (%v):\n%s", err, raw)
			}
			t.Fatalf("jsoninput declined a batch the generic path takes:\n%s", raw)
		}
	}
}

// TestReceiptInputsDeclined: what jsoninput is not sure of it leaves to the
// generic path, valid (a single object for a list, a number for a
// String) or not.
func TestReceiptInputsDeclined(t *testing.T) {
	line := `{"description":"Maito","quantity":1,"unit":"PIECE","unitPriceCents":100,"amountCents":100}`
	receipt := func(edit string) string {
		return `{"source":"till","externalId":"e1","cardNumber":"c1","storeId":"s1","purchasedAt":"2026-11-22T10:00:00Z",` +
			`"totalCents":100,"bonusEligibleCents":100,"lines":[` + line + `]` + edit + `}`
	}
	if !checkSame(t, "["+receipt("")+"]") {
		t.Fatal("the base receipt is declined")
	}
	for name, raw := range map[string]string{
		"NotAList":         receipt(""),
		"NullReceipt":      "[null]",
		"UnknownField":     "[" + receipt(`,"shop":"x"`) + "]",
		"Typename":         "[" + receipt(`,"__typename":"ReceiptInput"`) + "]",
		"RepeatedField":    "[" + receipt(`,"source":"other"`) + "]",
		"EscapedKey":       `[` + strings.Replace(receipt(""), `"source"`, `"sourc\u0065"`, 1) + `]`,
		"MissingField":     `[` + strings.Replace(receipt(""), `"source":"till",`, "", 1) + `]`,
		"NullRequired":     `[` + strings.Replace(receipt(""), `"till"`, "null", 1) + `]`,
		"NumberForString":  `[` + strings.Replace(receipt(""), `"s1"`, "7", 1) + `]`,
		"FractionalInt":    `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":100.0`, 1) + `]`,
		"ExponentInt":      `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":1e2`, 1) + `]`,
		"IntTooLarge":      `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":9223372036854775808`, 1) + `]`,
		"StringForInt":     `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":"100"`, 1) + `]`,
		"FloatOutOfRange":  `[` + strings.Replace(receipt(""), `"quantity":1`, `"quantity":1e999`, 1) + `]`,
		"LowerCaseEnum":    `[` + strings.Replace(receipt(""), `"PIECE"`, `"piece"`, 1) + `]`,
		"BadTime":          `[` + strings.Replace(receipt(""), `"2026-11-22T10:00:00Z"`, `"22.11.2026"`, 1) + `]`,
		"LinesNotAList":    `[` + strings.Replace(receipt(""), `[`+line+`]`, line, 1) + `]`,
		"NullLine":         `[` + strings.Replace(receipt(""), `[`+line+`]`, `[null]`, 1) + `]`,
		"TrailingComma":    `[` + receipt("") + `,]`,
		"TrailingGarbage":  `[` + receipt("") + `] x`,
		"Truncated":        `[` + receipt("")[:40],
		"PlusNumber":       `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":+100`, 1) + `]`,
		"LeadingZero":      `[` + strings.Replace(receipt(""), `"totalCents":100`, `"totalCents":0100`, 1) + `]`,
		"ControlCharacter": `[` + strings.Replace(receipt(""), `"till"`, "\"ti\x01ll\"", 1) + `]`,
	} {
		t.Run(name, func(t *testing.T) {
			if checkSame(t, raw) {
				t.Fatalf("accepted:\n%s", raw)
			}
		})
	}
}

// FuzzReceiptInputs: whatever jsoninput accepts, the generic path accepts
// too, with the same result.
func FuzzReceiptInputs(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		f.Add(randomBatch(r))
	}
	f.Add(`[]`)
	f.Add(` [ ] `)
	f.Add(`[{"source":"a","externalId":"b","cardNumber":"c","storeId":"d","purchasedAt":"","totalCents":0,"bonusEligibleCents":0,"lines":[]}]`)
	f.Fuzz(func(t *testing.T, raw string) {
		checkSame(t, raw)
	})
}

// TestReceiptInputOnlyAsBatch: the schema takes ReceiptInput only as
// [ReceiptInput!]!, whose unmarshaller fastReceiptInputs replaces, so a
// variable decoded by jsoninput cannot reach a generated function that
// expects maps.
func TestReceiptInputOnlyAsBatch(t *testing.T) {
	s := NewExecutableSchema(Config{}).Schema()
	check := func(where string, typ *ast.Type) {
		inner := typ
		for inner.Elem != nil {
			inner = inner.Elem
		}
		if inner.NamedType == "ReceiptInput" && typ.String() != "[ReceiptInput!]!" {
			t.Errorf("%s takes %s: only [ReceiptInput!]! has a typed decoder (server/typed_variables.go, graph/fastpath_inputs.go)", where, typ)
		}
	}
	for _, def := range s.Types {
		for _, f := range def.Fields {
			check(def.Name+"."+f.Name, f.Type)
			for _, a := range f.Arguments {
				check(def.Name+"."+f.Name+"("+a.Name+")", a.Type)
			}
		}
	}
}

// BenchmarkReceiptInputs decodes a batch of the ingest benchmark's size
// (100 receipts of 20 lines) both ways.
func BenchmarkReceiptInputs(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := range 100 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"source":"till-7","externalId":"b-%06d","cardNumber":"9246%012d","storeId":"store-%d",`+
			`"purchasedAt":"2026-11-22T10:%02d:00+02:00","totalCents":4630,"bonusEligibleCents":4210,"lines":[`, i, i*7, i%40, i%60)
		for j := range 20 {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"gtin":"64%011d","description":"Ruisleipä %d","quantity":%d.25,"unit":"PIECE",`+
				`"unitPriceCents":%d,"amountCents":%d,"discountCents":0}`, j*131, j, j%3+1, 100+j, 125+j)
		}
		sb.WriteString("]}")
	}
	sb.WriteString("]")
	raw := sb.String()
	b.Run("Generic", func(b *testing.B) {
		for b.Loop() {
			if _, err := genericReceiptInputs(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Typed", func(b *testing.B) {
		for b.Loop() {
			if _, ok := jsoninput.ReceiptInputs(raw); !ok {
				b.Fatal("declined")
			}
		}
	})
}
