// The webhook verifier against core/src/test/resources/webhook-signature-vectors.json: the Standard
// Webhooks published vector (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go
// TestWebhookSign and libraries/javascript/src/webhook.test.ts "sign function works") and one the
// kcid server's signer (WebhookSignature.header) produced during a rotation (tracking-server's
// WebhookSignatureVectorsTest keeps it true); plus tampered bodies, wrong secrets, stale and future
// timestamps, missing headers and signature entries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyWebhook, WebhookVerificationError, WebhookVerifier, type WebhookFailure } from "../src/index.js";
import { REPO_ROOT } from "./paths.js";

interface Vector {
  name: string;
  secrets: string[];
  id: string;
  timestamp: number;
  body: string;
  signature: string;
}

const vectors = JSON.parse(
  readFileSync(join(REPO_ROOT, "core/src/test/resources/webhook-signature-vectors.json"), "utf8"),
) as Vector[];
const INVALID = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="; // the published tests' wrong signature

function headers(v: Vector, changes: Record<string, string> = {}): Record<string, string> {
  return { "Webhook-Id": v.id, "webhook-timestamp": String(v.timestamp), "WEBHOOK-SIGNATURE": v.signature, ...changes };
}

function verifier(v: Vector, secrets: string[] = v.secrets, offsetSeconds = 10, toleranceSeconds?: number) {
  return new WebhookVerifier(secrets, {
    now: () => (v.timestamp + offsetSeconds) * 1000,
    ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
  });
}

function refused(fn: () => void, reason: WebhookFailure, header?: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof WebhookVerificationError, String(e));
    assert.equal(e.reason, reason);
    if (header !== undefined) assert.equal(e.header, header);
    return true;
  });
}

test("the vector file has the published and the server's rotation vectors", () => {
  assert.ok(vectors.length >= 3);
  assert.ok(vectors.some((v) => v.signature === "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
  assert.ok(vectors.some((v) => v.secrets.length === 2));
});

for (const v of vectors) {
  test(`vector verifies with every secret, as bytes, text and fetch Headers: ${v.name}`, () => {
    const body = Buffer.from(v.body, "utf8");
    verifier(v).verify(headers(v), body);
    verifier(v).verify(headers(v), v.body);
    verifier(v).verify(new Headers(headers(v)), new Uint8Array(body));
    for (const s of v.secrets) verifier(v, [s]).verify(headers(v), body);
  });

  test(`tampered body, wrong secret, other id do not verify: ${v.name}`, () => {
    const body = Buffer.from(v.body, "utf8");
    body[body.length - 2]! ^= 1;
    refused(() => verifier(v).verify(headers(v), body), "NO_MATCHING_SIGNATURE");
    refused(() => verifier(v, ["whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA=="]).verify(headers(v), v.body), "NO_MATCHING_SIGNATURE");
    refused(() => verifier(v).verify(headers(v, { "Webhook-Id": v.id + "x" }), v.body), "NO_MATCHING_SIGNATURE");
  });
}

test("the timestamp may be 5 minutes off either way, not more", () => {
  const v = vectors[0]!;
  verifier(v, v.secrets, 300).verify(headers(v), v.body);
  verifier(v, v.secrets, -300).verify(headers(v), v.body);
  refused(() => verifier(v, v.secrets, 301).verify(headers(v), v.body), "TIMESTAMP_OUT_OF_TOLERANCE");
  refused(() => verifier(v, v.secrets, -301).verify(headers(v), v.body), "TIMESTAMP_OUT_OF_TOLERANCE");
  verifier(v, v.secrets, 3600, 7200).verify(headers(v), v.body);
  // With the real clock the published vector (2021) is stale.
  refused(() => verifyWebhook(v.secrets, headers(v), v.body), "TIMESTAMP_OUT_OF_TOLERANCE");
});

test("a missing header is named; a timestamp that is no number is INVALID_TIMESTAMP", () => {
  const v = vectors[0]!;
  for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
    const h = Object.fromEntries(Object.entries(headers(v)).filter(([k]) => k.toLowerCase() !== name));
    refused(() => verifier(v).verify(h, v.body), "MISSING_HEADER", name);
  }
  refused(() => verifier(v).verify(headers(v, { "webhook-timestamp": "hello" }), v.body), "INVALID_TIMESTAMP");
});

test("the valid v1 entry among others verifies; other versions and broken entries do not", () => {
  const v = vectors[0]!;
  const sig = v.signature.slice("v1,".length);
  verifier(v).verify(headers(v, { "WEBHOOK-SIGNATURE": [INVALID, `v2,${sig}`, v.signature, INVALID].join(" ") }), v.body);
  for (const bad of [`v2,${sig}`, v.signature.slice(0, 8), "v1,", "v1,not base64!", sig]) {
    refused(() => verifier(v).verify(headers(v, { "WEBHOOK-SIGNATURE": bad }), v.body), "NO_MATCHING_SIGNATURE");
  }
});

test("secrets are checked and never repeated in errors", () => {
  for (const secrets of [[], [""], ["whsec_"], ["whsec_not*base64"]]) {
    assert.throws(() => new WebhookVerifier(secrets), (e: unknown) => e instanceof Error && !e.message.includes("not*base64"));
  }
  assert.throws(() => new WebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", { toleranceSeconds: -1 }));
  new WebhookVerifier("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); // one secret as a string, without the prefix
});

test("the receiver example verifies, parses and handles each webhook-id once", async () => {
  const { receive } = await import("../examples/webhook-receiver.js");
  const v = vectors.at(-1)!; // the kcid server's rotation vector
  const h = Object.fromEntries(Object.entries(headers(v)).map(([k, val]) => [k.toLowerCase(), val]));
  const seen = new Set<string>();
  const first = receive(verifier(v, v.secrets.slice(0, 1)), seen, h, Buffer.from(v.body, "utf8"));
  assert.equal(first.status, 204);
  assert.equal(first.event?.type, "conversion.approved");
  assert.equal(first.event?.data.value?.amount, "12.50");
  assert.deepEqual(receive(verifier(v), seen, h, Buffer.from(v.body, "utf8")), { status: 204 });
  assert.deepEqual(receive(verifier(v), new Set(), h, Buffer.from(v.body.replace("12.50", "99.50"), "utf8")), { status: 401 });
});
