package kcid

import (
	"errors"
	"fmt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Domain is the google.rpc.ErrorInfo domain of kcid reasons.
const Domain = "tracking.kcid.io"

// Error is returned by every failed call of a [Client].
type Error struct {
	// Reason is the kcid ErrorReason name without its ERROR_REASON_ prefix, for
	// example "KCID_MAC_MISMATCH" or "ACCOUNT_NOT_FOUND". Empty when the failure
	// carries no kcid ErrorInfo (e.g. the server was unreachable).
	Reason string
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the gRPC status message: what to fix.
	Message string
	// Metadata is the ErrorInfo metadata (e.g. "field", "position"); may be nil.
	Metadata map[string]string

	status *status.Status
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("kcid: %s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("kcid: %s (%s): %s", e.Reason, e.Code, e.Message)
}

// GRPCStatus makes status.FromError and status.Code work on an *Error.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// FromError converts a gRPC error into an *Error, reading the reason from the
// google.rpc.ErrorInfo detail of domain tracking.kcid.io. It returns nil for a
// nil error and err itself when it already is an *Error.
func FromError(err error) *Error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	st := status.Convert(err)
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == Domain {
			e.Reason = info.GetReason()
			e.Metadata = info.GetMetadata()
			break
		}
	}
	return e
}

// ReasonOf is the kcid reason of err, or "" when it has none.
func ReasonOf(err error) string {
	if e := FromError(err); e != nil {
		return e.Reason
	}
	return ""
}
