package server

import (
	"net/http"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/storage"
)

// storageScope makes every storage transaction of a member's request run in
// that member's row-level security scope (storage/scope.go): PostgreSQL
// itself then returns only the member's rows and those shared with them,
// whatever a query forgets. Service requests run in system scope; their
// operations are gated by scopes in the resolvers.
func storageScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := auth.FromContext(r.Context()); ok && id.Kind == auth.KindMember {
			r = r.WithContext(storage.WithMember(r.Context(), id.Subject))
		}
		next.ServeHTTP(w, r)
	})
}
