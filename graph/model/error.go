package model

import (
	"errors"
	"fmt"
)

// Error codes: the GraphQL `extensions.code` values of DESIGN.md §7.
const (
	Unauthenticated = "UNAUTHENTICATED"
	Forbidden       = "FORBIDDEN"
	NotFound        = "NOT_FOUND"
	BadUserInput    = "BAD_USER_INPUT"
	ConsentRequired = "CONSENT_REQUIRED"
	Conflict        = "CONFLICT"
	RateLimited     = "RATE_LIMITED"
	QueryTooComplex = "QUERY_TOO_COMPLEX"
	Internal        = "INTERNAL"
)

// Error is the one domain error of Omadata: a machine code and a message that
// is safe to show to the client. Anything that is not an *Error is internal:
// it is logged with its cause and shown to the client only as INTERNAL.
type Error struct {
	Code    string
	Message string
	// Field names the offending input, where there is one (BAD_USER_INPUT).
	Field string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InputErrorf returns a BAD_USER_INPUT error naming the offending field.
func InputErrorf(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Message: field + ": " + fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of err: its *Error's code, or INTERNAL for any
// other non-nil error, or "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return Internal
	}
}

// ErrorMessage returns the message of err that is safe for a client.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}
