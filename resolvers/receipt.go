package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// Receipts returns a page of the member's own receipts.
func (r *queryResolver) Receipts(ctx context.Context, first *int, after *string, filter *model.ReceiptFilter) (*model.ReceiptConnection, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.receiptPage(ctx, storage.ReceiptQuery{Viewer: id.Subject}, first, after, filter)
}

// HouseholdReceipts returns a page of the receipts of the member and of
// every household member visible to them (rule 5), at household level:
// receipts carry no owner, and ids and cursors do not encode one.
func (r *queryResolver) HouseholdReceipts(ctx context.Context, first *int, after *string, filter *model.ReceiptFilter) (*model.ReceiptConnection, error) {
	id, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.receiptPage(ctx, storage.ReceiptQuery{Viewer: id.Subject, Household: true}, first, after, filter)
}

// receiptPage reads a page of receipts as a connection.
func (r *Resolver) receiptPage(ctx context.Context, q storage.ReceiptQuery, first *int, after *string, filter *model.ReceiptFilter) (*model.ReceiptConnection, error) {
	n, cur, err := page(first, after)
	if err != nil {
		return nil, err
	}
	if err := checkFilter(filter); err != nil {
		return nil, err
	}
	// Lines asked for are read with the page: one statement, whatever its size.
	q.First, q.After, q.Filter = n, cur, filter
	q.WithLines = selects(ctx, "edges", "node", "lines")
	res, err := r.Store.Receipts(ctx, q)
	if err != nil {
		return nil, err
	}
	conn := &model.ReceiptConnection{Edges: make([]model.ReceiptEdge, len(res.Receipts)),
		PageInfo: &model.PageInfo{HasNextPage: res.HasNextPage}}
	for i, rc := range res.Receipts {
		c := storage.Cursor{At: rc.PurchasedAt, Seq: rc.Seq}.Encode()
		conn.Edges[i] = model.ReceiptEdge{Cursor: c, Node: rc}
		conn.PageInfo.EndCursor = &c
	}
	return conn, nil
}

func checkFilter(f *model.ReceiptFilter) error {
	if f != nil && f.From != nil && f.To != nil && f.To.Before(*f.From) {
		return model.InputErrorf("filter.to", "is before filter.from")
	}
	return nil
}

// Receipt returns one receipt the member may see; anything else answers
// NOT_FOUND exactly like an unknown id.
func (r *queryResolver) Receipt(ctx context.Context, id string) (*model.Receipt, error) {
	who, err := auth.RequireMember(ctx)
	if err != nil {
		return nil, err
	}
	return r.Store.Receipt(ctx, who.Subject, id, selects(ctx, "lines"))
}

// Store returns the receipt's store (joined when the receipt was read).
func (r *receiptResolver) Store(ctx context.Context, rc *model.Receipt) (*model.Store, error) {
	if rc.Store != nil {
		return rc.Store, nil
	}
	return r.loaders(ctx).Stores.Load(ctx, rc.StoreID)
}

// Lines returns the receipt's lines while its owner's PRODUCT_LEVEL_DATA is
// granted and the lines were stored; else null with CONSENT_REQUIRED.
// storage checks the consent again as it reads the lines.
func (r *receiptResolver) Lines(ctx context.Context, rc *model.Receipt) ([]model.ReceiptLine, error) {
	if !rc.LinesAllowed {
		return nil, model.Errorf(model.ConsentRequired,
			"the PRODUCT_LEVEL_DATA consent of the receipt's owner is not granted: only totals are shown")
	}
	if rc.LinesStored == 0 {
		return nil, model.Errorf(model.ConsentRequired,
			"the lines of this receipt are not stored: PRODUCT_LEVEL_DATA was not granted when the purchase was made, or it was withdrawn since")
	}
	lines := rc.Lines
	if !rc.LinesRead {
		var err error
		if lines, err = r.loaders(ctx).Lines.Load(ctx, storage.ReceiptKey{Owner: rc.OwnerID, Seq: rc.Seq}); err != nil {
			return nil, err
		}
	}
	if len(lines) == 0 {
		// Consent was withdrawn between reading the receipt and its lines.
		return nil, model.Errorf(model.ConsentRequired, "the PRODUCT_LEVEL_DATA consent of the receipt's owner is not granted")
	}
	return lines, nil
}

// visibleOwners returns whose purchase data the member may read: their own
// and that of the household members rule 5 makes visible.
func (r *Resolver) visibleOwners(ctx context.Context, viewer string) ([]string, error) {
	return r.Store.VisibleOwners(ctx, viewer)
}

// IngestReceipts stores receipts from the tills (scope receipts:ingest).
func (r *mutationResolver) IngestReceipts(ctx context.Context, input []model.ReceiptInput) (*model.IngestResult, error) {
	if _, err := auth.RequireScope(ctx, auth.ScopeIngest); err != nil {
		return nil, err
	}
	if err := storageCheckBatch(len(input)); err != nil {
		return nil, err
	}
	res, err := r.Store.IngestReceipts(ctx, input)
	if err == nil && r.OnIngest != nil {
		r.OnIngest(res)
	}
	return res, err
}
