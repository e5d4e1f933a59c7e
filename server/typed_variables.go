package server

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/graph/jsoninput"
)

// Variables decoded straight into their Go types (issue 9).
//
// gqlgen takes variables as maps of interfaces: encoding/json builds them,
// gqlparser checks every value against its type by reflection, and the
// generated code copies each into its struct. For the variable of an
// ingestReceipts batch (some 20,000 values) that was three quarters of the
// server's Go CPU under the ingest benchmark, and ingest's CPU is what
// slows the reads beside it (docs/performance.md). So a variable whose
// declared type has a decoder in package jsoninput is decoded by it,
// straight into the Go type, when jsoninput accepts it. gqlgen then sees an
// empty list in its place, which passes its checks, and execute puts the
// typed value back before the operation runs; the generated code takes it
// as is (graph/fastpath_inputs.go).
//
// The declared types are read from the query cache, where gqlgen keeps
// the documents it has parsed and validated: the first request of a query
// text takes the generic path, the next ones the typed one. jsoninput
// declines whatever it is not sure of, and that variable takes the generic
// path too, so errors keep their words (graph/jsoninput says more).
// Extensions see the placeholder; none reads ingestReceipts' input.

// typedDecoders maps a variable's declared type to its decoder.
var typedDecoders = map[string]func(raw string) (any, bool){
	"[ReceiptInput!]!": func(raw string) (any, bool) { return jsoninput.ReceiptInputs(raw) },
}

// variableDecoder decodes a POST body's variables.
type variableDecoder struct {
	docs graphql.Cache[*ast.QueryDocument] // gqlgen's query cache; nil: decode everything generically
	// counted, if set, is told how each variable of a type in
	// typedDecoders was decoded (typed, or generically when declined).
	counted func(typ string, typed bool)
}

// decode returns the variables for gqlgen and the values decoded typed,
// which replace their placeholders after gqlgen has checked the variables.
// raw is a JSON object, or null or empty, from a body json.Valid checked.
func (vd variableDecoder) decode(ctx context.Context, query, operationName string, raw json.RawMessage) (vars, typed map[string]any, ok bool) {
	if vd.docs != nil && !isNull(raw) {
		if types := vd.typedTypes(ctx, query, operationName); types != nil {
			return vd.decodeTyped(raw, types)
		}
	}
	vars, ok = decodeObject(raw)
	return vars, nil, ok
}

// typedTypes returns the declared types of the operation's variables that
// have a typed decoder, by variable name, when gqlgen has the query parsed.
func (vd variableDecoder) typedTypes(ctx context.Context, query, operationName string) map[string]string {
	doc, ok := vd.docs.Get(ctx, query)
	if !ok {
		return nil
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return nil
	}
	var types map[string]string
	for _, v := range op.VariableDefinitions {
		if typ := v.Type.String(); typedDecoders[typ] != nil {
			if types == nil {
				types = map[string]string{}
			}
			types[v.Variable] = typ
		}
	}
	return types
}

// decodeTyped decodes the variables named in types with their typed
// decoders, the others (and those a decoder declines) as decodeObject does.
func (vd variableDecoder) decodeTyped(raw json.RawMessage, types map[string]string) (vars, typed map[string]any, ok bool) {
	fields, ok := jsoninput.Members(raw)
	if !ok {
		return nil, nil, false
	}
	vars = make(map[string]any, len(fields))
	for name, value := range fields {
		if typ, has := types[name]; has {
			v, ok := typedDecoders[typ](string(value))
			if vd.counted != nil {
				vd.counted(typ, ok)
			}
			if ok {
				if typed == nil {
					typed = map[string]any{}
				}
				typed[name], vars[name] = v, []any{}
				continue
			}
		}
		if vars[name], ok = decodeValue(value); !ok {
			return nil, nil, false
		}
	}
	return vars, typed, true
}

// decodeValue decodes one JSON value as decodeObject decodes the values of
// an object.
func decodeValue(v json.RawMessage) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil || dec.More() {
		return nil, false
	}
	return out, true
}
