package storage

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omadata/omadata/graph/model"
)

var cardPattern = regexp.MustCompile(`^[A-Za-z0-9]{4,32}$`)

func validateMember(m model.MemberInput, now time.Time) error {
	switch {
	case !idPattern.MatchString(m.CustomerID):
		return model.InputErrorf("customerId", "1-64 letters, digits or _.:-")
	case strings.TrimSpace(m.Name) == "" || len(m.Name) > 200:
		return model.InputErrorf("name", "required, at most 200 characters")
	case m.Email != nil && !validEmail(*m.Email):
		return model.InputErrorf("email", "not an email address")
	case m.BirthDate != nil && (now.Before(m.BirthDate.UTCMidnight()) || m.BirthDate.Year < 1900):
		return model.InputErrorf("birthDate", "must be a past date after 1900")
	case !idPattern.MatchString(m.HouseholdID):
		return model.InputErrorf("householdId", "1-64 letters, digits or _.:-")
	case !m.HouseholdRole.IsValid():
		return model.InputErrorf("householdRole", "MAIN or MEMBER")
	case len(m.CardNumbers) > 20:
		return model.InputErrorf("cardNumbers", "at most 20 cards")
	}
	seen := map[string]bool{}
	for _, c := range m.CardNumbers {
		if !cardPattern.MatchString(c) || seen[c] {
			return model.InputErrorf("cardNumbers", "card numbers are distinct, 4-32 digits or letters")
		}
		seen[c] = true
	}
	if err := validateConsentChanges(m.InitialConsents, now, true); err != nil {
		return err
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// UpsertMembers applies the member registry: each item in its own
// transaction, so one member's failure leaves the others applied. A new
// member gets the enrolment consents (defaults overridden by
// initialConsents) as ledger events on channel MEMBER_REGISTRY. A change of
// household takes effect at once (membership history is kept). A card moves
// to the member the registry names last.
func (db *DB) UpsertMembers(ctx context.Context, in []model.MemberInput) (*model.UpsertResult, error) {
	rej := newRejections()
	now := db.Now()
	for i, m := range in {
		if err := validateMember(m, now); err != nil {
			rej.add(i, err)
			continue
		}
		err := db.writeTx(ctx, func(tx pgx.Tx) error { return upsertMember(ctx, tx, m, now, db.cfg.PolicyVersion) })
		if err != nil && !isDomain(err) {
			return nil, err
		}
		if err != nil {
			rej.add(i, err)
		}
	}
	return rej.upsertResult(len(in)), nil
}

func upsertMember(ctx context.Context, tx pgx.Tx, m model.MemberInput, now time.Time, policy string) error {
	var birth *time.Time
	if m.BirthDate != nil {
		t := m.BirthDate.UTCMidnight()
		birth = &t
	}
	// Lock the member row (if any) and learn the household it had.
	var oldHousehold *string
	err := tx.QueryRow(ctx, `SELECT household_id FROM members WHERE customer_id = $1 FOR UPDATE`, m.CustomerID).Scan(&oldHousehold)
	if err != nil && !errNoRows(err) {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO members (customer_id, name, email, birth_date, household_id, household_role, joined_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
		ON CONFLICT (customer_id) DO UPDATE SET name = excluded.name, email = excluded.email,
			birth_date = excluded.birth_date, household_id = excluded.household_id,
			household_role = excluded.household_role, updated_at = excluded.updated_at`,
		m.CustomerID, m.Name, m.Email, birth, m.HouseholdID, string(m.HouseholdRole), now)
	if err != nil {
		return err
	}
	if oldHousehold == nil || *oldHousehold != m.HouseholdID {
		if err := moveHousehold(ctx, tx, m, now); err != nil {
			return err
		}
	}
	if err := setCards(ctx, tx, m.CustomerID, m.CardNumbers); err != nil {
		return err
	}
	if oldHousehold == nil {
		_, err = enrol(ctx, tx, m.CustomerID, m.InitialConsents, now, policy)
	}
	return err
}

// moveHousehold closes the member's open membership and opens one in the
// new household.
func moveHousehold(ctx context.Context, tx pgx.Tx, m model.MemberInput, now time.Time) error {
	_, err := tx.Exec(ctx, `
		UPDATE household_memberships SET left_at = $2
		WHERE customer_id = $1 AND left_at IS NULL`, m.CustomerID, now)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO household_memberships (customer_id, household_id, role, joined_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, m.CustomerID, m.HouseholdID, string(m.HouseholdRole), now)
	return err
}

// setCards makes the member's cards exactly cards, taking any of them away
// from another member.
func setCards(ctx context.Context, tx pgx.Tx, customerID string, cards []string) error {
	if _, err := tx.Exec(ctx, `
		DELETE FROM cards WHERE (customer_id = $1 AND NOT card_number = ANY($2))
			OR (card_number = ANY($2) AND customer_id <> $1)`, customerID, cards); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO cards (customer_id, card_number)
		SELECT $1, c FROM unnest($2::text[]) c ON CONFLICT DO NOTHING`, customerID, cards)
	return err
}

// Member returns a member by customer id (NOT_FOUND when unknown, including
// after erasure).
func (db *DB) Member(ctx context.Context, customerID string) (*model.Member, error) {
	var m *model.Member
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		m, err = member(ctx, tx, customerID, db.cfg.RetentionYears)
		return err
	})
	return m, err
}

type memberRow struct {
	CustomerID     string
	Name           string
	Email          *string
	BirthDate      *time.Time
	HouseholdID    string
	HouseholdRole  model.HouseholdRole
	Cards          []string
	RetentionYears *int
	JoinedAt       time.Time
}

func member(ctx context.Context, tx pgx.Tx, customerID string, defaultRetention int) (*model.Member, error) {
	rows, _ := tx.Query(ctx, `
		SELECT m.customer_id, m.name, m.email, m.birth_date, m.household_id, m.household_role,
			coalesce(array(SELECT card_number FROM cards c WHERE c.customer_id = m.customer_id ORDER BY card_number), '{}') AS cards,
			m.retention_years, m.joined_at
		FROM members m WHERE m.customer_id = $1`, customerID)
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[memberRow])
	if errNoRows(err) {
		return nil, model.Errorf(model.NotFound, "member not found")
	}
	if err != nil {
		return nil, err
	}
	role := r.HouseholdRole
	m := &model.Member{ID: r.CustomerID, Name: r.Name, Email: r.Email, HouseholdID: r.HouseholdID,
		HouseholdRole: &role, Cards: r.Cards, RetentionYears: defaultRetention, JoinedAt: r.JoinedAt.UTC()}
	if r.RetentionYears != nil {
		m.RetentionYears = *r.RetentionYears
	}
	if r.BirthDate != nil {
		d := model.DateOf(*r.BirthDate, time.UTC)
		m.BirthDate = &d
	}
	return m, nil
}

// MemberCount returns how many members there are (seed --if-empty).
func (db *DB) MemberCount(ctx context.Context) (int, error) {
	var n int
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n)
	})
	return n, err
}
