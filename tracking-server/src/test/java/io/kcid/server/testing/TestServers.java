package io.kcid.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import java.time.Duration;
import java.util.List;

/** Test presets of the tracking-server config, and what tests read from its gRPC errors. */
public final class TestServers {
  /** The MAC keys of every preset unless a test sets its own. */
  public static final KcidKeyRing KEYS = KcidKeyRing.generate(1);

  private TestServers() {}

  /**
   * A server on loopback and a free port, on {@code redisUrl}, signing with {@link #KEYS}: no
   * account cache (a settings change applies to the next call), no drain delay, a 500 ms Redis
   * timeout, small queue and stream. Tests change what they need before {@code build()}.
   */
  public static ServerConfig.Builder builder(String redisUrl) {
    return ServerConfig.builder()
        .bindHost("127.0.0.1")
        .grpcPort(0)
        .redisUrl(redisUrl)
        .partitions(16)
        .macKeys(KEYS)
        .redisTimeout(Duration.ofMillis(500))
        .redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000)
        .drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5));
  }

  /** {@link #builder} as is. */
  public static ServerConfig config(String redisUrl) {
    return builder(redisUrl).build();
  }

  /** The kcid reason in a gRPC error's details; fails the test when there is none. */
  /**
   * Delivery settings for tests whose receivers listen on loopback (an internal address the SSRF
   * rule refuses by default): 127.0.0.1/32 allowed, 2 s to connect, 5 s per request.
   */
  public static DeliveryConfig loopbackDelivery(boolean workers) {
    return new DeliveryConfig(workers, DeliveryConfig.DEFAULT_MAX_AGE,
        List.of("127.0.0.1/32"), Duration.ofSeconds(2), Duration.ofSeconds(5),
        DeliveryConfig.DEFAULT_CONCURRENCY, DeliveryConfig.DEFAULT_LOG_RETENTION,
        DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER);
  }

  public static ErrorReason reasonOf(Throwable t) {
    ErrorInfo info = errorInfoOf(t);
    assertThat(info.getDomain()).isEqualTo(ErrorReasons.DOMAIN);
    return ErrorReasons.fromShortName(info.getReason());
  }

  /** The metadata of the kcid ErrorInfo in a gRPC error's details; fails the test when there is none. */
  public static java.util.Map<String, String> metadataOf(Throwable t) {
    return errorInfoOf(t).getMetadataMap();
  }

  private static ErrorInfo errorInfoOf(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    assertThat(status).as("a gRPC status with details").isNotNull();
    return status.getDetailsList().stream()
        .filter(a -> a.is(ErrorInfo.class))
        .map(a -> {
          try {
            return a.unpack(ErrorInfo.class);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        })
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ErrorInfo in " + status));
  }
}
