import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type CallOptions, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "../gen/kcid/tracking/v1/admin_service_pb.js";
import { ClickService } from "../gen/kcid/tracking/v1/click_service_pb.js";
import { ConversionService } from "../gen/kcid/tracking/v1/conversion_service_pb.js";
import { KcidError } from "./errors.js";
import { defaultServiceConfig, retryInterceptor, timeoutMsFor, type ServiceConfig } from "./service-config.js";

export interface ConnectOptions {
  /** `host:port` of the tracking-server, e.g. `"localhost:9090"`. */
  target: string;
  /** Sent as `authorization: Bearer <apiKey>` on every call when set. */
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

/** A connection to a kcid tracking-server with the three service stubs. */
export interface KcidClient {
  readonly clicks: Client<typeof ClickService>;
  readonly conversions: Client<typeof ConversionService>;
  readonly admin: Client<typeof AdminService>;
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

/**
 * Wraps a Connect client so that every method applies the service config's deadline
 * (unless the call passes its own `timeoutMs`) and rejects with a KcidError.
 */
function wrap<S extends DescService>(service: S, client: Client<S>, cfg: ServiceConfig): Client<S> {
  const out: Record<string, unknown> = {};
  const methods = client as unknown as Record<string, (req: unknown, opts?: CallOptions) => Promise<unknown>>;
  for (const m of service.methods) {
    const fn = methods[m.localName]!;
    const timeoutMs = timeoutMsFor(cfg, service.typeName, m.name);
    out[m.localName] = (req: unknown, opts?: CallOptions) =>
      fn(req, { ...opts, timeoutMs: opts?.timeoutMs ?? timeoutMs }).catch((e: unknown) => {
        throw KcidError.from(e);
      });
  }
  return out as Client<S>;
}

/**
 * Connects to a kcid tracking-server over gRPC (HTTP/2), with the shared service config
 * applied: 5 s deadlines, UNAVAILABLE retried everywhere, DEADLINE_EXCEEDED on reads.
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
  return {
    clicks: wrap(ClickService, createClient(ClickService, transport), cfg),
    conversions: wrap(ConversionService, createClient(ConversionService, transport), cfg),
    admin: wrap(AdminService, createClient(AdminService, transport), cfg),
    transport,
    close: () => sessionManager.abort(),
  };
}
