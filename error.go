package spiker

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Error codes, in the manner of benbjohnson/wtf: a small set that every
// adapter maps to its own transport (HTTP status, exit code) in one place.
const (
	ECONFLICT     = "conflict"     // the action conflicts with existing data (e.g. a duplicate username)
	EINTERNAL     = "internal"     // a fault inside the system; details are logged, never shown
	EINVALID      = "invalid"      // the input is wrong; the message says what and how to fix it
	ENOTFOUND     = "not_found"    // the thing does not exist (or the caller may not know it exists)
	EFORBIDDEN    = "forbidden"    // the caller is known but may not do this
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in
	EUNAVAILABLE  = "unavailable"  // a dependency (e.g. the database) cannot serve right now
	ETOOMANY      = "too_many"     // too many attempts; the message says when to try again
	EGONE         = "gone"         // the record was purged (retention or erasure); its content is gone for good
	ERESTRICTED   = "restricted"   // the record's processing is restricted (UU PDP); reads only until lifted
)

// Error is a domain error: a code for programs and a message for people.
// The message must never contain protected content (names, stories,
// receipts, contact details), because errors may be logged.
type Error struct {
	Code    string
	Message string
	// Fields names, for EINVALID, each wrong input field and the catalog
	// key of the message to show next to it.
	Fields map[string]string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorFields returns the field messages of an EINVALID error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// ErrorMessage returns the human-readable message of the first *Error in
// err's chain, or a generic message for internal errors so that details of a
// fault never reach a user.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// TooMany is ETOOMANY saying how long to wait: RetryAfter reads it back.
func TooMany(wait time.Duration) *Error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return &Error{Code: ETOOMANY, Message: fmt.Sprintf("too many attempts; try again in %d minutes", (secs+59)/60),
		Fields: map[string]string{"retry_after": strconv.Itoa(secs), "wait_minutes": strconv.Itoa((secs + 59) / 60)}}
}

// RetryAfter returns how long an ETOOMANY error asks the caller to wait,
// or 0 when err says nothing about waiting.
func RetryAfter(err error) time.Duration {
	if ErrorCode(err) != ETOOMANY {
		return 0
	}
	secs, _ := strconv.Atoi(ErrorFields(err)["retry_after"])
	return time.Duration(secs) * time.Second
}
