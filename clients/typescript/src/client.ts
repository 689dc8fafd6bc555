import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "../gen/kcid/tracking/v1/admin_service_pb.js";
import { ClickService } from "../gen/kcid/tracking/v1/click_service_pb.js";
import { ConversionService } from "../gen/kcid/tracking/v1/conversion_service_pb.js";
import { DeliveryService } from "../gen/kcid/tracking/v1/delivery_service_pb.js";
import { DiagnosticsService } from "../gen/kcid/tracking/v1/diagnostics_service_pb.js";
import { PartnerService } from "../gen/kcid/tracking/v1/partner_service_pb.js";
import { ReportService } from "../gen/kcid/tracking/v1/report_service_pb.js";
import { KcidError } from "./errors.js";
import { defaultServiceConfig, retryInterceptor, timeoutMsFor, type ServiceConfig } from "./service-config.js";
import { deliveryCalls, type DeliveryCalls } from "./deliveries.js";
import { tenancyCalls, type TenancyCalls } from "./tenancy.js";

export interface ConnectOptions {
  /** `host:port` of the tracking-server, e.g. `"localhost:9090"`. */
  target: string;
  /**
   * Sent as `authorization: Bearer <apiKey>` on every call when set. kcid servers require one
   * (`KCID_AUTH=required`, the default of `kcid server`) with the role each method needs:
   * `issue`, `ingest`, `read` or `admin`.
   */
  apiKey?: string;
  /**
   * `false` (default): plaintext HTTP/2. `true`: TLS with the system roots.
   * An object: TLS trusting the given CA (PEM text or a path to a PEM file).
   */
  tls?: boolean | { ca?: string | Buffer; caFile?: string; serverName?: string };
  /** Overrides the shipped service config (clients/service_config.json). */
  serviceConfig?: ServiceConfig;
  /** Extra interceptors, run on every attempt (inside the retry interceptor). */
  interceptors?: Interceptor[];
}

/**
 * A connection to a kcid tracking-server: one Connect client per kcid service, methods in
 * camelCase (`reports.getStats`, `diagnostics.explainClick`, …). Unary methods return a Promise,
 * server-streaming ones (`conversions.streamConversions`) an AsyncIterable; either fails with a
 * KcidError. Plus the tenancy shortcuts: `caller()`, `allPartners()`, `allAccounts()`,
 * `setPartnerS2s()`, `getPartnerStats()`; and the delivery shortcuts: `createWebhook()`,
 * `createPostback()`, `getDestination()`, `listDestinations()`, `updateDestination()`,
 * `pauseDestination()`, `resumeDestination()`, `deleteDestination()`, `testDestination()`,
 * `rotateDestinationSecret()`, `allDeliveries()`, `previewRedeliver()`.
 */
export interface KcidClient extends TenancyCalls, DeliveryCalls {
  /** `issueClick`, `getClick`, `inspectKcid`, `deleteClick`. */
  readonly clicks: Client<typeof ClickService>;
  /**
   * `recordConversion(s)`, `updateConversionStatus(es)`, `getConversion`, `listConversions`,
   * `streamConversions` (every new conversion and status change; no deadline unless the call
   * passes `timeoutMs`; stop it with `signal`), `ackConversionEvents`.
   */
  readonly conversions: Client<typeof ConversionService>;
  /** Accounts, goals, API keys (platform, partner or account scope) and `getCaller`. */
  readonly admin: Client<typeof AdminService>;
  /**
   * `createPartner`, `getPartner`, `listPartners`, `updatePartner` (`s2sActive` switches S2S
   * tracking of all its accounts), `deletePartner` (`cascade` deletes its accounts too).
   */
  readonly partners: Client<typeof PartnerService>;
  /** `getStats`: clicks, conversions, values and rates of one account, grouped as asked. */
  readonly reports: Client<typeof ReportService>;
  /**
   * `listPostbacks` (the postback log, newest first), `explainClick` (everything known about
   * one kcid), `replayPostbacks` (re-run rejected postbacks once the account is fixed).
   */
  readonly diagnostics: Client<typeof DiagnosticsService>;
  /**
   * Destinations (`createDestination`, `getDestination`, `listDestinations`,
   * `updateDestination`, `deleteDestination`, `testDestination`, `rotateDestinationSecret`), the
   * delivery log (`listDeliveries`) and `redeliver`. Webhooks are verified with WebhookVerifier.
   */
  readonly deliveries: Client<typeof DeliveryService>;
  /** The underlying Connect transport (gRPC over HTTP/2). */
  readonly transport: Transport;
  /** Closes the HTTP/2 connection; in-flight calls fail. */
  close(): void;
}

function bearerInterceptor(apiKey: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${apiKey}`);
    return next(req);
  };
}

/** Re-yields a server stream's messages; its failure is thrown as a KcidError. */
async function* translated<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* stream;
  } catch (e) {
    throw KcidError.from(e);
  }
}

/**
 * Wraps a Connect client so that every method applies the service config's deadline
 * (unless the call passes its own `timeoutMs`) and fails with a KcidError: a unary method's
 * Promise rejects with it, a server stream's iteration throws it.
 */
function wrap<S extends DescService>(service: S, client: Client<S>, cfg: ServiceConfig): Client<S> {
  const out: Record<string, unknown> = {};
  const methods = client as unknown as Record<string, (req: unknown, opts?: CallOptions) => unknown>;
  for (const m of service.methods) {
    const fn = methods[m.localName]!;
    const timeoutMs = timeoutMsFor(cfg, service.typeName, m.name);
    const options = (opts?: CallOptions): CallOptions => ({ ...opts, timeoutMs: opts?.timeoutMs ?? timeoutMs });
    if (m.methodKind === "server_streaming") {
      out[m.localName] = (req: unknown, opts?: CallOptions) => translated(fn(req, options(opts)) as AsyncIterable<unknown>);
    } else {
      out[m.localName] = (req: unknown, opts?: CallOptions) =>
        (fn(req, options(opts)) as Promise<unknown>).catch((e: unknown) => {
          throw KcidError.from(e);
        });
    }
  }
  return out as Client<S>;
}

/**
 * Connects to a kcid tracking-server over gRPC (HTTP/2), with the shared service config
 * applied: 5 s deadlines (none on streams), UNAVAILABLE retried everywhere, DEADLINE_EXCEEDED
 * on reads.
 */
export function connect(options: ConnectOptions | string): KcidClient {
  const opts: ConnectOptions = typeof options === "string" ? { target: options } : options;
  const useTls = opts.tls !== undefined && opts.tls !== false;
  const baseUrl = /^[a-z]+:\/\//i.test(opts.target) ? opts.target : `${useTls ? "https" : "http"}://${opts.target}`;
  const nodeOptions: { ca?: string | Buffer; servername?: string } = {};
  if (typeof opts.tls === "object") {
    const ca = opts.tls.ca ?? (opts.tls.caFile !== undefined ? readFileSync(opts.tls.caFile) : undefined);
    if (ca !== undefined) nodeOptions.ca = ca;
    if (opts.tls.serverName !== undefined) nodeOptions.servername = opts.tls.serverName;
  }
  const cfg = opts.serviceConfig ?? defaultServiceConfig();
  const sessionManager = new Http2SessionManager(baseUrl, {}, nodeOptions);
  const interceptors: Interceptor[] = [retryInterceptor(cfg)];
  if (opts.apiKey !== undefined && opts.apiKey !== "") interceptors.push(bearerInterceptor(opts.apiKey));
  interceptors.push(...(opts.interceptors ?? []));
  const transport = createGrpcTransport({ baseUrl, sessionManager, interceptors });
  const admin = wrap(AdminService, createClient(AdminService, transport), cfg);
  const partners = wrap(PartnerService, createClient(PartnerService, transport), cfg);
  const reports = wrap(ReportService, createClient(ReportService, transport), cfg);
  const deliveries = wrap(DeliveryService, createClient(DeliveryService, transport), cfg);
  return {
    clicks: wrap(ClickService, createClient(ClickService, transport), cfg),
    conversions: wrap(ConversionService, createClient(ConversionService, transport), cfg),
    admin,
    partners,
    reports,
    diagnostics: wrap(DiagnosticsService, createClient(DiagnosticsService, transport), cfg),
    deliveries,
    ...tenancyCalls(admin, partners, reports),
    ...deliveryCalls(deliveries),
    transport,
    close: () => sessionManager.abort(),
  };
}
