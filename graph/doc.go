// Package graph holds the executable schema that gqlgen generates from
// schema.graphqls (never edited by hand) and the hand-written fast paths
// that replace a few of its functions (fastpath.go for receipt lines,
// fastpath_insights.go for the lists of insights). Regenerate with
// `go generate ./...`: gqlgen, then internal/overrides, which points the
// calls of the replaced generated functions at the fast paths.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate --config gqlgen.yml"
//go:generate go run ./internal/overrides generated.go
