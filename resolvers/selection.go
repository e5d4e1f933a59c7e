package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/omadata/omadata/storage"
)

// page validates a connection's `first` (default 20) and `after`.
func page(first *int, after *string) (int, *storage.Cursor, error) {
	n, err := storage.PageSize(first, 20)
	if err != nil {
		return 0, nil, err
	}
	cur, err := storage.DecodeCursor(after)
	return n, cur, err
}

// selects reports whether the current field's selection reaches the given
// path of child fields (through fragments and aliases), so a resolver can
// fetch what its children will ask for in one statement instead of
// waiting for a dataloader batch to fill.
func selects(ctx context.Context, path ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	return selectsIn(op, graphql.CollectFields(op, fc.Field.Selections, nil), path)
}

func selectsIn(op *graphql.OperationContext, fields []graphql.CollectedField, path []string) bool {
	if len(path) == 0 {
		return true
	}
	for _, f := range fields {
		if f.Name == path[0] && selectsIn(op, graphql.CollectFields(op, f.Selections, nil), path[1:]) {
			return true
		}
	}
	return false
}
