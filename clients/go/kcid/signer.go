package kcid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sort"
	"strings"
)

// SignatureParam is the click-URL parameter that carries the signature.
const SignatureParam = "sig"

// CanonicalQuery is the text a click-URL signature covers (core/KCID-FORMAT.md):
// every parameter except "sig" with a non-empty value, sorted by name (byte
// order), name and value percent-encoded per RFC 3986 over their UTF-8 bytes
// (unreserved characters kept, upper-case hex, a space is %20), joined with "&".
// An empty parameter name is an error.
func CanonicalQuery(params map[string]string) (string, error) {
	names := make([]string, 0, len(params))
	for name, value := range params {
		if name == "" {
			return "", errors.New("kcid: a click parameter name must not be empty")
		}
		if name != SignatureParam && value != "" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte('&')
		}
		percentEncode(&b, name)
		b.WriteByte('=')
		percentEncode(&b, params[name])
	}
	return b.String(), nil
}

// Sign is base64url without padding of HMAC-SHA256 keyed with the UTF-8 bytes
// of the account's click secret, over the canonical query.
func Sign(clickSecret, canonicalQuery string) string {
	mac := hmac.New(sha256.New, []byte(clickSecret))
	mac.Write([]byte(canonicalQuery))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// SignedURL is "<edge>/c?<canonical query>&sig=<signature>", with trailing
// slashes of edgeBaseURL dropped. Parameters: a (account), c (campaign),
// cr (creative), p (placement), s1..s10 (sub ids), u (destination URL).
func SignedURL(edgeBaseURL string, params map[string]string, clickSecret string) (string, error) {
	query, err := CanonicalQuery(params)
	if err != nil {
		return "", err
	}
	sep := "&"
	if query == "" {
		sep = ""
	}
	return strings.TrimRight(edgeBaseURL, "/") + "/c?" + query + sep +
		SignatureParam + "=" + Sign(clickSecret, query), nil
}

const upperHex = "0123456789ABCDEF"

func percentEncode(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
}
