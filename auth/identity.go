// Package auth authenticates Omadata's callers: it verifies the bearer JWT of
// each request (DESIGN.md §4), puts the caller's Identity in the request
// context, and offers the checks that resolvers and storage call first
// (RequireMember, RequireScope). It also holds the dev-mode signing key.
package auth

import (
	"context"
	"slices"

	"github.com/omadata/omadata/graph/model"
)

// Scopes of service tokens. A token carrying any of them is a service token;
// each names the one family of operations it unlocks (DESIGN.md §4).
const (
	ScopeIngest        = "receipts:ingest"
	ScopeCatalogWrite  = "catalog:write"
	ScopeMembersWrite  = "members:write"
	ScopeMarketingRead = "marketing:read"
)

// serviceScopes are the scopes that make a token a service token. Other
// scopes an identity provider adds (openid, profile) leave a member a member.
var serviceScopes = []string{ScopeIngest, ScopeCatalogWrite, ScopeMembersWrite, ScopeMarketingRead}

// Kind says whether a token speaks for a member or for a service.
type Kind int

// Kinds of identity. They start at 1 so that the zero Kind of a carelessly
// built Identity is neither, and passes no check.
const (
	KindMember Kind = iota + 1
	KindService
)

// String returns the kind's name for logs.
func (k Kind) String() string {
	switch k {
	case KindMember:
		return "member"
	case KindService:
		return "service"
	default:
		return "unknown"
	}
}

// Identity is the verified caller of one request.
type Identity struct {
	// Subject is the token's `sub`: a member's customerId, or the service's name.
	Subject string
	// Kind is KindService when the token carries any known service scope,
	// else KindMember.
	Kind Kind
	// Scopes are the space-separated words of the token's `scope` claim.
	Scopes []string
	// TokenID is the token's `jti`, if it has one; logs use it to name a token
	// without printing it.
	TokenID string
}

// HasScope reports whether the identity's token carries scope s.
func (id Identity) HasScope(s string) bool {
	return slices.Contains(id.Scopes, s)
}

// newIdentity classifies a verified token's subject, scopes and id.
func newIdentity(subject string, scopes []string, tokenID string) Identity {
	kind := KindMember
	for _, s := range scopes {
		if slices.Contains(serviceScopes, s) {
			kind = KindService
			break
		}
	}
	return Identity{Subject: subject, Kind: kind, Scopes: scopes, TokenID: tokenID}
}

// contextKey is unexported so that only this package can put an Identity in a
// context: no other code can forge one under the same key.
type contextKey struct{}

// NewContext returns a copy of ctx that carries id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, contextKey{}, id)
}

// FromContext returns the identity in ctx and whether there is one.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(contextKey{}).(Identity)
	return id, ok
}

// RequireMember returns the member identity in ctx. It returns an
// UNAUTHENTICATED error when ctx has no identity and FORBIDDEN when the
// identity is a service: a service token reads no member's own data.
func RequireMember(ctx context.Context) (Identity, error) {
	id, ok := FromContext(ctx)
	if !ok || id.Subject == "" {
		return Identity{}, model.Errorf(model.Unauthenticated, "authentication required")
	}
	if id.Kind != KindMember {
		return Identity{}, model.Errorf(model.Forbidden, "a member token is required")
	}
	return id, nil
}

// RequireScope returns the service identity in ctx if its token carries
// scope. It returns UNAUTHENTICATED when ctx has no identity and FORBIDDEN
// when the identity is a member or lacks the scope.
func RequireScope(ctx context.Context, scope string) (Identity, error) {
	id, ok := FromContext(ctx)
	if !ok || id.Subject == "" {
		return Identity{}, model.Errorf(model.Unauthenticated, "authentication required")
	}
	// The kind is checked as well as the scope so that an Identity built by
	// hand as a member never passes a service check, whatever it lists.
	if id.Kind != KindService || !id.HasScope(scope) {
		return Identity{}, model.Errorf(model.Forbidden, "scope %s is required", scope)
	}
	return id, nil
}
