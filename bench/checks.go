package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/omadata/omadata/storage"
)

// check is one correctness check made before measuring: the peer must
// answer what Omadata answers, and see only what the member may see.
type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

// digest is what the two servers must agree on about a receipt.
type digest struct {
	At     int64
	Total  string
	Lines  int
	Amount int64
}

type omaReceipt struct {
	PurchasedAt time.Time   `json:"purchasedAt"`
	TotalCents  json.Number `json:"totalCents"`
	Lines       []struct {
		AmountCents json.Number `json:"amountCents"`
	} `json:"lines"`
}

type peerReceipt struct {
	PurchasedAt time.Time   `json:"purchasedAt"`
	TotalCents  json.Number `json:"totalCents"`
	Lines       struct {
		Nodes []struct {
			AmountCents json.Number `json:"amountCents"`
		} `json:"nodes"`
	} `json:"receiptLinesByCustomerIdAndReceiptSeq"`
}

func (r omaReceipt) digest() digest {
	d := digest{At: r.PurchasedAt.Unix(), Total: r.TotalCents.String(), Lines: len(r.Lines)}
	for _, l := range r.Lines {
		n, _ := l.AmountCents.Int64()
		d.Amount += n
	}
	return d
}

func (r peerReceipt) digest() digest {
	d := digest{At: r.PurchasedAt.Unix(), Total: r.TotalCents.String(), Lines: len(r.Lines.Nodes)}
	for _, l := range r.Lines.Nodes {
		n, _ := l.AmountCents.Int64()
		d.Amount += n
	}
	return d
}

// query posts a GraphQL request and decodes its data into v.
func query(ctx context.Context, r request, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	req.Header.Set("Content-Type", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || (len(env.Errors) > 0 && !onlyConsentErrors(raw)) {
		return fmt.Errorf("status %d: %s", resp.StatusCode, truncate(string(raw), 300))
	}
	return json.Unmarshal(env.Data, v)
}

// checkEquivalence compares the servers' answers for a few members and
// probes the peer's row-level security.
func checkEquivalence(ctx context.Context, g *gen, oma, peer *target) []check {
	var out []check
	add := func(name string, err error) {
		c := check{Name: name, OK: err == nil}
		if err != nil {
			c.Detail = err.Error()
		}
		out = append(out, c)
	}
	members := g.s.members[:min(5, len(g.s.members))]
	sharers := g.s.sharers[:min(5, len(g.s.sharers))]
	add("R1: the same 20 receipts, totals and lines from both", eachMember(members, func(m string) error {
		return samePage(ctx, request{url: oma.url, token: g.omaTok[m], body: body(queryR1, nil)}, "receipts",
			request{url: peer.url, token: g.peerTok[m], body: body(peerR1, map[string]any{"sub": m})})
	}))
	add("H1: the same household page from both", eachMember(sharers, func(m string) error {
		return samePage(ctx, request{url: oma.url, token: g.omaTok[m], body: body(queryH1, nil)}, "householdReceipts",
			request{url: peer.url, token: g.peerTok[m], body: body(peerH1, nil)})
	}))
	add("R2: the same receipt from both", eachMember(members, func(m string) error {
		r := g.s.receipt[m]
		var o struct{ Receipt omaReceipt }
		var p struct {
			R peerReceipt `json:"receiptByCustomerIdAndReceiptSeq"`
		}
		if err := query(ctx, request{url: oma.url, token: g.omaTok[m], body: body(queryR2, map[string]any{"id": storage.ReceiptID(r.seq)})}, &o); err != nil {
			return err
		}
		err := query(ctx, request{url: peer.url, token: g.peerTok[m], body: body(peerR2, map[string]any{"owner": r.owner, "seq": strconv.FormatInt(r.seq, 10)})}, &p)
		if err == nil && o.Receipt.digest() != p.R.digest() {
			err = fmt.Errorf("%s: omadata %+v, peer %+v", m, o.Receipt.digest(), p.R.digest())
		}
		return err
	}))
	add("peer: another member's receipt is null", peerHidesOthers(ctx, g, peer))
	add("peer: no token sees no receipts", peerNeedsToken(ctx, peer))
	return out
}

// eachMember runs fn for each member and returns the first error.
func eachMember(ms []string, fn func(string) error) error {
	if len(ms) == 0 {
		return fmt.Errorf("no member in the sample")
	}
	for _, m := range ms {
		if err := fn(m); err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
	}
	return nil
}

// samePage compares a page of Omadata receipts (under field) with the
// peer's page (its one root field).
func samePage(ctx context.Context, o request, field string, p request) error {
	var od map[string]struct {
		Edges []struct{ Node omaReceipt }
	}
	var pd map[string]struct{ Nodes []peerReceipt }
	if err := query(ctx, o, &od); err != nil {
		return err
	}
	if err := query(ctx, p, &pd); err != nil {
		return err
	}
	var a, b []digest
	for _, e := range od[field].Edges {
		a = append(a, e.Node.digest())
	}
	for _, page := range pd { // the one root field
		for _, n := range page.Nodes {
			b = append(b, n.digest())
		}
	}
	if len(a) == 0 || !slices.Equal(a, b) {
		return fmt.Errorf("omadata %v, peer %v", a, b)
	}
	return nil
}

// peerHidesOthers asks the peer, as one member, for a receipt of a member
// outside their household.
func peerHidesOthers(ctx context.Context, g *gen, peer *target) error {
	viewer := g.s.members[0]
	for _, m := range g.s.members[1:] {
		if slices.Contains(g.s.visible[viewer], m) {
			continue
		}
		r := g.s.receipt[m]
		var p struct {
			R *peerReceipt `json:"receiptByCustomerIdAndReceiptSeq"`
		}
		if err := query(ctx, request{url: peer.url, token: g.peerTok[viewer], body: body(peerR2, map[string]any{"owner": r.owner, "seq": strconv.FormatInt(r.seq, 10)})}, &p); err != nil {
			return err
		}
		if p.R != nil {
			return fmt.Errorf("%s read %s's receipt %d", viewer, m, r.seq)
		}
		return nil
	}
	return fmt.Errorf("no member outside %s's household in the sample", viewer)
}

// peerNeedsToken lists receipts without a token.
func peerNeedsToken(ctx context.Context, peer *target) error {
	for _, q := range []string{peerH1, `{ allReceipts(first: 5) { nodes { receiptSeq } } }`} {
		var p map[string]struct{ Nodes []struct{} }
		if err := query(ctx, request{url: peer.url, token: "", body: body(q, nil)}, &p); err != nil {
			return err
		}
		for _, page := range p {
			if len(page.Nodes) > 0 {
				return fmt.Errorf("%d receipts without a token", len(page.Nodes))
			}
		}
	}
	return nil
}
