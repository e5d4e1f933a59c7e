// Package resolvers implements the GraphQL API of schema.graphqls. Resolvers
// are thin: they ask auth who is calling and what they may do, and storage
// for the data (where ownership and consent are checked as it is read).
package resolvers

import (
	"time"

	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/insights"
	"github.com/omadata/omadata/storage"
)

// Resolver is the root resolver and the container of the API's
// dependencies, wired in main.
type Resolver struct {
	Store *storage.DB
	// Now is the clock (tests move it).
	Now func() time.Time
	// Location is the program's time zone (OMADATA_TIME_ZONE).
	Location *time.Location
	// ExportURL is the path of the export endpoint, as myDataExport reports it.
	ExportURL string
	// OnIngest, if set, sees the result of every ingestReceipts (metrics).
	OnIngest func(*model.IngestResult)
	// BonusTiers is the bonus table; nil means insights.DefaultTiers.
	BonusTiers []insights.Tier
}

var _ graph.ResolverRoot = (*Resolver)(nil)

// Query returns the query resolver.
func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

// Mutation returns the mutation resolver.
func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

// Member returns the Member field resolver.
func (r *Resolver) Member() graph.MemberResolver { return &memberResolver{r} }

// Household returns the Household field resolver.
func (r *Resolver) Household() graph.HouseholdResolver { return &householdResolver{r} }

// Receipt returns the Receipt field resolver.
func (r *Resolver) Receipt() graph.ReceiptResolver { return &receiptResolver{r} }

// Insights returns the Insights field resolver.
func (r *Resolver) Insights() graph.InsightsResolver { return &insightsResolver{r} }

// CategoryInsight returns the CategoryInsight field resolver.
func (r *Resolver) CategoryInsight() graph.CategoryInsightResolver {
	return &categoryInsightResolver{r}
}

// CategorySource returns the CategorySource field resolver.
func (r *Resolver) CategorySource() graph.CategorySourceResolver { return &categorySourceResolver{r} }

// ProductSource returns the ProductSource field resolver.
func (r *Resolver) ProductSource() graph.ProductSourceResolver { return &productSourceResolver{r} }

// NutritionInsight returns the NutritionInsight field resolver.
func (r *Resolver) NutritionInsight() graph.NutritionInsightResolver {
	return &nutritionInsightResolver{r}
}

// ShoppingListItem returns the ShoppingListItem field resolver.
func (r *Resolver) ShoppingListItem() graph.ShoppingListItemResolver {
	return &shoppingListItemResolver{r}
}

type (
	queryResolver            struct{ *Resolver }
	mutationResolver         struct{ *Resolver }
	memberResolver           struct{ *Resolver }
	householdResolver        struct{ *Resolver }
	receiptResolver          struct{ *Resolver }
	insightsResolver         struct{ *Resolver }
	categoryInsightResolver  struct{ *Resolver }
	categorySourceResolver   struct{ *Resolver }
	productSourceResolver    struct{ *Resolver }
	nutritionInsightResolver struct{ *Resolver }
	shoppingListItemResolver struct{ *Resolver }
)
