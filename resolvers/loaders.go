package resolvers

import (
	"context"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/omadata/omadata/auth"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// Loaders batch the reads of one request, keyed by id, so a list never
// costs one query per row. They are made per request: nothing is cached
// across requests, so a changed consent or catalog is seen at once.
type Loaders struct {
	Stores     *dataloadgen.Loader[string, *model.Store]
	Products   *dataloadgen.Loader[string, *model.Product]
	Categories *dataloadgen.Loader[string, *model.Category]
	Lines      *dataloadgen.Loader[storage.ReceiptKey, []model.ReceiptLine]
}

type loadersKey struct{}

// NewLoaders returns a fresh set of loaders over db.
func NewLoaders(db *storage.DB) *Loaders {
	wait := dataloadgen.WithWait(time.Millisecond)
	return &Loaders{
		Stores:     dataloadgen.NewMappedLoader(db.StoresByID, wait),
		Products:   dataloadgen.NewMappedLoader(db.ProductsByGTIN, wait),
		Categories: dataloadgen.NewMappedLoader(db.CategoriesByID, wait),
		Lines:      dataloadgen.NewMappedLoader(linesOrEmpty(db), wait),
	}
}

// linesOrEmpty answers every key: a receipt without readable lines gets an
// empty list rather than "not found". The lines are read for the request's
// member, whom storage checks against each receipt's owner.
func linesOrEmpty(db *storage.DB) func(context.Context, []storage.ReceiptKey) (map[storage.ReceiptKey][]model.ReceiptLine, error) {
	return func(ctx context.Context, keys []storage.ReceiptKey) (map[storage.ReceiptKey][]model.ReceiptLine, error) {
		viewer, _ := auth.FromContext(ctx)
		m, err := db.LinesByReceipt(ctx, viewer.Subject, keys)
		for _, k := range keys {
			if _, ok := m[k]; !ok && m != nil {
				m[k] = []model.ReceiptLine{}
			}
		}
		return m, err
	}
}

// LoadersMiddleware puts a fresh set of loaders in each request's context.
func LoadersMiddleware(db *storage.DB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadersKey{}, NewLoaders(db))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// loaders returns the request's loaders, or fresh ones when the context has
// none (a caller outside the HTTP handler).
func (r *Resolver) loaders(ctx context.Context) *Loaders {
	if l, ok := ctx.Value(loadersKey{}).(*Loaders); ok {
		return l
	}
	return NewLoaders(r.Store)
}
