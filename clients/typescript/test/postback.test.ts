import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  POSTBACK_SIGNATURE_HEADER,
  postbackQueryPayload,
  postbackSignatureHeader,
  signPostback,
} from "../src/index.js";
import { REPO_ROOT } from "./paths.js";

interface Vector {
  name: string;
  secret: string;
  timestamp: number;
  method: "GET" | "POST";
  body?: string;
  query?: Record<string, string>;
  canonical_query?: string;
  signature: string;
  header: string;
}

const vectors = JSON.parse(
  readFileSync(join(REPO_ROOT, "core/src/test/resources/postback-signing-vectors.json"), "utf8"),
) as Vector[];

test("there are postback-signing vectors of both methods", () => {
  assert.ok(vectors.length >= 6, `only ${vectors.length} vectors`);
  assert.deepEqual(new Set(vectors.map((v) => v.method)), new Set(["GET", "POST"]));
});

for (const v of vectors) {
  test(`postback-signing vector: ${v.name}`, () => {
    let payload: Uint8Array;
    if (v.method === "GET") {
      payload = postbackQueryPayload(v.query ?? {});
      assert.ok(payload instanceof Uint8Array);
      assert.equal(Buffer.from(payload).toString("utf8"), v.canonical_query);
      assert.deepEqual(postbackQueryPayload(new Map(Object.entries(v.query ?? {}))), payload);
    } else {
      assert.equal(typeof v.body, "string");
      payload = new Uint8Array(Buffer.from(v.body ?? "", "utf8"));
      assert.equal(signPostback(v.secret, v.timestamp, v.body ?? ""), v.signature); // a string is its UTF-8 bytes
    }
    assert.equal(signPostback(v.secret, v.timestamp, payload), v.signature);
    assert.equal(postbackSignatureHeader(v.secret, v.timestamp, payload), v.header);
  });
}

test("one changed body byte changes the signature", () => {
  const body = Buffer.from('{"kcid":"22t9v000580g28t5cy4tqkffxbnpwabw","value":"49.90"}', "utf8");
  const sig = signPostback("pbs_secret", 1764000000, body);
  for (let i = 0; i < body.length; i++) {
    const changed = Buffer.from(body);
    changed[i] = changed[i]! ^ 0x01;
    assert.notEqual(signPostback("pbs_secret", 1764000000, changed), sig, `byte ${i}`);
  }
  assert.notEqual(signPostback("pbs_secret", 1764000001, body), sig);
});

test("the header defaults to now", () => {
  const before = Math.floor(Date.now() / 1000);
  for (const header of [postbackSignatureHeader("pbs_secret", "x"), postbackSignatureHeader("pbs_secret", undefined, "x")]) {
    const m = /^t=([0-9]+),v1=[A-Za-z0-9_-]{43}$/.exec(header);
    assert.ok(m, header);
    const t = Number(m[1]);
    assert.ok(t >= before && t <= Math.floor(Date.now() / 1000), header);
    assert.equal(header, postbackSignatureHeader("pbs_secret", t, "x"));
  }
  assert.equal(POSTBACK_SIGNATURE_HEADER, "X-Kcid-Signature");
  assert.throws(() => signPostback("s", 1.5, "x"), TypeError);
});
