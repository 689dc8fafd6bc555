package kcid_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// fakeServer answers every method: UNAVAILABLE for the first `failures` calls,
// then an empty response; it records the metadata of each call.
type fakeServer struct {
	mu       sync.Mutex
	failures int
	calls    []metadata.MD
}

func (f *fakeServer) handle(_ any, stream grpc.ServerStream) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	f.mu.Lock()
	f.calls = append(f.calls, md)
	n := len(f.calls)
	f.mu.Unlock()
	var req kcidpb.GetClickRequest
	if err := stream.RecvMsg(&req); err != nil {
		return err
	}
	if n <= f.failures {
		return status.Error(codes.Unavailable, "try again")
	}
	return stream.SendMsg(&kcidpb.GetClickResponse{})
}

func (f *fakeServer) seen() []metadata.MD {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]metadata.MD(nil), f.calls...)
}

func startFake(t *testing.T, f *fakeServer) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer(grpc.UnknownServiceHandler(f.handle))
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

func TestAPIKeyIsSentAndUnavailableIsRetried(t *testing.T) {
	fake := &fakeServer{failures: 2}
	client, err := kcid.Connect(startFake(t, fake), kcid.WithAPIKey("secret-key"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := client.Clicks.GetClick(ctx, &kcidpb.GetClickRequest{Kcid: "x"}); err != nil {
		t.Fatalf("GetClick after two UNAVAILABLE answers: %v (the service config's retries are off?)", err)
	}
	if len(fake.seen()) != 3 {
		t.Errorf("server saw %d attempts, want 3", len(fake.seen()))
	}
	for i, md := range fake.seen() {
		if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer secret-key" {
			t.Errorf("attempt %d: authorization = %q", i+1, got)
		}
	}
}

func TestNoAPIKeyNoAuthorization(t *testing.T) {
	fake := &fakeServer{}
	client, err := kcid.Connect(startFake(t, fake))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if _, err := client.Admin.ListAccounts(context.Background(), &kcidpb.ListAccountsRequest{}); err != nil {
		t.Fatal(err)
	}
	if got := fake.seen()[0].Get("authorization"); len(got) != 0 {
		t.Errorf("authorization sent without an API key: %q", got)
	}
}

func TestFailedCallsReturnError(t *testing.T) {
	fake := &fakeServer{failures: 100}
	client, err := kcid.Connect(startFake(t, fake))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	_, err = client.Conversions.GetConversion(context.Background(), &kcidpb.GetConversionRequest{})
	e, ok := err.(*kcid.Error)
	if !ok {
		t.Fatalf("error is %T (%v), want *kcid.Error", err, err)
	}
	if e.Code != codes.Unavailable || e.Reason != "" || !strings.Contains(e.Message, "try again") {
		t.Errorf("unexpected %+v", e)
	}
	if len(fake.seen()) != 4 {
		t.Errorf("server saw %d attempts, want maxAttempts = 4", len(fake.seen()))
	}
}
