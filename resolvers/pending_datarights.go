package resolvers

// Resolvers that issue 6 builds; until then they answer with an error
// rather than a made-up value. Delete this file when they are implemented.

import (
	"context"

	"github.com/omadata/omadata/graph/model"
)

// MyDataExport is built by issue 6.
func (r *queryResolver) MyDataExport(ctx context.Context) (*model.DataExport, error) {
	return nil, notYet("myDataExport")
}

// SetRetentionYears is built by issue 6.
func (r *mutationResolver) SetRetentionYears(ctx context.Context, years int) (*model.Member, error) {
	return nil, notYet("setRetentionYears")
}

// DeleteMyData is built by issue 6.
func (r *mutationResolver) DeleteMyData(ctx context.Context, confirm string) (*model.ErasureReport, error) {
	return nil, notYet("deleteMyData")
}
