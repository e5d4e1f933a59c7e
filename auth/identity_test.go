package auth

import (
	"context"
	"testing"

	"github.com/omadata/omadata/graph/model"
)

var (
	memberID  = Identity{Subject: "customer-42", Kind: KindMember}
	serviceID = Identity{Subject: "pos-eu-1", Kind: KindService, Scopes: []string{ScopeIngest}}
)

func TestFromContext(t *testing.T) {
	if _, ok := FromContext(context.Background()); ok {
		t.Fatal("FromContext found an identity in an empty context")
	}
	// A value under another key of the same shape is not an identity.
	ctx := context.WithValue(context.Background(), struct{}{}, memberID)
	if _, ok := FromContext(ctx); ok {
		t.Fatal("FromContext read a foreign key")
	}
	got, ok := FromContext(NewContext(context.Background(), memberID))
	if !ok || got.Subject != memberID.Subject || got.Kind != KindMember {
		t.Fatalf("FromContext = %+v, %v", got, ok)
	}
}

func TestRequireMember(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		wantCode string
	}{
		{"OK", NewContext(context.Background(), memberID), ""},
		{"ErrNoIdentity", context.Background(), model.Unauthenticated},
		{"ErrEmptySubject", NewContext(context.Background(), Identity{Kind: KindMember}), model.Unauthenticated},
		{"ErrServiceToken", NewContext(context.Background(), serviceID), model.Forbidden},
		{"ErrZeroKind", NewContext(context.Background(), Identity{Subject: "x"}), model.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := RequireMember(tt.ctx)
			if code := model.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", code, err, tt.wantCode)
			}
			if err == nil && id.Subject != memberID.Subject {
				t.Fatalf("identity = %+v", id)
			}
		})
	}
}

func TestRequireScope(t *testing.T) {
	tests := []struct {
		name     string
		ctx      context.Context
		scope    string
		wantCode string
	}{
		{"OK", NewContext(context.Background(), serviceID), ScopeIngest, ""},
		{"ErrNoIdentity", context.Background(), ScopeIngest, model.Unauthenticated},
		{"ErrMissingScope", NewContext(context.Background(), serviceID), ScopeCatalogWrite, model.Forbidden},
		{"ErrMemberToken", NewContext(context.Background(), memberID), ScopeIngest, model.Forbidden},
		{"ErrMemberListingScope", NewContext(context.Background(), Identity{Subject: "c", Kind: KindMember, Scopes: []string{ScopeIngest}}), ScopeIngest, model.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := RequireScope(tt.ctx, tt.scope)
			if code := model.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("code = %q (%v), want %q", code, err, tt.wantCode)
			}
			if err == nil && id.Subject != serviceID.Subject {
				t.Fatalf("identity = %+v", id)
			}
		})
	}
}

func TestNewIdentityKind(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
		want   Kind
	}{
		{"NoScopes", nil, KindMember},
		{"OIDCScopes", []string{"openid", "email"}, KindMember},
		{"LookalikeScope", []string{"receipts:ingest:all", "Receipts:Ingest"}, KindMember},
		{"Ingest", []string{ScopeIngest}, KindService},
		{"Catalog", []string{"openid", ScopeCatalogWrite}, KindService},
		{"Members", []string{ScopeMembersWrite}, KindService},
		{"Marketing", []string{ScopeMarketingRead}, KindService},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newIdentity("s", tt.scopes, "").Kind; got != tt.want {
				t.Fatalf("kind = %v, want %v", got, tt.want)
			}
		})
	}
}
