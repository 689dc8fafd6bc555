package io.kcid.proto;

/**
 * Size limits of kcid's gRPC API, shared by the tracking-server (which enforces them) and its
 * callers (the http-edge checks a postback against them before forwarding it, so a request the
 * server would refuse is answered 413 up front instead of failing as a retryable RESOURCE_EXHAUSTED).
 */
public final class GrpcLimits {
  /**
   * The largest gRPC message the tracking-server accepts ({@code maxInboundMessageSize}): 16 MiB,
   * room for a batch of 100 signed postbacks each carrying its signed body (the edge caps bodies at
   * 64 KiB by default). Larger messages are refused with RESOURCE_EXHAUSTED.
   */
  public static final int MAX_MESSAGE_BYTES = 16 << 20;

  private GrpcLimits() {}
}
