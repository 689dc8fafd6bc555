// The requests the delivery shortcuts build, and the page-following of allDeliveries, against an in-memory router.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import {
  DeliveryService,
  DeliveryTrigger,
  DestinationKind,
  deliveryCalls,
  durationMs,
  WebhookVerifier,
  type CreateDestinationRequest,
  type ListDeliveriesRequest,
  type RedeliverRequest,
  type RotateDestinationSecretRequest,
  type UpdateDestinationRequest,
} from "../src/index.js";

function fake() {
  const seen = {
    create: [] as CreateDestinationRequest[],
    update: [] as UpdateDestinationRequest[],
    list: [] as ListDeliveriesRequest[],
    redeliver: [] as RedeliverRequest[],
    rotate: [] as RotateDestinationSecretRequest[],
    other: [] as { method: string; accountId: string; partnerId: string; destinationId: string }[],
  };
  const transport = createRouterTransport((router) => {
    router.service(DeliveryService, {
      createDestination(req) {
        seen.create.push(req);
        return { destination: { destinationId: req.destinationId || "generated", kind: req.kind }, signingSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
      },
      getDestination(req) {
        seen.other.push({ method: "get", ...req });
        return { destination: { destinationId: req.destinationId } };
      },
      listDestinations(req) {
        seen.other.push({ method: "list", destinationId: "", ...req });
        return { destinations: [{ destinationId: "own" }, { destinationId: "inherited", partnerId: "agency-one" }] };
      },
      updateDestination(req) {
        seen.update.push(req);
        return { destination: { destinationId: req.destinationId, paused: req.paused ?? false } };
      },
      deleteDestination(req) {
        seen.other.push({ method: "delete", ...req });
        return {};
      },
      testDestination(req) {
        seen.other.push({ method: "test", ...req });
        return { attempt: { statusCode: 204 }, requestUrl: "https://hooks.example/kcid" };
      },
      rotateDestinationSecret(req) {
        seen.rotate.push(req);
        return { signingSecret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" };
      },
      listDeliveries(req) {
        seen.list.push(req);
        const [id, next] = req.pageToken === "" ? ["dlv_b", "p2"] : ["dlv_a", ""];
        return { deliveries: [{ deliveryId: id }], nextPageToken: next };
      },
      redeliver(req) {
        seen.redeliver.push(req);
        return { deliveryIds: ["dlv_a"], dryRun: req.dryRun };
      },
    });
  });
  return { calls: deliveryCalls(createClient(DeliveryService, transport)), seen };
}

test("createWebhook and createPostback name the owner and the kind", async () => {
  const { calls, seen } = fake();
  const { destination, signingSecret } = await calls.createWebhook({ accountId: "acme" }, "https://hooks.example/kcid", { destinationId: "hooks" });
  assert.equal(destination.destinationId, "hooks");
  new WebhookVerifier(signingSecret); // a secret the verifier takes
  assert.deepEqual([seen.create[0]!.accountId, seen.create[0]!.partnerId, seen.create[0]!.destinationId, seen.create[0]!.kind, seen.create[0]!.url],
    ["acme", "", "hooks", DestinationKind.WEBHOOK, "https://hooks.example/kcid"]);
  await calls.createPostback({ partnerId: "agency-one" }, "https://t.example/pb?cid={s1}");
  assert.deepEqual([seen.create[1]!.accountId, seen.create[1]!.partnerId, seen.create[1]!.kind], ["", "agency-one", DestinationKind.POSTBACK]);
});

test("get, list, delete and test address the owner's destination", async () => {
  const { calls, seen } = fake();
  assert.equal((await calls.getDestination({ partnerId: "agency-one" }, "pb")).destinationId, "pb");
  const listed = await calls.listDestinations({ accountId: "acme" });
  assert.deepEqual(listed.map((d) => [d.destinationId, d.partnerId]), [["own", ""], ["inherited", "agency-one"]]);
  await calls.deleteDestination({ accountId: "acme" }, "hooks");
  assert.equal((await calls.testDestination({ accountId: "acme" }, "hooks")).attempt?.statusCode, 204);
  assert.deepEqual(seen.other.map((r) => [r.method, r.accountId, r.partnerId, r.destinationId]), [
    ["get", "", "agency-one", "pb"],
    ["list", "acme", "", ""],
    ["delete", "acme", "", "hooks"],
    ["test", "acme", "", "hooks"],
  ]);
});

test("pause and resume send paused even when false; updateDestination passes the changes", async () => {
  const { calls, seen } = fake();
  assert.equal((await calls.pauseDestination({ accountId: "acme" }, "hooks")).paused, true);
  assert.equal((await calls.resumeDestination({ accountId: "acme" }, "hooks")).paused, false);
  assert.deepEqual(seen.update.map((r) => r.paused), [true, false]);
  await calls.updateDestination({ partnerId: "agency-one" }, "hooks", {
    url: "https://hooks.example/v2", replaceTriggers: true, triggers: [DeliveryTrigger.APPROVED],
  });
  const last = seen.update[2]!;
  assert.deepEqual([last.partnerId, last.destinationId, last.url, last.replaceTriggers, last.triggers, last.paused],
    ["agency-one", "hooks", "https://hooks.example/v2", true, [DeliveryTrigger.APPROVED], undefined]);
});

test("rotateDestinationSecret sends the grace period only when given", async () => {
  const { calls, seen } = fake();
  await calls.rotateDestinationSecret({ accountId: "acme" }, "hooks");
  await calls.rotateDestinationSecret({ accountId: "acme" }, "hooks", { gracePeriodMs: 3_600_000 });
  assert.equal(seen.rotate[0]!.gracePeriod, undefined);
  assert.equal(durationMs(seen.rotate[1]!.gracePeriod!), 3_600_000);
});

test("allDeliveries follows the page tokens with the filters; previewRedeliver is a dry run", async () => {
  const { calls, seen } = fake();
  const ids: string[] = [];
  for await (const d of calls.allDeliveries({ accountId: "acme", failedOnly: true, destinationId: "hooks", pageSize: 1 })) ids.push(d.deliveryId);
  assert.deepEqual(ids, ["dlv_b", "dlv_a"]);
  const last = seen.list[1]!;
  assert.deepEqual([last.accountId, last.failedOnly, last.destinationId, last.pageSize, last.pageToken], ["acme", true, "hooks", 1, "p2"]);
  assert.deepEqual(await calls.previewRedeliver({ accountId: "acme", deliveryId: "dlv_a", includeDelivered: true }), ["dlv_a"]);
  assert.deepEqual([seen.redeliver[0]!.dryRun, seen.redeliver[0]!.deliveryId, seen.redeliver[0]!.includeDelivered], [true, "dlv_a", true]);
});
