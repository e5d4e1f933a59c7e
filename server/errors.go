package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/omadata/omadata/graph/model"
)

// errorPresenter is the one place domain errors become GraphQL errors: the
// code goes to extensions.code, the safe message to the client. Errors that
// are not domain errors are logged with their cause and shown as INTERNAL,
// never with SQL or stack text.
func errorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Parse and validation errors of gqlgen itself.
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			if _, ok := gqlErr.Extensions["code"]; !ok {
				gqlErr.Extensions["code"] = model.BadUserInput
			}
			return gqlErr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		code := model.ErrorCode(err)
		if arg, ok := argumentPath(ctx, out.Path); ok && code == model.Internal {
			// A value gqlparser let through that gqlgen's unmarshalling
			// refused: an enum value in another case, a Time or Date that
			// does not parse. The client sent it; the message names where.
			out.Message = arg.String() + ": " + out.Message
			out.Extensions = map[string]any{"code": model.BadUserInput}
			return out
		}
		if code == model.Internal {
			log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
		}
		out.Message = model.ErrorMessage(err)
		out.Extensions = map[string]any{"code": code}
		return out
	}
}

// argumentPath returns the part of an error's path inside an argument of
// the field of ctx (input[0].lines[0].unit), if the path runs into one: the
// error is then about the argument's value, not about resolving the field.
func argumentPath(ctx context.Context, path ast.Path) (ast.Path, bool) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil, false
	}
	field := fc.Path()
	if len(path) <= len(field) || !slices.Equal(path[:len(field)], field) {
		return nil, false
	}
	name, ok := path[len(field)].(ast.PathName)
	if !ok || fc.Field.Field == nil || fc.Field.Arguments.ForName(string(name)) == nil {
		return nil, false
	}
	return path[len(field):], true
}

// recoverFunc turns a panic in a resolver into an INTERNAL error.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return errors.New("panic")
	}
}
