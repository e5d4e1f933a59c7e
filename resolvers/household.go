package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
)

// Household returns the member's household: who is in it, who shares.
func (r *queryResolver) Household(ctx context.Context) (*model.Household, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Household(ctx, id.Subject)
}

// Members returns the household's members as loaded with it.
func (r *householdResolver) Members(ctx context.Context, h *model.Household) ([]model.HouseholdMember, error) {
	return h.Members, nil
}

// AccessLog returns who has read the member's product-level data, newest
// first. A member's own reads are never logged.
func (r *queryResolver) AccessLog(ctx context.Context, first *int, after *string) (*model.AccessEventConnection, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	n, cur, err := page(first, after)
	if err != nil {
		return nil, err
	}
	events, err := r.Store.AccessLog(ctx, id.Subject, n, cur)
	if err != nil {
		return nil, err
	}
	conn := &model.AccessEventConnection{Edges: make([]model.AccessEventEdge, len(events.Events)),
		PageInfo: &model.PageInfo{HasNextPage: events.HasNextPage}}
	for i := range events.Events {
		c := events.Cursors[i].Encode()
		conn.Edges[i] = model.AccessEventEdge{Cursor: c, Node: &events.Events[i]}
		conn.PageInfo.EndCursor = &c
	}
	return conn, nil
}
