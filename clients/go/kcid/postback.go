package kcid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"time"
)

// PostbackSignatureHeaderName is the HTTP header that carries a postback
// signature: "X-Kcid-Signature: t=<unix seconds>,v1=<signature>".
const PostbackSignatureHeaderName = "X-Kcid-Signature"

// SignPostback is the v1 signature of a postback (core/KCID-FORMAT.md): base64url
// without padding of HMAC-SHA256 keyed with the UTF-8 bytes of the account's
// postback signing secret, over "<timestamp>." followed by the payload. The
// payload is the raw request body of a POST, or [PostbackQueryPayload] of all
// query parameters of a GET.
func SignPostback(signingSecret string, timestamp int64, payload []byte) string {
	mac := hmac.New(sha256.New, []byte(signingSecret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(payload)
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// PostbackSignatureHeader is the value of the [PostbackSignatureHeaderName]
// header: "t=<timestamp>,v1=<SignPostback(...)>".
func PostbackSignatureHeader(signingSecret string, timestamp int64, payload []byte) string {
	return "t=" + strconv.FormatInt(timestamp, 10) + ",v1=" + SignPostback(signingSecret, timestamp, payload)
}

// PostbackSignatureHeaderNow is [PostbackSignatureHeader] with the current
// Unix time (the server accepts timestamps within the account's tolerance,
// 300 s by default).
func PostbackSignatureHeaderNow(signingSecret string, payload []byte) string {
	return PostbackSignatureHeader(signingSecret, time.Now().Unix(), payload)
}

// PostbackQueryPayload is the payload a GET postback's signature covers: the
// canonical query of all its query parameters, exactly as for click URLs
// ([CanonicalQuery]: "sig" and empty values dropped, sorted by name, RFC 3986
// percent-encoded, joined with "&"). An empty parameter name is an error.
func PostbackQueryPayload(params map[string]string) ([]byte, error) {
	q, err := CanonicalQuery(params)
	if err != nil {
		return nil, err
	}
	return []byte(q), nil
}
