package kcid_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// TestServicesAgainstLiveKcid drives ReportService, DiagnosticsService and the conversion
// stream through the client against `kcid up` with API keys required.
func TestServicesAgainstLiveKcid(t *testing.T) {
	srv := startKcid(t, "KCID_AUTH=required", deliveryAllowlist)
	key, err := os.ReadFile(filepath.Join(srv.home, "api-keys", "local-admin"))
	if err != nil {
		t.Fatalf("reading the local admin key kcid up writes: %v", err)
	}
	client, err := kcid.Connect(srv.grpcAddr, kcid.WithAPIKey(strings.TrimSpace(string(key))))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()

	t.Run("a call without an API key is API_KEY_INVALID", func(t *testing.T) {
		anonymous, err := kcid.Connect(srv.grpcAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer anonymous.Close()
		_, err = anonymous.Reports.GetStats(ctx, &kcidpb.GetStatsRequest{
			AccountId: "acme", StartTime: timestamppb.New(time.Now().Add(-time.Hour))})
		expectReason(t, err, "API_KEY_INVALID")
		if e := kcid.FromError(err); e.Code != codes.Unauthenticated {
			t.Errorf("code %s, want Unauthenticated", e.Code)
		}
	})

	t.Run("partners: create, an account under it, get, list, update, S2S off and on", func(t *testing.T) {
		testPartnersAgainstLiveKcid(ctx, t, client)
	})

	t.Run("scoped keys: caller, lists cut down to the scope, API_KEY_SCOPE_DENIED outside it", func(t *testing.T) {
		testScopedKeysAgainstLiveKcid(ctx, t, srv.grpcAddr, client)
	})

	t.Run("destinations: create, refusals, get, list, update, pause, resume, rotate, delete", func(t *testing.T) {
		testDestinationsAgainstLiveKcid(ctx, t, client)
	})

	t.Run("webhooks: verified test and conversion webhooks, the delivery log, a rotation's two signatures", func(t *testing.T) {
		testWebhooksAgainstLiveKcid(ctx, t, client)
	})

	accountID := "go-svc-" + randomHex(t, 6)
	created, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{AccountId: accountID})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	token := created.GetSecrets().GetPostbackToken()
	issued, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: accountID, CampaignId: "spring"})
	if err != nil {
		t.Fatalf("IssueClick: %v", err)
	}
	clickID := issued.GetClick().GetKcid()

	// Follow the account's events from the next new one; the first message (no event) says the
	// stream is registered, so the conversion below cannot be missed.
	streamCtx, stopStream := context.WithCancel(ctx)
	defer stopStream()
	events := make(chan *kcidpb.ConversionEvent, 8)
	streamDone := make(chan error, 1)
	var cursor string
	go func() {
		var err error
		cursor, err = client.StreamConversions(streamCtx, &kcidpb.StreamConversionsRequest{AccountId: accountID},
			func(ev *kcidpb.ConversionEvent) error { events <- ev; return nil })
		streamDone <- err
	}()
	time.Sleep(500 * time.Millisecond) // StreamConversions registers on its first Recv

	// A postback for a goal the account does not have yet: rejected, and logged.
	_, err = client.Conversions.RecordConversion(ctx, &kcidpb.RecordConversionRequest{
		Kcid: clickID, GoalKey: "purchase", Credentials: &kcidpb.PostbackCredentials{Token: token}})
	expectReason(t, err, "GOAL_NOT_FOUND")
	accepted, err := client.Conversions.RecordConversion(ctx, &kcidpb.RecordConversionRequest{
		Kcid: clickID, Value: &kcidpb.Money{Amount: "12.50", CurrencyCode: "EUR"},
		Credentials: &kcidpb.PostbackCredentials{Token: token}})
	if err != nil || accepted.GetOutcome() != kcidpb.Outcome_OUTCOME_ACCEPTED {
		t.Fatalf("RecordConversion: %v %v, want OUTCOME_ACCEPTED", accepted, err)
	}

	t.Run("StreamConversions delivers the recorded conversion and returns a cursor", func(t *testing.T) {
		select {
		case ev := <-events:
			if ev.GetType() != kcidpb.ConversionEventType_CONVERSION_EVENT_TYPE_RECORDED ||
				ev.GetConversionId() != accepted.GetConversionId() || ev.GetKcid() != clickID ||
				ev.GetValue().GetAmount() != "12.50" {
				t.Fatalf("event %v, want RECORDED %s", ev, accepted.GetConversionId())
			}
		case err := <-streamDone:
			t.Fatalf("stream ended before the event: %v", err)
		case <-time.After(20 * time.Second):
			t.Fatal("no event within 20 s")
		}
		stopStream()
		err := <-streamDone
		if e := kcid.FromError(err); e == nil || e.Code != codes.Canceled {
			t.Errorf("stream ended with %v, want a *kcid.Error with code Canceled", err)
		}
		if cursor == "" {
			t.Error("no cursor to resume from")
		}
	})

	t.Run("a malformed cursor is STREAM_CURSOR_INVALID", func(t *testing.T) {
		_, err := client.StreamConversions(ctx, &kcidpb.StreamConversionsRequest{Cursor: "not-a-cursor"},
			func(*kcidpb.ConversionEvent) error { return errors.New("no event expected") })
		expectReason(t, err, "STREAM_CURSOR_INVALID")
	})

	t.Run("GetStats counts the click and the conversion", func(t *testing.T) {
		stats, err := client.Reports.GetStats(ctx, &kcidpb.GetStatsRequest{
			AccountId: accountID, StartTime: timestamppb.New(time.Now().Add(-time.Hour)),
			GroupBy: []kcidpb.StatsDimension{kcidpb.StatsDimension_STATS_DIMENSION_CAMPAIGN}})
		if err != nil {
			t.Fatalf("GetStats: %v", err)
		}
		total := stats.GetTotal()
		if total.GetClicks() != 1 || total.GetConversions() != 1 || len(stats.GetRows()) != 1 ||
			stats.GetRows()[0].GetCampaignId() != "spring" {
			t.Fatalf("stats %v, want 1 click and 1 conversion in one row for campaign spring", stats)
		}
		_, err = client.Reports.GetStats(ctx, &kcidpb.GetStatsRequest{AccountId: accountID})
		expectReason(t, err, "MISSING_PARAMETER")
	})

	var rejectedLogID string
	t.Run("ListPostbacks shows the rejected postback", func(t *testing.T) {
		log, err := client.Diagnostics.ListPostbacks(ctx, &kcidpb.ListPostbacksRequest{
			AccountId: accountID, Outcome: kcidpb.PostbackOutcome_POSTBACK_OUTCOME_REJECTED})
		if err != nil {
			t.Fatalf("ListPostbacks: %v", err)
		}
		if len(log.GetEntries()) != 1 || log.GetEntries()[0].GetReason() != kcidpb.ErrorReason_ERROR_REASON_GOAL_NOT_FOUND ||
			log.GetEntries()[0].GetRequest().GetKcid() != clickID {
			t.Fatalf("rejected entries %v, want the one GOAL_NOT_FOUND postback", log.GetEntries())
		}
		rejectedLogID = log.GetEntries()[0].GetLogId()
	})

	t.Run("ExplainClick tells the click, its conversion and both attempts", func(t *testing.T) {
		explained, err := client.Diagnostics.ExplainClick(ctx, &kcidpb.ExplainClickRequest{Kcid: clickID})
		if err != nil {
			t.Fatalf("ExplainClick: %v", err)
		}
		if !explained.GetDiagnosis().GetValid() || explained.GetClick().GetKcid() != clickID ||
			len(explained.GetConversions()) != 1 || len(explained.GetAttempts()) != 2 {
			t.Fatalf("explanation %v, want a valid click with 1 conversion and 2 attempts", explained)
		}
	})

	t.Run("ReplayPostbacks records the rejected postback once the goal exists", func(t *testing.T) {
		if rejectedLogID == "" {
			t.Fatal("no rejected postback to replay: ListPostbacks found none above")
		}
		if _, err := client.Admin.CreateGoal(ctx, &kcidpb.CreateGoalRequest{
			AccountId: accountID, GoalKey: "purchase"}); err != nil {
			t.Fatalf("CreateGoal: %v", err)
		}
		replay := &kcidpb.ReplayPostbacksRequest{AccountId: accountID, LogIds: []string{rejectedLogID}}
		var replayed *kcidpb.ReplayPostbacksResponse
		// The server's goal cache may be up to 1 s stale after CreateGoal.
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			replayed, err = client.Diagnostics.ReplayPostbacks(ctx, replay)
			if err != nil {
				t.Fatalf("ReplayPostbacks: %v", err)
			}
			if replayed.GetResults()[0].GetOutcome() == kcidpb.ReplayOutcome_REPLAY_OUTCOME_ACCEPTED ||
				time.Now().After(deadline) {
				break
			}
		}
		result := replayed.GetResults()[0]
		if result.GetOutcome() != kcidpb.ReplayOutcome_REPLAY_OUTCOME_ACCEPTED || result.GetConversionId() == "" ||
			result.GetOriginalReason() != kcidpb.ErrorReason_ERROR_REASON_GOAL_NOT_FOUND {
			t.Fatalf("replay %v, want ACCEPTED with a conversion id", result)
		}
		again, err := client.Diagnostics.ReplayPostbacks(ctx, replay)
		if err != nil || again.GetResults()[0].GetOutcome() != kcidpb.ReplayOutcome_REPLAY_OUTCOME_DUPLICATE {
			t.Fatalf("second replay %v %v, want DUPLICATE", again, err)
		}
		_, err = client.Diagnostics.ReplayPostbacks(ctx, &kcidpb.ReplayPostbacksRequest{LogIds: []string{rejectedLogID}})
		expectReason(t, err, "MISSING_PARAMETER")
	})
}

func testPartnersAgainstLiveKcid(ctx context.Context, t *testing.T, client *kcid.Client) {
	partnerID := "go-partner-" + randomHex(t, 4)
	created, err := client.Partners.CreatePartner(ctx, &kcidpb.CreatePartnerRequest{
		PartnerId: partnerID, DisplayName: "Go Agency"})
	if err != nil || !created.GetPartner().GetS2SActive() {
		t.Fatalf("CreatePartner: %v %v, want an active partner", created, err)
	}
	_, err = client.Partners.CreatePartner(ctx, &kcidpb.CreatePartnerRequest{PartnerId: partnerID, DisplayName: "Again"})
	expectReason(t, err, "PARTNER_ALREADY_EXISTS")

	accountID := "go-acct-" + randomHex(t, 4)
	account, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{
		AccountId: accountID, DisplayName: "Go shop", PartnerId: partnerID})
	if err != nil || account.GetAccount().GetPartnerId() != partnerID {
		t.Fatalf("CreateAccount under %s: %v %v", partnerID, account, err)
	}
	_, err = client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{PartnerId: "go-nobody"})
	expectReason(t, err, "PARTNER_NOT_FOUND")

	got, err := client.GetPartner(ctx, partnerID)
	if err != nil || got.GetDisplayName() != "Go Agency" {
		t.Fatalf("GetPartner: %v %v", got, err)
	}
	_, err = client.GetPartner(ctx, "go-nobody")
	expectReason(t, err, "PARTNER_NOT_FOUND")

	listed := map[string]bool{}
	for p, err := range client.AllPartners(ctx, 1) { // pages of one: the helper follows the tokens
		if err != nil {
			t.Fatalf("AllPartners: %v", err)
		}
		listed[p.GetPartnerId()] = true
	}
	if !listed["default"] || !listed[partnerID] {
		t.Fatalf("AllPartners listed %v, want default and %s", listed, partnerID)
	}
	found := false
	for a, err := range client.AllAccounts(ctx, partnerID, 1) {
		if err != nil {
			t.Fatalf("AllAccounts: %v", err)
		}
		found = found || (a.GetAccountId() == accountID && a.GetPartnerId() == partnerID)
	}
	if !found {
		t.Fatalf("AllAccounts did not list %s under %s", accountID, partnerID)
	}

	name := "Go Agency 1"
	updated, err := client.Partners.UpdatePartner(ctx, &kcidpb.UpdatePartnerRequest{PartnerId: partnerID, DisplayName: &name})
	if err != nil || updated.GetPartner().GetDisplayName() != name || !updated.GetPartner().GetS2SActive() {
		t.Fatalf("UpdatePartner: %v %v", updated, err)
	}

	issue := func() error {
		_, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: accountID, CampaignId: "web"})
		return err
	}
	if err := issue(); err != nil {
		t.Fatalf("IssueClick under an active partner: %v", err)
	}
	if p, err := client.SetPartnerS2S(ctx, partnerID, false); err != nil || p.GetS2SActive() {
		t.Fatalf("SetPartnerS2S off: %v %v", p, err)
	}
	// Every server sees the switch within its account cache TTL (1 s by default).
	err = eventuallyErr(func() error { return issue() }, func(err error) bool { return kcid.ReasonOf(err) == "PARTNER_INACTIVE" })
	expectReason(t, err, "PARTNER_INACTIVE")
	if e := kcid.FromError(err); e.Code != codes.FailedPrecondition || e.Metadata["partnerId"] != partnerID {
		t.Errorf("PARTNER_INACTIVE with code %s and metadata %v, want FailedPrecondition naming %s", e.Code, e.Metadata, partnerID)
	}
	if _, err := client.SetPartnerS2S(ctx, partnerID, true); err != nil {
		t.Fatalf("SetPartnerS2S on: %v", err)
	}
	if err := eventuallyErr(issue, func(err error) bool { return err == nil }); err != nil {
		t.Fatalf("IssueClick after switching the partner on again: %v", err)
	}
}

// eventuallyErr calls probe every 100 ms until done(its error) or 5 s have passed; returns its last error.
func eventuallyErr(probe func() error, done func(error) bool) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := probe()
		if done(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testScopedKeysAgainstLiveKcid creates two partners with an account each, a partner key for
// partner one and an account key for its account, and drives clients built with those keys.
func testScopedKeysAgainstLiveKcid(ctx context.Context, t *testing.T, addr string, admin *kcid.Client) {
	adminKey, err := admin.Caller(ctx)
	if err != nil {
		t.Fatalf("Caller with the admin key: %v", err)
	}
	allRoles := []kcidpb.ApiKeyRole{kcidpb.ApiKeyRole_API_KEY_ROLE_ISSUE, kcidpb.ApiKeyRole_API_KEY_ROLE_INGEST,
		kcidpb.ApiKeyRole_API_KEY_ROLE_READ, kcidpb.ApiKeyRole_API_KEY_ROLE_ADMIN}
	if adminKey.GetName() != "local-admin" || adminKey.GetPartnerId() != "" || adminKey.GetAccountId() != "" ||
		!slices.Equal(adminKey.GetRoles(), allRoles) {
		t.Fatalf("admin caller %v, want local-admin with every role and platform scope (no partner, no account)", adminKey)
	}

	suffix := randomHex(t, 4)
	partnerOne, partnerTwo := "go-scope-one-"+suffix, "go-scope-two-"+suffix
	accountOf := map[string]string{}
	for _, partnerID := range []string{partnerOne, partnerTwo} {
		if _, err := admin.Partners.CreatePartner(ctx, &kcidpb.CreatePartnerRequest{PartnerId: partnerID, DisplayName: partnerID}); err != nil {
			t.Fatalf("CreatePartner %s: %v", partnerID, err)
		}
		created, err := admin.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{PartnerId: partnerID})
		if err != nil {
			t.Fatalf("CreateAccount under %s: %v", partnerID, err)
		}
		accountOf[partnerID] = created.GetAccount().GetAccountId()
	}
	accountOne, accountTwo := accountOf[partnerOne], accountOf[partnerTwo]

	partnerKey, err := admin.CreateAPIKey(ctx, "go-partner-key-"+suffix, kcid.PartnerScope(partnerOne),
		kcidpb.ApiKeyRole_API_KEY_ROLE_ADMIN, kcidpb.ApiKeyRole_API_KEY_ROLE_READ)
	if err != nil || partnerKey.GetApiKey().GetPartnerId() != partnerOne || partnerKey.GetApiKey().GetAccountId() != "" {
		t.Fatalf("CreateAPIKey scoped to %s: %v %v", partnerOne, partnerKey, err)
	}
	accountKey, err := admin.CreateAPIKey(ctx, "go-account-key-"+suffix, kcid.AccountScope(accountOne),
		kcidpb.ApiKeyRole_API_KEY_ROLE_ISSUE)
	if err != nil || accountKey.GetApiKey().GetAccountId() != accountOne || accountKey.GetApiKey().GetPartnerId() != partnerOne {
		t.Fatalf("CreateAPIKey scoped to %s: %v %v, want the account and its partner", accountOne, accountKey, err)
	}
	asPartner := connectWithKey(t, addr, partnerKey.GetSecret())
	asAccount := connectWithKey(t, addr, accountKey.GetSecret())

	t.Run("caller with a partner key names its partner and roles", func(t *testing.T) {
		key := awaitCaller(ctx, t, asPartner)
		want := []kcidpb.ApiKeyRole{kcidpb.ApiKeyRole_API_KEY_ROLE_READ, kcidpb.ApiKeyRole_API_KEY_ROLE_ADMIN}
		if key.GetName() != "go-partner-key-"+suffix || key.GetPartnerId() != partnerOne || key.GetAccountId() != "" ||
			!slices.Equal(key.GetRoles(), want) {
			t.Fatalf("partner caller %v, want partner %s with read and admin", key, partnerOne)
		}
	})

	t.Run("a partner key lists only its partner and its accounts", func(t *testing.T) {
		var partners, accounts []string
		for p, err := range asPartner.AllPartners(ctx, 0) {
			if err != nil {
				t.Fatalf("AllPartners: %v", err)
			}
			partners = append(partners, p.GetPartnerId())
		}
		for a, err := range asPartner.AllAccounts(ctx, "", 0) {
			if err != nil {
				t.Fatalf("AllAccounts: %v", err)
			}
			if a.GetPartnerId() != partnerOne {
				t.Errorf("AllAccounts listed %s of partner %s", a.GetAccountId(), a.GetPartnerId())
			}
			accounts = append(accounts, a.GetAccountId())
		}
		if !slices.Equal(partners, []string{partnerOne}) || !slices.Equal(accounts, []string{accountOne}) {
			t.Fatalf("partner key listed partners %v and accounts %v, want [%s] and [%s]", partners, accounts, partnerOne, accountOne)
		}
	})

	t.Run("a partner key creating an account under another partner is API_KEY_SCOPE_DENIED", func(t *testing.T) {
		_, err := asPartner.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{PartnerId: partnerTwo})
		expectScopeDenied(t, err, "partner:"+partnerOne, "partner:"+partnerTwo)
		own, err := asPartner.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{PartnerId: partnerOne})
		if err != nil || own.GetAccount().GetPartnerId() != partnerOne {
			t.Fatalf("CreateAccount under its own partner: %v %v", own, err)
		}
	})

	t.Run("an account key: caller names its account and partner; it issues clicks for its account only", func(t *testing.T) {
		if key := awaitCaller(ctx, t, asAccount); key.GetAccountId() != accountOne || key.GetPartnerId() != partnerOne ||
			!slices.Equal(key.GetRoles(), []kcidpb.ApiKeyRole{kcidpb.ApiKeyRole_API_KEY_ROLE_ISSUE}) {
			t.Fatalf("account caller %v, want account %s of partner %s with issue", key, accountOne, partnerOne)
		}
		issued, err := asAccount.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: accountOne, CampaignId: "scoped"})
		if err != nil || issued.GetClick().GetAccountId() != accountOne {
			t.Fatalf("IssueClick for its own account: %v %v", issued, err)
		}
		_, err = asAccount.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: accountTwo, CampaignId: "scoped"})
		expectScopeDenied(t, err, "account:"+accountOne, "account:"+accountTwo)
	})
}

// connectWithKey is a client calling with apiKey, closed when the test ends.
func connectWithKey(t *testing.T, addr, apiKey string) *kcid.Client {
	t.Helper()
	c, err := kcid.Connect(addr, kcid.WithAPIKey(apiKey))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// awaitCaller is the client's key as the server sees it; a server may take its key reload
// interval to learn a key created through another server, so UNAUTHENTICATED is retried.
func awaitCaller(ctx context.Context, t *testing.T, c *kcid.Client) *kcidpb.ApiKey {
	t.Helper()
	var key *kcidpb.ApiKey
	err := eventuallyErr(func() error {
		var err error
		key, err = c.Caller(ctx)
		return err
	}, func(err error) bool { return kcid.ReasonOf(err) != "API_KEY_INVALID" })
	if err != nil {
		t.Fatalf("Caller: %v", err)
	}
	return key
}

// expectScopeDenied checks err is API_KEY_SCOPE_DENIED (PERMISSION_DENIED) naming the key's
// scope and the one the call needed.
func expectScopeDenied(t *testing.T, err error, scope, needed string) {
	t.Helper()
	expectReason(t, err, "API_KEY_SCOPE_DENIED")
	e := kcid.FromError(err)
	if e.Code != codes.PermissionDenied || e.Metadata["scope"] != scope || e.Metadata["needed"] != needed {
		t.Errorf("code %s, metadata %v; want PermissionDenied with scope %s and needed %s", e.Code, e.Metadata, scope, needed)
	}
}
