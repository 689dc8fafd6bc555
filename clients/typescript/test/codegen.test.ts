import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { PKG_DIR } from "./paths.js";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test("committed generated code and service config are fresh", () => {
  const out = mkdtempSync(join(tmpdir(), "kcid-ts-gen-"));
  try {
    execFileSync("bash", [join(PKG_DIR, "generate.sh"), out], { stdio: "pipe" });
    const fresh = files(join(out, "gen")).map((f) => relative(out, f)).sort();
    const committed = files(join(PKG_DIR, "gen")).map((f) => relative(PKG_DIR, f)).sort();
    assert.deepEqual(committed, fresh, "generated file list differs: run ./generate.sh");
    for (const f of [...fresh, "service_config.json"]) {
      const same = readFileSync(join(PKG_DIR, f)).equals(readFileSync(join(out, f)));
      assert.ok(same, `${f} is stale: run ./generate.sh`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
