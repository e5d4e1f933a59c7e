// Package graph holds the executable schema that gqlgen generates from
// schema.graphqls (never edited by hand). Regenerate with `go generate ./...`.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate --config gqlgen.yml"
