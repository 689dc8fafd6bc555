package kcid_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// deliveryAllowlist lets the live server deliver to the receivers these tests run on loopback
// (destinations must otherwise resolve to public addresses).
const deliveryAllowlist = "KCID_DELIVERY_ALLOWED_NETWORKS=127.0.0.0/8,::1/128"

// received is one request a local webhook receiver got.
type received struct {
	header http.Header
	body   []byte
}

// startReceiver runs a webhook receiver on loopback that answers 200 and hands every request over.
func startReceiver(t *testing.T) (string, <-chan received) {
	t.Helper()
	got := make(chan received, 32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{header: r.Header.Clone(), body: body}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/kcid", got
}

// awaitWebhook returns the next request whose webhook-id satisfies want, failing after 20 s.
func awaitWebhook(t *testing.T, got <-chan received, want func(id string) bool) received {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case r := <-got:
			if want(r.header.Get(kcid.WebhookIDHeader)) {
				return r
			}
		case <-timeout:
			t.Fatal("the receiver got no matching webhook within 20 s")
		}
	}
}

type webhookBody struct {
	Type string `json:"type"`
	Data struct {
		ConversionID string `json:"conversion_id"`
		Kcid         string `json:"kcid"`
		AccountID    string `json:"account_id"`
		DeliveryID   string `json:"delivery_id"`
		Test         bool   `json:"test"`
	} `json:"data"`
}

// testDestinationsAgainstLiveKcid drives the destination calls of DeliveryService through the
// shortcuts against a server started with deliveryAllowlist: create, refusals, get, list, update,
// pause, resume, rotate, delete (nothing is sent).
func testDestinationsAgainstLiveKcid(ctx context.Context, t *testing.T, client *kcid.Client) {
	receiverURL, _ := startReceiver(t)
	accountID := "go-dst-" + randomHex(t, 4)
	if _, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{AccountId: accountID}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	owner := kcid.AccountOwner(accountID)

	dest, secret, err := client.CreateWebhook(ctx, owner, "hooks", receiverURL)
	if err != nil || dest.GetDestinationId() != "hooks" || dest.GetAccountId() != accountID ||
		dest.GetKind() != kcidpb.DestinationKind_DESTINATION_KIND_WEBHOOK || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("CreateWebhook: %v %v", dest, err)
	}
	if _, err := kcid.NewWebhookVerifier([]string{secret}); err != nil {
		t.Fatalf("the signing secret does not make a verifier: %v", err)
	}
	_, _, err = client.CreateWebhook(ctx, owner, "hooks", receiverURL)
	expectReason(t, err, "DESTINATION_ALREADY_EXISTS")
	// Postbacks to the same loopback receiver: its address resolves and is allowed.
	postbackBase := strings.TrimSuffix(receiverURL, "/kcid") + "/pb"
	_, err = client.CreatePostback(ctx, owner, "", postbackBase+"?cid={no_such_macro}")
	expectReason(t, err, "INVALID_PARAMETER")
	if e := kcid.FromError(err); !strings.Contains(e.Message, "no_such_macro") {
		t.Errorf("INVALID_PARAMETER %q does not name the unknown macro", e.Message)
	}
	_, err = client.CreatePostback(ctx, owner, "", "http://169.254.169.254/pb?cid={s1}")
	expectReason(t, err, "DESTINATION_ADDRESS_FORBIDDEN")
	pb, err := client.CreatePostback(ctx, owner, "tracker", postbackBase+"?cid={s1}&txid={txid}&status={status}")
	if err != nil || pb.GetKind() != kcidpb.DestinationKind_DESTINATION_KIND_POSTBACK {
		t.Fatalf("CreatePostback: %v %v", pb, err)
	}
	_, err = client.GetDestination(ctx, owner, "no-such-destination")
	expectReason(t, err, "DESTINATION_NOT_FOUND")
	if got, err := client.GetDestination(ctx, owner, "hooks"); err != nil || got.GetUrl() != receiverURL {
		t.Fatalf("GetDestination: %v %v", got, err)
	}
	listed, err := client.ListDestinations(ctx, owner)
	if err != nil || len(listed) != 2 {
		t.Fatalf("ListDestinations: %v %v, want hooks and tracker", listed, err)
	}

	updated, err := client.UpdateDestination(ctx, owner, &kcidpb.UpdateDestinationRequest{DestinationId: "tracker",
		ReplaceStatusMap: true, StatusMap: map[string]string{"approved": "1", "rejected": "2"}})
	if err != nil || updated.GetStatusMap()["approved"] != "1" {
		t.Fatalf("UpdateDestination: %v %v", updated, err)
	}
	if d, err := client.PauseDestination(ctx, owner, "hooks"); err != nil || !d.GetPaused() {
		t.Fatalf("PauseDestination: %v %v", d, err)
	}
	if d, err := client.GetDestination(ctx, owner, "hooks"); err != nil || !d.GetPaused() {
		t.Fatalf("GetDestination after pausing: %v %v", d, err)
	}
	if d, err := client.ResumeDestination(ctx, owner, "hooks"); err != nil || d.GetPaused() {
		t.Fatalf("ResumeDestination: %v %v", d, err)
	}
	rotated, err := client.RotateDestinationSecret(ctx, owner, "hooks", time.Hour)
	if err != nil || !strings.HasPrefix(rotated.GetSigningSecret(), "whsec_") || rotated.GetSigningSecret() == secret ||
		rotated.GetPreviousSecretExpireTime() == nil {
		t.Fatalf("RotateDestinationSecret: %v %v", rotated, err)
	}
	_, err = client.RotateDestinationSecret(ctx, owner, "tracker", 0)
	expectReason(t, err, "INVALID_PARAMETER") // a postback has no secret

	// A partner's destination applies to its accounts: listed with the account's, marked by its owner.
	partnerID := "go-dst-partner-" + randomHex(t, 4)
	if _, err := client.Partners.CreatePartner(ctx, &kcidpb.CreatePartnerRequest{PartnerId: partnerID, DisplayName: "Go destinations"}); err != nil {
		t.Fatalf("CreatePartner: %v", err)
	}
	member := "go-dst-member-" + randomHex(t, 4)
	if _, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{AccountId: member, PartnerId: partnerID}); err != nil {
		t.Fatalf("CreateAccount under %s: %v", partnerID, err)
	}
	agency := kcid.PartnerOwner(partnerID)
	if d, _, err := client.CreateWebhook(ctx, agency, "agency-hooks", receiverURL); err != nil || d.GetPartnerId() != partnerID || d.GetAccountId() != "" {
		t.Fatalf("CreateWebhook for partner %s: %v %v", partnerID, d, err)
	}
	inherited, err := client.ListDestinations(ctx, kcid.AccountOwner(member))
	if err != nil || len(inherited) != 1 || inherited[0].GetDestinationId() != "agency-hooks" || inherited[0].GetPartnerId() != partnerID {
		t.Fatalf("ListDestinations of %s: %v %v, want the partner's agency-hooks", member, inherited, err)
	}
	if err := client.DeleteDestination(ctx, agency, "agency-hooks"); err != nil {
		t.Fatalf("DeleteDestination of the partner's: %v", err)
	}

	for _, id := range []string{"hooks", "tracker"} {
		if err := client.DeleteDestination(ctx, owner, id); err != nil {
			t.Fatalf("DeleteDestination %s: %v", id, err)
		}
	}
	_, err = client.GetDestination(ctx, owner, "hooks")
	expectReason(t, err, "DESTINATION_NOT_FOUND")
	expectReason(t, client.DeleteDestination(ctx, owner, "hooks"), "DESTINATION_NOT_FOUND")
	if listed, err := client.ListDestinations(ctx, owner); err != nil || len(listed) != 0 {
		t.Fatalf("ListDestinations after deleting both: %v %v", listed, err)
	}
}

// testWebhooksAgainstLiveKcid sends webhooks to a receiver in the test (TestDestination and a
// recorded conversion) and verifies them with this client's verifier and the secret the server
// returned; then the delivery log, a redelivery preview and a rotation's two signatures.
func testWebhooksAgainstLiveKcid(ctx context.Context, t *testing.T, client *kcid.Client) {
	receiverURL, got := startReceiver(t)
	accountID := "go-dlv-" + randomHex(t, 4)
	created, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{AccountId: accountID})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	owner := kcid.AccountOwner(accountID)
	_, secret, err := client.CreateWebhook(ctx, owner, "hooks", receiverURL)
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	verifier, err := kcid.NewWebhookVerifier([]string{secret})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("TestDestination sends a signed test webhook the verifier accepts", func(t *testing.T) {
		res, err := client.TestDestination(ctx, owner, "hooks")
		if err != nil || res.GetAttempt().GetStatusCode() != 200 || res.GetRequestUrl() != receiverURL {
			t.Fatalf("TestDestination: %v %v, want an attempt answered 200 by %s", res, err, receiverURL)
		}
		r := awaitWebhook(t, got, func(id string) bool { return strings.HasPrefix(id, "test_") })
		if err := verifier.Verify(r.header, r.body); err != nil {
			t.Fatalf("the test webhook does not verify: %v", err)
		}
		var body webhookBody
		if err := json.Unmarshal(r.body, &body); err != nil || !body.Data.Test {
			t.Fatalf("test webhook body %s (%v), want data.test true", r.body, err)
		}
	})

	issued, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: accountID, CampaignId: "spring"})
	if err != nil {
		t.Fatalf("IssueClick: %v", err)
	}
	accepted, err := client.Conversions.RecordConversion(ctx, &kcidpb.RecordConversionRequest{
		Kcid: issued.GetClick().GetKcid(), Value: &kcidpb.Money{Amount: "12.50", CurrencyCode: "EUR"},
		Credentials: &kcidpb.PostbackCredentials{Token: created.GetSecrets().GetPostbackToken()}})
	if err != nil || accepted.GetOutcome() != kcidpb.Outcome_OUTCOME_ACCEPTED {
		t.Fatalf("RecordConversion: %v %v", accepted, err)
	}

	var deliveryID string
	t.Run("a recorded conversion reaches the receiver as a verified webhook", func(t *testing.T) {
		r := awaitWebhook(t, got, func(id string) bool { return strings.HasPrefix(id, "dlv_") })
		if err := verifier.Verify(r.header, r.body); err != nil {
			t.Fatalf("the conversion's webhook does not verify: %v", err)
		}
		var body webhookBody
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatalf("webhook body %s: %v", r.body, err)
		}
		if body.Type != "conversion.recorded" || body.Data.ConversionID != accepted.GetConversionId() ||
			body.Data.Kcid != issued.GetClick().GetKcid() || body.Data.AccountID != accountID ||
			body.Data.DeliveryID != r.header.Get(kcid.WebhookIDHeader) {
			t.Fatalf("webhook %s with id %s, want conversion.recorded of %s", r.body, r.header.Get(kcid.WebhookIDHeader), accepted.GetConversionId())
		}
		deliveryID = body.Data.DeliveryID
	})

	t.Run("AllDeliveries shows the job delivered with its attempt", func(t *testing.T) {
		if deliveryID == "" {
			t.Fatal("no delivery id: the webhook above did not arrive")
		}
		var found *kcidpb.Delivery
		for deadline := time.Now().Add(10 * time.Second); found == nil || found.GetState() != kcidpb.DeliveryState_DELIVERY_STATE_DELIVERED; time.Sleep(200 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("delivery %s not listed as DELIVERED within 10 s: %v", deliveryID, found)
			}
			found = nil
			for d, err := range client.AllDeliveries(ctx, &kcidpb.ListDeliveriesRequest{AccountId: accountID, PageSize: 1}) {
				if err != nil {
					t.Fatalf("AllDeliveries: %v", err)
				}
				if d.GetDeliveryId() == deliveryID {
					found = d
				}
			}
		}
		attempts := found.GetAttempts()
		if found.GetDestinationId() != "hooks" || found.GetConversionId() != accepted.GetConversionId() ||
			len(attempts) == 0 || attempts[len(attempts)-1].GetStatusCode() != 200 {
			t.Fatalf("delivery %v, want destination hooks, the conversion, a last attempt answered 200", found)
		}
		ids, err := client.PreviewRedeliver(ctx, &kcidpb.RedeliverRequest{AccountId: accountID, DeliveryId: deliveryID, IncludeDelivered: true})
		if err != nil || len(ids) != 1 || ids[0] != deliveryID {
			t.Fatalf("PreviewRedeliver: %v %v, want [%s]", ids, err, deliveryID)
		}
		for d, err := range client.AllDeliveries(ctx, &kcidpb.ListDeliveriesRequest{AccountId: accountID, FailedOnly: true}) {
			t.Fatalf("failed-only lists %v %v, want nothing", d, err)
		}
	})

	t.Run("after a rotation both secrets verify the doubly signed webhook", func(t *testing.T) {
		rotated, err := client.RotateDestinationSecret(ctx, owner, "hooks", time.Hour)
		if err != nil {
			t.Fatalf("RotateDestinationSecret: %v", err)
		}
		if _, err := client.TestDestination(ctx, owner, "hooks"); err != nil {
			t.Fatalf("TestDestination: %v", err)
		}
		r := awaitWebhook(t, got, func(id string) bool { return strings.HasPrefix(id, "test_") })
		if n := len(strings.Fields(r.header.Get(kcid.WebhookSignatureHeader))); n != 2 {
			t.Fatalf("webhook-signature %q has %d entries, want 2", r.header.Get(kcid.WebhookSignatureHeader), n)
		}
		for _, s := range []string{rotated.GetSigningSecret(), secret} {
			v, err := kcid.NewWebhookVerifier([]string{s})
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(r.header, r.body); err != nil {
				t.Errorf("one of the two secrets does not verify: %v", err)
			}
		}
	})
}
