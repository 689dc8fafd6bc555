package kcid_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
)

type postbackVector struct {
	Name           string            `json:"name"`
	Secret         string            `json:"secret"`
	Timestamp      int64             `json:"timestamp"`
	Method         string            `json:"method"`
	Body           *string           `json:"body"`
	Query          map[string]string `json:"query"`
	CanonicalQuery string            `json:"canonical_query"`
	Signature      string            `json:"signature"`
	Header         string            `json:"header"`
}

func postbackVectors(t *testing.T) []postbackVector {
	t.Helper()
	path := filepath.Join(repoRoot, "core", "src", "test", "resources", "postback-signing-vectors.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the shared postback vectors: %v", err)
	}
	var vectors []postbackVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	if len(vectors) == 0 {
		t.Fatalf("no vectors in %s", path)
	}
	return vectors
}

func TestPostbackSigningVectors(t *testing.T) {
	for _, v := range postbackVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			var payload []byte
			switch v.Method {
			case "GET":
				p, err := kcid.PostbackQueryPayload(v.Query)
				if err != nil {
					t.Fatal(err)
				}
				if string(p) != v.CanonicalQuery {
					t.Errorf("canonical query\n got %q\nwant %q", p, v.CanonicalQuery)
				}
				payload = p
			case "POST":
				if v.Body == nil {
					t.Fatal("a POST vector without a body")
				}
				payload = []byte(*v.Body)
			default:
				t.Fatalf("unknown method %q", v.Method)
			}
			if sig := kcid.SignPostback(v.Secret, v.Timestamp, payload); sig != v.Signature {
				t.Errorf("signature: got %q, want %q", sig, v.Signature)
			}
			if h := kcid.PostbackSignatureHeader(v.Secret, v.Timestamp, payload); h != v.Header {
				t.Errorf("header: got %q, want %q", h, v.Header)
			}
		})
	}
}

func TestPostbackSignatureChangesWithOneBodyByte(t *testing.T) {
	body := []byte(`{"kcid":"22t9v000580g28t5cy4tqkffxbnpwabw","value":"49.90"}`)
	sig := kcid.SignPostback("pbs_secret", 1764000000, body)
	for i := range body {
		changed := append([]byte(nil), body...)
		changed[i] ^= 0x01
		if kcid.SignPostback("pbs_secret", 1764000000, changed) == sig {
			t.Fatalf("changing byte %d left the signature unchanged", i)
		}
	}
	if kcid.SignPostback("pbs_secret", 1764000001, body) == sig {
		t.Error("another timestamp gave the same signature")
	}
}

func TestPostbackSignatureHeaderNowUsesTheCurrentTime(t *testing.T) {
	before := time.Now().Unix()
	h := kcid.PostbackSignatureHeaderNow("pbs_secret", []byte("x"))
	m := regexp.MustCompile(`^t=([0-9]+),v1=[A-Za-z0-9_-]{43}$`).FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("header %q is not t=<seconds>,v1=<43 base64url characters>", h)
	}
	var ts int64
	if err := json.Unmarshal([]byte(m[1]), &ts); err != nil {
		t.Fatal(err)
	}
	if ts < before || ts > time.Now().Unix() {
		t.Errorf("t=%d is not now", ts)
	}
	if want := kcid.PostbackSignatureHeader("pbs_secret", ts, []byte("x")); h != want {
		t.Errorf("got %q, want %q", h, want)
	}
	if kcid.PostbackSignatureHeaderName != "X-Kcid-Signature" {
		t.Errorf("header name %q", kcid.PostbackSignatureHeaderName)
	}
}
