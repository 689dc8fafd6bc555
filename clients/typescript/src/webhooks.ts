// Verifying the webhooks kcid sends, by the Standard Webhooks specification (standardwebhooks.com):
// webhook-signature holds space-separated "v1,<base64 HMAC-SHA256 of id.timestamp.body>" entries,
// one per secret that signed (two while a rotated secret's grace period lasts).
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_ID_HEADER = "webhook-id";
export const WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp";
export const WEBHOOK_SIGNATURE_HEADER = "webhook-signature";
/** How far a webhook's timestamp may be from now, either way, in seconds. */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 300;

/** Why a webhook was refused. */
export type WebhookFailure = "MISSING_HEADER" | "INVALID_TIMESTAMP" | "TIMESTAMP_OUT_OF_TOLERANCE" | "NO_MATCHING_SIGNATURE";

/**
 * A webhook that did not verify: answer it with a 4xx (kcid does not retry a 4xx other than
 * 408/429). `header` names the header at fault, if one is. Never holds a secret.
 */
export class WebhookVerificationError extends Error {
  constructor(
    readonly reason: WebhookFailure,
    readonly header?: string,
  ) {
    super(header === undefined ? `kcid webhook: ${reason}` : `kcid webhook: ${reason}: ${header}`);
    this.name = "WebhookVerificationError";
  }
}

/**
 * Request headers as frameworks hand them over: a fetch `Headers` (anything with `get`), Node's
 * `IncomingHttpHeaders` or a plain object with names in any case.
 */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface WebhookVerifierOptions {
  /** How far the timestamp may be from now, either way (default 300 s). */
  toleranceSeconds?: number;
  /** Now in milliseconds since the epoch (default `Date.now`); for tests and old replays. */
  now?: () => number;
}

function header(headers: WebhookHeaders, name: string): string {
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(name: string): string | null }).get(name) ?? "";
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name && value !== undefined) return Array.isArray(value) ? value.join(" ") : value;
  }
  return "";
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string): Buffer | undefined {
  return text.length % 4 === 0 && BASE64.test(text) ? Buffer.from(text, "base64") : undefined;
}

/**
 * Checks kcid webhook signatures with one or more secrets (`whsec_` + base64; the prefix is
 * optional): several while the receiver moves from one secret to the next. Reusable.
 */
export class WebhookVerifier {
  readonly #keys: Buffer[];
  readonly #toleranceSeconds: number;
  readonly #now: () => number;

  constructor(secrets: string | readonly string[], options: WebhookVerifierOptions = {}) {
    const list = typeof secrets === "string" ? [secrets] : secrets;
    if (list.length === 0) throw new Error("kcid webhook: no signing secret");
    this.#keys = list.map((secret, i) => {
      const trimmed = secret.trim();
      const key = decodeBase64(trimmed.startsWith("whsec_") ? trimmed.slice("whsec_".length) : trimmed);
      // The message never repeats the secret.
      if (key === undefined || key.length === 0) throw new Error(`kcid webhook: signing secret #${i + 1} is not whsec_ followed by base64`);
      return key;
    });
    this.#toleranceSeconds = options.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
    if (!(this.#toleranceSeconds >= 0)) throw new Error("kcid webhook: negative tolerance");
    this.#now = options.now ?? Date.now;
  }

  /**
   * Checks a webhook's headers and its body exactly as received (the raw bytes, or their UTF-8
   * text: read it whole before parsing; re-serialized JSON does not verify). Returns when kcid
   * sent it; throws a WebhookVerificationError otherwise.
   */
  verify(headers: WebhookHeaders, body: Uint8Array | string): void {
    this.verifyValues(
      header(headers, WEBHOOK_ID_HEADER),
      header(headers, WEBHOOK_TIMESTAMP_HEADER),
      header(headers, WEBHOOK_SIGNATURE_HEADER),
      body,
    );
  }

  /** `verify` for header values taken from elsewhere (a queue, a log). */
  verifyValues(id: string, timestamp: string, signature: string, body: Uint8Array | string): void {
    for (const [name, value] of [
      [WEBHOOK_ID_HEADER, id],
      [WEBHOOK_TIMESTAMP_HEADER, timestamp],
      [WEBHOOK_SIGNATURE_HEADER, signature],
    ] as const) {
      if (value.trim() === "") throw new WebhookVerificationError("MISSING_HEADER", name);
    }
    const ts = timestamp.trim();
    if (!/^-?[0-9]+$/.test(ts)) throw new WebhookVerificationError("INVALID_TIMESTAMP", WEBHOOK_TIMESTAMP_HEADER);
    if (Math.abs(this.#now() / 1000 - Number(ts)) > this.#toleranceSeconds) {
      throw new WebhookVerificationError("TIMESTAMP_OUT_OF_TOLERANCE");
    }
    const candidates: Buffer[] = [];
    for (const entry of signature.split(/\s+/)) {
      const comma = entry.indexOf(",");
      if (comma < 0 || entry.slice(0, comma) !== "v1") continue; // other versions (v1a: asymmetric) are not kcid's
      const decoded = decodeBase64(entry.slice(comma + 1));
      if (decoded !== undefined) candidates.push(decoded);
    }
    for (const key of this.#keys) {
      const expected = createHmac("sha256", key).update(`${id}.${ts}.`, "utf8").update(body).digest();
      // timingSafeEqual compares in constant time; it needs equal lengths, which is no secret.
      if (candidates.some((c) => c.length === expected.length && timingSafeEqual(c, expected))) return;
    }
    throw new WebhookVerificationError("NO_MATCHING_SIGNATURE");
  }
}

/** Verifies one webhook; see WebhookVerifier to verify many. */
export function verifyWebhook(
  secrets: string | readonly string[],
  headers: WebhookHeaders,
  body: Uint8Array | string,
  options?: WebhookVerifierOptions,
): void {
  new WebhookVerifier(secrets, options).verify(headers, body);
}
