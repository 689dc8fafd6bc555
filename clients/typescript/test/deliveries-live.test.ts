// Destinations, webhooks and the delivery log against the live kcid started by test.sh (with
// KCID_DELIVERY_ALLOWED_NETWORKS covering loopback): a local receiver gets the webhooks, which
// this client's WebhookVerifier checks with the secret the server returned.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  connect,
  DeliveryState,
  DestinationKind,
  KcidError,
  Outcome,
  WebhookVerifier,
  type Delivery,
  type KcidClient,
} from "../src/index.js";

const grpcPort = process.env["KCID_TEST_GRPC_PORT"];
let client: KcidClient;
let receiver: Server;
let receiverUrl = "";
const received: { headers: IncomingHttpHeaders; body: Buffer }[] = [];

before(async () => {
  assert.ok(grpcPort && process.env["KCID_TEST_API_KEY"], "run via test.sh: it starts kcid and sets KCID_TEST_*");
  client = connect({ target: `127.0.0.1:${grpcPort}`, apiKey: process.env["KCID_TEST_API_KEY"] });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/kcid`;
});

after(() => {
  client?.close();
  receiver?.close();
});

/** Removes and returns the first request received whose webhook-id starts with prefix, waiting up to 20 s. */
async function awaitWebhook(prefix: string): Promise<{ headers: IncomingHttpHeaders; body: Buffer }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const i = received.findIndex((r) => String(r.headers["webhook-id"] ?? "").startsWith(prefix));
    if (i >= 0) return received.splice(i, 1)[0]!;
    if (Date.now() > deadline) assert.fail(`the receiver got no webhook ${prefix}… within 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function kcidError(p: Promise<unknown>): Promise<KcidError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof KcidError, `expected a KcidError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected the call to fail");
}

async function reason(p: Promise<unknown>): Promise<string> {
  return (await kcidError(p)).reason;
}

test("destinations are created, refused, read, updated, paused, rotated and deleted", async () => {
  const accountId = `ts-dst-${randomBytes(4).toString("hex")}`;
  await client.admin.createAccount({ accountId });
  const owner = { accountId };
  const { destination, signingSecret } = await client.createWebhook(owner, receiverUrl, { destinationId: "hooks" });
  assert.deepEqual([destination.destinationId, destination.accountId, destination.kind], ["hooks", accountId, DestinationKind.WEBHOOK]);
  assert.match(signingSecret, /^whsec_/);
  new WebhookVerifier(signingSecret);
  assert.equal(await reason(client.createWebhook(owner, receiverUrl, { destinationId: "hooks" })), "DESTINATION_ALREADY_EXISTS");
  // Postbacks to the same loopback receiver: its address resolves and is allowed.
  const postbackBase = receiverUrl.replace(/\/kcid$/, "/pb");
  const unknownMacro = await kcidError(client.createPostback(owner, `${postbackBase}?cid={no_such_macro}`));
  assert.equal(unknownMacro.reason, "INVALID_PARAMETER");
  assert.match(unknownMacro.rawMessage, /no_such_macro/);
  assert.equal(await reason(client.createPostback(owner, "http://169.254.169.254/pb?cid={s1}")), "DESTINATION_ADDRESS_FORBIDDEN");
  const postback = await client.createPostback(owner, `${postbackBase}?cid={s1}&txid={txid}&status={status}`, { destinationId: "tracker" });
  assert.equal(postback.kind, DestinationKind.POSTBACK);
  assert.equal(await reason(client.getDestination(owner, "no-such-destination")), "DESTINATION_NOT_FOUND");
  assert.equal((await client.getDestination(owner, "hooks")).url, receiverUrl);
  assert.deepEqual((await client.listDestinations(owner)).map((d) => d.destinationId).sort(), ["hooks", "tracker"]);

  const updated = await client.updateDestination(owner, "tracker", { replaceStatusMap: true, statusMap: { approved: "1", rejected: "2" } });
  assert.deepEqual(updated.statusMap, { approved: "1", rejected: "2" });
  assert.equal((await client.pauseDestination(owner, "hooks")).paused, true);
  assert.equal((await client.getDestination(owner, "hooks")).paused, true);
  assert.equal((await client.resumeDestination(owner, "hooks")).paused, false);
  const rotated = await client.rotateDestinationSecret(owner, "hooks", { gracePeriodMs: 3_600_000 });
  assert.match(rotated.signingSecret, /^whsec_/);
  assert.notEqual(rotated.signingSecret, signingSecret);
  assert.ok(rotated.previousSecretExpireTime);
  assert.equal(await reason(client.rotateDestinationSecret(owner, "tracker")), "INVALID_PARAMETER");

  // A partner's destination applies to its accounts: listed with the account's, marked by its owner.
  const partnerId = `ts-dst-partner-${randomBytes(4).toString("hex")}`;
  await client.partners.createPartner({ partnerId, displayName: "TypeScript destinations" });
  const member = `ts-dst-member-${randomBytes(4).toString("hex")}`;
  await client.admin.createAccount({ accountId: member, partnerId });
  const agency = await client.createWebhook({ partnerId }, receiverUrl, { destinationId: "agency-hooks" });
  assert.deepEqual([agency.destination.partnerId, agency.destination.accountId], [partnerId, ""]);
  const inherited = await client.listDestinations({ accountId: member });
  assert.deepEqual(inherited.map((d) => [d.destinationId, d.partnerId]), [["agency-hooks", partnerId]]);
  await client.deleteDestination({ partnerId }, "agency-hooks");

  for (const id of ["hooks", "tracker"]) await client.deleteDestination(owner, id);
  assert.equal(await reason(client.getDestination(owner, "hooks")), "DESTINATION_NOT_FOUND");
  assert.equal(await reason(client.deleteDestination(owner, "hooks")), "DESTINATION_NOT_FOUND");
  assert.deepEqual(await client.listDestinations(owner), []);
});

test("webhooks are verified, logged, previewed for redelivery and doubly signed after a rotation", async () => {
  const accountId = `ts-dlv-${randomBytes(4).toString("hex")}`;
  const { secrets } = await client.admin.createAccount({ accountId });
  const owner = { accountId };
  const { signingSecret } = await client.createWebhook(owner, receiverUrl, { destinationId: "hooks" });
  const verifier = new WebhookVerifier(signingSecret);

  // A test webhook, signed: the verifier accepts it.
  const tested = await client.testDestination(owner, "hooks");
  assert.equal(tested.attempt?.statusCode, 200);
  assert.equal(tested.requestUrl, receiverUrl);
  let hook = await awaitWebhook("test_");
  verifier.verify(hook.headers, hook.body);
  assert.equal(JSON.parse(hook.body.toString("utf8")).data.test, true);

  // A recorded conversion reaches the receiver as a verified webhook.
  const { click } = await client.clicks.issueClick({ accountId, campaignId: "spring" });
  const accepted = await client.conversions.recordConversion({
    kcid: click?.kcid ?? "",
    value: { amount: "12.50", currencyCode: "EUR" },
    credentials: { token: secrets?.postbackToken ?? "" },
  });
  assert.equal(accepted.outcome, Outcome.ACCEPTED);
  hook = await awaitWebhook("dlv_");
  verifier.verify(hook.headers, hook.body);
  const event = JSON.parse(hook.body.toString("utf8"));
  const deliveryId = String(hook.headers["webhook-id"]);
  assert.equal(event.type, "conversion.recorded");
  assert.deepEqual([event.data.conversion_id, event.data.kcid, event.data.account_id, event.data.delivery_id],
    [accepted.conversionId, click?.kcid, accountId, deliveryId]);

  // The delivery log shows it delivered (written after the answer: poll a moment).
  let found: Delivery | undefined;
  for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 200))) {
    let seen: Delivery | undefined;
    for await (const d of client.allDeliveries({ accountId, pageSize: 1 })) if (d.deliveryId === deliveryId) seen = d;
    found = seen;
    if (found?.state === DeliveryState.DELIVERED || Date.now() > deadline) break;
  }
  assert.equal(found?.state, DeliveryState.DELIVERED, `delivery ${deliveryId}: ${String(found?.state)}`);
  assert.equal(found?.destinationId, "hooks");
  assert.equal(found?.conversionId, accepted.conversionId);
  assert.equal(found?.attempts.at(-1)?.statusCode, 200);
  assert.deepEqual(await client.previewRedeliver({ accountId, deliveryId, includeDelivered: true }), [deliveryId]);
  for await (const d of client.allDeliveries({ accountId, failedOnly: true })) assert.fail(`failed-only lists ${d.deliveryId}`);

  // After a rotation the webhook carries two signatures; either secret verifies it.
  const rotated = await client.rotateDestinationSecret(owner, "hooks", { gracePeriodMs: 3_600_000 });
  await client.testDestination(owner, "hooks");
  hook = await awaitWebhook("test_");
  assert.equal(String(hook.headers["webhook-signature"]).split(" ").length, 2);
  for (const s of [rotated.signingSecret, signingSecret]) new WebhookVerifier(s).verify(hook.headers, hook.body);
});
