// Command webhook-receiver receives kcid webhooks: it verifies each one's signature with the
// destination's signing secret, then parses the JSON body, and answers 204 (401 to a webhook that
// does not verify, which kcid does not retry).
//
//	KCID_WEBHOOK_SECRET=whsec_… go run ./examples/webhook-receiver -addr :8000
//
// Create the destination with `./kcid destination create --account acme --kind webhook --url
// http://this-host:8000/kcid` (or client.CreateWebhook); it prints the secret once. During a
// rotation give both secrets, space-separated.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/kcid/kcid/clients/go/kcid"
)

// event is the part of a kcid webhook body this receiver uses.
type event struct {
	Type string `json:"type"`
	Data struct {
		ConversionID string `json:"conversion_id"`
		Kcid         string `json:"kcid"`
		AccountID    string `json:"account_id"`
		Goal         string `json:"goal"`
		Status       string `json:"status"`
		Value        struct {
			Amount   string `json:"amount"`
			Currency string `json:"currency"`
		} `json:"value"`
		Test bool `json:"test"`
	} `json:"data"`
}

// receiver verifies, parses and hands each new event to handle once: kcid delivers at least
// once, with the same webhook-id on every retry.
func receiver(verifier *kcid.WebhookVerifier, handle func(id string, ev event)) http.Handler {
	var seen sync.Map
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // the raw bytes: they are what was signed
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if err := verifier.Verify(r.Header, body); err != nil {
			log.Printf("refused a webhook: %v", err) // the reason, never the secret
			http.Error(w, string(kcid.WebhookReasonOf(err)), http.StatusUnauthorized)
			return
		}
		var ev event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "not JSON", http.StatusBadRequest)
			return
		}
		id := r.Header.Get(kcid.WebhookIDHeader)
		if _, dup := seen.LoadOrStore(id, true); !dup {
			handle(id, ev)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func main() {
	addr := flag.String("addr", ":8000", "listen address")
	flag.Parse()
	verifier, err := kcid.NewWebhookVerifier(strings.Fields(os.Getenv("KCID_WEBHOOK_SECRET")))
	if err != nil {
		log.Fatalf("KCID_WEBHOOK_SECRET: %v", err)
	}
	http.Handle("/kcid", receiver(verifier, func(id string, ev event) {
		log.Printf("%s %s: conversion %s of %s, goal %s, %s %s, status %s (test %v)", id, ev.Type, ev.Data.ConversionID,
			ev.Data.Kcid, ev.Data.Goal, ev.Data.Value.Amount, ev.Data.Value.Currency, ev.Data.Status, ev.Data.Test)
	}))
	log.Printf("receiving kcid webhooks on %s/kcid", *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
