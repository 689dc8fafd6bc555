import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalQuery, sign, signedUrl, percentEncode } from "../src/index.js";
import { REPO_ROOT } from "./paths.js";

interface Vector {
  name: string;
  secret: string;
  params: Record<string, string | null>;
  canonical_query: string;
  signature: string;
  url: string;
}

const vectors = JSON.parse(
  readFileSync(join(REPO_ROOT, "core/src/test/resources/click-signing-vectors.json"), "utf8"),
) as Vector[];

test("there are click-signing vectors", () => {
  assert.ok(vectors.length >= 8, `only ${vectors.length} vectors`);
});

for (const v of vectors) {
  test(`click-signing vector: ${v.name}`, () => {
    const canonical = canonicalQuery(v.params);
    assert.equal(canonical, v.canonical_query);
    assert.equal(sign(v.secret, canonical), v.signature);
    assert.equal(signedUrl("https://edge.example", v.params, v.secret), v.url);
    assert.equal(signedUrl("https://edge.example/", new Map(Object.entries(v.params)), v.secret), v.url);
  });
}

test("percentEncode uses upper-case hex, %20 for space and keeps only unreserved", () => {
  assert.equal(percentEncode("a b+c~d*e'f!"), "a%20b%2Bc~d%2Ae%27f%21");
  assert.equal(percentEncode("é"), "%C3%A9");
});
