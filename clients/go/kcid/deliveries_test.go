package kcid_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// deliveryFake records the requests the DeliveryService shortcuts build, answers
// ListDeliveries in pages of one and GetDestination of "gone" with DESTINATION_NOT_FOUND.
type deliveryFake struct {
	kcidpb.UnimplementedDeliveryServiceServer

	mu       sync.Mutex
	requests []proto.Message
}

func (f *deliveryFake) record(m proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, m)
}

func (f *deliveryFake) last() proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *deliveryFake) CreateDestination(_ context.Context, r *kcidpb.CreateDestinationRequest) (*kcidpb.CreateDestinationResponse, error) {
	f.record(r)
	return &kcidpb.CreateDestinationResponse{Destination: &kcidpb.Destination{DestinationId: r.GetDestinationId(), Kind: r.GetKind()},
		SigningSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, nil
}

func (f *deliveryFake) GetDestination(_ context.Context, r *kcidpb.GetDestinationRequest) (*kcidpb.GetDestinationResponse, error) {
	f.record(r)
	if r.GetDestinationId() == "gone" {
		return nil, reasonStatus(codes.NotFound, "DESTINATION_NOT_FOUND", "no destination gone")
	}
	return &kcidpb.GetDestinationResponse{Destination: &kcidpb.Destination{DestinationId: r.GetDestinationId()}}, nil
}

func (f *deliveryFake) ListDestinations(_ context.Context, r *kcidpb.ListDestinationsRequest) (*kcidpb.ListDestinationsResponse, error) {
	f.record(r)
	return &kcidpb.ListDestinationsResponse{Destinations: []*kcidpb.Destination{{DestinationId: "own"}, {DestinationId: "inherited", PartnerId: "agency-one"}}}, nil
}

func (f *deliveryFake) UpdateDestination(_ context.Context, r *kcidpb.UpdateDestinationRequest) (*kcidpb.UpdateDestinationResponse, error) {
	f.record(r)
	return &kcidpb.UpdateDestinationResponse{Destination: &kcidpb.Destination{DestinationId: r.GetDestinationId(), Paused: r.GetPaused()}}, nil
}

func (f *deliveryFake) DeleteDestination(_ context.Context, r *kcidpb.DeleteDestinationRequest) (*kcidpb.DeleteDestinationResponse, error) {
	f.record(r)
	return &kcidpb.DeleteDestinationResponse{}, nil
}

func (f *deliveryFake) TestDestination(_ context.Context, r *kcidpb.TestDestinationRequest) (*kcidpb.TestDestinationResponse, error) {
	f.record(r)
	return &kcidpb.TestDestinationResponse{Attempt: &kcidpb.DeliveryAttempt{StatusCode: 204}, RequestUrl: "https://hooks.example/kcid"}, nil
}

func (f *deliveryFake) RotateDestinationSecret(_ context.Context, r *kcidpb.RotateDestinationSecretRequest) (*kcidpb.RotateDestinationSecretResponse, error) {
	f.record(r)
	return &kcidpb.RotateDestinationSecretResponse{SigningSecret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}, nil
}

func (f *deliveryFake) ListDeliveries(_ context.Context, r *kcidpb.ListDeliveriesRequest) (*kcidpb.ListDeliveriesResponse, error) {
	f.record(r)
	ids := map[string][2]string{"": {"dlv_b", "p2"}, "p2": {"dlv_a", ""}}[r.GetPageToken()]
	return &kcidpb.ListDeliveriesResponse{Deliveries: []*kcidpb.Delivery{{DeliveryId: ids[0]}}, NextPageToken: ids[1]}, nil
}

func (f *deliveryFake) Redeliver(_ context.Context, r *kcidpb.RedeliverRequest) (*kcidpb.RedeliverResponse, error) {
	f.record(r)
	return &kcidpb.RedeliverResponse{DeliveryIds: []string{"dlv_a"}, DryRun: r.GetDryRun()}, nil
}

func connectDeliveryFake(t *testing.T) (*kcid.Client, *deliveryFake) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &deliveryFake{}
	s := grpc.NewServer()
	kcidpb.RegisterDeliveryServiceServer(s, fake)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	client, err := kcid.Connect(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, fake
}

func TestDeliveryShortcutsBuildTheirRequests(t *testing.T) {
	client, fake := connectDeliveryFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	acme, agency := kcid.AccountOwner("acme"), kcid.PartnerOwner("agency-one")

	t.Run("CreateWebhook returns the destination and its secret", func(t *testing.T) {
		d, secret, err := client.CreateWebhook(ctx, acme, "hooks", "https://hooks.example/kcid")
		if err != nil || d.GetDestinationId() != "hooks" || secret == "" {
			t.Fatalf("CreateWebhook: %v %q %v", d, secret, err)
		}
		expectRequest(t, fake.last(), &kcidpb.CreateDestinationRequest{AccountId: "acme", DestinationId: "hooks",
			Kind: kcidpb.DestinationKind_DESTINATION_KIND_WEBHOOK, Url: "https://hooks.example/kcid"})
		if _, err := kcid.NewWebhookVerifier([]string{secret}); err != nil {
			t.Errorf("the returned secret does not make a verifier: %v", err)
		}
	})

	t.Run("CreatePostback is a partner's GET template", func(t *testing.T) {
		if _, err := client.CreatePostback(ctx, agency, "", "https://t.example/pb?cid={s1}"); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.CreateDestinationRequest{PartnerId: "agency-one",
			Kind: kcidpb.DestinationKind_DESTINATION_KIND_POSTBACK, Url: "https://t.example/pb?cid={s1}"})
	})

	t.Run("GetDestination addresses the owner; an unknown one is DESTINATION_NOT_FOUND", func(t *testing.T) {
		if _, err := client.GetDestination(ctx, agency, "pb"); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.GetDestinationRequest{PartnerId: "agency-one", DestinationId: "pb"})
		_, err := client.GetDestination(ctx, acme, "gone")
		expectReason(t, err, "DESTINATION_NOT_FOUND")
	})

	t.Run("ListDestinations returns own and inherited ones", func(t *testing.T) {
		ds, err := client.ListDestinations(ctx, acme)
		if err != nil || len(ds) != 2 || ds[1].GetPartnerId() != "agency-one" {
			t.Fatalf("ListDestinations: %v %v", ds, err)
		}
		expectRequest(t, fake.last(), &kcidpb.ListDestinationsRequest{AccountId: "acme"})
	})

	t.Run("Pause and Resume send paused even when false", func(t *testing.T) {
		d, err := client.PauseDestination(ctx, acme, "hooks")
		if err != nil || !d.GetPaused() {
			t.Fatalf("PauseDestination: %v %v", d, err)
		}
		on, off := true, false
		expectRequest(t, fake.last(), &kcidpb.UpdateDestinationRequest{AccountId: "acme", DestinationId: "hooks", Paused: &on})
		if _, err := client.ResumeDestination(ctx, acme, "hooks"); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.UpdateDestinationRequest{AccountId: "acme", DestinationId: "hooks", Paused: &off})
	})

	t.Run("UpdateDestination sets the owner", func(t *testing.T) {
		url := "https://hooks.example/v2"
		if _, err := client.UpdateDestination(ctx, agency, &kcidpb.UpdateDestinationRequest{DestinationId: "hooks", Url: &url,
			ReplaceStatusMap: true, StatusMap: map[string]string{"approved": "1"}}); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.UpdateDestinationRequest{PartnerId: "agency-one", DestinationId: "hooks", Url: &url,
			ReplaceStatusMap: true, StatusMap: map[string]string{"approved": "1"}})
	})

	t.Run("Delete, Test and RotateDestinationSecret", func(t *testing.T) {
		if err := client.DeleteDestination(ctx, acme, "hooks"); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.DeleteDestinationRequest{AccountId: "acme", DestinationId: "hooks"})
		res, err := client.TestDestination(ctx, acme, "hooks")
		if err != nil || res.GetAttempt().GetStatusCode() != 204 {
			t.Fatalf("TestDestination: %v %v", res, err)
		}
		expectRequest(t, fake.last(), &kcidpb.TestDestinationRequest{AccountId: "acme", DestinationId: "hooks"})
		if _, err := client.RotateDestinationSecret(ctx, acme, "hooks", 0); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.RotateDestinationSecretRequest{AccountId: "acme", DestinationId: "hooks"})
		if _, err := client.RotateDestinationSecret(ctx, acme, "hooks", time.Hour); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.RotateDestinationSecretRequest{AccountId: "acme", DestinationId: "hooks",
			GracePeriod: durationpb.New(time.Hour)})
	})

	t.Run("AllDeliveries follows the page tokens with the filters", func(t *testing.T) {
		req := &kcidpb.ListDeliveriesRequest{AccountId: "acme", FailedOnly: true, DestinationId: "hooks", PageSize: 1}
		var ids []string
		for d, err := range client.AllDeliveries(ctx, req) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.GetDeliveryId())
		}
		if len(ids) != 2 || ids[0] != "dlv_b" || ids[1] != "dlv_a" {
			t.Fatalf("deliveries %v, want dlv_b, dlv_a", ids)
		}
		expectRequest(t, fake.last(), &kcidpb.ListDeliveriesRequest{AccountId: "acme", FailedOnly: true,
			DestinationId: "hooks", PageSize: 1, PageToken: "p2"})
		if req.GetPageToken() != "" {
			t.Error("AllDeliveries changed the caller's request")
		}
	})

	t.Run("PreviewRedeliver is always a dry run", func(t *testing.T) {
		ids, err := client.PreviewRedeliver(ctx, &kcidpb.RedeliverRequest{AccountId: "acme", DestinationId: "hooks"})
		if err != nil || len(ids) != 1 {
			t.Fatalf("PreviewRedeliver: %v %v", ids, err)
		}
		expectRequest(t, fake.last(), &kcidpb.RedeliverRequest{AccountId: "acme", DestinationId: "hooks", DryRun: true})
	})
}

// reasonStatus is a kcid refusal as the server sends it: the code and an ErrorInfo of reason.
func reasonStatus(code codes.Code, reason, message string) error {
	st, err := status.New(code, message).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: kcid.Domain})
	if err != nil {
		panic(err)
	}
	return st.Err()
}
