package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/storage"
)

// The GraphQL documents of the workloads (bench/README.md). A receipt's
// selection is the same in R1, R2 and H1, and the peer's documents ask for
// the same fields under PostGraphile's names.
const (
	receiptFields = `id purchasedAt totalCents store { name }
      lines { lineNo description quantity amountCents product { gtin name category { id name } } }`
	queryR1 = `query R1 { receipts(first: 20) { edges { node { ` + receiptFields + ` } } pageInfo { hasNextPage endCursor } } }`
	queryR2 = `query R2($id: ID!) { receipt(id: $id) { ` + receiptFields + ` } }`
	queryH1 = `query H1 { householdReceipts(first: 20) { edges { node { ` + receiptFields + ` } } pageInfo { hasNextPage endCursor } } }`
	queryI  = `query I($from: Date!, $to: Date!) { insights(from: $from, to: $to) {
    spendCents receiptCount productSpendCents
    byCategory { category { id name } spendCents weightKg co2eKg }
    byMonth { month spendCents fruitVegKg co2eKg domesticShare }
    fruitAndVegetables { weightKg spendCents spendShare }
    origin { domesticRawMaterialsShare domesticManufacturedShare importedShare coverage }
    carbon { co2eKg coverage }
    nutrition { energyKj proteinG fatG saturatedFatG carbohydrateG sugarsG fibreG saltG coverage } } }`
	queryM1 = `mutation M1($granted: Boolean!) { setConsents(changes: [{purpose: NEWSLETTER, granted: $granted}], channel: MOBILE_APP) {
    id changes { purpose before after } } }`
	queryG1 = `mutation G1($input: [ReceiptInput!]!) { ingestReceipts(input: $input) {
    accepted duplicates rejected linesStored linesDiscarded rejections { index code message } } }`

	peerReceiptFields = `receiptSeq purchasedAt totalCents storeByStoreId { name }
      receiptLinesByCustomerIdAndReceiptSeq { nodes { lineNo description quantity amountCents
        productByGtin { gtin name categoryByCategoryId { categoryId nameEn } } } }`
	peerR1 = `query R1($sub: String!) { allReceipts(condition: {customerId: $sub}, orderBy: [PURCHASED_AT_DESC, RECEIPT_SEQ_DESC], first: 20) {
    nodes { ` + peerReceiptFields + ` } pageInfo { hasNextPage endCursor } } }`
	peerR2 = `query R2($owner: String!, $seq: BigInt!) { receiptByCustomerIdAndReceiptSeq(customerId: $owner, receiptSeq: $seq) { ` + peerReceiptFields + ` } }`
	peerH1 = `query H1 { peerHouseholdReceipts(first: 20) {
    nodes { ` + peerReceiptFields + ` } pageInfo { hasNextPage endCursor } } }`
)

// sample is the part of a data set the workloads draw on, chosen
// deterministically (by hash) from the database.
type sample struct {
	// members have PRODUCT_LEVEL_DATA granted and receipts; each has one
	// receipt for R2 (its owner's, or a household member's it may see).
	members []string
	receipt map[string]receiptRef
	// sharers see at least one other adult's receipts (rule 5).
	sharers []string
	// visible is whom each sampled member may see (rule 5).
	visible map[string][]string
}

// receiptRef names a receipt for both servers.
type receiptRef struct {
	owner string
	seq   int64
}

// loadSample draws up to n members (and sharers) from the database.
func loadSample(ctx context.Context, url string, n int) (*sample, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	s := &sample{receipt: map[string]receiptRef{}, visible: map[string][]string{}}
	rows, _ := conn.Query(ctx, `
		SELECT m.customer_id, r.receipt_seq, array(SELECT visible_owners(m.customer_id, now()))
		FROM members m
		CROSS JOIN LATERAL (SELECT receipt_seq FROM receipts r WHERE r.customer_id = m.customer_id
			ORDER BY purchased_at DESC OFFSET (hashtext(m.customer_id) & 127) LIMIT 1) r
		WHERE consent_granted(m.customer_id, 'PRODUCT_LEVEL_DATA', now())
		ORDER BY md5(m.customer_id) LIMIT $1`, n)
	var id string
	var seq int64
	var vis []string
	_, err = pgx.ForEachRow(rows, []any{&id, &seq, &vis}, func() error {
		s.members = append(s.members, id)
		s.receipt[id] = receiptRef{owner: id, seq: seq}
		s.visible[id] = vis
		if len(vis) > 1 {
			s.sharers = append(s.sharers, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	if len(s.members) == 0 {
		return nil, fmt.Errorf("sample: no member with product-level data and receipts")
	}
	return s, nil
}

// target is a server under test.
type target struct {
	name string // "omadata" or "peer"
	url  string // the GraphQL endpoint
	proc *proc
}

// gen builds the requests of the workloads for one run of the harness.
type gen struct {
	s     *sample
	sign  *signer
	today time.Time // in the program's zone
	// Tokens are signed once per member.
	omaTok, peerTok map[string]string
	ingestTok       string
	ingest          *ingestGen
}

func newGen(s *sample, sign *signer, loc *time.Location, ig *ingestGen) *gen {
	g := &gen{s: s, sign: sign, today: time.Now().In(loc), omaTok: map[string]string{}, peerTok: map[string]string{},
		ingestTok: sign.service("bench-pos", "receipts:ingest"), ingest: ig}
	for _, m := range s.members {
		g.omaTok[m] = sign.member(m)
		g.peerTok[m] = g.omaTok[m] // the peer takes Omadata's member tokens
	}
	return g
}

// body encodes a GraphQL request.
func body(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err) // plain maps of strings and numbers always encode
	}
	return b
}

// workload makes the i-th request of a run against a target.
type workload func(t *target, rng *rand.Rand) request

// workloads returns the request makers by name.
func (g *gen) workloads() map[string]workload {
	pick := func(list []string, rng *rand.Rand) string { return list[rng.IntN(len(list))] }
	w := map[string]workload{
		"R1": func(t *target, rng *rand.Rand) request {
			m := pick(g.s.members, rng)
			if t.name == "peer" {
				return request{url: t.url, token: g.peerTok[m], body: body(peerR1, map[string]any{"sub": m})}
			}
			return request{url: t.url, token: g.omaTok[m], body: body(queryR1, nil)}
		},
		"R2": func(t *target, rng *rand.Rand) request {
			m := pick(g.s.members, rng)
			r := g.s.receipt[m]
			if t.name == "peer" {
				return request{url: t.url, token: g.peerTok[m], body: body(peerR2, map[string]any{"owner": r.owner, "seq": strconv.FormatInt(r.seq, 10)})}
			}
			return request{url: t.url, token: g.omaTok[m], body: body(queryR2, map[string]any{"id": storage.ReceiptID(r.seq)})}
		},
		"H1": func(t *target, rng *rand.Rand) request {
			m := pick(g.s.sharers, rng)
			if t.name == "peer" {
				return request{url: t.url, token: g.peerTok[m], body: body(peerH1, nil)}
			}
			return request{url: t.url, token: g.omaTok[m], body: body(queryH1, nil)}
		},
		"I1": g.insights(1),
		"I2": g.insights(5),
		"M1": func(t *target, rng *rand.Rand) request {
			m := pick(g.s.members, rng)
			return request{url: t.url, token: g.omaTok[m], body: body(queryM1, map[string]any{"granted": rng.IntN(2) == 0})}
		},
		"G1": func(t *target, rng *rand.Rand) request {
			return request{url: t.url, token: g.ingestTok, body: body(queryG1, map[string]any{"input": g.ingest.batch(rng)})}
		},
	}
	w["MIX"] = mix(w)
	return w
}

// insights is I1 (1 year) or I2 (5 years): the main insights screen over
// the years up to today.
func (g *gen) insights(years int) workload {
	from := g.today.AddDate(-years, 0, 1).Format(time.DateOnly)
	to := g.today.Format(time.DateOnly)
	return func(t *target, rng *rand.Rand) request {
		m := g.s.members[rng.IntN(len(g.s.members))]
		return request{url: t.url, token: g.omaTok[m], body: body(queryI, map[string]any{"from": from, "to": to})}
	}
}

// mixShares is MIX: 90 % reads (R1, R2, I1, I2), 8 % household, 2 %
// consent writes (the split); ingest runs beside it separately.
var mixShares = []struct {
	name  string
	share int
}{{"R1", 40}, {"R2", 30}, {"I1", 15}, {"I2", 5}, {"H1", 8}, {"M1", 2}}

func mix(w map[string]workload) workload {
	return func(t *target, rng *rand.Rand) request {
		n := rng.IntN(100)
		for _, s := range mixShares {
			if n < s.share {
				r := w[s.name](t, rng)
				r.name = s.name
				return r
			}
			n -= s.share
		}
		panic("mix shares do not sum to 100")
	}
}
