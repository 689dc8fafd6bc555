package io.kcid.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.common.GrpcErrors;
import io.kcid.server.config.MetricsConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.Scrapes;
import io.kcid.server.testing.TestServers;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tracking-server's Prometheus endpoint: its series exist from the start at zero, move with the
 * calls they count, and pass {@code promtool check metrics}.
 */
class ServerMetricsTest {
  private static LocalRedis redis;

  @BeforeAll
  static void startRedis() {
    redis = LocalRedis.startTemporary();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Test
  void everySeriesExistsAtZeroFromTheStartAndTheScrapePassesPromtool() throws Exception {
    try (RunningServer running = RunningServer.start(
        TestServers.builder(redis.url()).metrics(new MetricsConfig("127.0.0.1", 0)).build(), Duration.ofSeconds(10))) {
      String scrape = Scrapes.fetch("http://127.0.0.1:" + running.server().metricsPort() + "/metrics");

      Scrapes.assertPromtoolClean(scrape);
      assertThat(Scrapes.require(scrape, "kcid_server_clicks_issued_total", Map.of("kind", "minted"))).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_clicks_issued_total", Map.of("kind", "pre_minted"))).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total", Map.of("outcome", "accepted", "reason", "none")))
          .isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total",
          Map.of("outcome", "duplicate", "reason", "DUPLICATE_TRANSACTION"))).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total",
          Map.of("outcome", "refused", "reason", "KCID_MAC_MISMATCH"))).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total",
          Map.of("outcome", "unknown", "reason", "STORE_TIMEOUT"))).isZero();
      for (String result : new String[] {"ok", "too_few_replicas", "timeout", "failed"}) {
        assertThat(Scrapes.require(scrape, "kcid_server_redis_wait_total", Map.of("result", result))).isZero();
      }
      assertThat(Scrapes.require(scrape, "kcid_server_postback_log_write_failures_total", Map.of())).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_stream_readers", Map.of())).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_stats_hot_hashes", Map.of())).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_stats_hashes_compacted_total", Map.of())).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_stats_compaction_failures_total", Map.of())).isZero();
      assertThat(Scrapes.require(scrape, "kcid_server_errors_total", Map.of("reason", "API_KEY_INVALID"))).isZero();
      assertThat(Scrapes.require(scrape, "grpc_server_processing_duration_seconds_count", Map.of(
          "service", "kcid.tracking.v1.ConversionService", "method", "RecordConversion", "status_code", "UNAUTHENTICATED")))
          .isZero();
    }
  }

  @Test
  void clicksPostbacksAndRefusalsMoveTheirSeries() throws Exception {
    try (RunningServer running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(10))) {
      CreateAccountResponse account = running.newAccount();
      String kcid = running.issueClick(account.getAccount().getAccountId(), "c1");
      PostbackCredentials credentials = PostbackCredentials.newBuilder()
          .setToken(account.getSecrets().getPostbackToken()).setClientIp("127.0.0.1").build();
      running.conversions().recordConversion(
          RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(credentials).build());
      String forged = kcid.substring(0, kcid.length() - 1) + (kcid.endsWith("a") ? "b" : "a");
      assertThatThrownBy(() -> running.conversions().recordConversion(
          RecordConversionRequest.newBuilder().setKcid(forged).setCredentials(credentials).build()))
          .isInstanceOf(StatusRuntimeException.class);

      String scrape = running.server().scrapeMetrics();
      assertThat(Scrapes.require(scrape, "kcid_server_clicks_issued_total", Map.of("kind", "minted"))).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total", Map.of("outcome", "accepted"))).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "kcid_server_conversions_total",
          Map.of("outcome", "refused", "reason", "KCID_MAC_MISMATCH"))).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "kcid_server_errors_total", Map.of("reason", "KCID_MAC_MISMATCH")))
          .isEqualTo(1);
      assertThat(Scrapes.require(scrape, "grpc_server_processing_duration_seconds_count", Map.of(
          "method", "RecordConversion", "status_code", "OK"))).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "grpc_server_processing_duration_seconds_count", Map.of(
          "method", "RecordConversion", "status_code", "INVALID_ARGUMENT"))).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "lettuce_command_completion_seconds_count", Map.of("command", "EVALSHA")))
          .isPositive();
    }
  }

  @Test
  void aConsumerGroupsUnacknowledgedEventsArePublishedByGroupName() throws Exception {
    try (RunningServer running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(30))) {
      CreateAccountResponse account = running.newAccount();
      String accountId = account.getAccount().getAccountId();
      running.conversions().recordConversion(RecordConversionRequest.newBuilder()
          .setKcid(running.issueClick(accountId, "c1"))
          .setCredentials(PostbackCredentials.newBuilder()
              .setToken(account.getSecrets().getPostbackToken()).setClientIp("127.0.0.1"))
          .build());
      Context.CancellableContext reader = Context.current().withCancellation();
      try {
        reader.call(() -> {
          Iterator<StreamConversionsResponse> events = ConversionServiceGrpc.newBlockingStub(running.channel())
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .streamConversions(StreamConversionsRequest.newBuilder().setAccountId(accountId)
                  .setConsumerGroup("billing").setConsumerName("b1").setFromStart(true).build());
          while (!events.next().hasEvent()) {
            // a message without an event carries only a cursor
          }
          return null; // the event was delivered, and is never acknowledged
        });
      } finally {
        reader.cancel(null);
      }

      Awaitility.await().atMost(15, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Scrapes.value(
              running.server().scrapeMetrics(), "kcid_server_stream_group_pending", Map.of("group", "billing")))
          .hasValue(1.0));
      assertThat(running.server().scrapeMetrics()).as("no account id in a label").doesNotContain(accountId);
    }
  }

  @Test
  void aMetricsPortInUseFailsTheStartNamingIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> TrackingServer.start(TestServers.builder(redis.url())
          .metrics(new MetricsConfig("127.0.0.1", taken.getLocalPort())).build()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("Cannot serve metrics on 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void offServesNoEndpointButStillCounts() {
    try (RunningServer running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(10))) {
      assertThat(running.server().metricsPort()).isEqualTo(MetricsConfig.OFF_PORT);
      assertThat(running.server().scrapeMetrics()).contains("kcid_server_clicks_issued_total");
    }
  }

  @Test
  void theReasonOfAFailedCallComesFromItsErrorInfo() {
    StatusRuntimeException refused = GrpcErrors.status(ErrorReason.ERROR_REASON_RATE_LIMITED, "slow down", Map.of());
    assertThat(GrpcCallMeters.reasonOf(refused.getStatus(), refused.getTrailers()))
        .isEqualTo(ErrorReason.ERROR_REASON_RATE_LIMITED);
    assertThat(GrpcCallMeters.reasonOf(Status.CANCELLED, new Metadata()))
        .isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
  }

  @Test
  void portsOutsideTheRangeAreRefusedAtStart() {
    assertThatThrownBy(() -> new MetricsConfig("127.0.0.1", -2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KCID_METRICS_PORT=-2");
    assertThat(new MetricsConfig("127.0.0.1", -1).enabled()).isFalse();
  }
}
