package model

import "time"

// Consent is the current state of one purpose for a member.
type Consent struct {
	Purpose   ConsentPurpose
	Granted   bool
	ExpiresAt *time.Time
	UpdatedAt *time.Time
	Channel   *Channel
}

// Marketing reports whether the purpose is a marketing permission.
func (c *Consent) Marketing() bool { return c.Purpose.IsMarketing() }

// Description returns the purpose's plain-language description in lang.
func (c *Consent) Description(lang *string) string {
	l := "en"
	if lang != nil {
		l = *lang
	}
	return c.Purpose.Describe(l)
}

// IsMarketing reports whether p is a marketing purpose: the ones that
// blockAllMarketing denies.
func (p ConsentPurpose) IsMarketing() bool {
	switch p {
	case ConsentPurposeProductLevelData, ConsentPurposeHouseholdSharing:
		return false
	}
	return p.IsValid()
}

// IsElectronic reports whether p reaches the member electronically (email,
// text message, app): a marketing audience of such a purpose gets the
// member's email address, others do not.
func (p ConsentPurpose) IsElectronic() bool {
	switch p {
	case ConsentPurposeElectronicMarketing, ConsentPurposeNewsletter, ConsentPurposeElectronicMemberMail,
		ConsentPurposePartnerMarketing, ConsentPurposePersonalizedOffers, ConsentPurposeLocationBasedOffers:
		return true
	}
	return false
}

// DefaultGranted is the state of p at enrolment (DESIGN.md §6).
func (p ConsentPurpose) DefaultGranted() bool {
	switch p {
	case ConsentPurposeProductLevelData, ConsentPurposeDirectMail,
		ConsentPurposeMemberMail, ConsentPurposeSurveysAndTelemarketing:
		return true
	}
	return false
}

// Describe returns p's description in lang ("fi", "sv"; anything else: "en").
func (p ConsentPurpose) Describe(lang string) string {
	d, ok := purposeDescriptions[p]
	if !ok {
		return string(p)
	}
	switch lang {
	case "fi":
		return d[0]
	case "sv":
		return d[1]
	}
	return d[2]
}

// purposeDescriptions holds each purpose's description in fi, sv and en.
var purposeDescriptions = map[ConsentPurpose][3]string{
	ConsentPurposeProductLevelData: {
		"Tallennamme ostostesi tuotetiedot (kuittirivit), jotta näet ostoksesi, ravintoaineet, hiilijalanjäljen ja ostoslistan. Ilman tätä tallennamme vain kuittien summat bonusta varten.",
		"Vi sparar produktuppgifterna i dina köp (kvittorader) så att du ser dina köp, näringsämnen, koldioxidavtryck och inköpslista. Utan detta sparar vi bara kvittots summa för bonusen.",
		"We store the products on your receipts (receipt lines) so you can see your purchases, nutrients, carbon footprint and shopping list. Without it we keep only receipt totals, for your bonus.",
	},
	ConsentPurposeHouseholdSharing: {
		"Jaan ostotietoni talouteni muiden täysi-ikäisten kanssa, jotka myös jakavat omansa.",
		"Jag delar mina köpuppgifter med de andra vuxna i mitt hushåll som också delar sina.",
		"I share my purchase data with the other adults of my household who share theirs.",
	},
	ConsentPurposePersonalizedOffers: {
		"Ostotietojani saa käyttää minulle kohdennettuihin etuihin ja tarjouksiin.",
		"Mina köpuppgifter får användas för förmåner och erbjudanden riktade till mig.",
		"My purchase data may be used for offers and benefits targeted to me.",
	},
	ConsentPurposeElectronicMarketing: {
		"Saan markkinointia sähköisesti (sähköposti, tekstiviesti, sovellusilmoitukset).",
		"Jag får marknadsföring elektroniskt (e-post, sms, aviseringar i appen).",
		"I receive marketing electronically (email, text message, app notifications).",
	},
	ConsentPurposePartnerMarketing: {
		"Yhteistyökumppanit saavat lähettää minulle markkinointia.",
		"Samarbetspartner får skicka marknadsföring till mig.",
		"Partner companies may send me marketing.",
	},
	ConsentPurposeNewsletter: {
		"Saan uutiskirjeen sähköpostiini.",
		"Jag får nyhetsbrevet till min e-post.",
		"I receive the newsletter by email.",
	},
	ConsentPurposeElectronicMemberMail: {
		"Saan jäsentiedotteet sähköisesti.",
		"Jag får medlemsutskick elektroniskt.",
		"I receive member mail electronically.",
	},
	ConsentPurposeDirectMail: {
		"Saan markkinointia postitse.",
		"Jag får marknadsföring per post.",
		"I receive marketing by post.",
	},
	ConsentPurposeMemberMail: {
		"Saan jäsenlehden ja jäsentiedotteet postitse.",
		"Jag får medlemstidningen och medlemsutskick per post.",
		"I receive the member magazine and member mail by post.",
	},
	ConsentPurposeSurveysAndTelemarketing: {
		"Minulle saa soittaa ja minulta saa kysyä mielipidettä kyselyin.",
		"Jag får bli uppringd och tillfrågad i enkäter.",
		"I may be called and asked to take part in surveys.",
	},
	ConsentPurposeLocationBasedOffers: {
		"Saan sijaintiini perustuvia tarjouksia sovelluksessa.",
		"Jag får erbjudanden baserade på min plats i appen.",
		"I receive offers based on my location in the app.",
	},
}
