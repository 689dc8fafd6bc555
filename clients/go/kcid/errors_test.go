package kcid_test

import (
	"errors"
	"fmt"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/kcid/kcid/clients/go/kcid"
)

func TestFromErrorReadsErrorInfo(t *testing.T) {
	st, err := status.New(codes.InvalidArgument, "the kcid's MAC does not verify").WithDetails(
		&errdetails.ErrorInfo{Reason: "KCID_MAC_MISMATCH", Domain: kcid.Domain,
			Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	e := kcid.FromError(st.Err())
	if e.Reason != "KCID_MAC_MISMATCH" || e.Code != codes.InvalidArgument ||
		e.Message != "the kcid's MAC does not verify" || e.Metadata["k"] != "v" {
		t.Errorf("unexpected %+v", e)
	}
	if status.Code(e) != codes.InvalidArgument {
		t.Errorf("status.Code(*Error) = %s", status.Code(e))
	}
	var target *kcid.Error
	if !errors.As(fmt.Errorf("wrapped: %w", e), &target) || target != e {
		t.Error("errors.As failed")
	}
	if r := kcid.ReasonOf(fmt.Errorf("wrapped: %w", st.Err())); r != "KCID_MAC_MISMATCH" {
		t.Errorf("ReasonOf(wrapped status error) = %q", r)
	}
}

func TestFromErrorIgnoresOtherDomains(t *testing.T) {
	st, _ := status.New(codes.NotFound, "x").WithDetails(
		&errdetails.ErrorInfo{Reason: "OTHER", Domain: "example.com"})
	if e := kcid.FromError(st.Err()); e.Reason != "" || e.Code != codes.NotFound {
		t.Errorf("unexpected %+v", e)
	}
	if kcid.FromError(nil) != nil {
		t.Error("FromError(nil) != nil")
	}
}
