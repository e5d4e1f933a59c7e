package resolvers

import (
	"context"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// storageCheckBatch refuses empty and oversized batches.
func storageCheckBatch(n int) error { return storage.CheckBatch(n) }

// UpsertCategories writes categories (scope catalog:write).
func (r *mutationResolver) UpsertCategories(ctx context.Context, input []model.CategoryInput) (*model.UpsertResult, error) {
	if _, err := auth.RequireScope(ctx, auth.ScopeCatalogWrite); err != nil {
		return nil, err
	}
	if err := storageCheckBatch(len(input)); err != nil {
		return nil, err
	}
	return r.Store.UpsertCategories(ctx, input)
}

// UpsertStores writes stores (scope catalog:write).
func (r *mutationResolver) UpsertStores(ctx context.Context, input []model.StoreInput) (*model.UpsertResult, error) {
	if _, err := auth.RequireScope(ctx, auth.ScopeCatalogWrite); err != nil {
		return nil, err
	}
	if err := storageCheckBatch(len(input)); err != nil {
		return nil, err
	}
	return r.Store.UpsertStores(ctx, input)
}

// UpsertProducts writes products (scope catalog:write).
func (r *mutationResolver) UpsertProducts(ctx context.Context, input []model.ProductInput) (*model.UpsertResult, error) {
	if _, err := auth.RequireScope(ctx, auth.ScopeCatalogWrite); err != nil {
		return nil, err
	}
	if err := storageCheckBatch(len(input)); err != nil {
		return nil, err
	}
	return r.Store.UpsertProducts(ctx, input)
}
