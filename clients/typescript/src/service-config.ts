import { readFileSync } from "node:fs";
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeFromGrpcName } from "./errors.js";

/** The subset of the gRPC service config (clients/service_config.json) that the client applies. */
export interface ServiceConfig {
  methodConfig?: MethodConfig[];
}
export interface MethodConfig {
  name?: { service?: string; method?: string }[];
  timeout?: string;
  retryPolicy?: RetryPolicy;
}
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoff: string;
  maxBackoff: string;
  backoffMultiplier: number;
  retryableStatusCodes: string[];
}

/** The service config shipped with this package: a verbatim copy of clients/service_config.json. */
export function defaultServiceConfig(): ServiceConfig {
  // dist/src/service-config.js -> ../../service_config.json (the package root)
  const url = new URL("../../service_config.json", import.meta.url);
  return JSON.parse(readFileSync(url, "utf8")) as ServiceConfig;
}

/** Parses a protobuf JSON duration ("0.1s", "5s") into milliseconds. */
export function parseDuration(d: string): number {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(d.trim());
  if (!m) throw new Error(`invalid duration in service config: ${JSON.stringify(d)}`);
  return Math.round(Number(m[1]) * 1000);
}

/**
 * The method config that applies to a method, by gRPC's precedence: an entry naming the
 * service and method, then one naming only the service, then an empty (default) name.
 */
export function findMethodConfig(cfg: ServiceConfig, service: string, method: string): MethodConfig | undefined {
  const configs = cfg.methodConfig ?? [];
  const match = (pred: (n: { service?: string; method?: string }) => boolean) =>
    configs.find((c) => (c.name ?? []).some(pred));
  return (
    match((n) => n.service === service && n.method === method) ??
    match((n) => n.service === service && !n.method) ??
    match((n) => !n.service && !n.method)
  );
}

/** The configured deadline of a method in milliseconds, or undefined. */
export function timeoutMsFor(cfg: ServiceConfig, service: string, method: string): number | undefined {
  const t = findMethodConfig(cfg, service, method)?.timeout;
  return t === undefined ? undefined : parseDuration(t);
}

export interface RetryOptions {
  /** Sleeps between attempts; replaceable in tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Returns a number in [0, 1); replaceable in tests. */
  random?: () => number;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A Connect interceptor applying the service config's retryPolicy to unary calls, as gRPC
 * does: up to maxAttempts attempts (capped at 5) while the status is retryable, with
 * randomized exponential backoff (uniform in [0, min(initial * multiplier^n, max))), honoring
 * `grpc-retry-pushback-ms`; never after the call's own deadline or cancellation.
 */
export function retryInterceptor(cfg: ServiceConfig, opts: RetryOptions = {}): Interceptor {
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  return (next) => async (req) => {
    const policy = req.stream ? undefined : findMethodConfig(cfg, req.service.typeName, req.method.name)?.retryPolicy;
    if (!policy) return next(req);
    const maxAttempts = Math.min(Math.max(policy.maxAttempts, 1), 5);
    const retryable = new Set(policy.retryableStatusCodes.map(codeFromGrpcName).filter((c) => c !== undefined));
    const initial = parseDuration(policy.initialBackoff);
    const max = parseDuration(policy.maxBackoff);
    let backoff = initial;
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (e) {
        const err = ConnectError.from(e);
        if (attempt >= maxAttempts || req.signal.aborted || !retryable.has(err.code)) throw e;
        const pushback = err.metadata.get("grpc-retry-pushback-ms");
        let delay: number;
        if (pushback !== null) {
          const p = Number(pushback);
          if (!Number.isInteger(p) || p < 0) throw e; // server says: do not retry
          delay = p;
          backoff = initial;
        } else {
          delay = random() * Math.min(backoff, max);
          backoff = Math.min(backoff * policy.backoffMultiplier, max);
        }
        await sleep(delay, req.signal).catch(() => {
          throw e;
        });
      }
    }
  };
}

