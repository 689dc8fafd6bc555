package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server that records a new conversion hands its event to its own delivery workers, which send
 * it without reading the conversion or its click back from Redis; a retry reads them. Counted by
 * Redis itself: the conversion read's LRANGE (its history) in INFO commandstats, which Redis 6.2
 * and 7 both count for commands a script runs.
 */
class DeliveryHandOffTest {
  private static LocalRedis redis;
  private static RunningServer running;
  private static HttpServer receiver;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;
  private static final BlockingQueue<String> received = new LinkedBlockingQueue<>();
  /** Answers with 500 while above zero, then 200. */
  private static final AtomicInteger failuresLeft = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.builder(redis.url()).delivery(TestServers.loopbackDelivery(true)).build(),
        Duration.ofSeconds(60));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      boolean fail = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
      if (!fail) {
        received.add(exchange.getRequestURI().toString());
      }
      exchange.sendResponseHeaders(fail ? 500 : 204, -1);
      exchange.close();
    });
    receiver.start();
    client = RedisClient.create(redis.url());
    connection = client.connect();
  }

  @AfterAll
  static void stop() {
    connection.close();
    client.shutdown();
    receiver.stop(0);
    running.close();
    redis.close();
  }

  private static long conversionReads() {
    Matcher m = Pattern.compile("cmdstat_lrange:calls=(\\d+)").matcher(connection.sync().info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static String deliveredFor(CreateAccountResponse account) throws InterruptedException {
    String kcid = running.issueClick(account.getAccount().getAccountId(), "hand-off");
    assertThat(running.conversions().recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
        .setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("EUR"))
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build())
        .getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    String got = received.poll(30, TimeUnit.SECONDS);
    assertThat(got).as("the receiver got the delivery").isNotNull();
    assertThat(got).startsWith("/pb?kcid=" + kcid + "&v=12.50&c=EUR&cp=hand-off");
    return got;
  }

  @Test
  void aConversionSentAtOnceIsNotReadBackAndARetryIsRead() throws Exception {
    CreateAccountResponse account = running.newAccount();
    DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .createDestination(CreateDestinationRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
            .setDestinationId("d").setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
            .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort()
                + "/pb?kcid={kcid}&v={value}&c={currency}&cp={campaign}")
            .build());
    // (A destination created through this server is in its directory's cache at once.)
    long before = conversionReads();
    deliveredFor(account);
    deliveredFor(account);
    assertThat(conversionReads() - before).as("conversion reads for two deliveries sent at once").isZero();

    // The first attempt fails; the retry (after the schedule's first backoff) reads the conversion.
    failuresLeft.set(1);
    before = conversionReads();
    deliveredFor(account);
    assertThat(conversionReads() - before).as("conversion reads for a delivery retried once").isEqualTo(1);
  }
}
