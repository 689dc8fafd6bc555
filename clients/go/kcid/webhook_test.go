package kcid_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
)

// webhookVector is one entry of core/src/test/resources/webhook-signature-vectors.json: the
// Standard Webhooks published vector (standard-webhooks/standard-webhooks,
// libraries/go/webhook_test.go TestWebhookSign and libraries/javascript/src/webhook.test.ts
// "sign function works") and one the kcid server's signer (WebhookSignature.header) produced
// during a rotation, which tracking-server's WebhookSignatureVectorsTest keeps true.
type webhookVector struct {
	Name      string   `json:"name"`
	Secrets   []string `json:"secrets"`
	ID        string   `json:"id"`
	Timestamp int64    `json:"timestamp"`
	Body      string   `json:"body"`
	Signature string   `json:"signature"`
}

func webhookVectors(t *testing.T) []webhookVector {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "core", "src", "test", "resources", "webhook-signature-vectors.json"))
	if err != nil {
		t.Fatalf("reading the shared webhook vectors: %v", err)
	}
	var vectors []webhookVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) < 3 {
		t.Fatalf("%d webhook vectors, want at least 3", len(vectors))
	}
	return vectors
}

func (v webhookVector) header() http.Header {
	h := http.Header{}
	h.Set("Webhook-Id", v.ID) // any case: http.Header canonicalizes
	h.Set("webhook-timestamp", strconv.FormatInt(v.Timestamp, 10))
	h.Set("webhook-signature", v.Signature)
	return h
}

func (v webhookVector) verifier(t *testing.T, secrets []string, opts ...kcid.WebhookOption) *kcid.WebhookVerifier {
	t.Helper()
	sent := time.Unix(v.Timestamp, 0)
	opts = append([]kcid.WebhookOption{kcid.WithWebhookClock(func() time.Time { return sent.Add(10 * time.Second) })}, opts...)
	verifier, err := kcid.NewWebhookVerifier(secrets, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return verifier
}

func expectWebhookFailure(t *testing.T, err error, want kcid.WebhookFailure) {
	t.Helper()
	if got := kcid.WebhookReasonOf(err); got != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestWebhookVectorsVerify(t *testing.T) {
	for _, v := range webhookVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			body := []byte(v.Body)
			if err := v.verifier(t, v.Secrets).Verify(v.header(), body); err != nil {
				t.Fatalf("all secrets: %v", err)
			}
			for i, secret := range v.Secrets { // each secret alone: either side of a rotation
				if err := v.verifier(t, []string{secret}).Verify(v.header(), body); err != nil {
					t.Errorf("secret #%d alone: %v", i+1, err)
				}
			}
			tampered := append([]byte(nil), body...)
			tampered[len(tampered)-2] ^= 1
			expectWebhookFailure(t, v.verifier(t, v.Secrets).Verify(v.header(), tampered), kcid.WebhookNoMatchingSignature)
			wrong := []string{"whsec_" + "dGhpcyBpcyBub3QgdGhlIHNlY3JldA=="}
			expectWebhookFailure(t, v.verifier(t, wrong).Verify(v.header(), body), kcid.WebhookNoMatchingSignature)
			other := v.header()
			other.Set("webhook-id", v.ID+"x")
			expectWebhookFailure(t, v.verifier(t, v.Secrets).Verify(other, body), kcid.WebhookNoMatchingSignature)
		})
	}
}

func TestWebhookTimestampTolerance(t *testing.T) {
	v := webhookVectors(t)[0]
	sent := time.Unix(v.Timestamp, 0)
	at := func(now time.Time, opts ...kcid.WebhookOption) error {
		opts = append([]kcid.WebhookOption{kcid.WithWebhookClock(func() time.Time { return now })}, opts...)
		verifier, err := kcid.NewWebhookVerifier(v.Secrets, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return verifier.Verify(v.header(), []byte(v.Body))
	}
	if err := at(sent.Add(5 * time.Minute)); err != nil {
		t.Errorf("exactly 5 min old: %v", err)
	}
	if err := at(sent.Add(-5 * time.Minute)); err != nil {
		t.Errorf("exactly 5 min ahead: %v", err)
	}
	expectWebhookFailure(t, at(sent.Add(5*time.Minute+time.Second)), kcid.WebhookTimestampOutOfTolerance)
	expectWebhookFailure(t, at(sent.Add(-5*time.Minute-time.Second)), kcid.WebhookTimestampOutOfTolerance)
	if err := at(sent.Add(time.Hour), kcid.WithWebhookTolerance(2*time.Hour)); err != nil {
		t.Errorf("an hour old with a 2 h tolerance: %v", err)
	}
	// With the real clock the published vector (2021) is stale.
	expectWebhookFailure(t, kcid.VerifyWebhook(v.Secrets, v.header(), []byte(v.Body)), kcid.WebhookTimestampOutOfTolerance)
}

func TestWebhookHeadersAndSignatureEntries(t *testing.T) {
	v := webhookVectors(t)[0]
	verifier := v.verifier(t, v.Secrets)
	body := []byte(v.Body)
	for _, name := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		h := v.header()
		h.Del(name)
		err := verifier.Verify(h, body)
		expectWebhookFailure(t, err, kcid.WebhookMissingHeader)
		var we *kcid.WebhookError
		if ok := asWebhookError(err, &we); !ok || we.Header != name {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	h := v.header()
	h.Set("webhook-timestamp", "hello")
	expectWebhookFailure(t, verifier.Verify(h, body), kcid.WebhookInvalidTimestamp)

	// Several entries (the published multi-signature case): other versions and wrong v1 are skipped.
	h = v.header()
	h.Set("webhook-signature", strings.Join([]string{"v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
		"v2," + strings.TrimPrefix(v.Signature, "v1,"), v.Signature, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="}, " "))
	if err := verifier.Verify(h, body); err != nil {
		t.Errorf("the valid entry among others: %v", err)
	}
	for _, sig := range []string{"v2," + strings.TrimPrefix(v.Signature, "v1,"), v.Signature[:8], "v1,", "v1,not base64!", strings.TrimPrefix(v.Signature, "v1,")} {
		h.Set("webhook-signature", sig)
		expectWebhookFailure(t, verifier.Verify(h, body), kcid.WebhookNoMatchingSignature)
	}
}

func TestWebhookSecretsAreCheckedAndNeverRepeated(t *testing.T) {
	for _, secrets := range [][]string{nil, {""}, {"whsec_"}, {"whsec_not*base64"}} {
		_, err := kcid.NewWebhookVerifier(secrets)
		if err == nil {
			t.Errorf("secrets %q accepted", secrets)
		} else if len(secrets) > 0 && len(secrets[0]) > len("whsec_") && strings.Contains(err.Error(), secrets[0][6:]) {
			t.Errorf("error %q repeats the secret", err)
		}
	}
	if _, err := kcid.NewWebhookVerifier([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, kcid.WithWebhookTolerance(-time.Second)); err == nil {
		t.Error("a negative tolerance accepted")
	}
}

func asWebhookError(err error, target **kcid.WebhookError) bool {
	we, ok := err.(*kcid.WebhookError)
	*target = we
	return ok
}
