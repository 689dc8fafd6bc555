import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  connect,
  defaultServiceConfig,
  findMethodConfig,
  KcidError,
  parseDuration,
  retryInterceptor,
  timeoutMsFor,
  ClickService,
  ConversionService,
} from "../src/index.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.js";

const cfg = defaultServiceConfig();

test("the shipped service config is clients/service_config.json verbatim", () => {
  assert.deepEqual(cfg, JSON.parse(readFileSync(join(REPO_ROOT, "clients/service_config.json"), "utf8")));
});

test("method config precedence: method entry before service entry", () => {
  const read = findMethodConfig(cfg, "kcid.tracking.v1.ClickService", "GetClick");
  const write = findMethodConfig(cfg, "kcid.tracking.v1.ClickService", "IssueClick");
  assert.deepEqual(read?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE", "DEADLINE_EXCEEDED"]);
  assert.deepEqual(write?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE"]);
  assert.equal(timeoutMsFor(cfg, "kcid.tracking.v1.AdminService", "CreateAccount"), 5000);
  assert.equal(findMethodConfig(cfg, "other.Service", "X"), undefined);
  assert.equal(parseDuration("0.1s"), 100);
});

test("every kcid service is configured; reads of reports and diagnostics retry DEADLINE_EXCEEDED; streams have no deadline", () => {
  for (const service of ["ClickService", "ConversionService", "AdminService", "PartnerService", "DiagnosticsService"]) {
    assert.equal(timeoutMsFor(cfg, `kcid.tracking.v1.${service}`, "AnyMethod"), 5000, service);
  }
  assert.equal(timeoutMsFor(cfg, "kcid.tracking.v1.ReportService", "GetStats"), 5000);
  for (const [service, method] of [["ReportService", "GetStats"], ["DiagnosticsService", "ListPostbacks"], ["DiagnosticsService", "ExplainClick"]]) {
    assert.deepEqual(findMethodConfig(cfg, `kcid.tracking.v1.${service}`, method!)?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE", "DEADLINE_EXCEEDED"]);
  }
  assert.deepEqual(findMethodConfig(cfg, "kcid.tracking.v1.DiagnosticsService", "ReplayPostbacks")?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE"]);
});

test("partner reads and GetCaller retry DEADLINE_EXCEEDED like the other reads; partner writes do not", () => {
  for (const [service, method] of [["PartnerService", "GetPartner"], ["PartnerService", "ListPartners"], ["AdminService", "GetCaller"]]) {
    assert.deepEqual(findMethodConfig(cfg, `kcid.tracking.v1.${service}`, method!)?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE", "DEADLINE_EXCEEDED"], method);
  }
  for (const method of ["CreatePartner", "UpdatePartner", "DeletePartner"]) {
    assert.deepEqual(findMethodConfig(cfg, "kcid.tracking.v1.PartnerService", method)?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE"], method);
    assert.equal(timeoutMsFor(cfg, "kcid.tracking.v1.PartnerService", method), 5000, method);
  }
  assert.equal(timeoutMsFor(cfg, "kcid.tracking.v1.ConversionService", "StreamConversions"), undefined);
  assert.equal(timeoutMsFor(cfg, "kcid.tracking.v1.ClickService", "WatchClickVerifiers"), undefined);
});

/** Runs the retry interceptor against a fake transport that fails with the given codes, then succeeds. */
async function run(service: typeof ClickService | typeof ConversionService, method: string, failures: Code[]) {
  const desc = service.methods.find((m) => m.name === method)!;
  let attempts = 0;
  const sleeps: number[] = [];
  const next = async () => {
    const code = failures[attempts++];
    if (code !== undefined) throw new ConnectError("boom", code);
    return { stream: false, message: {}, service, method: desc, header: new Headers(), trailer: new Headers() };
  };
  const interceptor: Interceptor = retryInterceptor(cfg, {
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.999,
  });
  const req = { stream: false, service, method: desc, signal: new AbortController().signal, header: new Headers() };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = interceptor(next as any)(req as any);
  return { call, attempts: () => attempts, sleeps };
}

test("UNAVAILABLE is retried with exponential backoff, then succeeds", async () => {
  const r = await run(ConversionService, "RecordConversion", [Code.Unavailable, Code.Unavailable, Code.Unavailable]);
  await r.call;
  assert.equal(r.attempts(), 4);
  assert.deepEqual(r.sleeps.map(Math.round), [100, 200, 400]);
});

test("at most maxAttempts attempts", async () => {
  const r = await run(ClickService, "IssueClick", Array(10).fill(Code.Unavailable));
  await assert.rejects(r.call, (e: ConnectError) => e.code === Code.Unavailable);
  assert.equal(r.attempts(), 4);
});

test("DEADLINE_EXCEEDED is retried on reads only", async () => {
  const read = await run(ClickService, "GetClick", [Code.DeadlineExceeded]);
  await read.call;
  assert.equal(read.attempts(), 2);
  const write = await run(ConversionService, "RecordConversion", [Code.DeadlineExceeded]);
  await assert.rejects(write.call, (e: ConnectError) => e.code === Code.DeadlineExceeded);
  assert.equal(write.attempts(), 1);
});

test("other codes are not retried", async () => {
  const r = await run(ClickService, "GetClick", [Code.InvalidArgument]);
  await assert.rejects(r.call);
  assert.equal(r.attempts(), 1);
});

test("a real connection failure is retried and surfaces as a KcidError", async () => {
  // a port that was free a moment ago: connection refused
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  let attempts = 0;
  const headers: (string | null)[] = [];
  const client = connect({
    target: `127.0.0.1:${port}`,
    apiKey: "test-key",
    interceptors: [
      (next) => (req) => {
        attempts++;
        headers.push(req.header.get("authorization"));
        return next(req);
      },
    ],
  });
  try {
    await assert.rejects(client.clicks.getClick({ kcid: "x" }), (e: unknown) => {
      assert.ok(e instanceof KcidError);
      assert.equal(e.code, Code.Unavailable);
      assert.equal(e.grpcCode, "UNAVAILABLE");
      assert.equal(e.reason, "");
      return true;
    });
    assert.equal(attempts, 4);
    assert.deepEqual(new Set(headers), new Set(["Bearer test-key"]));
  } finally {
    client.close();
  }
});

test("DeliveryService: reads retry DEADLINE_EXCEEDED, writes only UNAVAILABLE, TestDestination waits 30 s for the receiver", () => {
  const service = "kcid.tracking.v1.DeliveryService";
  for (const method of ["GetDestination", "ListDestinations", "ListDeliveries"]) {
    assert.deepEqual(findMethodConfig(cfg, service, method)?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE", "DEADLINE_EXCEEDED"], method);
    assert.equal(timeoutMsFor(cfg, service, method), 5000, method);
  }
  for (const method of ["CreateDestination", "UpdateDestination", "DeleteDestination", "RotateDestinationSecret", "Redeliver", "TestDestination"]) {
    assert.deepEqual(findMethodConfig(cfg, service, method)?.retryPolicy?.retryableStatusCodes, ["UNAVAILABLE"], method);
  }
  assert.equal(timeoutMsFor(cfg, service, "CreateDestination"), 5000);
  assert.equal(timeoutMsFor(cfg, service, "TestDestination"), 30000);
});
