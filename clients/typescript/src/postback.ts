/**
 * Postback signing: the `X-Kcid-Signature` header the edge's `/postback` verifies.
 *
 * `X-Kcid-Signature: t=<unix seconds>,v1=<signature>` where the signature is base64url (no
 * padding) of HMAC-SHA256, keyed with the UTF-8 bytes of the account's postback signing secret,
 * over `"<t>."` followed by the payload: the raw request body of a POST, or for a GET the
 * canonical query of all its query parameters ({@link postbackQueryPayload}, the same canonical
 * form as click URLs).
 */
import { createHmac } from "node:crypto";
import { canonicalQuery, type ClickParams } from "./signer.js";

/** The HTTP header that carries a postback signature. */
export const POSTBACK_SIGNATURE_HEADER = "X-Kcid-Signature";

/** The signed payload: bytes as sent; a string is taken as its UTF-8 bytes. */
export type PostbackPayload = Uint8Array | string;

function checkTimestamp(timestamp: number): number {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError(`timestamp must be Unix seconds as a non-negative integer, got ${timestamp}`);
  }
  return timestamp;
}

/** base64url (no padding) HMAC-SHA256 of `"<timestamp>." + payload`, keyed with the UTF-8 bytes of `secret`. */
export function signPostback(secret: string, timestamp: number, payload: PostbackPayload): string {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(`${checkTimestamp(timestamp)}.`, "utf8")
    .update(typeof payload === "string" ? Buffer.from(payload, "utf8") : payload)
    .digest("base64url");
}

/**
 * The value of `X-Kcid-Signature`: `t=<timestamp>,v1=<signature>`. Without a timestamp (or with
 * `undefined`) it is the current Unix time in seconds; the server accepts a timestamp within the
 * account's tolerance, 300 s by default.
 */
export function postbackSignatureHeader(secret: string, payload: PostbackPayload): string;
export function postbackSignatureHeader(secret: string, timestamp: number | undefined, payload: PostbackPayload): string;
export function postbackSignatureHeader(
  secret: string,
  timestampOrPayload: number | undefined | PostbackPayload,
  payload?: PostbackPayload,
): string {
  let t: number;
  let body: PostbackPayload;
  if (typeof timestampOrPayload === "number" || timestampOrPayload === undefined) {
    if (payload === undefined) throw new TypeError("postbackSignatureHeader needs the payload");
    t = timestampOrPayload ?? Math.floor(Date.now() / 1000);
    body = payload;
  } else {
    t = Math.floor(Date.now() / 1000);
    body = timestampOrPayload;
  }
  return `t=${t},v1=${signPostback(secret, t, body)}`;
}

/**
 * The payload a GET postback's signature covers: the canonical query of all its query
 * parameters (`sig` and empty values dropped, sorted by name, RFC 3986-encoded), as UTF-8 bytes.
 */
export function postbackQueryPayload(params: ClickParams): Uint8Array {
  return new Uint8Array(Buffer.from(canonicalQuery(params), "utf8"));
}
