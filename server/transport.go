package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph/jsoninput"
	"github.com/omadata/omadata/graph/model"
)

// GraphQL over HTTP (https://graphql.github.io/graphql-over-http/): one
// operation per request, POST with an application/json body or GET with
// the parameters in the URL (queries only); responses in application/json,
// or in application/graphql-response+json when the client asks for it.
// Nothing else is accepted: no JSON-array batches, no forms, no text/plain
// (which a cross-site form could send without a CORS preflight), no
// multipart uploads, no websockets.

// Media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

type mediaKey struct{}

// mediaFrom returns the response media type negotiated for the request.
func mediaFrom(ctx context.Context) string {
	if m, ok := ctx.Value(mediaKey{}).(string); ok {
		return m
	}
	return mediaJSON
}

// graphqlHTTP refuses, before anything is read or parsed, what GraphQL over
// HTTP does not allow: other methods (405), bodies that are not
// application/json in UTF-8 (415), and an Accept header that allows neither
// response type (406). It records the negotiated response type for the
// layers below.
func graphqlHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		media, ok := negotiate(strings.Join(r.Header.Values("Accept"), ","))
		if !ok {
			media = mediaJSON // the spec's fallback for the 406 itself
		}
		r = r.WithContext(context.WithValue(r.Context(), mediaKey{}, media))
		switch {
		case !ok:
			writeError(w, r, http.StatusNotAcceptable, model.BadUserInput,
				"Accept must allow application/json or application/graphql-response+json")
		case r.Method != http.MethodGet && r.Method != http.MethodPost:
			w.Header().Set("Allow", "GET, POST")
			writeError(w, r, http.StatusMethodNotAllowed, model.BadUserInput, "use POST, or GET for queries")
		case r.Method == http.MethodPost && !isJSONBody(r.Header.Get("Content-Type")):
			writeError(w, r, http.StatusUnsupportedMediaType, model.BadUserInput,
				"the request body must be application/json (UTF-8); forms, text/plain and multipart bodies are not accepted")
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// isJSONBody reports whether a Content-Type is application/json in UTF-8.
func isJSONBody(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != mediaJSON {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// negotiate picks the response media type from an Accept header: the
// acceptable type of highest quality, the earliest on a tie; */* and
// application/* mean application/json. An empty header means
// application/json; a header that allows neither type reports false.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var media string
		switch mt {
		case mediaGraphQLResponse:
			media = mediaGraphQLResponse
		case mediaJSON, "application/*", "*/*":
			media = mediaJSON
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = media, q
		}
	}
	return best, best != ""
}

// limitBody reads the whole body before anything parses it, so that an
// oversized one is refused with a clean 413 (by its Content-Length when it
// has one, else once the limit is passed) rather than failing half-way
// through decoding. Services get the larger limit their batches need.
func limitBody(l Limits, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := l.MaxBodyBytes
		if id, ok := auth.FromContext(r.Context()); ok && id.Kind == auth.KindService {
			limit = l.MaxServiceBodyBytes
		}
		tooLarge := fmt.Sprintf("the request body is larger than %d bytes", limit)
		if r.ContentLength > limit {
			writeError(w, r, http.StatusRequestEntityTooLarge, model.BadUserInput, tooLarge)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		switch {
		case err != nil:
			writeError(w, r, http.StatusBadRequest, model.BadUserInput, "the request body could not be read")
			return
		case int64(len(body)) > limit:
			writeError(w, r, http.StatusRequestEntityTooLarge, model.BadUserInput, tooLarge)
			return
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// postTransport is the POST side: one JSON object per request.
type postTransport struct {
	m    *metrics
	vars variableDecoder
}

// Supports accepts POST with an application/json body.
func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && isJSONBody(r.Header.Get("Content-Type"))
}

// Do decodes the body's parameters and executes the operation.
func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, http.StatusBadRequest, model.BadUserInput, "the request body could not be read")
		return
	}
	params, variables, problem := decodeBody(body)
	if problem != "" {
		writeError(w, r, http.StatusBadRequest, model.BadUserInput, problem)
		return
	}
	var typed map[string]any
	var ok bool
	if params.Variables, typed, ok = t.vars.decode(r.Context(), params.Query, params.OperationName, variables); !ok {
		writeError(w, r, http.StatusBadRequest, model.BadUserInput, "variables: must be an object")
		return
	}
	execute(w, r, exec, t.m, params, typed, false)
}

// getTransport is the GET side: parameters in the URL, queries only.
type getTransport struct{ m *metrics }

// Supports accepts GET (not a websocket upgrade).
func (getTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

// Do reads the URL's parameters and executes the operation if it is a query.
func (t getTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	params, problem := decodeURL(r.URL.RawQuery)
	if problem != "" {
		writeError(w, r, http.StatusBadRequest, model.BadUserInput, problem)
		return
	}
	execute(w, r, exec, t.m, params, nil, true)
}

// decodeBody reads the parameters of a POST body, or says what is wrong
// with it (never echoing it: it may hold personal data). The variables
// are returned as they are, a JSON object or null, for variableDecoder.
func decodeBody(body []byte) (*graphql.RawParams, json.RawMessage, string) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0:
		return nil, nil, `the request body is empty: send {"query": "..."}`
	case body[0] == '[':
		return nil, nil, "batched operations (a JSON array) are not accepted: send one operation per request"
	case body[0] != '{':
		return nil, nil, "the request body must be a JSON object"
	}
	if !json.Valid(body) {
		return nil, nil, "the request body is not valid JSON"
	}
	fields, _ := jsoninput.Members(body) // an object: checked above
	p := &graphql.RawParams{}
	if isNull(fields["query"]) {
		return nil, nil, "query: required"
	}
	if json.Unmarshal(fields["query"], &p.Query) != nil {
		return nil, nil, "query: must be a string"
	}
	if v := fields["operationName"]; !isNull(v) && json.Unmarshal(v, &p.OperationName) != nil {
		return nil, nil, "operationName: must be a string"
	}
	variables := fields["variables"]
	if !isNull(variables) && bytes.TrimSpace(variables)[0] != '{' {
		return nil, nil, "variables: must be an object"
	}
	var ok bool
	if p.Extensions, ok = decodeObject(fields["extensions"]); !ok {
		return nil, nil, "extensions: must be an object"
	}
	return p, variables, ""
}

// decodeURL reads the parameters of a GET request's query string.
func decodeURL(rawQuery string) (*graphql.RawParams, string) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, "the URL's query string is malformed"
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if p.Query == "" {
		return nil, "query: required"
	}
	var ok bool
	if p.Variables, ok = decodeObject(json.RawMessage(q.Get("variables"))); !ok {
		return nil, "variables: must be a JSON object"
	}
	if p.Extensions, ok = decodeObject(json.RawMessage(q.Get("extensions"))); !ok {
		return nil, "extensions: must be a JSON object"
	}
	return p, ""
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || string(v) == "null"
}

// decodeObject decodes an optional JSON object, keeping numbers exact.
func decodeObject(v json.RawMessage) (map[string]any, bool) {
	if isNull(v) {
		return nil, true
	}
	if bytes.TrimSpace(v)[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil, false
	}
	return m, true
}

// execute parses, validates and runs one operation, with the variables
// decoded typed (typed_variables.go) in place of their placeholders.
// Request errors (the
// document does not parse or validate, a variable does not coerce, a limit
// is exceeded) are 200 in application/json, as the spec asks for
// compatibility, and 400 without a data entry in
// application/graphql-response+json. A GET that names a mutation is 405:
// it is refused after validation, before anything runs.
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, m *metrics, params *graphql.RawParams, typed map[string]any, getOnly bool) {
	start := time.Now()
	ctx := r.Context()
	media := mediaFrom(ctx)
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil {
		for name, v := range typed { // in place of their placeholders (typed_variables.go)
			oc.Variables[name] = v
		}
	}
	name, opType := "", "invalid"
	if oc != nil && oc.Operation != nil {
		name, opType = oc.Operation.Name, string(oc.Operation.Operation)
	}
	infoFrom(ctx).setOperation(name)
	defer func() { m.observeOperation(name, opType, time.Since(start)) }()
	switch {
	case errs != nil:
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeGraphQLJSON(w, media, status, requestErrors{Errors: resp.Errors})
	case getOnly && oc.Operation.Operation != ast.Query:
		w.Header().Set("Allow", "POST")
		writeError(w, r, http.StatusMethodNotAllowed, model.BadUserInput, "GET is for queries only: send mutations with POST")
	default:
		responses, rctx := exec.DispatchOperation(ctx, oc)
		if resp := responses(rctx); resp != nil {
			writeGraphQLJSON(w, media, http.StatusOK, resp)
		}
	}
}

// responseJSON encodes a response. A response of data alone (the common
// case) is written around the data as gqlgen produced it: json.Marshal
// would scan and copy every byte of it again to compact and check it,
// some 5 % of the CPU of a page of receipts.
func responseJSON(v any) ([]byte, error) {
	r, ok := v.(*graphql.Response)
	if !ok || len(r.Errors) > 0 || len(r.Extensions) > 0 || r.Label != "" || r.Path != nil || r.HasNext != nil || len(r.Data) == 0 {
		return json.Marshal(v)
	}
	b := make([]byte, 0, len(r.Data)+10)
	b = append(b, `{"data":`...)
	b = append(b, r.Data...)
	return append(b, '}'), nil
}

// requestErrors is a response to a request that did not execute: it has
// no data entry at all.
type requestErrors struct {
	Errors gqlerror.List `json:"errors"`
}

// writeError answers with one GraphQL-shaped error of code and message,
// in the request's negotiated media type.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	infoFrom(r.Context()).addCode(code)
	writeGraphQLJSON(w, mediaFrom(r.Context()), status, requestErrors{Errors: gqlerror.List{{
		Message: message, Extensions: map[string]any{"code": code},
	}}})
}

// writeGraphQLJSON writes v as the response body. GraphQL responses hold personal
// data: no cache may keep them, and no browser may sniff them as HTML.
func writeGraphQLJSON(w http.ResponseWriter, media string, status int, v any) {
	b, err := responseJSON(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`)
	}
	h := w.Header()
	h.Set("Content-Type", media+"; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
