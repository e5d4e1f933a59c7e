package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/server/servertest"
)

const (
	mediaJSON     = "application/json"
	mediaResponse = "application/graphql-response+json"
	meQuery       = `{"query":"{ me { id } }"}`
)

func TestGraphQLOverHTTP(t *testing.T) {
	env := servertest.New(t)
	env.Member(t, servertest.MemberSpec{ID: "c1"})
	tok := env.MemberToken("c1")
	hdr := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	asResponse := hdr("Content-Type", mediaJSON, "Accept", mediaResponse)
	tests := []struct {
		name    string
		req     request
		status  int
		media   string // the response's media type
		code    string // the first error's code; "" for none
		message string // a part of the first error's message
	}{
		{"PostJSON", request{body: meQuery, header: jsonHeader}, 200, mediaJSON, "", ""},
		{"PostJSONUTF8", request{body: meQuery, header: hdr("Content-Type", "application/json; charset=UTF-8")}, 200, mediaJSON, "", ""},
		{"NullParameters", request{body: `{"query":"{ me { id } }","operationName":null,"variables":null,"extensions":null}`, header: jsonHeader}, 200, mediaJSON, "", ""},
		{"OperationName", request{body: `{"query":"query A { me { id } } query B { me { name } }","operationName":"B"}`, header: jsonHeader}, 200, mediaJSON, "", ""},
		{"GetQuery", request{method: "GET", target: getURL("{ me { id } }", nil)}, 200, mediaJSON, "", ""},
		{"GetVariables", request{method: "GET", target: getURL("query($n: Int) { receipts(first: $n) { edges { cursor } } }", map[string]any{"n": 5})}, 200, mediaJSON, "", ""},
		{"AcceptGraphQLResponse", request{body: meQuery, header: asResponse}, 200, mediaResponse, "", ""},
		{"AcceptAnything", request{body: meQuery, header: hdr("Content-Type", mediaJSON, "Accept", "*/*")}, 200, mediaJSON, "", ""},
		{"AcceptByQuality", request{body: meQuery, header: hdr("Content-Type", mediaJSON, "Accept", "application/json;q=0.5, application/graphql-response+json")}, 200, mediaResponse, "", ""},
		{"ErrNotAcceptable", request{body: meQuery, header: hdr("Content-Type", mediaJSON, "Accept", "text/html")}, 406, mediaJSON, model.BadUserInput, "Accept"},
		// Request errors: 200 in application/json, 400 in graphql-response+json.
		{"ErrParseAsJSON", request{body: `{"query":"{"}`, header: jsonHeader}, 200, mediaJSON, "GRAPHQL_PARSE_FAILED", ""},
		{"ErrParseAsResponse", request{body: `{"query":"{"}`, header: asResponse}, 400, mediaResponse, "GRAPHQL_PARSE_FAILED", ""},
		{"ErrValidationAsResponse", request{body: `{"query":"{ nope }"}`, header: asResponse}, 400, mediaResponse, "GRAPHQL_VALIDATION_FAILED", ""},
		{"ErrCoercionAsResponse", request{body: `{"query":"query($n: Int!) { receipts(first: $n) { edges { cursor } } }","variables":{"n":"x"}}`, header: asResponse}, 400, mediaResponse, "GRAPHQL_VALIDATION_FAILED", ""},
		// Malformed requests: 400, whatever the media type.
		{"ErrBatch", request{body: `[` + meQuery + `,` + meQuery + `]`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "batched operations"},
		{"ErrEmptyBody", request{header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "empty"},
		{"ErrNotJSON", request{body: `{ "query": "{ me { id } }", "card": "9246secret`, header: asResponse}, 400, mediaResponse, model.BadUserInput, "not valid JSON"},
		{"ErrNoQuery", request{body: `{"qeury":"{ me { id } }"}`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "query: required"},
		{"ErrQueryNotString", request{body: `{"query":["{ me { id } }"]}`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "query: must be a string"},
		{"ErrOperationNameNotString", request{body: `{"query":"{ me { id } }","operationName":0}`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "operationName"},
		{"ErrVariablesNotObject", request{body: `{"query":"{ me { id } }","variables":"{}"}`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "variables"},
		{"ErrExtensionsNotObject", request{body: `{"query":"{ me { id } }","extensions":false}`, header: jsonHeader}, 400, mediaJSON, model.BadUserInput, "extensions"},
		{"ErrGetNoQuery", request{method: "GET"}, 400, mediaJSON, model.BadUserInput, "query: required"},
		{"ErrGetVariablesNotJSON", request{method: "GET", target: "/graphql?query=%7B+me+%7B+id+%7D+%7D&variables=%7Bnope"}, 400, mediaJSON, model.BadUserInput, "variables"},
		// Bodies a cross-site form can send without a preflight, and others.
		{"ErrTextPlain", request{body: meQuery, header: hdr("Content-Type", "text/plain")}, 415, mediaJSON, model.BadUserInput, "application/json"},
		{"ErrForm", request{body: "query=%7B+me+%7B+id+%7D+%7D", header: hdr("Content-Type", "application/x-www-form-urlencoded")}, 415, mediaJSON, model.BadUserInput, "application/json"},
		{"ErrMultipart", request{body: "--x\r\n\r\n--x--", header: hdr("Content-Type", "multipart/form-data; boundary=x")}, 415, mediaJSON, model.BadUserInput, "application/json"},
		{"ErrGraphQLBody", request{body: "{ me { id } }", header: hdr("Content-Type", "application/graphql")}, 415, mediaJSON, model.BadUserInput, "application/json"},
		{"ErrNoContentType", request{body: meQuery}, 415, mediaJSON, model.BadUserInput, "application/json"},
		{"ErrUTF16", request{body: meQuery, header: hdr("Content-Type", "application/json; charset=utf-16")}, 415, mediaJSON, model.BadUserInput, "UTF-8"},
		{"ErrPut", request{method: "PUT", body: meQuery, header: jsonHeader}, 405, mediaJSON, model.BadUserInput, "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.token = tok
			r := send(t, env.Handler, tt.req)
			if r.Status != tt.status || !strings.HasPrefix(r.Header.Get("Content-Type"), tt.media) {
				t.Fatalf("status %d %q, want %d %q: %s", r.Status, r.Header.Get("Content-Type"), tt.status, tt.media, r.Body)
			}
			if r.code() != tt.code || !strings.Contains(firstMessage(r), tt.message) {
				t.Fatalf("error %s %q, want %s containing %q", r.code(), firstMessage(r), tt.code, tt.message)
			}
			if _, hasData := r.Keys["data"]; hasData != (tt.status == 200 && tt.code == "") && tt.media == mediaResponse {
				t.Fatalf("data entry present = %v: %s", hasData, r.Body)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("Cache-Control = %q", r.Header.Get("Cache-Control"))
			}
		})
	}
	t.Run("ErrNotJSONIsNotEchoed", func(t *testing.T) {
		r := send(t, env.Handler, request{token: tok, header: jsonHeader, body: `{"query": "x", "card": "9246secret`})
		if strings.Contains(r.Body, "9246secret") {
			t.Fatalf("the body is echoed: %s", r.Body)
		}
	})
	t.Run("ErrPutAllow", func(t *testing.T) {
		r := send(t, env.Handler, request{method: "DELETE", token: tok})
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST" {
			t.Fatalf("status %d Allow %q", r.Status, r.Header.Get("Allow"))
		}
	})
}

func firstMessage(r *reply) string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Message
}

const upsertStore = `mutation { upsertStores(input: [{id: "s9", name: "Pop-up", kind: GROCERY, bonusEligible: true}]) { upserted } }`

// TestRefusedRequestsWriteNothing sends a real mutation in every shape the
// API refuses and checks the database is untouched; the same mutation sent
// properly does write, so the check is not vacuous.
func TestRefusedRequestsWriteNothing(t *testing.T) {
	env := servertest.New(t)
	tok := env.ServiceToken("catalog:write")
	stores := func() int { return count(t, env, `SELECT count(*) FROM stores WHERE store_id = 's9'`) }
	asJSON := body(t, upsertStore, nil)
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"ErrMutationOverGET", request{method: "GET", target: getURL(upsertStore, nil)}, http.StatusMethodNotAllowed},
		{"ErrMutationOverGETAsResponse", request{method: "GET", target: getURL(upsertStore, nil), header: map[string]string{"Accept": mediaResponse}}, http.StatusMethodNotAllowed},
		{"ErrTextPlain", request{body: asJSON, header: map[string]string{"Content-Type": "text/plain"}}, http.StatusUnsupportedMediaType},
		{"ErrForm", request{body: "query=" + upsertStore, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, http.StatusUnsupportedMediaType},
		{"ErrBatch", request{body: "[" + asJSON + "]", header: jsonHeader}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.token = tok
			r := send(t, env.Handler, tt.req)
			if r.Status != tt.status || r.code() != model.BadUserInput {
				t.Fatalf("status %d code %s, want %d: %s", r.Status, r.code(), tt.status, r.Body)
			}
			if n := stores(); n != 0 {
				t.Fatalf("%d stores written", n)
			}
		})
	}
	t.Run("OKOverPOST", func(t *testing.T) {
		r := post(t, env.Handler, tok, upsertStore, nil)
		if r.Status != http.StatusOK || len(r.Errors) > 0 || stores() != 1 {
			t.Fatalf("status %d, %d stores: %s", r.Status, stores(), r.Body)
		}
	})
	t.Run("ErrMutationOverGETAllow", func(t *testing.T) {
		r := send(t, env.Handler, request{method: "GET", target: getURL(upsertStore, nil), token: tok})
		if r.Header.Get("Allow") != "POST" || !strings.Contains(firstMessage(r), "GET is for queries only") {
			t.Fatalf("Allow %q, message %q", r.Header.Get("Allow"), firstMessage(r))
		}
	})
}
