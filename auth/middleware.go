package auth

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/omadata/omadata/graph/model"
)

// maxAuthorizationBytes is the longest Authorization header read at all.
// Anything longer is refused before it is split, trimmed or decoded, so a
// megabyte of junk costs no more than a length check.
const maxAuthorizationBytes = 8 << 10

// Challenges of the WWW-Authenticate header (RFC 6750 §3): plain when the
// request carried no credentials, invalid_token when it carried bad ones.
const (
	challengeMissing = `Bearer realm="omadata"`
	challengeInvalid = `Bearer realm="omadata", error="invalid_token"`
)

// Middleware authenticates every request before next sees it. It reads
// `Authorization: Bearer <jwt>` and, when the token verifies, serves next
// with the Identity in the request context. Otherwise it answers HTTP 401
// itself, with a WWW-Authenticate challenge and a GraphQL-shaped JSON body
// whose error code is UNAUTHENTICATED, so no resolver runs unauthenticated.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values := r.Header.Values("Authorization")
		switch {
		case len(values) == 0:
			writeUnauthorized(w, challengeMissing, "missing bearer token")
			return
		case len(values) > 1:
			// Two headers would leave it to chance which one a proxy and
			// which one we believe.
			writeUnauthorized(w, challengeInvalid, "more than one Authorization header")
			return
		case len(values[0]) > maxAuthorizationBytes:
			writeUnauthorized(w, challengeInvalid, "authorization header too large")
			return
		}
		token, ok := bearerToken(values[0])
		if !ok {
			writeUnauthorized(w, challengeInvalid, "authorization must be a bearer token")
			return
		}
		id, err := v.Verify(r.Context(), token)
		if err != nil {
			writeUnauthorized(w, challengeInvalid, model.ErrorMessage(err))
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), id)))
	})
}

// bearerToken returns the token of a `Bearer <token>` header value. The
// scheme is case-insensitive (RFC 7235 §2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// errorBody is the GraphQL response shape, so that clients handle a 401 like
// any other GraphQL error.
type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Message    string            `json:"message"`
	Extensions map[string]string `json:"extensions"`
}

// writeUnauthorized answers 401 with challenge and message.
func writeUnauthorized(w http.ResponseWriter, challenge, message string) {
	h := w.Header()
	h.Set("WWW-Authenticate", challenge)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(errorBody{Errors: []errorEntry{{
		Message:    message,
		Extensions: map[string]string{"code": model.Unauthenticated},
	}}})
}
