package kcid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Verifying the webhooks kcid sends (Standard Webhooks, standardwebhooks.com): the
// webhook-signature header holds space-separated "v1,<base64 HMAC-SHA256 of id.timestamp.body>"
// entries, one per secret that signed (two while a rotated secret's grace period lasts).

// The headers of a kcid webhook.
const (
	WebhookIDHeader        = "webhook-id"
	WebhookTimestampHeader = "webhook-timestamp"
	WebhookSignatureHeader = "webhook-signature"
)

// DefaultWebhookTolerance is how far a webhook's timestamp may be from now, either way.
const DefaultWebhookTolerance = 5 * time.Minute

// WebhookFailure says why a webhook was refused.
type WebhookFailure string

// The reasons [*WebhookError] carries.
const (
	WebhookMissingHeader           WebhookFailure = "MISSING_HEADER"
	WebhookInvalidTimestamp        WebhookFailure = "INVALID_TIMESTAMP"
	WebhookTimestampOutOfTolerance WebhookFailure = "TIMESTAMP_OUT_OF_TOLERANCE"
	WebhookNoMatchingSignature     WebhookFailure = "NO_MATCHING_SIGNATURE"
)

// WebhookError is what [WebhookVerifier.Verify] returns for a webhook it refuses: answer it
// with a 4xx (kcid does not retry a 4xx other than 408/429) or a 401. It never holds a secret.
type WebhookError struct {
	Reason WebhookFailure
	// Header is the header at fault (MISSING_HEADER, INVALID_TIMESTAMP).
	Header string
}

func (e *WebhookError) Error() string {
	if e.Header != "" {
		return "kcid webhook: " + string(e.Reason) + ": " + e.Header
	}
	return "kcid webhook: " + string(e.Reason)
}

// WebhookReasonOf is the WebhookFailure of err, or "" when err is not a [*WebhookError].
func WebhookReasonOf(err error) WebhookFailure {
	var we *WebhookError
	if errors.As(err, &we) {
		return we.Reason
	}
	return ""
}

// WebhookVerifier checks kcid webhook signatures with one or more secrets (several while the
// receiver itself moves from one secret to the next). Safe for concurrent use.
type WebhookVerifier struct {
	keys      [][]byte
	tolerance time.Duration
	now       func() time.Time
}

// WebhookOption configures [NewWebhookVerifier].
type WebhookOption func(*WebhookVerifier)

// WithWebhookTolerance sets how far the timestamp may be from now, either way (default 5 min).
func WithWebhookTolerance(d time.Duration) WebhookOption {
	return func(v *WebhookVerifier) { v.tolerance = d }
}

// WithWebhookClock sets the clock the timestamp is compared with (tests, replays of old webhooks).
func WithWebhookClock(now func() time.Time) WebhookOption {
	return func(v *WebhookVerifier) { v.now = now }
}

// NewWebhookVerifier takes the destination's signing secrets as kcid returned them
// ("whsec_" + base64 of the key; the prefix is optional). An empty or non-base64 secret is an
// error that does not repeat the secret.
func NewWebhookVerifier(secrets []string, opts ...WebhookOption) (*WebhookVerifier, error) {
	if len(secrets) == 0 {
		return nil, errors.New("kcid webhook: no signing secret")
	}
	v := &WebhookVerifier{tolerance: DefaultWebhookTolerance, now: time.Now}
	for i, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(strings.TrimSpace(s), "whsec_"))
		if err != nil || len(key) == 0 {
			return nil, errors.New("kcid webhook: signing secret #" + strconv.Itoa(i+1) +
				" is not whsec_ followed by base64")
		}
		v.keys = append(v.keys, key)
	}
	for _, opt := range opts {
		opt(v)
	}
	if v.tolerance < 0 {
		return nil, errors.New("kcid webhook: negative tolerance")
	}
	return v, nil
}

// Verify checks a webhook request's headers and its body exactly as received (read it whole
// before parsing; any re-encoding breaks the signature). nil means kcid sent it; otherwise the
// error is a [*WebhookError].
func (v *WebhookVerifier) Verify(header http.Header, body []byte) error {
	return v.VerifyValues(header.Get(WebhookIDHeader), header.Get(WebhookTimestampHeader),
		header.Get(WebhookSignatureHeader), body)
}

// VerifyValues is [WebhookVerifier.Verify] for headers taken from elsewhere (a queue, a log).
func (v *WebhookVerifier) VerifyValues(id, timestamp, signature string, body []byte) error {
	for _, h := range [][2]string{{WebhookIDHeader, id}, {WebhookTimestampHeader, timestamp}, {WebhookSignatureHeader, signature}} {
		if strings.TrimSpace(h[1]) == "" {
			return &WebhookError{Reason: WebhookMissingHeader, Header: h[0]}
		}
	}
	seconds, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return &WebhookError{Reason: WebhookInvalidTimestamp, Header: WebhookTimestampHeader}
	}
	sent := time.Unix(seconds, 0)
	if age := v.now().Sub(sent); age > v.tolerance || age < -v.tolerance {
		return &WebhookError{Reason: WebhookTimestampOutOfTolerance}
	}
	signed := []byte(id + "." + strings.TrimSpace(timestamp) + ".")
	for _, key := range v.keys {
		mac := hmac.New(sha256.New, key)
		mac.Write(signed)
		mac.Write(body)
		expected := mac.Sum(nil)
		for _, entry := range strings.Fields(signature) {
			version, sig, ok := strings.Cut(entry, ",")
			if !ok || version != "v1" { // other versions (v1a: asymmetric) are not kcid's
				continue
			}
			got, err := base64.StdEncoding.DecodeString(sig)
			if err == nil && hmac.Equal(got, expected) { // constant time
				return nil
			}
		}
	}
	return &WebhookError{Reason: WebhookNoMatchingSignature}
}

// VerifyWebhook verifies one webhook with secrets and the default 5 minute tolerance; see
// [WebhookVerifier] to verify many.
func VerifyWebhook(secrets []string, header http.Header, body []byte) error {
	v, err := NewWebhookVerifier(secrets)
	if err != nil {
		return err
	}
	return v.Verify(header, body)
}
