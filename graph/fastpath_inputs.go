package graph

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

// fastReceiptInputs replaces the generated unmarshaller of [ReceiptInput!]!
// at its call site (graph/internal/overrides). The server decodes a
// variable of that type straight into its Go type with package jsoninput
// when it can (server/typed_variables.go says when and why), and the
// value then arrives here typed; anything else (an inline literal, a
// variable jsoninput declined) takes the generated function.
//
// The schema takes ReceiptInput only as [ReceiptInput!]! (TestReceiptInputOnlyAsBatch),
// so a typed value cannot reach a generated function that expects maps.
func (ec *executionContext) fastReceiptInputs(ctx context.Context, v any) ([]model.ReceiptInput, error) {
	if in, ok := v.([]model.ReceiptInput); ok {
		return in, nil
	}
	return ec.unmarshalNReceiptInput2ᚕgithubᚗcomᚋomadataᚋomadataᚋgraphᚋmodelᚐReceiptInputᚄ(ctx, v)
}
