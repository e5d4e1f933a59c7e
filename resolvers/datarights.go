package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
)

// Data rights (DESIGN.md §6 rules 9 and 10): a copy of everything, the
// retention window, and erasure. The export itself is streamed by
// GET /export (server/export.go); myDataExport tells apps where it is and
// what it holds.

// eraseConfirmation is the word deleteMyData must be given: nothing that
// cannot be undone happens by accident.
const eraseConfirmation = "DELETE"

// MyDataExport returns the URL of the member's export and counts of what it
// holds. NOT_FOUND for an erased member.
func (r *queryResolver) MyDataExport(ctx context.Context) (*model.DataExport, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	s, err := r.Store.ExportSummary(ctx, id.Subject)
	if err != nil {
		return nil, err
	}
	s.URL = r.ExportURL
	return s, nil
}

// SetRetentionYears sets how long the member's receipts are kept
// (1..OMADATA_MAX_RETENTION_YEARS, else BAD_USER_INPUT).
func (r *mutationResolver) SetRetentionYears(ctx context.Context, years int) (*model.Member, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.SetRetentionYears(ctx, id.Subject, years)
}

// DeleteMyData erases everything stored about the member. confirm must be
// exactly DELETE (else BAD_USER_INPUT, and nothing is erased).
func (r *mutationResolver) DeleteMyData(ctx context.Context, confirm string) (*model.ErasureReport, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	if confirm != eraseConfirmation {
		return nil, model.InputErrorf("confirm", "must be exactly %q to erase your data", eraseConfirmation)
	}
	return r.Store.EraseMember(ctx, id.Subject)
}
