package kcid_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kcid/kcid/clients/go/kcid"
)

// repoRoot is the kcid repository root, seen from this package's directory.
var repoRoot = filepath.Join("..", "..", "..")

type signingVector struct {
	Name           string             `json:"name"`
	Secret         string             `json:"secret"`
	Params         map[string]*string `json:"params"`
	CanonicalQuery string             `json:"canonical_query"`
	Signature      string             `json:"signature"`
	URL            string             `json:"url"`
}

func TestClickSigningVectors(t *testing.T) {
	path := filepath.Join(repoRoot, "core", "src", "test", "resources", "click-signing-vectors.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the shared signing vectors: %v", err)
	}
	var vectors []signingVector
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatalf("parsing %s: %v", path, err)
	}
	if len(vectors) == 0 {
		t.Fatalf("no vectors in %s", path)
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			params := map[string]string{}
			for name, value := range v.Params {
				if value != nil { // a null value is dropped like an empty one
					params[name] = *value
				}
			}
			canonical, err := kcid.CanonicalQuery(params)
			if err != nil {
				t.Fatal(err)
			}
			if canonical != v.CanonicalQuery {
				t.Errorf("canonical query\n got %q\nwant %q", canonical, v.CanonicalQuery)
			}
			if sig := kcid.Sign(v.Secret, v.CanonicalQuery); sig != v.Signature {
				t.Errorf("signature: got %q, want %q", sig, v.Signature)
			}
			url, err := kcid.SignedURL("https://edge.example", params, v.Secret)
			if err != nil {
				t.Fatal(err)
			}
			if url != v.URL {
				t.Errorf("url\n got %q\nwant %q", url, v.URL)
			}
		})
	}
}

func TestSignedURLDropsTrailingSlashes(t *testing.T) {
	params := map[string]string{"a": "acme"}
	want, _ := kcid.SignedURL("https://edge.example", params, "s")
	got, _ := kcid.SignedURL("https://edge.example//", params, "s")
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCanonicalQueryRefusesEmptyName(t *testing.T) {
	if _, err := kcid.CanonicalQuery(map[string]string{"": "x"}); err == nil {
		t.Error("an empty parameter name was accepted")
	}
}

func TestServiceConfigIsTheSharedFile(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join(repoRoot, "clients", "service_config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if kcid.ServiceConfig != string(shared) {
		t.Error("kcid/service_config.json differs from clients/service_config.json: copy it again")
	}
}
