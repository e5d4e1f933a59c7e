package server

import (
	"encoding/json"
	"mime"
	"net/http"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// Dev-mode endpoints for the portal's dev sign-in. They hand out a token
// for any member to anyone who asks, so they exist only in dev mode.
const (
	// devMemberLimit is how many members the dev sign-in lists.
	devMemberLimit = 50
	// DevTokenTTL is the lifetime of a token from /dev/token.
	DevTokenTTL = 12 * time.Hour
	// maxDevBodyBytes bounds a /dev/token request body.
	maxDevBodyBytes = 4 << 10
)

// mountDev adds GET /dev/members and POST /dev/token to mux.
func mountDev(mux *http.ServeMux, cfg Config) {
	mux.HandleFunc("GET /dev/members", devMembers(cfg))
	mux.HandleFunc("POST /dev/token", devToken(cfg))
}

// devMembers lists the first members (customer id, name, household and
// role, adult) for the sign-in page.
func devMembers(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		members, err := cfg.Store.DevMembers(r.Context(), devMemberLimit)
		if err != nil {
			cfg.Logger.ErrorContext(r.Context(), "dev members", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not list members"})
			return
		}
		if members == nil {
			members = []storage.DevMember{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"members": members})
	}
}

// devTokenRequest is the body of POST /dev/token.
type devTokenRequest struct {
	Sub string `json:"sub"`
}

// devToken signs a member token with the dev key for an existing member.
// It takes JSON only: a cross-site form cannot send that without a CORS
// preflight, which this server never grants.
func devToken(cfg Config) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if len(cfg.DevKey) == 0 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "no dev signing key configured"})
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"error": "send application/json"})
			return
		}
		var req devTokenRequest
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxDevBodyBytes))
		if err := dec.Decode(&req); err != nil || req.Sub == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"sub": "<customerId>"}`})
			return
		}
		// Only members get tokens here: a dev service token is `omadata token --scope`.
		if _, err := cfg.Store.Member(r.Context(), req.Sub); err != nil {
			status, msg := http.StatusInternalServerError, "could not look up the member"
			if model.ErrorCode(err) == model.NotFound {
				status, msg = http.StatusNotFound, "no such member"
			} else {
				cfg.Logger.ErrorContext(r.Context(), "dev token", "err", err)
			}
			writeJSON(w, status, map[string]string{"error": msg})
			return
		}
		token, err := auth.SignTokenAt(cfg.DevKey, cfg.Issuer, cfg.Audience, req.Sub, nil, cfg.Store.Now(), DevTokenTTL)
		if err != nil {
			cfg.Logger.ErrorContext(r.Context(), "dev token", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "could not sign a token"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"token": token, "tokenType": "Bearer",
			"expiresIn": int(DevTokenTTL / time.Second)})
	}
}

// writeJSON answers with v as JSON; dev responses are never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"internal"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
