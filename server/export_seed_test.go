package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/seed"
	"github.com/omadata/omadata/server/servertest"
	"github.com/omadata/omadata/storage"
)

// recordingSink is the storage, remembering every receipt the seed wrote.
type recordingSink struct {
	*storage.DB
	receipts []model.ReceiptInput
}

func (s *recordingSink) IngestReceipts(ctx context.Context, in []model.ReceiptInput) (*model.IngestResult, error) {
	s.receipts = append(s.receipts, in...)
	return s.DB.IngestReceipts(ctx, in)
}

// TestExportSeed exports members of the seeded demo data and checks the
// documents against what the seed wrote for them: the profile, the cards,
// and every receipt with every line (none for a totals-only member).
func TestExportSeed(t *testing.T) {
	env := servertest.New(t)
	sink := &recordingSink{DB: env.DB}
	opt := seed.Options{Members: 12, Years: 0.25, Now: env.Clock.Now(), SetClock: env.Clock.Set, Location: servertest.Helsinki}
	if _, err := seed.Run(context.Background(), sink, opt); err != nil {
		t.Fatal(err)
	}
	if len(sink.receipts) < 100 {
		t.Fatalf("the seed wrote only %d receipts", len(sink.receipts))
	}
	inputs := seed.Members(opt)
	totalsOnly := 0
	for _, m := range inputs {
		if len(m.CardNumbers) == 0 {
			continue
		}
		t.Run(m.CustomerID, func(t *testing.T) {
			rec := getExport(env, env.MemberToken(m.CustomerID))
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			var doc exportDoc
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Member.ID != m.CustomerID || doc.Member.Name != m.Name || !equalPtr(doc.Member.Email, m.Email) ||
				doc.Member.HouseholdID != m.HouseholdID || doc.Member.HouseholdRole != string(m.HouseholdRole) {
				t.Errorf("member = %+v, seed wrote %+v", doc.Member, m)
			}
			var cards []string
			for _, c := range doc.Cards {
				cards = append(cards, c.CardNumber)
			}
			if want := slices.Sorted(slices.Values(m.CardNumbers)); !slices.Equal(cards, want) {
				t.Errorf("cards = %v, seed wrote %v", cards, want)
			}
			if denied := checkSeedReceipts(t, &doc, sink.receipts, m); denied {
				totalsOnly++
			}
		})
	}
	if totalsOnly == 0 {
		t.Error("no totals-only member among the seeded shoppers: that case went untested")
	}
}

// checkSeedReceipts compares the document's receipts with the seed's
// receipts of the member's cards, in order, and reports whether the member
// is totals-only.
func checkSeedReceipts(t *testing.T, doc *exportDoc, written []model.ReceiptInput, m model.MemberInput) bool {
	t.Helper()
	var want []model.ReceiptInput
	for _, r := range written {
		if slices.Contains(m.CardNumbers, r.CardNumber) {
			want = append(want, r)
		}
	}
	if len(doc.Receipts) != len(want) || doc.Counts["receipts"] != len(want) {
		t.Fatalf("%d receipts exported, seed wrote %d", len(doc.Receipts), len(want))
	}
	totalsOnly := false
	for i, r := range doc.Receipts {
		w := want[i]
		if r.ExternalID != w.ExternalID || !r.PurchasedAt.Equal(w.PurchasedAt) || r.TotalCents != w.TotalCents ||
			r.Store.ID != w.StoreID || r.LineCount != len(w.Lines) {
			t.Fatalf("receipt %d = %+v, seed wrote %+v", i, r, w)
		}
		if r.LinesStored == 0 {
			totalsOnly = true
			if len(r.Lines) != 0 {
				t.Fatalf("receipt %d stored no lines but exports %d", i, len(r.Lines))
			}
			continue
		}
		for j, l := range r.Lines {
			wl := w.Lines[j]
			if l.LineNo != j+1 || l.Description != wl.Description || l.Quantity != wl.Quantity ||
				l.AmountCents != wl.AmountCents || !equalPtr(l.Gtin, wl.Gtin) {
				t.Fatalf("receipt %d line %d = %+v, seed wrote %+v", i, j, l, wl)
			}
		}
	}
	return totalsOnly
}

func equalPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
