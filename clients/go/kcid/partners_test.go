package kcid_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// tenancyFake records the requests the partner, caller, API key and stats shortcuts build, and
// answers ListPartners and ListAccounts in pages of one.
type tenancyFake struct {
	kcidpb.UnimplementedPartnerServiceServer
	kcidpb.UnimplementedAdminServiceServer
	kcidpb.UnimplementedReportServiceServer

	mu       sync.Mutex
	requests []proto.Message
}

func (f *tenancyFake) record(m proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, m)
}

func (f *tenancyFake) last() proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[len(f.requests)-1]
}

func (f *tenancyFake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *tenancyFake) ListPartners(_ context.Context, r *kcidpb.ListPartnersRequest) (*kcidpb.ListPartnersResponse, error) {
	f.record(r)
	ids := map[string][2]string{"": {"agency-one", "a"}, "a": {"agency-two", ""}}[r.GetPageToken()]
	return &kcidpb.ListPartnersResponse{Partners: []*kcidpb.Partner{{PartnerId: ids[0]}}, NextPageToken: ids[1]}, nil
}

func (f *tenancyFake) ListAccounts(_ context.Context, r *kcidpb.ListAccountsRequest) (*kcidpb.ListAccountsResponse, error) {
	f.record(r)
	ids := map[string][2]string{"": {"shoes", "s"}, "s": {"socks", ""}}[r.GetPageToken()]
	return &kcidpb.ListAccountsResponse{Accounts: []*kcidpb.Account{{AccountId: ids[0]}}, NextPageToken: ids[1]}, nil
}

func (f *tenancyFake) UpdatePartner(_ context.Context, r *kcidpb.UpdatePartnerRequest) (*kcidpb.UpdatePartnerResponse, error) {
	f.record(r)
	return &kcidpb.UpdatePartnerResponse{Partner: &kcidpb.Partner{PartnerId: r.GetPartnerId(), S2SActive: r.GetS2SActive()}}, nil
}

func (f *tenancyFake) DeletePartner(_ context.Context, r *kcidpb.DeletePartnerRequest) (*kcidpb.DeletePartnerResponse, error) {
	f.record(r)
	return &kcidpb.DeletePartnerResponse{DeletedAccountIds: []string{"shoes", "socks"}}, nil
}

func (f *tenancyFake) GetCaller(_ context.Context, r *kcidpb.GetCallerRequest) (*kcidpb.GetCallerResponse, error) {
	f.record(r)
	return &kcidpb.GetCallerResponse{ApiKey: &kcidpb.ApiKey{Name: "agency-admin", PartnerId: "agency-one"}}, nil
}

func (f *tenancyFake) CreateApiKey(_ context.Context, r *kcidpb.CreateApiKeyRequest) (*kcidpb.CreateApiKeyResponse, error) {
	f.record(r)
	return &kcidpb.CreateApiKeyResponse{Secret: "s3cret"}, nil
}

func (f *tenancyFake) GetStats(_ context.Context, r *kcidpb.GetStatsRequest) (*kcidpb.GetStatsResponse, error) {
	f.record(r)
	return &kcidpb.GetStatsResponse{}, nil
}

func connectTenancyFake(t *testing.T) (*kcid.Client, *tenancyFake) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &tenancyFake{}
	s := grpc.NewServer()
	kcidpb.RegisterPartnerServiceServer(s, fake)
	kcidpb.RegisterAdminServiceServer(s, fake)
	kcidpb.RegisterReportServiceServer(s, fake)
	go s.Serve(lis)
	t.Cleanup(s.Stop)
	client, err := kcid.Connect(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client, fake
}

func expectRequest(t *testing.T, got, want proto.Message) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Errorf("request %v, want %v", got, want)
	}
}

func TestTenancyShortcutsBuildTheirRequests(t *testing.T) {
	client, fake := connectTenancyFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	t.Run("AllPartners follows the page tokens and stops when the loop does", func(t *testing.T) {
		var ids []string
		for p, err := range client.AllPartners(ctx, 1) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.GetPartnerId())
		}
		if len(ids) != 2 || ids[0] != "agency-one" || ids[1] != "agency-two" {
			t.Fatalf("partners %v, want agency-one, agency-two", ids)
		}
		expectRequest(t, fake.last(), &kcidpb.ListPartnersRequest{PageSize: 1, PageToken: "a"})
		before := fake.count()
		for range client.AllPartners(ctx, 1) {
			break
		}
		if fake.count() != before+1 {
			t.Errorf("a loop that stops after the first partner fetched %d pages, want 1", fake.count()-before)
		}
	})

	t.Run("AllAccounts asks for the partner's accounts", func(t *testing.T) {
		var ids []string
		for a, err := range client.AllAccounts(ctx, "agency-one", 0) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.GetAccountId())
		}
		if len(ids) != 2 {
			t.Fatalf("accounts %v, want shoes, socks", ids)
		}
		expectRequest(t, fake.last(), &kcidpb.ListAccountsRequest{PartnerId: "agency-one", PageToken: "s"})
	})

	t.Run("SetPartnerS2S sends s2s_active even when false", func(t *testing.T) {
		p, err := client.SetPartnerS2S(ctx, "agency-one", false)
		if err != nil || p.GetS2SActive() {
			t.Fatalf("SetPartnerS2S: %v %v", p, err)
		}
		off := false
		expectRequest(t, fake.last(), &kcidpb.UpdatePartnerRequest{PartnerId: "agency-one", S2SActive: &off})
	})

	t.Run("DeletePartner with cascade returns the deleted accounts", func(t *testing.T) {
		deleted, err := client.DeletePartner(ctx, "agency-one", true)
		if err != nil || len(deleted) != 2 {
			t.Fatalf("DeletePartner: %v %v", deleted, err)
		}
		expectRequest(t, fake.last(), &kcidpb.DeletePartnerRequest{PartnerId: "agency-one", Cascade: true})
	})

	t.Run("Caller returns the calling key", func(t *testing.T) {
		key, err := client.Caller(ctx)
		if err != nil || key.GetName() != "agency-admin" || key.GetPartnerId() != "agency-one" {
			t.Fatalf("Caller: %v %v", key, err)
		}
		expectRequest(t, fake.last(), &kcidpb.GetCallerRequest{})
	})

	t.Run("CreateAPIKey puts the scope into the request", func(t *testing.T) {
		read, issue := kcidpb.ApiKeyRole_API_KEY_ROLE_READ, kcidpb.ApiKeyRole_API_KEY_ROLE_ISSUE
		if _, err := client.CreateAPIKey(ctx, "agency", kcid.PartnerScope("agency-one"), read); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.CreateApiKeyRequest{
			Name: "agency", PartnerId: "agency-one", Roles: []kcidpb.ApiKeyRole{read}})
		if _, err := client.CreateAPIKey(ctx, "shop", kcid.AccountScope("shoes"), issue, read); err != nil {
			t.Fatal(err)
		}
		expectRequest(t, fake.last(), &kcidpb.CreateApiKeyRequest{
			Name: "shop", AccountId: "shoes", Roles: []kcidpb.ApiKeyRole{issue, read}})
	})

	t.Run("PartnerStats groups by account unless told otherwise", func(t *testing.T) {
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		if _, err := client.PartnerStats(ctx, "agency-one", start, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got := fake.last().(*kcidpb.GetStatsRequest)
		if got.GetPartnerId() != "agency-one" || got.GetAccountId() != "" || !got.GetStartTime().AsTime().Equal(start) ||
			got.GetEndTime() != nil || len(got.GetGroupBy()) != 1 ||
			got.GetGroupBy()[0] != kcidpb.StatsDimension_STATS_DIMENSION_ACCOUNT {
			t.Fatalf("request %v, want partner agency-one from %s, no end, grouped by ACCOUNT", got, start)
		}
		day := kcidpb.StatsDimension_STATS_DIMENSION_DAY
		if _, err := client.PartnerStats(ctx, "agency-one", start, start.Add(48*time.Hour), day); err != nil {
			t.Fatal(err)
		}
		got = fake.last().(*kcidpb.GetStatsRequest)
		if len(got.GetGroupBy()) != 1 || got.GetGroupBy()[0] != day || !got.GetEndTime().AsTime().Equal(start.Add(48*time.Hour)) {
			t.Fatalf("request %v, want grouped by DAY only, ending 48 h later", got)
		}
	})
}
