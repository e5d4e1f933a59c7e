package seed

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// Finnish first names (women, men) and surnames, common enough that no
// generated member stands for a real person.
var (
	womenNames = []string{"Aino", "Anna", "Anneli", "Eeva", "Elina", "Ella", "Emilia", "Helmi", "Hanna",
		"Iida", "Johanna", "Kaarina", "Katariina", "Laura", "Leena", "Liisa", "Maria", "Marjatta",
		"Minna", "Noora", "Oona", "Pirjo", "Riikka", "Sanna", "Satu", "Sofia", "Tiina", "Tuula", "Venla"}
	menNames = []string{"Antti", "Eero", "Elias", "Eino", "Heikki", "Ilmari", "Jari", "Juha", "Juhani",
		"Kalle", "Lauri", "Leo", "Markku", "Matti", "Mikko", "Niko", "Olavi", "Onni", "Pekka", "Petri",
		"Sami", "Timo", "Tapani", "Toni", "Tuomas", "Väinö", "Ville"}
	surnames = []string{"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
		"Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen",
		"Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
		"Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Ojala", "Leinonen",
		"Hiltunen", "Kettunen", "Hyvönen", "Väisänen", "Pitkänen", "Anttila", "Lindholm", "Nyström"}
	// emailDomains are reserved for examples (RFC 2606): no mail reaches anyone.
	emailDomains = []string{"example.com", "example.net", "example.org"}
)

// Member and household id formats.
const (
	customerIDFormat  = "c%06d"
	householdIDFormat = "h%06d"
)

// person is a household member before it becomes a MemberInput.
type person struct {
	first, last string
	birth       model.Date
	child       bool
	consents    []model.ConsentChange
}

// Members returns exactly opt.Members members (default 60) in households of
// 1-2 adults and 0-3 children; the last household may be cut short. The
// first household, h000001, is the demo household: c000001 (MAIN, sharing),
// c000002 (sharing), c000003 (an adult who never shares) and c000004 (a
// child). About one member in ten has denied PRODUCT_LEVEL_DATA (totals
// only). The result depends only on opt (Members, Years, Seed, Now).
func Members(opt Options) []model.MemberInput {
	n := opt.Members
	switch {
	case n == 0:
		n = DefaultMembers
	case n < 0:
		return nil
	}
	if opt.Years == 0 {
		opt.Years = DefaultYears
	}
	seed := opt.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	rng := newRand(seed, "members")
	emails := map[string]bool{}
	out := make([]model.MemberInput, 0, n)
	for h := 1; len(out) < n; h++ {
		people := demoHousehold(opt)
		if h > 1 {
			people = drawHousehold(rng, opt)
		}
		for i, p := range people {
			if len(out) == n {
				break
			}
			out = append(out, memberInput(rng, p, len(out)+1, h, i == 0, emails))
		}
	}
	return out
}

// memberInput turns person p, the num-th member, into a MemberInput of
// household h.
func memberInput(rng *rand.Rand, p person, num, h int, main bool, emails map[string]bool) model.MemberInput {
	m := model.MemberInput{
		CustomerID:      fmt.Sprintf(customerIDFormat, num),
		Name:            p.first + " " + p.last,
		BirthDate:       ptr(p.birth),
		HouseholdID:     fmt.Sprintf(householdIDFormat, h),
		HouseholdRole:   model.HouseholdRoleMember,
		CardNumbers:     []string{cardNumber(num, 1)},
		InitialConsents: p.consents,
	}
	if main {
		m.HouseholdRole = model.HouseholdRoleMain
	}
	if rng.IntN(10) < 3 {
		m.CardNumbers = append(m.CardNumbers, cardNumber(num, 2))
	}
	if !p.child {
		m.Email = ptr(email(p, rng, emails))
	}
	return m
}

// demoHousehold is the fixed household of the demos and acceptance tests.
func demoHousehold(opt Options) []person {
	grant := func(ps ...model.ConsentPurpose) []model.ConsentChange {
		var out []model.ConsentChange
		for _, p := range ps {
			out = append(out, model.ConsentChange{Purpose: p, Granted: true})
		}
		return out
	}
	return []person{
		{first: "Aino", last: "Virtanen", birth: model.Date{Year: 1984, Month: time.May, Day: 12},
			consents: grant(model.ConsentPurposeHouseholdSharing, model.ConsentPurposeNewsletter)},
		{first: "Mikko", last: "Virtanen", birth: model.Date{Year: 1982, Month: time.November, Day: 3},
			consents: grant(model.ConsentPurposeHouseholdSharing)},
		{first: "Helmi", last: "Virtanen", birth: model.Date{Year: 1952, Month: time.February, Day: 14}},
		{first: "Ella", last: "Virtanen", birth: childBirth(opt, 9, 0.6), child: true},
	}
}

// drawHousehold draws one household of 1-2 adults and 0-3 children.
func drawHousehold(rng *rand.Rand, opt Options) []person {
	last := surnames[rng.IntN(len(surnames))]
	children := []int{0, 0, 0, 0, 0, 1, 1, 2, 2, 3}[rng.IntN(10)]
	adults := 1
	if rng.IntN(10) < 6 {
		adults = 2
	}
	// Parents of children under 18 were born 32-55 years before Now.
	lo, hi := 1940, 2005
	if children > 0 {
		lo, hi = max(lo, opt.Now.Year()-55), min(hi, opt.Now.Year()-32)
	}
	year := lo + rng.IntN(max(hi-lo, 0)+1)
	var out []person
	for a := range adults {
		p := person{first: firstName(rng), last: last, birth: adultBirth(rng, opt, year+rng.IntN(9)-4)}
		if a == 1 && rng.IntN(5) == 0 {
			p.last = surnames[rng.IntN(len(surnames))]
		}
		p.consents = adultConsents(rng)
		out = append(out, p)
	}
	// A child is at least 21 years younger than the main adult.
	oldest := min(17, opt.Now.Year()-out[0].birth.Year-21)
	for range children {
		out = append(out, person{first: firstName(rng), last: last, child: true,
			birth: childBirth(opt, 1+rng.IntN(max(oldest, 1)), rng.Float64())})
	}
	sharing := adults == 2 && rng.IntN(2) == 0
	for i := range out {
		if sharing && !out[i].child {
			out[i].consents = append(out[i].consents,
				model.ConsentChange{Purpose: model.ConsentPurposeHouseholdSharing, Granted: true})
		}
	}
	return out
}

// adultBirth returns a birth date in year, kept within 1940-2005 and at
// least 18 years before Now.
func adultBirth(rng *rand.Rand, opt Options, year int) model.Date {
	year = min(max(year, 1940), 2005)
	d := model.Date{Year: year, Month: time.Month(1 + rng.IntN(12)), Day: 1 + rng.IntN(28)}
	latest := model.DateOf(opt.Now.AddDate(-18, 0, -1), time.UTC)
	if latest.Before(d) {
		d = latest
	}
	return d
}

// childBirth returns the birth date of a child about age years old at Now,
// and never born after the history starts: storage refuses a birth date
// after the enrolment, which Run dates at the start of the history.
func childBirth(opt Options, age int, frac float64) model.Date {
	historyDays := int(opt.Years*365) + 30
	days := min(max(age*365+int(frac*300), historyDays), 17*365+300)
	return model.DateOf(opt.Now.AddDate(0, 0, -days), time.UTC)
}

// adultConsents draws the enrolment choices that differ from the
// defaults: one in ten keeps only totals; some welcome marketing.
func adultConsents(rng *rand.Rand) []model.ConsentChange {
	var out []model.ConsentChange
	add := func(p model.ConsentPurpose, granted bool) {
		out = append(out, model.ConsentChange{Purpose: p, Granted: granted})
	}
	totalsOnly := rng.IntN(10) == 0
	if totalsOnly {
		add(model.ConsentPurposeProductLevelData, false)
	}
	if !totalsOnly && rng.IntN(5) == 0 {
		add(model.ConsentPurposePersonalizedOffers, true)
	}
	if rng.IntN(10) < 3 {
		add(model.ConsentPurposeElectronicMarketing, true)
	}
	if rng.IntN(4) == 0 {
		add(model.ConsentPurposeNewsletter, true)
	}
	return out
}

// firstName draws a first name of either list.
func firstName(rng *rand.Rand) string {
	if rng.IntN(2) == 0 {
		return womenNames[rng.IntN(len(womenNames))]
	}
	return menNames[rng.IntN(len(menNames))]
}

// email returns first.last@example.* in ASCII, numbered when taken.
func email(p person, rng *rand.Rand, taken map[string]bool) string {
	local := asciiFold(strings.ToLower(p.first + "." + p.last))
	domain := emailDomains[rng.IntN(len(emailDomains))]
	addr := local + "@" + domain
	for n := 2; taken[addr]; n++ {
		addr = fmt.Sprintf("%s%d@%s", local, n, domain)
	}
	taken[addr] = true
	return addr
}

// asciiFold replaces the Finnish and Swedish letters that mail addresses
// usually spell without their marks.
func asciiFold(s string) string {
	return strings.NewReplacer("ä", "a", "ö", "o", "å", "a", "ü", "u").Replace(s)
}

// cardNumber returns the card-th loyalty card of member num: 9246, the
// member and card numbers, and a Luhn check digit. Unique by construction,
// and the same whatever the seed, so demo card numbers stay stable.
func cardNumber(num, card int) string {
	body := fmt.Sprintf("92460%08d%02d", num, card)
	return body + luhn(body)
}

// luhn returns the Luhn check digit of the digits in body.
func luhn(body string) string {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if (len(body)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fmt.Sprint((10 - sum%10) % 10)
}
