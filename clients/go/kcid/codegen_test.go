package kcid_test

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedCodeIsFresh regenerates kcidpb into a temp dir with generate.sh
// (buf + the plugin versions pinned in go.mod) and compares it with the committed code.
func TestGeneratedCodeIsFresh(t *testing.T) {
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("..", "generate.sh"), out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate.sh failed: %v\n%s", err, b)
	}
	committed := readTree(t, filepath.Join("..", "kcidpb"))
	fresh := readTree(t, filepath.Join(out, "kcidpb"))
	if len(fresh) == 0 {
		t.Fatal("generate.sh produced no kcidpb files")
	}
	for name, want := range fresh {
		got, ok := committed[name]
		if !ok {
			t.Errorf("kcidpb/%s is generated but not committed", name)
		} else if !bytes.Equal(got, want) {
			t.Errorf("kcidpb/%s differs from freshly generated code", name)
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			t.Errorf("kcidpb/%s is committed but no longer generated", name)
		}
	}
	if t.Failed() {
		t.Log("run clients/go/generate.sh and commit kcidpb/")
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
