// Integration against a live kcid started by test.sh (KCID_TEST_GRPC_PORT / KCID_TEST_EDGE_PORT /
// KCID_TEST_API_KEY, the admin key `kcid up` made; the server requires API keys).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { get, request } from "node:http";
import {
  connect,
  KcidError,
  Outcome,
  ErrorReason,
  Code,
  signedUrl,
  POSTBACK_SIGNATURE_HEADER,
  postbackSignatureHeader,
  PostbackAuthMethod,
  type KcidClient,
} from "../src/index.js";

const grpcPort = process.env["KCID_TEST_GRPC_PORT"];
const edgePort = process.env["KCID_TEST_EDGE_PORT"];
const edge = `http://127.0.0.1:${edgePort}`;
let client: KcidClient;

before(() => {
  assert.ok(grpcPort && edgePort, "run via test.sh: it starts kcid and sets KCID_TEST_GRPC_PORT/KCID_TEST_EDGE_PORT");
  client = connect({ target: `127.0.0.1:${grpcPort}`, apiKey: process.env["KCID_TEST_API_KEY"] });
});

after(() => client?.close());

function getNoRedirect(url: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    }).on("error", reject);
  });
}

function postJson(url: string, body: Uint8Array, signature: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", [POSTBACK_SIGNATURE_HEADER]: signature, "Content-Length": body.length },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch (e) {
            reject(new Error(`HTTP ${res.statusCode}: body is not JSON: ${text}`, { cause: e }));
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function rejectsWith(p: Promise<unknown>, reason: string, code: Code): Promise<KcidError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KcidError, `expected a KcidError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    assert.equal(e.code, code);
    assert.equal(e.domain, "tracking.kcid.io");
    return e;
  }
  assert.fail(`expected ${reason}`);
}

test("walkthrough: account, click, signed click URL, conversion, duplicate, errors", async () => {
  const accountId = `ts-${randomBytes(6).toString("hex")}`;
  const created = await client.admin.createAccount({ accountId, displayName: "TypeScript client test" });
  assert.equal(created.account?.accountId, accountId);
  const token = created.secrets?.postbackToken ?? "";
  const clickSecret = created.secrets?.clickSecret ?? "";
  assert.ok(token && clickSecret);

  // IssueClick over gRPC
  const issued = await client.clicks.issueClick({
    accountId,
    campaignId: "spring-sale",
    subIds: { s1: "pub42" },
    destinationUrl: "https://shop.example/landing?ref=ad",
  });
  const kcid = issued.click?.kcid ?? "";
  assert.match(kcid, /^[0-9a-hjkmnp-tv-z]{32}$/);
  assert.ok(issued.redirectUrl.includes(`kcid=${kcid}`), issued.redirectUrl);

  // IssueClicks: each item answered on its own
  const batch = await client.clicks.issueClicks({
    items: [{ accountId, campaignId: "batch" }, { accountId, campaignId: "" }],
  });
  assert.deepEqual(batch.results.map((r) => r.index), [0, 1]);
  const [stored, refused] = batch.results.map((r) => r.result);
  assert.ok(stored?.case === "response", `item 0: ${stored?.case}`);
  assert.match(stored.value.click?.kcid ?? "", /^[0-9a-hjkmnp-tv-z]{32}$/);
  assert.ok(refused?.case === "error", `item 1: ${refused?.case}`);
  assert.equal(refused.value.reason, ErrorReason.MISSING_PARAMETER);

  // a click URL signed by this client, followed on the edge without redirects
  const url = signedUrl(edge, { a: accountId, c: "spring-sale", s1: "café ☕", u: "https://shop.example/landing?ref=ad" }, clickSecret);
  const res = await getNoRedirect(url);
  assert.equal(res.status, 302, res.body);
  assert.match(res.location ?? "", /[?&]kcid=[0-9a-z]{32}(&|#|$)/);

  // the conversion, then its duplicate
  const first = await client.conversions.recordConversion({ kcid, credentials: { token } });
  assert.equal(first.outcome, Outcome.ACCEPTED);
  assert.ok(first.conversionId.startsWith(kcid), first.conversionId);
  const second = await client.conversions.recordConversion({ kcid, credentials: { token } });
  assert.equal(second.outcome, Outcome.DUPLICATE);
  assert.equal(second.conversionId, first.conversionId);
  assert.equal(second.duplicateReason, ErrorReason.DUPLICATE_CONVERSION);

  // a corrupted kcid: 21st character changed
  const chars = [...kcid];
  chars[20] = chars[20] === "0" ? "1" : "0";
  const err = await rejectsWith(
    client.conversions.recordConversion({ kcid: chars.join(""), credentials: { token } }),
    "KCID_MAC_MISMATCH",
    Code.InvalidArgument,
  );
  assert.equal(err.grpcCode, "INVALID_ARGUMENT");

  // an unknown account
  await rejectsWith(
    client.clicks.issueClick({ accountId: `${accountId}-missing`, campaignId: "c" }),
    "ACCOUNT_NOT_FOUND",
    Code.NotFound,
  );
});

test("without an API key the server refuses: UNAUTHENTICATED API_KEY_INVALID", async () => {
  const anonymous = connect({ target: `127.0.0.1:${grpcPort}` });
  try {
    await rejectsWith(anonymous.clicks.issueClick({ accountId: "anyone", campaignId: "c" }), "API_KEY_INVALID", Code.Unauthenticated);
  } finally {
    anonymous.close();
  }
});

test("signed postback on the edge: accepted, then refused once the body changed after signing", async () => {
  const accountId = `ts-sig-${randomBytes(6).toString("hex")}`;
  const created = await client.admin.createAccount({ accountId, displayName: "TypeScript signed postbacks" });
  const signingSecret = created.secrets?.postbackSigningSecret ?? "";
  assert.ok(signingSecret, "CreateAccount returned no postback signing secret");
  await client.admin.updateAccount({ accountId, postbackAuth: { methods: [PostbackAuthMethod.SIGNATURE] } });
  const { click } = await client.clicks.issueClick({ accountId, campaignId: "spring-sale" });
  const kcid = click?.kcid ?? "";
  assert.match(kcid, /^[0-9a-z]{32}$/);

  const url = `${edge}/postback`;
  const body = new Uint8Array(Buffer.from(JSON.stringify({ kcid }), "utf8"));

  // The server's account cache may be up to 1 s stale after UpdateAccount: retry for ~3 s.
  const deadline = Date.now() + 3000;
  let res = await postJson(url, body, postbackSignatureHeader(signingSecret, body));
  while (res.status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    res = await postJson(url, body, postbackSignatureHeader(signingSecret, body));
  }
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal(res.json["status"], "accepted", JSON.stringify(res.json));

  const header = postbackSignatureHeader(signingSecret, body);
  const changed = new Uint8Array(Buffer.from(`{"kcid": "${kcid}"}`, "utf8")); // one space added after signing
  const refused = await postJson(url, changed, header);
  assert.equal(refused.status, 401, JSON.stringify(refused.json));
  assert.equal(refused.json["reason"], "POSTBACK_SIGNATURE_INVALID", JSON.stringify(refused.json));
});
