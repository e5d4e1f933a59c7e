package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
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
		if code == model.Internal {
			log.ErrorContext(ctx, "internal error", "path", out.Path.String(), "err", err)
		}
		out.Message = model.ErrorMessage(err)
		out.Extensions = map[string]any{"code": code}
		return out
	}
}

// recoverFunc turns a panic in a resolver into an INTERNAL error.
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return errors.New("panic")
	}
}
