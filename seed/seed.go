// Package seed generates the demo data of Omadata: the reference categories,
// a catalog of Finnish grocery products, stores, member households and a
// history of realistic receipts. Everything is deterministic: the same
// Options give byte-identical inputs, so demos, screenshots and benchmarks
// can be reproduced. It writes through the same service methods the GraphQL
// mutations call (see [Sink]), so seeded data passes every ingest rule.
package seed

import (
	"context"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // the same zone rules on every machine keep the output identical

	"github.com/omadata/omadata/graph/model"
)

// Sink is what the seed writes through: *storage.DB satisfies it (the same
// methods the service mutations call).
type Sink interface {
	UpsertCategories(ctx context.Context, in []model.CategoryInput) (*model.UpsertResult, error)
	UpsertStores(ctx context.Context, in []model.StoreInput) (*model.UpsertResult, error)
	UpsertProducts(ctx context.Context, in []model.ProductInput) (*model.UpsertResult, error)
	UpsertMembers(ctx context.Context, in []model.MemberInput) (*model.UpsertResult, error)
	IngestReceipts(ctx context.Context, in []model.ReceiptInput) (*model.IngestResult, error)
}

// Options controls the size and shape of the generated data. The zero value
// of each field but Now means its default.
type Options struct {
	Members  int                              // default 60
	Years    float64                          // history length, default 1, at most 10 (storage refuses older receipts)
	Seed     int64                            // default 1
	Now      time.Time                        // end of history (required; receipts up to Now minus a few minutes)
	Location *time.Location                   // program time zone (Europe/Helsinki default) for shopping hours and weekdays
	Batch    int                              // receipts (and catalog or member items) per call, default 500 (max 1000)
	Progress func(format string, args ...any) // optional

	// SetClock, optional, is called with the start of the history before
	// members are written, and with Now before receipts are. Wired to the
	// sink's clock (storage.Config.Now), it dates each member's joining and
	// enrolment consents before their first receipt, as in a real history,
	// instead of at the moment of seeding.
	SetClock func(time.Time)
}

// Defaults and bounds of Options.
const (
	DefaultMembers = 60
	DefaultYears   = 1.0
	DefaultSeed    = 1
	DefaultBatch   = 500
	MaxBatch       = 1000 // the service's batch limit
	MaxYears       = 10   // storage rejects receipts more than 10 years old
)

// yearSpan is the length of one history year. 365 days, not 365.25: ten
// years of history must stay within storage's 10 × 365-day age limit.
const yearSpan = 365 * 24 * time.Hour

// lastReceiptGap keeps the newest receipt a little before Now.
const lastReceiptGap = 5 * time.Minute

// Summary counts what Run wrote.
type Summary struct {
	Categories, Stores, Products, Members, Households, Receipts, Lines int
}

// withDefaults returns opt with its zero fields defaulted, or an error when
// a value is out of range.
func (opt Options) withDefaults() (Options, error) {
	if opt.Members == 0 {
		opt.Members = DefaultMembers
	}
	if opt.Years == 0 {
		opt.Years = DefaultYears
	}
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.Batch == 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Location == nil {
		loc, err := time.LoadLocation("Europe/Helsinki")
		if err != nil {
			return opt, fmt.Errorf("seed: load time zone: %w", err)
		}
		opt.Location = loc
	}
	switch {
	case opt.Now.IsZero():
		return opt, errors.New("seed: Options.Now is required")
	case opt.Members < 0:
		return opt, fmt.Errorf("seed: Members must not be negative, got %d", opt.Members)
	case !(opt.Years > 0 && opt.Years <= MaxYears):
		return opt, fmt.Errorf("seed: Years must be above 0 and at most %d, got %g", MaxYears, opt.Years)
	case opt.Batch < 0 || opt.Batch > MaxBatch:
		return opt, fmt.Errorf("seed: Batch must be 1-%d, got %d", MaxBatch, opt.Batch)
	}
	return opt, nil
}

// start is the beginning of the history: receipts fall in (start, end].
func (opt Options) start() time.Time {
	return opt.Now.Add(-time.Duration(opt.Years * float64(yearSpan)))
}

// end is the time of the newest possible receipt.
func (opt Options) end() time.Time { return opt.Now.Add(-lastReceiptGap) }

func (opt Options) progress(format string, args ...any) {
	if opt.Progress != nil {
		opt.Progress(format, args...)
	}
}

// Run writes categories, stores, products, members and then receipts (in
// chronological order, opt.Batch per call) to sink, and returns what it
// wrote. Any rejection in a result is an error: the generator must only
// produce valid data. A replayed receipt (a second Run against the same
// database) counts as a duplicate, not an error, so seeding is repeatable.
func Run(ctx context.Context, sink Sink, opt Options) (Summary, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	var sum Summary
	products := Products(opt.Seed)
	stores := Stores()
	if sum.Categories, err = upsert(ctx, opt, "categories", Categories(), sink.UpsertCategories); err != nil {
		return sum, err
	}
	if sum.Stores, err = upsert(ctx, opt, "stores", stores, sink.UpsertStores); err != nil {
		return sum, err
	}
	if sum.Products, err = upsert(ctx, opt, "products", products, sink.UpsertProducts); err != nil {
		return sum, err
	}
	// Date joining (and the enrolment consents) before the first receipt.
	if opt.SetClock != nil {
		opt.SetClock(opt.start().Add(-time.Hour))
	}
	members := Members(opt)
	if sum.Members, err = upsert(ctx, opt, "members", members, sink.UpsertMembers); err != nil {
		return sum, err
	}
	sum.Households = countHouseholds(members)
	if opt.SetClock != nil {
		opt.SetClock(opt.Now)
	}
	err = ingestAll(ctx, sink, opt, members, products, stores, &sum)
	return sum, err
}

// upsert writes items in batches through write and returns how many it
// wrote; a rejected item is an error that names it.
func upsert[T any](ctx context.Context, opt Options, what string, items []T,
	write func(context.Context, []T) (*model.UpsertResult, error)) (int, error) {
	for lo := 0; lo < len(items); lo += opt.Batch {
		hi := min(lo+opt.Batch, len(items))
		res, err := write(ctx, items[lo:hi])
		if err != nil {
			return lo, fmt.Errorf("seed: write %s: %w", what, err)
		}
		if err := rejected(what, lo, res.Rejections); err != nil {
			return lo, err
		}
	}
	opt.progress("seed: %d %s", len(items), what)
	return len(items), nil
}

// rejected turns the first rejection of a batch starting at offset into an
// error, or returns nil when there is none.
func rejected(what string, offset int, rej []model.Rejection) error {
	if len(rej) == 0 {
		return nil
	}
	r := rej[0]
	return fmt.Errorf("seed: %d %s rejected, first %s[%d]: %s %s", len(rej), what, what, offset+r.Index, r.Code, r.Message)
}

// ingestAll streams the receipts into the sink in batches.
func ingestAll(ctx context.Context, sink Sink, opt Options, members []model.MemberInput,
	products []model.ProductInput, stores []model.StoreInput, sum *Summary) error {
	batch := make([]model.ReceiptInput, 0, opt.Batch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := sink.IngestReceipts(ctx, batch)
		if err != nil {
			return fmt.Errorf("seed: ingest receipts: %w", err)
		}
		if err := rejected("receipts", sum.Receipts-len(batch), res.Rejections); err != nil {
			return err
		}
		if sum.Receipts/opt.Batch%20 == 0 {
			opt.progress("seed: %d receipts, up to %s", sum.Receipts, batch[len(batch)-1].PurchasedAt.Format(time.DateOnly))
		}
		batch = batch[:0]
		return ctx.Err()
	}
	err := Receipts(opt, members, products, stores, func(r model.ReceiptInput) error {
		batch = append(batch, r)
		sum.Receipts++
		sum.Lines += len(r.Lines)
		if len(batch) == opt.Batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil {
		opt.progress("seed: %d receipts with %d lines", sum.Receipts, sum.Lines)
	}
	return err
}

// countHouseholds counts the distinct households of members.
func countHouseholds(members []model.MemberInput) int {
	seen := map[string]bool{}
	for _, m := range members {
		seen[m.HouseholdID] = true
	}
	return len(seen)
}
