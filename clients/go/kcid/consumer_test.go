package kcid_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsumerModuleOutsideTheRepository builds examples/consumer the way a user's program
// consumes the client: copied to a directory outside this repository, its own go.mod requiring
// github.com/kcid/kcid/clients/go through a replace to this checkout, `go mod tidy`, `go build`
// with the Go of its go directive (KCID_CONSUMER_GOTOOLCHAIN, set by test.sh from go.mod), then
// run against a live kcid that requires API keys.
func TestConsumerModuleOutsideTheRepository(t *testing.T) {
	base := os.Getenv("KCID_OUTSIDE_TMP") // test.sh: a mktemp -d in the system temp directory
	if base == "" {
		base = os.TempDir()
	}
	dir, err := os.MkdirTemp(base, "kcid-consumer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	root, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
		t.Fatalf("the consumer directory %s is inside the repository %s: set KCID_OUTSIDE_TMP (test.sh does)", dir, root)
	}
	module := filepath.Join(root, "clients", "go")
	// The client's go.sum seeds the consumer's: tidy verifies the shared dependencies against
	// the hashes the client pins instead of asking the checksum database.
	for name, from := range map[string]string{"go.mod": "examples/consumer/go.mod",
		"main.go": "examples/consumer/main.go", "go.sum": "go.sum"} {
		data, err := os.ReadFile(filepath.Join(module, filepath.FromSlash(from)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	toolchain := os.Getenv("KCID_CONSUMER_GOTOOLCHAIN")
	if toolchain == "" {
		toolchain = "local"
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+toolchain, "GOFLAGS=-modcacherw", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
		}
		return string(out)
	}
	goCmd("mod", "edit", "-replace", "github.com/kcid/kcid/clients/go="+module)
	goCmd("mod", "tidy")
	if version := strings.TrimSpace(goCmd("version")); toolchain != "local" && !strings.Contains(version, toolchain+" ") {
		t.Fatalf("built with %q, want %s", version, toolchain)
	}
	binary := filepath.Join(dir, "kcid-consumer")
	goCmd("build", "-o", binary, ".")

	srv := startKcid(t, "KCID_AUTH=required")
	key, err := os.ReadFile(filepath.Join(srv.home, "api-keys", "local-admin"))
	if err != nil {
		t.Fatal(err)
	}
	run := exec.Command(binary, "-grpc", srv.grpcAddr, "-account", "consumer-"+randomHex(t, 4))
	run.Env = append(os.Environ(), "KCID_API_KEY="+strings.TrimSpace(string(key)))
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- run.Wait() }()
	select {
	case err = <-done:
	case <-time.After(120 * time.Second):
		_ = run.Process.Kill()
		t.Fatalf("the consumer did not finish within 120 s\n%s%s", stdout.String(), stderr.String())
	}
	if err != nil {
		t.Fatalf("the consumer failed: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	want := regexp.MustCompile(`^kcid=[0-9a-z]{32} clicks=1 conversions=1\n$`)
	if !want.MatchString(stdout.String()) {
		t.Fatalf("the consumer printed %q, want %s", stdout.String(), want)
	}

	// Without the key the same program is refused: the server enforces API keys.
	refused := exec.Command(binary, "-grpc", srv.grpcAddr, "-account", "consumer-"+randomHex(t, 4))
	refused.Env = append(os.Environ(), "KCID_API_KEY=")
	out, err := refused.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `reason "API_KEY_INVALID"`) {
		t.Fatalf("without an API key: %v\n%s\nwant a failure with reason API_KEY_INVALID", err, string(out))
	}
}
