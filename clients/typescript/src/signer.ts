/**
 * Click-URL signing, exactly per core/KCID-FORMAT.md ("Click URL signing"):
 * drop `sig` and empty values, sort by name (byte order), RFC 3986-encode name
 * and value over their UTF-8 bytes with upper-case hex, join with `&`; the
 * signature is base64url without padding of HMAC-SHA256 keyed with the UTF-8
 * bytes of the account's click secret.
 */
import { createHmac } from "node:crypto";

/** Click parameters: `a`, `c`, `cr`, `p`, `s1`..`s10`, `u`. Empty, null and undefined values are dropped. */
export type ClickParams =
  | Readonly<Record<string, string | null | undefined>>
  | ReadonlyMap<string, string | null | undefined>;

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 percent-encoding over UTF-8: keeps `A-Z a-z 0-9 - . _ ~`, everything else `%XX` (upper-case hex). */
export function percentEncode(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function entries(params: ClickParams): [string, string | null | undefined][] {
  return params instanceof Map ? [...params.entries()] : Object.entries(params);
}

/** The canonical query that is signed: every non-empty parameter except `sig`, sorted by name, encoded, `&`-joined. */
export function canonicalQuery(params: ClickParams): string {
  return entries(params)
    .filter((e): e is [string, string] => e[0] !== "sig" && e[1] !== null && e[1] !== undefined && e[1] !== "")
    .map(([name, value]) => [Buffer.from(name, "utf8"), name, value] as const)
    .sort((x, y) => Buffer.compare(x[0], y[0]))
    .map(([, name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join("&");
}

/** base64url (no padding) HMAC-SHA256 of `canonical`, keyed with the UTF-8 bytes of `secret`. */
export function sign(secret: string, canonical: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(canonical, "utf8").digest("base64url");
}

/** `<edge base URL without trailing slash>/c?<canonical query>&sig=<signature>`. */
export function signedUrl(edgeBaseUrl: string, params: ClickParams, secret: string): string {
  const canonical = canonicalQuery(params);
  return `${edgeBaseUrl.replace(/\/+$/, "")}/c?${canonical}&sig=${sign(secret, canonical)}`;
}
