package storage

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/omadata/omadata/graph/model"
)

// pgxTracer is pgx's query tracer interface.
type pgxTracer = pgx.QueryTracer

// mapError turns database errors into domain errors, in this one place:
// callers above storage never see SQLSTATE. Errors it does not know stay
// internal (wrapped, so the cause is logged).
func mapError(err error) error {
	if err == nil {
		return nil
	}
	var de *model.Error
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return model.Errorf(model.NotFound, "not found")
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return model.Errorf(model.Conflict, "already exists (%s)", pgErr.ConstraintName)
	case "23503": // foreign_key_violation
		return model.Errorf(model.BadUserInput, "refers to something unknown (%s)", pgErr.ConstraintName)
	case "23514", "23502", "22001", "22003", "22P02": // check, not null, too long, out of range, bad text
		return model.Errorf(model.BadUserInput, "invalid value (%s)", firstNonEmpty(pgErr.ConstraintName, pgErr.ColumnName, "input"))
	}
	return err
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
