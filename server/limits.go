package server

import (
	"context"
	"strings"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// Limits bound what one request may ask of the service (DESIGN.md §9).
// Every zero field takes its default, so Limits{} is the production setting.
type Limits struct {
	// MaxBodyBytes bounds the body of member requests (default
	// MaxBodyBytes); MaxServiceBodyBytes that of service requests, whose
	// batches are larger (default MaxServiceBodyBytes).
	MaxBodyBytes, MaxServiceBodyBytes int64
	// MaxTokens bounds the lexical tokens of a query document, so the
	// parser stops early on a huge one (default 10,000).
	MaxTokens int
	// MaxDepth bounds how deeply selections nest, fragments expanded
	// (default 15; the schema's deepest useful query is 8).
	MaxDepth int
	// MaxFields bounds the selections (fields and fragment spreads) of a
	// query document as written (default 500), checked before validation:
	// validating N fields of one name takes time in N² (10,000 take
	// seconds), so this bound comes first.
	MaxFields int
	// MaxExpandedFields bounds the fields of an operation once its
	// fragments are expanded (default 10,000), so fragments that spread
	// each other twice cannot make the analysis itself explode.
	MaxExpandedFields int
	// MaxComplexity bounds the cost of an operation (default 50,000): each
	// field costs 1 plus its children, a list its expected length times its
	// children, and each root field RootFieldCost more.
	MaxComplexity int
	// MemberRate and ServiceRate are the per-subject request rates.
	MemberRate, ServiceRate Rate
	// Now is the rate limiter's clock (default time.Now).
	Now func() time.Time
}

// Body size defaults: a member request is a query and a few variables; a
// service request may carry a batch of 1,000 receipts.
const (
	MaxBodyBytes        = 1 << 20
	MaxServiceBodyBytes = 8 << 20
)

// Defaults of the other limits.
const (
	defaultMaxTokens     = 10_000
	defaultMaxDepth      = 15
	defaultMaxFields     = 500
	defaultMaxExpanded   = 10_000
	defaultMaxComplexity = 50_000
	// RootFieldCost is what a root field adds to an operation's complexity:
	// each is at least one database transaction, so 1,000 aliases of the
	// cheapest query cost 1,000 transactions' worth and are refused.
	RootFieldCost = 1_000
)

// Expected lengths of lists that take no size argument (the complexity of
// a list is its length times its children's). They are typical sizes, not
// bounds: receipts come from tills, not from the client, so a client cannot
// make them longer.
const (
	linesPerReceipt     = 25  // a grocery receipt has 15-25 lines
	categoriesPerReport = 50  // the reference data has 42 categories
	monthsPerReport     = 12  // insights are mostly asked for a year
	householdMembers    = 6   // households have 2-6 members
	monthsPerYear       = 12  // bonus(year)
	defaultListSize     = 100 // a size argument given as null
)

// withDefaults fills in the zero fields of l.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = MaxBodyBytes
	}
	if l.MaxServiceBodyBytes <= 0 {
		l.MaxServiceBodyBytes = MaxServiceBodyBytes
	}
	def(&l.MaxTokens, defaultMaxTokens)
	def(&l.MaxDepth, defaultMaxDepth)
	def(&l.MaxFields, defaultMaxFields)
	def(&l.MaxExpandedFields, defaultMaxExpanded)
	def(&l.MaxComplexity, defaultMaxComplexity)
	l.MemberRate = l.MemberRate.orDefault(DefaultMemberRate)
	l.ServiceRate = l.ServiceRate.orDefault(DefaultServiceRate)
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// complexityRoot prices the lists of the schema: a connection costs `first`
// times its children, other lists their expected length times their
// children. Fields not named here cost 1 plus their children.
func complexityRoot() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Receipts = func(child int, first *int, _ *string, _ *model.ReceiptFilter) int { return listCost(first, child) }
	c.Query.HouseholdReceipts = func(child int, first *int, _ *string, _ *model.ReceiptFilter) int { return listCost(first, child) }
	c.Query.ConsentHistory = func(child int, first *int, _ *string) int { return listCost(first, child) }
	c.Query.AccessLog = func(child int, first *int, _ *string) int { return listCost(first, child) }
	c.Query.MarketingAudience = func(child int, _ model.ConsentPurpose, first *int, _ *string) int { return listCost(first, child) }
	c.Query.ShoppingList = func(child int, limit *int) int { return listCost(limit, child) }
	c.Query.Bonus = func(child int, _ int) int { return monthsPerYear * child }
	c.Query.Consents = func(child int) int { return len(model.AllConsentPurpose) * child }
	c.NutritionInsight.TopSources = func(child int, _ model.Nutrient, limit *int) int { return listCost(limit, child) }
	c.Receipt.Lines = func(child int) int { return linesPerReceipt * child }
	c.Insights.ByCategory = func(child int) int { return categoriesPerReport * child }
	c.Insights.ByMonth = func(child int) int { return monthsPerReport * child }
	c.Household.Members = func(child int) int { return householdMembers * child }
	return c
}

// listCost is size × child for a size argument. A size outside 1..100 is
// refused with BAD_USER_INPUT when the field runs, before it reads
// anything, so here it costs as one item: the client then learns the real
// reason rather than QUERY_TOO_COMPLEX.
func listCost(size *int, child int) int {
	n := defaultListSize
	if size != nil {
		n = *size
		if n < 1 || n > storage.MaxPageSize {
			n = 1
		}
	}
	return n * child
}

// queryLimits refuses, before validation, a document with too many fields,
// and after validation, before anything executes, an operation that nests
// too deeply, has too many fields once its fragments are expanded, or
// costs more than the complexity limit. Its errors carry QUERY_TOO_COMPLEX.
type queryLimits struct {
	limits Limits
	es     graphql.ExecutableSchema
	// selections keeps the selection count of documents seen before, by
	// their text: apps send the same few documents over and over, and
	// parsing one again costs more than the rest of this check.
	selections *lru.Cache[string, int]
}

// newQueryLimits returns the extension that enforces limits, keeping the
// selection counts of the last 1,000 documents (as gqlgen keeps their
// parses).
func newQueryLimits(limits Limits) *queryLimits {
	selections, _ := lru.New[string, int](1000) // errors only for a size < 1
	return &queryLimits{limits: limits, selections: selections}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*queryLimits)(nil)

// ExtensionName names the extension for gqlgen.
func (q *queryLimits) ExtensionName() string { return "OmadataQueryLimits" }

// Validate keeps the schema, which the complexity calculation needs.
func (q *queryLimits) Validate(es graphql.ExecutableSchema) error {
	q.es = es
	return nil
}

// MutateOperationParameters counts the selections of the document as written,
// before gqlgen validates it. A document that does not parse is left to
// gqlgen, which reports why (the token limit keeps that parse cheap).
func (q *queryLimits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	n, seen := q.selections.Get(p.Query)
	if !seen {
		var ok bool
		if n, ok = q.countSelections(p.Query); !ok {
			return nil
		}
		q.selections.Add(p.Query, n)
	}
	if n > q.limits.MaxFields {
		return tooComplex("the query document has %d selections (fields and fragment spreads), over the limit of %d", n, q.limits.MaxFields)
	}
	return nil
}

// countSelections parses query and counts its selections; ok is false if
// it does not parse.
func (q *queryLimits) countSelections(query string) (n int, ok bool) {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, q.limits.MaxTokens)
	if err != nil {
		return 0, false
	}
	var count func(ast.SelectionSet)
	count = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				n++
				count(sel.SelectionSet)
			case *ast.InlineFragment:
				count(sel.SelectionSet)
			case *ast.FragmentSpread:
				n++ // spreads of one fragment are compared pairwise too
			}
		}
	}
	for _, op := range doc.Operations {
		count(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		count(f.SelectionSet)
	}
	return n, true
}

// MutateOperationContext measures the operation and refuses it if it is
// over a limit.
func (q *queryLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Operation
	if op == nil {
		return nil
	}
	s := shape{maxDepth: q.limits.MaxDepth, maxFields: q.limits.MaxExpandedFields}
	s.walk(op.SelectionSet, 1)
	switch {
	case s.tooDeep:
		return tooComplex("the operation nests more than %d levels deep", q.limits.MaxDepth)
	case s.tooMany:
		return tooComplex("the operation has more than %d fields once its fragments are expanded", q.limits.MaxExpandedFields)
	case s.introspects && oc.DisableIntrospection:
		// Refused here, before execution, rather than by gqlgen as each
		// field runs, where it would look like (and log as) an internal error.
		err := gqlerror.Errorf("introspection is disabled outside dev mode")
		err.Extensions = map[string]any{"code": model.Forbidden}
		return err
	}
	cost := complexity.Calculate(ctx, q.es, op, oc.Variables)
	cost += s.rootFields * RootFieldCost
	if cost > q.limits.MaxComplexity || cost < 0 {
		return tooComplex("the operation's complexity is %d, over the limit of %d: ask for smaller pages or fewer fields", cost, q.limits.MaxComplexity)
	}
	return nil
}

func tooComplex(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": model.QueryTooComplex}
	return err
}

// shape is a walk over an operation's selections with its fragments
// expanded, which stops as soon as it exceeds a bound: expanding fragments
// can multiply a small document, so the walk must not trust its size.
type shape struct {
	maxDepth, maxFields int
	fields, rootFields  int
	tooDeep, tooMany    bool
	introspects         bool // a root field is __schema or __type
}

func (s *shape) walk(set ast.SelectionSet, depth int) {
	for _, sel := range set {
		if s.tooDeep || s.tooMany {
			return
		}
		switch sel := sel.(type) {
		case *ast.Field:
			s.fields++
			if depth == 1 && sel.Name != "__typename" {
				s.rootFields++
				s.introspects = s.introspects || sel.Name == "__schema" || sel.Name == "__type"
			}
			switch {
			case s.fields > s.maxFields:
				s.tooMany = true
			case depth > s.maxDepth:
				s.tooDeep = true
			default:
				s.walk(sel.SelectionSet, depth+1)
			}
		case *ast.InlineFragment:
			s.walk(sel.SelectionSet, depth)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				s.walk(sel.Definition.SelectionSet, depth)
			}
		}
	}
}

// tokenLimitPrefix starts gqlparser's message for a document over the
// token limit.
const tokenLimitPrefix = "exceeded token limit"

// limitPresenter adjusts request errors: a document over the parser's
// token limit is QUERY_TOO_COMPLEX like the other size limits, and outside
// dev mode validation messages lose their "Did you mean ...?" suggestions,
// which would otherwise spell out the schema that introspection hides.
func limitPresenter(next graphql.ErrorPresenterFunc, dev bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		out := next(ctx, err)
		if strings.HasPrefix(out.Message, tokenLimitPrefix) {
			out.Message = strings.Replace(out.Message, tokenLimitPrefix, "the query document exceeds the token limit", 1)
			out.Extensions = map[string]any{"code": model.QueryTooComplex}
		}
		if !dev {
			if i := strings.Index(out.Message, " Did you mean"); i >= 0 {
				out.Message = out.Message[:i]
			}
		}
		return out
	}
}
