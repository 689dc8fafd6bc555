package kcid_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kcid/kcid/clients/go/kcid"
	"github.com/kcid/kcid/clients/go/kcidpb"
)

// server is a full local kcid (`kcid.jar up`) started for one test.
type server struct {
	home     string // KCID_HOME: api-keys/local-admin holds an every-role API key
	grpcAddr string
	edgeURL  string
	edgePort int
}

// startKcid starts `java -jar kcid.jar up` on free ports in a fresh KCID_HOME and
// stops it (SIGTERM, then wait) when the test ends. The jar is KCID_JAR or
// cli/target/kcid.jar of this repository; extraEnv ("KEY=value") is added to its
// environment.
func startKcid(t *testing.T, extraEnv ...string) server {
	t.Helper()
	jar := os.Getenv("KCID_JAR")
	if jar == "" {
		jar = filepath.Join(repoRoot, "cli", "target", "kcid.jar")
	}
	if _, err := os.Stat(jar); err != nil {
		t.Fatalf("the kcid server jar is missing (%v): build it with "+
			"`./mvnw -B -q install -DskipTests` at the repository root, or set KCID_JAR", err)
	}
	grpcPort, edgePort := freePort(t), freePort(t)

	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KCID_") {
			env = append(env, kv)
		}
	}
	home := t.TempDir()
	env = append(env,
		"KCID_HOME="+home,
		fmt.Sprintf("KCID_GRPC_PORT=%d", grpcPort),
		fmt.Sprintf("KCID_EDGE_PORT=%d", edgePort),
		"KCID_EDGE_ADMIN_PORT=0", // any free port: 8081 may be taken
		"KCID_METRICS_PORT=0",    // and 9091
		"KCID_DRAIN_DELAY_MS=100")
	env = append(env, extraEnv...)

	cmd := exec.Command("java", "-jar", jar, "up")
	cmd.Env = env
	cmd.SysProcAttr = serverProcAttr()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kcid: %v", err)
	}
	exited := make(chan error, 1)
	var log syncBuffer
	up := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			log.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), "kcid is up") {
				once.Do(func() { close(up) })
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("kcid did not stop within 30 s of SIGTERM")
		}
	})

	select {
	case <-up:
	case err := <-exited:
		exited <- err
		t.Fatalf("kcid exited before it was up: %v\nstdout:\n%s\nstderr:\n%s", err, log.String(), stderr.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("kcid was not up after 90 s\nstdout:\n%s\nstderr:\n%s", log.String(), stderr.String())
	}
	return server{
		home:     home,
		grpcAddr: fmt.Sprintf("localhost:%d", grpcPort),
		edgeURL:  fmt.Sprintf("http://localhost:%d", edgePort),
		edgePort: edgePort,
	}
}

var kcidQuery = regexp.MustCompile(`kcid=([0-9a-z]{32})(?:[&#]|$)`)

func TestAgainstLiveKcid(t *testing.T) {
	srv := startKcid(t)
	client, err := kcid.Connect(srv.grpcAddr, kcid.WithAPIKey("go-client-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	accountID := "go-" + randomHex(t, 8)
	created, err := client.Admin.CreateAccount(ctx, &kcidpb.CreateAccountRequest{
		AccountId: accountID, DisplayName: "Go client test"})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	secrets := created.GetSecrets()
	if created.GetAccount().GetAccountId() != accountID || secrets.GetPostbackToken() == "" ||
		secrets.GetClickSecret() == "" || secrets.GetPostbackSigningSecret() == "" {
		t.Fatalf("unexpected CreateAccount response: %v", created)
	}

	issued, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{
		AccountId: accountID, CampaignId: "spring-sale"})
	if err != nil {
		t.Fatalf("IssueClick: %v", err)
	}
	clickID := issued.GetClick().GetKcid()
	if len(clickID) != 32 {
		t.Fatalf("IssueClick kcid %q is not 32 characters", clickID)
	}

	t.Run("IssueClicks answers each item on its own", func(t *testing.T) {
		batch, err := client.Clicks.IssueClicks(ctx, &kcidpb.IssueClicksRequest{Items: []*kcidpb.IssueClickRequest{
			{AccountId: accountID, CampaignId: "batch"},
			{AccountId: accountID, CampaignId: ""},
		}})
		if err != nil {
			t.Fatalf("IssueClicks: %v", err)
		}
		results := batch.GetResults()
		if len(results) != 2 || results[0].GetIndex() != 0 || results[1].GetIndex() != 1 {
			t.Fatalf("IssueClicks results: %v", results)
		}
		if len(results[0].GetResponse().GetClick().GetKcid()) != 32 {
			t.Fatalf("IssueClicks item 0: %v", results[0])
		}
		if results[1].GetError().GetReason() != kcidpb.ErrorReason_ERROR_REASON_MISSING_PARAMETER {
			t.Fatalf("IssueClicks item 1: %v", results[1])
		}
	})

	t.Run("signed click URL redirects with a kcid", func(t *testing.T) {
		url, err := kcid.SignedURL(srv.edgeURL, map[string]string{
			"a": accountID, "c": "spring-sale", "s1": "pub 42",
			"u": "https://shop.example/landing?ref=ad",
		}, secrets.GetClickSecret())
		if err != nil {
			t.Fatal(err)
		}
		noRedirects := &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		resp, err := noRedirects.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		location := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("GET %s: status %d, want 302", url, resp.StatusCode)
		}
		if !strings.HasPrefix(location, "https://shop.example/landing?ref=ad&") || !kcidQuery.MatchString(location) {
			t.Fatalf("Location %q does not carry kcid=<32 chars>", location)
		}
	})

	record := &kcidpb.RecordConversionRequest{
		Kcid:        clickID,
		Credentials: &kcidpb.PostbackCredentials{Token: secrets.GetPostbackToken()},
	}
	first, err := client.Conversions.RecordConversion(ctx, record)
	if err != nil {
		t.Fatalf("RecordConversion: %v", err)
	}
	if first.GetOutcome() != kcidpb.Outcome_OUTCOME_ACCEPTED || first.GetConversionId() == "" {
		t.Fatalf("first RecordConversion: %v, want OUTCOME_ACCEPTED with an id", first)
	}

	t.Run("second postback is a duplicate of the first", func(t *testing.T) {
		again, err := client.Conversions.RecordConversion(ctx, record)
		if err != nil {
			t.Fatalf("RecordConversion again: %v", err)
		}
		if again.GetOutcome() != kcidpb.Outcome_OUTCOME_DUPLICATE {
			t.Errorf("outcome %s, want OUTCOME_DUPLICATE", again.GetOutcome())
		}
		if again.GetConversionId() != first.GetConversionId() {
			t.Errorf("duplicate names %q, want the original %q", again.GetConversionId(), first.GetConversionId())
		}
		if again.GetDuplicateReason() == kcidpb.ErrorReason_ERROR_REASON_UNSPECIFIED {
			t.Error("duplicate has no duplicate_reason")
		}
	})

	t.Run("tampered kcid is KCID_MAC_MISMATCH", func(t *testing.T) {
		b := []byte(clickID)
		if b[20] == '0' {
			b[20] = '1'
		} else {
			b[20] = '0'
		}
		_, err := client.Conversions.RecordConversion(ctx, &kcidpb.RecordConversionRequest{
			Kcid:        string(b),
			Credentials: &kcidpb.PostbackCredentials{Token: secrets.GetPostbackToken()},
		})
		expectReason(t, err, "KCID_MAC_MISMATCH")
	})

	t.Run("signed postback on the edge", func(t *testing.T) {
		_, err := client.Admin.UpdateAccount(ctx, &kcidpb.UpdateAccountRequest{
			AccountId: accountID,
			PostbackAuth: &kcidpb.PostbackAuth{Methods: []kcidpb.PostbackAuthMethod{
				kcidpb.PostbackAuthMethod_POSTBACK_AUTH_METHOD_SIGNATURE}},
		})
		if err != nil {
			t.Fatalf("UpdateAccount: %v", err)
		}
		issued, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{
			AccountId: accountID, CampaignId: "spring-sale"})
		if err != nil {
			t.Fatalf("IssueClick: %v", err)
		}
		postbackURL := fmt.Sprintf("http://127.0.0.1:%d/postback", srv.edgePort)
		body := []byte(`{"kcid":"` + issued.GetClick().GetKcid() + `"}`)
		signingSecret := secrets.GetPostbackSigningSecret()

		// The server's account cache may be up to 1 s stale after UpdateAccount.
		var status int
		var answer map[string]any
		for deadline := time.Now().Add(3 * time.Second); ; {
			header := kcid.PostbackSignatureHeaderNow(signingSecret, body)
			status, answer = postJSON(t, postbackURL, body, header)
			if status == http.StatusOK || time.Now().After(deadline) {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if status != http.StatusOK || answer["status"] != "accepted" {
			t.Fatalf("signed postback: HTTP %d %v, want 200 with status accepted", status, answer)
		}

		header := kcid.PostbackSignatureHeaderNow(signingSecret, body)
		changed := []byte(`{"kcid": "` + issued.GetClick().GetKcid() + `"}`) // one space added after signing
		status, answer = postJSON(t, postbackURL, changed, header)
		if status != http.StatusUnauthorized || answer["reason"] != "POSTBACK_SIGNATURE_INVALID" {
			t.Fatalf("postback changed after signing: HTTP %d %v, want 401 POSTBACK_SIGNATURE_INVALID", status, answer)
		}
	})

	t.Run("unknown account is ACCOUNT_NOT_FOUND", func(t *testing.T) {
		_, err := client.Clicks.IssueClick(ctx, &kcidpb.IssueClickRequest{
			AccountId: "no-such-" + randomHex(t, 8), CampaignId: "c"})
		expectReason(t, err, "ACCOUNT_NOT_FOUND")
	})
}

// postJSON POSTs body as application/json with the X-Kcid-Signature header and
// returns the status and the decoded JSON answer.
func postJSON(t *testing.T, url string, body []byte, signature string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(kcid.PostbackSignatureHeaderName, signature)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var answer map[string]any
	if err := json.Unmarshal(raw, &answer); err != nil {
		t.Fatalf("POST %s: HTTP %d, body %q is not JSON: %v", url, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, answer
}

func expectReason(t *testing.T, err error, reason string) {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded, want %s", reason)
	}
	e, ok := err.(*kcid.Error)
	if !ok {
		t.Fatalf("error is %T (%v), want *kcid.Error", err, err)
	}
	if e.Reason != reason {
		t.Fatalf("reason %q (code %s, %q), want %s", e.Reason, e.Code, e.Message, reason)
	}
	if e.Message == "" {
		t.Errorf("%s has no message", reason)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func randomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
