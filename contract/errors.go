package contract

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Code says what kind of failure an error is, and is the CLI's exit code
// for it, so scripts can tell "your input is wrong" from "the cluster is
// down" without parsing messages. The mapping lives here and nowhere else.
type Code int

const (
	// Failed is anything not classified below.
	Failed Code = 1
	// Changes is not a failure: `site plan` found something to change.
	Changes Code = 2
	// Invalid input: a spec, a name, a flag or a file the user gave.
	Invalid Code = 3
	// NotFound: the site (or job, or secret) named does not exist.
	NotFound Code = 4
	// Conflict: another site holds what was asked for (a domain, a uid),
	// or a concurrent change won.
	Conflict Code = 5
	// Unavailable: the cluster could not be reached or did not finish in
	// time; trying again later may work.
	Unavailable Code = 6
)

// Error is an error with a Code.
type Error struct {
	Code Code
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf formats an error of the given code; %w wraps as in fmt.Errorf.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// WithCode gives err a code, keeping its message; nil stays nil.
func WithCode(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// isNetwork reports a failure to reach a server at all (refused, timed
// out, unreachable) as opposed to an answer saying no.
func isNetwork(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

// Coder is any error that knows its code (the spec parser's errors do).
type Coder interface{ ExitCode() int }

// ExitCode is the process exit code for err: 0 for nil; the code of the
// first *Error in its chain, else of the first Coder; Unavailable for a
// deadline or a server that could not be reached; else Failed.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var c *Error
	var coder Coder
	switch {
	case errors.As(err, &c):
		return int(c.Code)
	case errors.As(err, &coder):
		return coder.ExitCode()
	case errors.Is(err, context.DeadlineExceeded), isNetwork(err):
		return int(Unavailable)
	}
	return int(Failed)
}
