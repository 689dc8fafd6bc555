package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
)

// TestReceiverVerifiesParsesAndDeduplicates posts the kcid server's rotation vector
// (core/src/test/resources/webhook-signature-vectors.json) to the receiver.
func TestReceiverVerifiesParsesAndDeduplicates(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "core", "src", "test", "resources", "webhook-signature-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Secrets   []string `json:"secrets"`
		ID        string   `json:"id"`
		Timestamp int64    `json:"timestamp"`
		Body      string   `json:"body"`
		Signature string   `json:"signature"`
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	v := vectors[len(vectors)-1]
	verifier, err := kcid.NewWebhookVerifier(v.Secrets[:1],
		kcid.WithWebhookClock(func() time.Time { return time.Unix(v.Timestamp, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	var handled []event
	h := receiver(verifier, func(_ string, ev event) { handled = append(handled, ev) })
	post := func(body string) int {
		req := httptest.NewRequest(http.MethodPost, "/kcid", strings.NewReader(body))
		req.Header.Set("webhook-id", v.ID)
		req.Header.Set("webhook-timestamp", strconv.FormatInt(v.Timestamp, 10))
		req.Header.Set("webhook-signature", v.Signature)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := post(v.Body); code != http.StatusNoContent {
		t.Fatalf("a signed webhook: HTTP %d, want 204", code)
	}
	if code := post(v.Body); code != http.StatusNoContent || len(handled) != 1 {
		t.Fatalf("its retry: HTTP %d, handled %d times, want 204 and once", code, len(handled))
	}
	if handled[0].Type != "conversion.approved" || handled[0].Data.Value.Amount != "12.50" {
		t.Errorf("parsed %+v", handled[0])
	}
	if code := post(strings.Replace(v.Body, "12.50", "99.50", 1)); code != http.StatusUnauthorized {
		t.Errorf("a changed body: HTTP %d, want 401", code)
	}
}
