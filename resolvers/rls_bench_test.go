package resolvers_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

// BenchmarkRowSecurity measures what row-level security costs: the same
// page of 20 receipts with lines, products and categories (R1) and the same
// household page (H1) through the real handler, with the scope statement
// and policies on and off. Run:
//
//	go test -run '^$' -bench RowSecurity -benchtime 3s ./resolvers/
func BenchmarkRowSecurity(b *testing.B) {
	for _, rls := range []bool{true, false} {
		env := servertest.New(b, servertest.Options{WithoutRowSecurity: !rls})
		env.Catalog(b)
		share := []model.ConsentChange{{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true}}
		env.Member(b, servertest.MemberSpec{ID: "a", Household: "h", Role: model.HouseholdRoleMain, Consents: share})
		env.Member(b, servertest.MemberSpec{ID: "b", Household: "h", Role: model.HouseholdRoleMember, Consents: share})
		var rs []model.ReceiptInput
		for i := 0; i < 200; i++ {
			owner := []string{"a", "b"}[i%2]
			rs = append(rs, servertest.Receipt(owner, fmt.Sprint("r", i), env.Clock.Now().Add(-time.Duration(i+1)*time.Hour),
				servertest.Line("6400000000001", 3, model.UnitPiece, 45),
				servertest.Line("6400000000002", 0.5, model.UnitKg, 400),
				servertest.Line("6400000000003", 1, model.UnitPiece, 129)))
		}
		env.Ingest(b, rs...)
		tok := env.MemberToken("b")
		for name, q := range map[string]string{
			"R1": `{ receipts(first: 20) { edges { node { id totalCents store { name } lines { amountCents product { name category { name } } } } } } }`,
			"H1": `{ householdReceipts(first: 20) { edges { node { id totalCents store { name } lines { amountCents product { name category { name } } } } } } }`,
		} {
			b.Run(fmt.Sprintf("%s/rls=%v", name, rls), func(b *testing.B) {
				for b.Loop() {
					env.MustQuery(b, tok, q, nil)
				}
			})
		}
	}
}
