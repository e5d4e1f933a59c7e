package server

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// exportHandler serves GET /export: the member's whole data as one JSON
// document (docs/export-format.md), streamed as it is read. It must sit
// behind the auth middleware. A service token gets 403 FORBIDDEN, an
// unknown or erased member 404 NOT_FOUND, both as GraphQL-shaped JSON
// errors. A failure after the document has started aborts the response,
// so the client sees a broken transfer, never a complete-looking one.
func exportHandler(db *storage.DB, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			// A HEAD must not record an export in the access log.
			w.Header().Set("Allow", http.MethodGet)
			writeExportError(w, http.StatusMethodNotAllowed, model.Errorf(model.BadUserInput, "use GET"))
			return
		}
		id, err := auth.RequireMember(r.Context())
		if err != nil {
			writeExportError(w, exportStatus(err), err)
			return
		}
		date := model.DateOf(db.Now(), db.Location())
		out := &exportWriter{w: w, filename: fmt.Sprintf("omadata-export-%s-%s.json", fileSafe(id.Subject), date)}
		err = db.Export(r.Context(), id.Subject, out)
		switch {
		case err == nil:
		case !out.started:
			if model.ErrorCode(err) == model.Internal {
				log.ErrorContext(r.Context(), "export failed", "err", err)
			}
			writeExportError(w, exportStatus(err), err)
		default:
			log.ErrorContext(r.Context(), "export failed while streaming", "err", err)
			panic(http.ErrAbortHandler)
		}
	})
}

// exportWriter sets the download's headers on the first byte, so that an
// error found before it can still answer with its own status.
type exportWriter struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (e *exportWriter) Write(p []byte) (int, error) {
	if !e.started {
		e.started = true
		h := e.w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", `attachment; filename="`+e.filename+`"`)
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		e.w.WriteHeader(http.StatusOK)
	}
	return e.w.Write(p)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// fileSafe keeps a customer id usable in a file name on every system.
func fileSafe(s string) string { return unsafeFileChars.ReplaceAllString(s, "_") }

// exportStatus is the HTTP status of a domain error code.
func exportStatus(err error) int {
	switch model.ErrorCode(err) {
	case model.Unauthenticated:
		return http.StatusUnauthorized
	case model.Forbidden:
		return http.StatusForbidden
	case model.NotFound:
		return http.StatusNotFound
	case model.BadUserInput:
		return http.StatusBadRequest
	case model.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// writeExportError answers a non-GraphQL endpoint with a GraphQL-shaped error
// body, so clients handle every error of the API alike.
func writeExportError(w http.ResponseWriter, status int, err error) {
	type entry struct {
		Message    string            `json:"message"`
		Extensions map[string]string `json:"extensions"`
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string][]entry{"errors": {{
		Message: model.ErrorMessage(err), Extensions: map[string]string{"code": model.ErrorCode(err)},
	}}})
}
