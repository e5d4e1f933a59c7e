// Package server assembles Omadata's HTTP handler: GraphQL over HTTP behind
// authentication, the health endpoints, and (in dev mode) GraphiQL. main
// wires it; tests use the very same handler.
package server

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/resolvers"
	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/web"
)

// Config is what the handler is built from.
type Config struct {
	Resolver *resolvers.Resolver
	Store    *storage.DB
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// Dev turns on GraphiQL at / and introspection.
	Dev bool
	// DevKey, Issuer and Audience sign the member tokens of /dev/token
	// (dev mode only; see dev.go).
	DevKey           ed25519.PrivateKey
	Issuer, Audience string
	// Limits bound requests (limits.go); the zero value is the default.
	Limits Limits
	// GenericVariables turns off the typed decoding of ingest batches
	// (typed_variables.go): every variable goes through gqlgen's generic
	// path. Tests use it to compare the two paths.
	GenericVariables bool
}

// New returns the HTTP handler of the whole service.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = withRequestIDs(cfg.Logger)
	cfg.Limits = cfg.Limits.withDefaults()
	m := newMetrics(cfg.Store)
	// Ingest outcomes are counted where the mutation resolves.
	cfg.Resolver.OnIngest = m.countIngest
	limiter := newRateLimiter(cfg.Limits)
	mux := http.NewServeMux()
	gql := resolvers.LoadersMiddleware(cfg.Store, newGraphQL(cfg, m))
	// Authenticate (and record the member's login, at most once a day),
	// check the HTTP shape, rate-limit, bound the body, and only then parse.
	authed := func(h http.Handler) http.Handler {
		return cfg.Verifier.Middleware(storageScope(TouchLogin(cfg.Store, cfg.Logger, h)))
	}
	mux.Handle("/graphql", authed(graphqlHTTP(limiter.Middleware(limitBody(cfg.Limits, gql)))))
	mux.Handle("GET /export", authed(limiter.Middleware(exportHandler(cfg.Store, cfg.Logger))))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", readyz(cfg.Store))
	mux.Handle(web.Prefix, web.Handler(cfg.Dev))
	if cfg.Dev {
		mux.Handle("GET /{$}", playground.ApolloSandboxHandler("Omadata (dev)", "/graphql"))
		mountDev(mux, cfg)
	}
	mux.Handle("GET /metrics", m.handler())
	return withRequestID(observe(cfg.Logger, m, mux))
}

// newGraphQL builds the gqlgen server with explicit transports (see
// transport.go): POST JSON and GET for queries, nothing else (no multipart,
// no batching, no forms, no websockets). Limits (limits.go) refuse costly
// operations before they run; introspection and suggestions are dev-only.
func newGraphQL(cfg Config, m *metrics) http.Handler {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: cfg.Resolver, Complexity: complexityRoot()}))
	docs := lru.New[*ast.QueryDocument](1000)
	srv.AddTransport(getTransport{m})
	vars := variableDecoder{docs: docs, counted: m.countTypedVariable}
	if cfg.GenericVariables {
		vars.docs = nil // without the parsed query, every variable is decoded generically
	}
	srv.AddTransport(postTransport{m, vars})
	srv.SetQueryCache(docs)
	srv.SetParserTokenLimit(cfg.Limits.MaxTokens)
	srv.SetDisableSuggestion(!cfg.Dev)
	if cfg.Dev {
		srv.Use(extension.Introspection{})
	}
	srv.Use(newQueryLimits(cfg.Limits))
	srv.SetErrorPresenter(codePresenter(limitPresenter(errorPresenter(cfg.Logger), cfg.Dev)))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	return srv
}

func readyz(db *storage.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			writeText(w, http.StatusServiceUnavailable, "database unreachable\n")
			return
		}
		writeText(w, http.StatusOK, "ready\n")
	}
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
