// Reports, diagnostics and the conversion stream against the live kcid started by test.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  connect,
  Code,
  ConversionEventType,
  ErrorReason,
  KcidError,
  PostbackOutcome,
  ReplayOutcome,
  StatsDimension,
  ApiKeyRole,
  durationFromMs,
  timestampFromDate,
  type KcidClient,
  type StreamConversionsResponse,
} from "../src/index.js";

const grpcPort = process.env["KCID_TEST_GRPC_PORT"];
let client: KcidClient;

before(() => {
  assert.ok(grpcPort && process.env["KCID_TEST_API_KEY"], "run via test.sh: it starts kcid and sets KCID_TEST_*");
  client = connect({ target: `127.0.0.1:${grpcPort}`, apiKey: process.env["KCID_TEST_API_KEY"] });
});

after(() => client?.close());

async function newAccount(): Promise<{ accountId: string; token: string }> {
  const accountId = `ts-${randomBytes(6).toString("hex")}`;
  const { secrets } = await client.admin.createAccount({ accountId, displayName: "TypeScript services" });
  return { accountId, token: secrets?.postbackToken ?? "" };
}

async function convert(accountId: string, token: string, campaignId = "spring-sale", goalKey = "") {
  const { click } = await client.clicks.issueClick({ accountId, campaignId });
  const kcid = click?.kcid ?? "";
  const recorded = await client.conversions.recordConversion({
    kcid,
    goalKey,
    value: { amount: "12.50", currencyCode: "EUR" },
    credentials: { token },
  });
  return { kcid, recorded };
}

/** The probe's first truthy answer within `ms` (caches and log writes may lag a moment). */
async function eventually<T>(probe: () => Promise<T>, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await probe();
    if (answer || Date.now() > deadline) return answer;
    await new Promise((r) => setTimeout(r, 100));
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

test("reports.getStats counts clicks and conversions by campaign", async () => {
  const { accountId, token } = await newAccount();
  const since = timestampFromDate(new Date(Date.now() - 60_000));
  await convert(accountId, token, "spring");
  await convert(accountId, token, "autumn");
  await client.clicks.issueClick({ accountId, campaignId: "autumn" });

  const stats = await client.reports.getStats({ accountId, startTime: since, groupBy: [StatsDimension.CAMPAIGN], timeZone: "Europe/Berlin" });

  assert.equal(stats.total?.clicks, 3n);
  assert.equal(stats.total?.conversions, 2n);
  assert.equal(stats.timeZone, "Europe/Berlin");
  const byCampaign = Object.fromEntries(stats.rows.map((r) => [r.campaignId, [r.clicks, r.conversions]]));
  assert.deepEqual(byCampaign, { autumn: [2n, 1n], spring: [1n, 1n] });
  assert.deepEqual(stats.total?.values.map((v) => [v.currencyCode, v.approvedAmount]), [["EUR", "25.00"]]);

  const missing = await kcidError(client.reports.getStats({ accountId }));
  assert.equal(missing.reason, "MISSING_PARAMETER");
  assert.equal(missing.code, Code.InvalidArgument);
});

test("diagnostics.explainClick and listPostbacks", async () => {
  const { accountId, token } = await newAccount();
  const { kcid, recorded } = await convert(accountId, token);

  const explained = await client.diagnostics.explainClick({ kcid });
  assert.equal(explained.diagnosis?.valid, true);
  assert.equal(explained.click?.kcid, kcid);
  assert.deepEqual(explained.conversions.map((c) => c.conversionId), [recorded.conversionId]);

  const entries = await eventually(async () => {
    const page = await client.diagnostics.listPostbacks({ accountId, kcid });
    return page.entries.length > 0 ? page.entries : undefined;
  });
  assert.equal(entries?.length, 1);
  assert.equal(entries?.[0]?.outcome, PostbackOutcome.ACCEPTED);
  assert.equal(entries?.[0]?.conversionId, recorded.conversionId);

  const malformed = await client.diagnostics.explainClick({ kcid: "not-a-kcid", accountId });
  assert.equal(malformed.diagnosis?.valid, false);
  assert.notEqual(malformed.diagnosis?.reason, ErrorReason.UNSPECIFIED);
});

test("diagnostics.replayPostbacks records a rejected postback once its goal exists, once", async () => {
  const { accountId, token } = await newAccount();
  const refused = await kcidError(convert(accountId, token, "spring-sale", "signup"));
  assert.equal(refused.reason, "GOAL_NOT_FOUND");
  const rejected = await eventually(async () => {
    const page = await client.diagnostics.listPostbacks({ accountId, outcome: PostbackOutcome.REJECTED });
    return page.entries.length > 0 ? page.entries : undefined;
  });
  assert.deepEqual(rejected?.map((e) => e.reason), [ErrorReason.GOAL_NOT_FOUND]);
  const logIds = [rejected![0]!.logId];

  await client.admin.createGoal({ accountId, goalKey: "signup" });
  const dry = await eventually(async () => {
    const { results } = await client.diagnostics.replayPostbacks({ accountId, logIds, dryRun: true });
    return results[0]?.outcome === ReplayOutcome.ACCEPTED ? results : undefined;
  });
  assert.equal(dry?.[0]?.originalReason, ErrorReason.GOAL_NOT_FOUND);

  const replayed = await client.diagnostics.replayPostbacks({ accountId, logIds });
  assert.deepEqual(replayed.results.map((r) => r.outcome), [ReplayOutcome.ACCEPTED]);
  const again = await client.diagnostics.replayPostbacks({ accountId, logIds });
  assert.deepEqual(again.results.map((r) => r.outcome), [ReplayOutcome.DUPLICATE]);
  assert.equal(again.results[0]?.conversionId, replayed.results[0]?.conversionId);
});

/** The first event of a stream (skipping cursor-only messages). */
async function firstEvent(stream: AsyncIterable<StreamConversionsResponse>): Promise<StreamConversionsResponse> {
  for await (const response of stream) {
    if (response.event) return response;
  }
  assert.fail("the stream ended without an event");
}

/** The first `count` responses of a stream that carry an event. */
async function events(stream: AsyncIterable<StreamConversionsResponse>, count: number): Promise<StreamConversionsResponse[]> {
  const out: StreamConversionsResponse[] = [];
  for await (const response of stream) {
    if (response.event) out.push(response);
    if (out.length === count) return out;
  }
  assert.fail(`the stream ended after ${out.length} of ${count} events`);
}

test("conversions.streamConversions delivers events, resumes from a cursor and stops on abort", async () => {
  const { accountId, token } = await newAccount();
  const first = await convert(accountId, token);
  const second = await convert(accountId, token);
  const recorded = [first.recorded.conversionId, second.recorded.conversionId].sort();

  // Events are ordered per partition only: the two clicks may be in different ones.
  const abort = new AbortController();
  const [one, two] = await events(client.conversions.streamConversions({ accountId, fromStart: true }, { signal: abort.signal }), 2);
  abort.abort();
  assert.deepEqual([one?.event?.conversionId, two?.event?.conversionId].sort(), recorded);
  assert.equal(one?.event?.type, ConversionEventType.RECORDED);
  assert.equal(one?.event?.accountId, accountId);
  assert.ok(one?.cursor);

  // Resuming after the first event delivers the other one.
  const resume = new AbortController();
  const [next] = await events(client.conversions.streamConversions({ accountId, cursor: one!.cursor }, { signal: resume.signal }), 1);
  resume.abort();
  assert.equal(next?.event?.conversionId, two?.event?.conversionId);

  const invalid = await kcidError(firstEvent(client.conversions.streamConversions({ cursor: "not-a-cursor" })));
  assert.equal(invalid.reason, "STREAM_CURSOR_INVALID");
  assert.equal(invalid.code, Code.InvalidArgument);
});

test("a consumer group's events are acknowledged with ackConversionEvents", async () => {
  const { accountId, token } = await newAccount();
  const { recorded } = await convert(accountId, token);
  const consumerGroup = `ts-${randomBytes(4).toString("hex")}`;
  const abort = new AbortController();
  const { event } = await firstEvent(
    client.conversions.streamConversions(
      { accountId, consumerGroup, consumerName: "worker-1", fromStart: true, claimIdle: durationFromMs(30_000) },
      { signal: abort.signal },
    ),
  );
  abort.abort();
  assert.equal(event?.conversionId, recorded.conversionId);
  const ack = { consumerGroup, accountId, eventIds: [event?.eventId ?? ""] };
  assert.equal((await client.conversions.ackConversionEvents(ack)).acknowledged, 1n);
  assert.equal((await client.conversions.ackConversionEvents(ack)).acknowledged, 0n);
});

test("a read-only key reads stats but cannot replay (PERMISSION_DENIED API_KEY_ROLE_MISSING)", async () => {
  const { accountId } = await newAccount();
  const { secret } = await client.admin.createApiKey({ name: `ts-read-${randomBytes(4).toString("hex")}`, roles: [ApiKeyRole.READ] });
  const reader = connect({ target: `127.0.0.1:${grpcPort}`, apiKey: secret });
  try {
    const startTime = timestampFromDate(new Date(Date.now() - 3_600_000));
    // The server learns a new key within its API key cache period.
    const stats = await eventually(() => reader.reports.getStats({ accountId, startTime }).catch(() => undefined));
    assert.equal(stats?.total?.clicks, 0n);
    const denied = await kcidError(reader.diagnostics.replayPostbacks({ accountId, logIds: ["1-0"], dryRun: true }));
    assert.equal(denied.code, Code.PermissionDenied);
    assert.equal(denied.reason, "API_KEY_ROLE_MISSING");
  } finally {
    reader.close();
  }
});

test("partners: create, an account under it, get, list every page, update", async () => {
  const partnerId = `ts-partner-${randomBytes(4).toString("hex")}`;
  const { partner } = await client.partners.createPartner({ partnerId, displayName: "TypeScript Agency" });
  assert.equal(partner?.s2sActive, true);
  const again = await kcidError(client.partners.createPartner({ partnerId, displayName: "Again" }));
  assert.equal(again.reason, "PARTNER_ALREADY_EXISTS");

  const { account, secrets } = await client.admin.createAccount({ partnerId, displayName: "TypeScript shop" });
  assert.equal(account?.partnerId, partnerId);
  assert.ok(secrets?.postbackToken);
  const orphan = await kcidError(client.admin.createAccount({ partnerId: "ts-nobody" }));
  assert.equal(orphan.reason, "PARTNER_NOT_FOUND");
  assert.equal(orphan.code, Code.NotFound);

  assert.equal((await client.partners.getPartner({ partnerId })).partner?.displayName, "TypeScript Agency");
  assert.equal((await kcidError(client.partners.getPartner({ partnerId: "ts-nobody" }))).reason, "PARTNER_NOT_FOUND");

  const listed: string[] = [];
  for await (const p of client.allPartners({ pageSize: 1 })) listed.push(p.partnerId); // pages of one
  assert.ok(listed.includes("default") && listed.includes(partnerId), listed.join(","));
  assert.deepEqual(listed, [...listed].sort());
  let found = false;
  for await (const a of client.allAccounts({ pageSize: 1 })) found ||= a.accountId === account?.accountId && a.partnerId === partnerId;
  assert.ok(found, "allAccounts lists the new account");

  const updated = await client.partners.updatePartner({ partnerId, displayName: "TypeScript Agency 1" });
  assert.equal(updated.partner?.displayName, "TypeScript Agency 1");
  assert.equal(updated.partner?.s2sActive, true);
});

test("a partner switched off refuses clicks with PARTNER_INACTIVE until switched on", async () => {
  const partnerId = `ts-partner-${randomBytes(4).toString("hex")}`;
  await client.partners.createPartner({ partnerId, displayName: "TypeScript Reseller" });
  const accountId = (await client.admin.createAccount({ partnerId })).account?.accountId ?? "";
  const issue = () => client.clicks.issueClick({ accountId, campaignId: "web" }).then(() => undefined, (e: unknown) => KcidError.from(e));
  assert.equal(await issue(), undefined);

  assert.equal((await client.setPartnerS2s(partnerId, false)).s2sActive, false);
  // Every server sees the switch within its account cache TTL (1 s by default).
  const refused = await eventually(issue);
  assert.equal(refused?.reason, "PARTNER_INACTIVE");
  assert.equal(refused?.code, Code.FailedPrecondition);
  assert.equal(refused?.metadata["partnerId"], partnerId);

  assert.equal((await client.setPartnerS2s(partnerId, true)).s2sActive, true);
  assert.equal(await eventually(async () => ((await issue()) === undefined ? "issued" : undefined)), "issued");
});

test("caller() with the admin key is the platform scope with every role", async () => {
  const me = await client.caller();
  assert.equal(me.name, "local-admin");
  assert.deepEqual([me.partnerId, me.accountId], ["", ""]);
  assert.deepEqual(me.roles, [ApiKeyRole.ISSUE, ApiKeyRole.INGEST, ApiKeyRole.READ, ApiKeyRole.ADMIN]);
});

/** Two partners with an account each. */
async function twoPartners(): Promise<{ partnerId: string; accountId: string }[]> {
  const suffix = randomBytes(4).toString("hex");
  const tenants = [];
  for (const name of ["one", "two"]) {
    const partnerId = `ts-scope-${name}-${suffix}`;
    await client.partners.createPartner({ partnerId, displayName: `TypeScript ${name}` });
    tenants.push({ partnerId, accountId: (await client.admin.createAccount({ partnerId })).account?.accountId ?? "" });
  }
  return tenants;
}

/** A client calling with `secret`, once the server knows the key (within its key reload interval). */
async function connectAs(secret: string): Promise<KcidClient> {
  const scoped = connect({ target: `127.0.0.1:${grpcPort}`, apiKey: secret });
  const known = await eventually(() =>
    scoped.caller().then(
      () => true,
      (e: unknown) => (KcidError.from(e).reason === "API_KEY_INVALID" ? false : Promise.reject(e)),
    ),
  );
  if (!known) {
    scoped.close();
    assert.fail("the server never accepted the new key");
  }
  return scoped;
}

function assertScopeDenied(denied: KcidError, scope: string, needed: string) {
  assert.equal(denied.reason, "API_KEY_SCOPE_DENIED");
  assert.equal(denied.code, Code.PermissionDenied);
  assert.deepEqual([denied.metadata["scope"], denied.metadata["needed"]], [scope, needed]);
}

test("a partner key: caller names its partner, lists show only its partner, other partners are API_KEY_SCOPE_DENIED", async () => {
  const [one, two] = await twoPartners();
  const name = `ts-partner-key-${randomBytes(4).toString("hex")}`;
  const created = await client.admin.createApiKey({ name, roles: [ApiKeyRole.ADMIN, ApiKeyRole.READ], partnerId: one!.partnerId });
  assert.deepEqual([created.apiKey?.partnerId, created.apiKey?.accountId], [one!.partnerId, ""]);
  const partnerClient = await connectAs(created.secret);
  try {
    const me = await partnerClient.caller();
    assert.deepEqual([me.name, me.partnerId, me.accountId], [name, one!.partnerId, ""]);
    assert.deepEqual(me.roles, [ApiKeyRole.READ, ApiKeyRole.ADMIN]);

    const partners: string[] = [];
    for await (const p of partnerClient.allPartners()) partners.push(p.partnerId);
    assert.deepEqual(partners, [one!.partnerId]);
    const accounts: string[][] = [];
    for await (const a of partnerClient.allAccounts()) accounts.push([a.accountId, a.partnerId]);
    assert.deepEqual(accounts, [[one!.accountId, one!.partnerId]]);

    const denied = await kcidError(partnerClient.admin.createAccount({ partnerId: two!.partnerId }));
    assertScopeDenied(denied, `partner:${one!.partnerId}`, `partner:${two!.partnerId}`);
    assert.equal((await partnerClient.admin.createAccount({ partnerId: one!.partnerId })).account?.partnerId, one!.partnerId);
  } finally {
    partnerClient.close();
  }
});

test("an account key issues clicks for its account and is API_KEY_SCOPE_DENIED for another", async () => {
  const [one, two] = await twoPartners();
  const created = await client.admin.createApiKey({
    name: `ts-account-key-${randomBytes(4).toString("hex")}`,
    roles: [ApiKeyRole.ISSUE],
    accountId: one!.accountId,
  });
  assert.deepEqual([created.apiKey?.partnerId, created.apiKey?.accountId], [one!.partnerId, one!.accountId]);
  const accountClient = await connectAs(created.secret);
  try {
    const me = await accountClient.caller();
    assert.deepEqual([me.partnerId, me.accountId, me.roles], [one!.partnerId, one!.accountId, [ApiKeyRole.ISSUE]]);
    const { click } = await accountClient.clicks.issueClick({ accountId: one!.accountId, campaignId: "scoped" });
    assert.equal(click?.accountId, one!.accountId);
    const denied = await kcidError(accountClient.clicks.issueClick({ accountId: two!.accountId, campaignId: "scoped" }));
    assertScopeDenied(denied, `account:${one!.accountId}`, `account:${two!.accountId}`);
  } finally {
    accountClient.close();
  }
});
