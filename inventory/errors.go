package inventory

import (
	"fmt"
	"strconv"
)

// Error is an invalid or unreadable inventory, located in its file.
type Error struct {
	File string
	Line int // 0 when the error concerns the whole file
	Msg  string
	// Err is the underlying error, if any, for errors.Is and errors.As.
	Err error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Warning is a problem that did not stop loading, such as a duplicate host.
type Warning struct {
	File string
	Line int
	Msg  string
}

func (w Warning) String() string {
	return (&Error{File: w.File, Line: w.Line, Msg: w.Msg}).Error()
}

func errorf(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}
