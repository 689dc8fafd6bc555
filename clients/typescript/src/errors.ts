import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";

/** `google.rpc.ErrorInfo.domain` of every kcid error. */
export const ERROR_DOMAIN = "tracking.kcid.io";

/** Canonical gRPC status code name (`"INVALID_ARGUMENT"`, `"CANCELLED"`, …) of a Connect `Code`. */
export function grpcCodeName(code: Code): string {
  if (code === Code.Canceled) return "CANCELLED";
  const name = Code[code] as string | undefined;
  return name === undefined ? "UNKNOWN" : name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The Connect `Code` of a canonical gRPC status code name, or undefined. */
export function codeFromGrpcName(name: string): Code | undefined {
  for (const value of Object.values(Code)) {
    if (typeof value === "number" && grpcCodeName(value) === name.toUpperCase()) return value;
  }
  return undefined;
}

/**
 * Every failed call of a kcid client rejects with a KcidError, carrying the gRPC status and
 * the server's `google.rpc.ErrorInfo`: `reason` is the `ErrorReason` value name without the
 * `ERROR_REASON_` prefix (e.g. `"KCID_MAC_MISMATCH"`), or `""` when the failure did not come
 * from kcid (connection refused, deadline exceeded, …). `cause` is the original ConnectError
 * (headers/trailers in `cause.metadata`, every detail via `cause.findDetails(...)`).
 *
 * Deliberately not a subclass of ConnectError: Connect's `instanceof` check only recognizes
 * objects whose prototype is ConnectError.prototype itself or whose name is "ConnectError".
 */
export class KcidError extends Error {
  override name = "KcidError";
  /** The gRPC status code (Connect's `Code` uses the gRPC numbers). */
  readonly code: Code;
  /** The status message as sent by the server, without code or reason. */
  readonly rawMessage: string;
  /** e.g. `"KCID_MAC_MISMATCH"`; `""` when the error carried no ErrorInfo. */
  readonly reason: string;
  /** ErrorInfo domain, `"tracking.kcid.io"` for kcid's own errors. */
  readonly domain: string;
  /** ErrorInfo metadata, e.g. `{ position: "7" }` for `KCID_INVALID_CHARACTERS`. */
  readonly metadata: Readonly<Record<string, string>>;
  override readonly cause: ConnectError | undefined;

  constructor(
    rawMessage: string,
    code: Code = Code.Unknown,
    info: { reason?: string; domain?: string; metadata?: Record<string, string> } = {},
    cause?: ConnectError,
  ) {
    const reason = info.reason ?? "";
    super(`${grpcCodeName(code)}${reason ? ` ${reason}` : ""}: ${rawMessage}`, { cause });
    this.code = code;
    this.rawMessage = rawMessage;
    this.reason = reason;
    this.domain = info.domain ?? "";
    this.metadata = { ...(info.metadata ?? {}) };
    this.cause = cause;
  }

  /** The gRPC status code name, e.g. `"INVALID_ARGUMENT"`. */
  get grpcCode(): string {
    return grpcCodeName(this.code);
  }

  /** Converts anything a call threw (a ConnectError or not) into a KcidError. */
  static from(reason: unknown): KcidError {
    if (reason instanceof KcidError) return reason;
    const ce = ConnectError.from(reason);
    let infos: { reason: string; domain: string; metadata: Record<string, string> }[] = [];
    try {
      infos = ce.findDetails(ErrorInfoSchema);
    } catch {
      // undecodable details: keep code and message
    }
    const info = infos.find((i) => i.domain === ERROR_DOMAIN) ?? infos[0] ?? {};
    return new KcidError(ce.rawMessage, ce.code, info, ce);
  }
}
