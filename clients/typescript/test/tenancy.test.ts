// The requests the tenancy shortcuts build, and their page-following, against an in-memory router.
import { test } from "node:test";
import assert from "node:assert/strict";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import {
  AdminService,
  PartnerService,
  ReportService,
  StatsDimension,
  tenancyCalls,
  type GetStatsRequest,
  type ListAccountsRequest,
  type ListPartnersRequest,
  type UpdatePartnerRequest,
} from "../src/index.js";

function fake() {
  const seen: { listPartners: ListPartnersRequest[]; listAccounts: ListAccountsRequest[]; update: UpdatePartnerRequest[]; stats: GetStatsRequest[]; callers: number } =
    { listPartners: [], listAccounts: [], update: [], stats: [], callers: 0 };
  const transport = createRouterTransport((router) => {
    router.service(PartnerService, {
      listPartners(req) {
        seen.listPartners.push(req);
        const [id, next] = req.pageToken === "" ? ["agency-one", "a"] : ["agency-two", ""];
        return { partners: [{ partnerId: id }], nextPageToken: next };
      },
      updatePartner(req) {
        seen.update.push(req);
        return { partner: { partnerId: req.partnerId, s2sActive: req.s2sActive ?? true } };
      },
    });
    router.service(AdminService, {
      listAccounts(req) {
        seen.listAccounts.push(req);
        const [id, next] = req.pageToken === "" ? ["shoes", "s"] : ["socks", ""];
        return { accounts: [{ accountId: id }], nextPageToken: next };
      },
      getCaller() {
        seen.callers++;
        return { apiKey: { name: "agency-admin", partnerId: "agency-one" } };
      },
    });
    router.service(ReportService, {
      getStats(req) {
        seen.stats.push(req);
        return {};
      },
    });
  });
  const calls = tenancyCalls(createClient(AdminService, transport), createClient(PartnerService, transport),
    createClient(ReportService, transport));
  return { calls, seen };
}

test("allPartners follows the page tokens and fetches no page the loop does not reach", async () => {
  const { calls, seen } = fake();
  const ids: string[] = [];
  for await (const p of calls.allPartners({ pageSize: 1 })) ids.push(p.partnerId);
  assert.deepEqual(ids, ["agency-one", "agency-two"]);
  assert.deepEqual(seen.listPartners.map((r) => [r.pageSize, r.pageToken]), [[1, ""], [1, "a"]]);
  for await (const p of calls.allPartners()) {
    assert.equal(p.partnerId, "agency-one");
    break;
  }
  assert.equal(seen.listPartners.length, 3);
});

test("allAccounts asks for the partner's accounts on every page", async () => {
  const { calls, seen } = fake();
  const ids: string[] = [];
  for await (const a of calls.allAccounts({ partnerId: "agency-one" })) ids.push(a.accountId);
  assert.deepEqual(ids, ["shoes", "socks"]);
  assert.deepEqual(seen.listAccounts.map((r) => [r.partnerId, r.pageToken]), [["agency-one", ""], ["agency-one", "s"]]);
});

test("setPartnerS2s sends s2sActive even when false", async () => {
  const { calls, seen } = fake();
  const partner = await calls.setPartnerS2s("agency-one", false);
  assert.equal(partner.s2sActive, false);
  assert.equal(seen.update[0]?.partnerId, "agency-one");
  assert.equal(seen.update[0]?.s2sActive, false);
  assert.equal(seen.update[0]?.displayName, undefined);
});

test("caller returns the calling key", async () => {
  const { calls, seen } = fake();
  const me = await calls.caller();
  assert.deepEqual([me.name, me.partnerId], ["agency-admin", "agency-one"]);
  assert.equal(seen.callers, 1);
});

test("getPartnerStats groups by account unless told otherwise", async () => {
  const { calls, seen } = fake();
  const start = new Date("2026-11-01T00:00:00Z");
  await calls.getPartnerStats({ partnerId: "agency-one", startTime: start });
  const [first] = seen.stats;
  assert.equal(first?.partnerId, "agency-one");
  assert.equal(first?.accountId, "");
  assert.deepEqual(first?.groupBy, [StatsDimension.ACCOUNT]);
  assert.equal(timestampDate(first!.startTime!).toISOString(), start.toISOString());
  assert.equal(first?.endTime, undefined);
  const end = new Date("2026-11-03T00:00:00Z");
  await calls.getPartnerStats({ partnerId: "agency-one", startTime: start, endTime: end, groupBy: [StatsDimension.DAY], timeZone: "Europe/Berlin" });
  const second = seen.stats[1];
  assert.deepEqual(second?.groupBy, [StatsDimension.DAY]);
  assert.equal(second?.timeZone, "Europe/Berlin");
  assert.equal(timestampDate(second!.endTime!).toISOString(), end.toISOString());
});
