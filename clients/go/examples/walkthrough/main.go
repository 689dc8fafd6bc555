// Command walkthrough runs the README walkthrough against a local kcid
// (`./kcid up`: gRPC on localhost:9090, edge on http://localhost:8080):
// create an account, sign a click URL, mint a kcid, post a conversion twice
// and show how a tampered kcid is refused.
//
//	go run ./examples/walkthrough [-grpc localhost:9090] [-edge http://localhost:8080]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

func main() {
	grpcAddr := flag.String("grpc", "localhost:9090", "tracking-server gRPC address")
	edge := flag.String("edge", "http://localhost:8080", "http-edge base URL")
	apiKey := flag.String("api-key", "", "API key (optional; sent as Authorization: Bearer)")
	flag.Parse()

	var opts []kcid.Option
	if *apiKey != "" {
		opts = append(opts, kcid.WithAPIKey(*apiKey))
	}
	client, err := kcid.Connect(*grpcAddr, opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 0. A partner (an agency or reseller) owns accounts; S2S tracking is on for it.
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	partner, err := client.Partners.CreatePartner(ctx, &kcidpb.CreatePartnerRequest{
		PartnerId: "agency-" + hex.EncodeToString(suffix), DisplayName: "Agency One"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("partner     ", partner.GetPartner().GetPartnerId())

	// 1. An advertiser account under it; its secrets are returned only now.
	created, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{
		AccountId: "acme-" + hex.EncodeToString(suffix), DisplayName: "Acme Shoes",
		PartnerId: partner.GetPartner().GetPartnerId()})
	if err != nil {
		log.Fatal(err)
	}
	account := created.GetAccount().GetAccountId()
	secrets := created.GetSecrets()
	fmt.Println("account:", account)

	// 2. A signed click URL, what an ad server puts behind an ad.
	url, err := kcid.SignedURL(*edge, map[string]string{
		"a": account, "c": "spring-sale", "s1": "pub42", "u": "https://shop.example/landing?ref=ad",
	}, secrets.GetClickSecret())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("click URL:", url)

	// 3. Or mint a kcid directly over gRPC.
	issued, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{
		AccountId: account, CampaignId: "spring-sale",
		DestinationUrl: "https://shop.example/landing?ref=ad"})
	if err != nil {
		log.Fatal(err)
	}
	clickID := issued.GetClick().GetKcid()
	fmt.Println("kcid:", clickID, "redirect:", issued.GetRedirectUrl())

	// 4. The conversion postback, then its retry: recorded exactly once.
	req := &kcidpb.RecordConversionRequest{
		Kcid:          clickID,
		GoalKey:       "default",
		Value:         &kcidpb.Money{Amount: "49.90", CurrencyCode: "EUR"},
		TransactionId: "order-1001",
		Credentials:   &kcidpb.PostbackCredentials{Token: secrets.GetPostbackToken()},
	}
	for i := 0; i < 2; i++ {
		resp, err := client.Conversions.RecordConversion(ctx, req)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("postback:", resp.GetOutcome(), resp.GetConversionId(), resp.GetDuplicateReason())
	}

	// 5. A corrupted kcid is refused with a reason.
	tampered := []byte(clickID)
	tampered[20] = map[bool]byte{true: '1', false: '0'}[tampered[20] == '0']
	req.Kcid = string(tampered)
	_, err = client.Conversions.RecordConversion(ctx, req)
	var kerr *kcid.Error
	if errors.As(err, &kerr) {
		fmt.Printf("refused: reason=%s code=%s message=%q\n", kerr.Reason, kerr.Code, kerr.Message)
	} else {
		log.Fatalf("expected a refusal, got %v", err)
	}
}
