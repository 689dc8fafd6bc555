// Command kcid-consumer issues a click, records a conversion on it and prints the account's
// stats, with the kcid Go client, as a program outside the kcid repository would.
//
//	KCID_API_KEY=kak_… go run . -grpc localhost:9090 -account acme
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

func main() {
	addr := flag.String("grpc", "localhost:9090", "the tracking-server's gRPC address")
	account := flag.String("account", "consumer-example", "the account to create and use")
	flag.Parse()

	// KCID_API_KEY: a key with the issue, ingest, read and admin roles (empty sends none,
	// which only a server with KCID_AUTH=open accepts).
	client, err := kcid.Connect(*addr, kcid.WithAPIKey(os.Getenv("KCID_API_KEY")))
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	created, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{AccountId: *account})
	if err != nil {
		log.Fatalf("CreateAccount: %v (reason %q)", err, kcid.ReasonOf(err))
	}
	click, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{AccountId: *account, CampaignId: "launch"})
	if err != nil {
		log.Fatalf("IssueClick: %v", err)
	}
	_, err = client.Conversions.RecordConversion(ctx, &kcidpb.RecordConversionRequest{
		Kcid:        click.GetClick().GetKcid(),
		Credentials: &kcidpb.PostbackCredentials{Token: created.GetSecrets().GetPostbackToken()},
	})
	if err != nil {
		log.Fatalf("RecordConversion: %v", err)
	}
	stats, err := client.Reports.GetStats(ctx, &kcidpb.GetStatsRequest{
		AccountId: *account, StartTime: timestamppb.New(time.Now().Add(-time.Hour))})
	if err != nil {
		log.Fatalf("GetStats: %v", err)
	}
	fmt.Printf("kcid=%s clicks=%d conversions=%d\n",
		click.GetClick().GetKcid(), stats.GetTotal().GetClicks(), stats.GetTotal().GetConversions())
}
