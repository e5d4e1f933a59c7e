package storage

import (
	"strconv"
	"strings"
	"sync/atomic"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/omadata/omadata/graph/model"
)

// The insights of a range are read far more often than the data behind
// them changes: the app's main screen asks for the same twelve months every
// time it opens, and a member's history changes when they shop, a few
// times a week. So the API keeps recent answers in memory (issue 5: the
// household's insights at 200 requests a second on two cores).
//
// An answer is kept under everything it is computed from, read in the same
// statement (and snapshot) that finds the members it counts: the range and
// the parts asked for, each counted member with their sums_version, which
// every change of their receipts, lines or rollups moves on (migration
// 00090), which of them are covered by consent now, and the catalog's
// version. A kept answer is therefore used only when reading afresh would
// give the same one; nothing has to be told to forget anything, and API
// replicas each keep their own without talking to each other. Who may see
// what is decided afresh by every request (the counted and covered members
// are part of the key, not of the kept answer), and every household read
// is still written to the access log in its own transaction.

// DefaultInsightsCacheEntries is how many answers are kept unless
// Config.InsightsCacheEntries says otherwise: about 20 KB each for a year
// (12 months, some 100 categories), 60 KB for ten years.
const DefaultInsightsCacheEntries = 2048

// insightsCache keeps answers of Insights; a nil cache keeps nothing.
type insightsCache struct {
	answers *lru.Cache[string, *InsightsResult]
	// catalog is the categories as of one catalog version, shared by the
	// answers read under it (read-only once published).
	catalog      atomic.Pointer[catalogSnapshot]
	hits, misses atomic.Int64
}

type catalogSnapshot struct {
	version    int64
	categories map[string]*model.Category
}

func newInsightsCache(entries int) *insightsCache {
	if entries == 0 {
		entries = DefaultInsightsCacheEntries
	}
	if entries < 0 {
		return nil
	}
	answers, err := lru.New[string, *InsightsResult](entries)
	if err != nil {
		panic(err) // only for a size below one, ruled out above
	}
	return &insightsCache{answers: answers}
}

// insightsKey is what an answer is computed from, written out as
// "from|to|flags|id=version[+]|...|cCATALOG" ("+": covered). Member ids
// are letters, digits and "_.:-" (enrolment refuses others), so the
// separators cannot occur in them and no two keys read alike.
type insightsKey struct {
	b         strings.Builder
	cacheable bool
}

// newInsightsKey starts the key of q; FromLines answers (the reference the
// tests and the benchmark compare with) are never kept.
func newInsightsKey(q InsightsQuery) *insightsKey {
	k := &insightsKey{cacheable: !q.FromLines}
	k.b.WriteString(q.From.String())
	k.b.WriteByte('|')
	k.b.WriteString(q.To.String())
	k.b.WriteByte('|')
	for _, f := range []bool{q.Months, q.Categories, q.Nutrients} {
		if f {
			k.b.WriteByte('1')
		} else {
			k.b.WriteByte('0')
		}
	}
	return k
}

// member adds a counted member: their id, sums version and whether they
// are covered. A member whose version could not be read is not cached.
func (k *insightsKey) member(id string, version *int64, covered bool) {
	if version == nil {
		k.cacheable = false
		return
	}
	k.b.WriteByte('|')
	k.b.WriteString(id)
	k.b.WriteByte('=')
	k.b.WriteString(strconv.FormatInt(*version, 10))
	if covered {
		k.b.WriteByte('+')
	}
}

// catalog adds the catalog version.
func (k *insightsKey) catalog(version int64) {
	k.b.WriteString("|c")
	k.b.WriteString(strconv.FormatInt(version, 10))
}

// get returns a copy of the answer kept under k, if any.
func (c *insightsCache) get(k *insightsKey) (*InsightsResult, bool) {
	if c == nil || !k.cacheable {
		return nil, false
	}
	kept, ok := c.answers.Get(k.b.String())
	if !ok {
		c.misses.Add(1)
		return nil, false
	}
	c.hits.Add(1)
	// Sums are shared, read-only; the slices are the caller's to keep.
	res := *kept
	res.Counted, res.Covered = append([]string(nil), kept.Counted...), append([]string(nil), kept.Covered...)
	return &res, true
}

// put keeps res under k (after the transaction that read it committed).
func (c *insightsCache) put(k *insightsKey, res *InsightsResult) {
	if c == nil || !k.cacheable {
		return
	}
	kept := *res
	kept.Counted, kept.Covered = append([]string(nil), res.Counted...), append([]string(nil), res.Covered...)
	c.answers.Add(k.b.String(), &kept)
}

// categories returns the catalog's categories as of version, if kept.
func (c *insightsCache) categories(version int64) (map[string]*model.Category, bool) {
	if c == nil {
		return nil, false
	}
	if s := c.catalog.Load(); s != nil && s.version == version {
		return s.categories, true
	}
	return nil, false
}

// keepCategories keeps the categories read under version.
func (c *insightsCache) keepCategories(version int64, categories map[string]*model.Category) {
	if c != nil {
		c.catalog.Store(&catalogSnapshot{version: version, categories: categories})
	}
}

// InsightsCacheStats reports how many insights reads found a kept answer
// and how many read the database (for the metrics and the benchmark).
func (db *DB) InsightsCacheStats() (hits, misses int64) {
	if db.insights == nil {
		return 0, 0
	}
	return db.insights.hits.Load(), db.insights.misses.Load()
}

// enabled reports whether answers are kept at all.
func (c *insightsCache) enabled() bool { return c != nil }
