package model

import "time"

// Member is a loyalty-program member as the API shows them to themselves.
type Member struct {
	ID             string         `db:"customer_id"`
	Name           string         `db:"name"`
	Email          *string        `db:"email"`
	BirthDate      *Date          `db:"-"`
	HouseholdID    string         `db:"household_id"`
	HouseholdRole  *HouseholdRole `db:"household_role"`
	Cards          []string       `db:"cards"`
	RetentionYears int            `db:"retention_years"`
	JoinedAt       time.Time      `db:"joined_at"`
}

// Household is the member's household; its members are loaded by a resolver.
type Household struct {
	ID string
	// ViewerID is the member looking at the household.
	ViewerID    string
	SharingOpen bool
	Members     []HouseholdMember
}

// Adult reports whether a person born on birth is 18 or older at now.
// A member without a birth date counts as an adult: the registry sets birth
// dates for children, whom the program enrols through a guardian.
func Adult(birth *time.Time, now time.Time) bool {
	if birth == nil {
		return true
	}
	return !birth.AddDate(18, 0, 0).After(now)
}
