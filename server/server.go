// Package server assembles Omadata's HTTP handler: GraphQL over HTTP behind
// authentication, the health endpoints, and (in dev mode) GraphiQL. main
// wires it; tests use the very same handler.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/graph"
	"github.com/omadata/omadata/resolvers"
	"github.com/omadata/omadata/storage"
)

// Config is what the handler is built from.
type Config struct {
	Resolver *resolvers.Resolver
	Store    *storage.DB
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// Dev turns on GraphiQL at / and introspection.
	Dev bool
}

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// New returns the HTTP handler of the whole service.
func New(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	gql := resolvers.LoadersMiddleware(cfg.Store, newGraphQL(cfg))
	mux.Handle("/graphql", cfg.Verifier.Middleware(limitBody(gql)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok\n") })
	mux.HandleFunc("GET /readyz", readyz(cfg.Store))
	if cfg.Dev {
		mux.Handle("GET /{$}", playground.ApolloSandboxHandler("Omadata (dev)", "/graphql"))
	}
	return mux
}

// newGraphQL builds the gqlgen server with explicit transports: POST JSON
// and GET for queries, nothing else (no multipart, no batching, no forms).
func newGraphQL(cfg Config) http.Handler {
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: cfg.Resolver}))
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if cfg.Dev {
		srv.Use(extension.Introspection{})
	}
	srv.SetErrorPresenter(errorPresenter(cfg.Logger))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	return srv
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
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
