package seed

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// fakeSink records what Run writes, in call order, and can reject.
type fakeSink struct {
	calls      []string
	categories []model.CategoryInput
	stores     []model.StoreInput
	products   []model.ProductInput
	members    []model.MemberInput
	receipts   []model.ReceiptInput
	batches    []int
	rejectAt   string // the call whose first item is rejected
	fail       error  // returned by IngestReceipts
}

func (f *fakeSink) upserted(call string, n int) (*model.UpsertResult, error) {
	f.calls = append(f.calls, call)
	if f.rejectAt == call {
		return &model.UpsertResult{Upserted: n - 1, Rejected: 1,
			Rejections: []model.Rejection{{Index: 0, Code: model.BadUserInput, Message: "nope"}}}, nil
	}
	return &model.UpsertResult{Upserted: n, Rejections: []model.Rejection{}}, nil
}

func (f *fakeSink) UpsertCategories(_ context.Context, in []model.CategoryInput) (*model.UpsertResult, error) {
	f.categories = append(f.categories, in...)
	return f.upserted("categories", len(in))
}

func (f *fakeSink) UpsertStores(_ context.Context, in []model.StoreInput) (*model.UpsertResult, error) {
	f.stores = append(f.stores, in...)
	return f.upserted("stores", len(in))
}

func (f *fakeSink) UpsertProducts(_ context.Context, in []model.ProductInput) (*model.UpsertResult, error) {
	f.products = append(f.products, in...)
	return f.upserted("products", len(in))
}

func (f *fakeSink) UpsertMembers(_ context.Context, in []model.MemberInput) (*model.UpsertResult, error) {
	f.members = append(f.members, in...)
	return f.upserted("members", len(in))
}

func (f *fakeSink) IngestReceipts(_ context.Context, in []model.ReceiptInput) (*model.IngestResult, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.receipts = append(f.receipts, in...)
	f.batches = append(f.batches, len(in))
	if len(f.calls) == 0 || f.calls[len(f.calls)-1] != "receipts" {
		f.calls = append(f.calls, "receipts")
	}
	res := &model.IngestResult{Accepted: len(in), Rejections: []model.Rejection{}}
	if f.rejectAt == "receipts" {
		res.Accepted, res.Rejected = len(in)-1, 1
		res.Rejections = []model.Rejection{{Index: 0, Code: model.NotFound, Message: "cardNumber: unknown card"}}
	}
	return res, nil
}

func TestRun(t *testing.T) {
	sink := &fakeSink{}
	var clock []time.Time
	opt := Options{Members: 25, Batch: 300, Now: testNow, SetClock: func(t time.Time) { clock = append(clock, t) }}
	sum, err := Run(context.Background(), sink, opt)
	if err != nil {
		t.Fatal(err)
	}
	if want := "categories stores products members receipts"; strings.Join(sink.calls, " ") != want {
		t.Errorf("calls %v, want %s", sink.calls, want)
	}
	lines := 0
	for _, r := range sink.receipts {
		lines += len(r.Lines)
	}
	want := Summary{Categories: len(sink.categories), Stores: len(sink.stores), Products: len(sink.products),
		Members: 25, Households: countHouseholds(sink.members), Receipts: len(sink.receipts), Lines: lines}
	if sum != want || sum.Categories != 43 || sum.Households < 8 || sum.Receipts < 500 {
		t.Errorf("Summary %+v, want %+v", sum, want)
	}
	for i, n := range sink.batches {
		if n > opt.Batch || n < opt.Batch && i != len(sink.batches)-1 {
			t.Errorf("batch %d has %d receipts, batch size %d", i, n, opt.Batch)
		}
	}
	for i := 1; i < len(sink.receipts); i++ {
		if sink.receipts[i].PurchasedAt.Before(sink.receipts[i-1].PurchasedAt) {
			t.Fatalf("receipt %d written out of order", i)
		}
	}
	if len(clock) != 2 || !clock[0].Before(sink.receipts[0].PurchasedAt) || !clock[1].Equal(testNow) {
		t.Errorf("SetClock calls %v: want before the first receipt, then Now", clock)
	}
}

func TestRunRejection(t *testing.T) {
	for _, call := range []string{"categories", "stores", "products", "members", "receipts"} {
		t.Run(call, func(t *testing.T) {
			_, err := Run(context.Background(), &fakeSink{rejectAt: call}, Options{Members: 5, Now: testNow})
			if err == nil || !strings.Contains(err.Error(), call+"[0]") {
				t.Errorf("Run with a rejected %s returned %v", call, err)
			}
		})
	}
	t.Run("IngestError", func(t *testing.T) {
		boom := errors.New("connection lost")
		_, err := Run(context.Background(), &fakeSink{fail: boom}, Options{Members: 5, Now: testNow})
		if !errors.Is(err, boom) {
			t.Errorf("Run returned %v, want the sink's error", err)
		}
	})
}

func TestOptions(t *testing.T) {
	for name, opt := range map[string]Options{
		"NoNow":         {},
		"TooManyYears":  {Years: 11, Now: testNow},
		"NegativeYears": {Years: -1, Now: testNow},
		"BigBatch":      {Batch: 1001, Now: testNow},
		"NegativeBatch": {Batch: -1, Now: testNow},
		"Negative":      {Members: -1, Now: testNow},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Run(context.Background(), &fakeSink{}, opt); err == nil {
				t.Errorf("Run(%+v) succeeded", opt)
			}
		})
	}
	opt, err := Options{Now: testNow}.withDefaults()
	if err != nil || opt.Members != 60 || opt.Years != 1 || opt.Seed != 1 || opt.Batch != 500 ||
		opt.Location.String() != "Europe/Helsinki" {
		t.Errorf("defaults %+v, %v", opt, err)
	}
}

// fingerprint hashes everything the generator produces for opt.
func fingerprint(t *testing.T, opt Options) [32]byte {
	t.Helper()
	d := generate(t, opt)
	b, err := json.Marshal([]any{Categories(), d.stores, d.products, d.members, d.receipts})
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestDeterministic(t *testing.T) {
	opt := Options{Members: 30, Seed: 7, Now: testNow}
	if fingerprint(t, opt) != fingerprint(t, opt) {
		t.Fatal("two runs with the same options differ")
	}
	other := opt
	other.Seed = 8
	if fingerprint(t, opt) == fingerprint(t, other) {
		t.Error("another seed gives the same data")
	}
	// Members do not change when more are added after them.
	few, many := Members(Options{Members: 10, Now: testNow}), Members(Options{Members: 20, Now: testNow})
	a, _ := json.Marshal(few)
	b, _ := json.Marshal(many[:10])
	if string(a) != string(b) {
		t.Error("the first members change with the member count")
	}
}
