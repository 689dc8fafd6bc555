package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A conversion's value in the account's reporting currency reaches its destinations: the
 * {reporting_value} and {reporting_currency} macros of a postback and the webhook body's
 * reporting_value (with the rate used), delivered by the server's own workers over real HTTP to a
 * loopback receiver; empty and null while the rate is missing.
 */
class ReportingValueDeliveryTest {
  private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);

  private static LocalRedis redis;
  private static RunningServer running;
  private static HttpServer receiver;
  private static final BlockingQueue<String[]> received = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    DeliveryConfig delivery = TestServers.loopbackDelivery(true);
    running = RunningServer.start(TestServers.builder(redis.url()).delivery(delivery).build(), Duration.ofSeconds(60));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(new String[] {exchange.getRequestURI().toString(), new String(body, StandardCharsets.UTF_8)});
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    AdminServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .loadExchangeRates(LoadExchangeRatesRequest.newBuilder().addLines("Date, USD, ").addLines(TODAY + ", 1.0843, ").build());
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    running.close();
    redis.close();
  }

  private static String[] next() throws InterruptedException {
    String[] r = received.poll(15, TimeUnit.SECONDS);
    assertThat(r).as("the receiver got a delivery").isNotNull();
    return r;
  }

  private static CreateAccountResponse accountWithDestination(DestinationKind kind, String path) {
    CreateAccountResponse account = running.admin().createAccount(CreateAccountRequest.newBuilder().setReportingCurrency("EUR").build());
    DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .createDestination(CreateDestinationRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
            .setDestinationId("d").setKind(kind).setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + path).build());
    return account;
  }

  private static void convert(CreateAccountResponse account, String amount, String currency) {
    String kcid = running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setCampaignId("fx").build()).getClick().getKcid();
    running.conversions().recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
        .setValue(Money.newBuilder().setAmount(amount).setCurrencyCode(currency))
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build());
  }

  @Test
  void aPostbackCarriesTheValueInTheReportingCurrencyAndEmptyWhileTheRateIsMissing() throws Exception {
    received.clear();
    var account = accountWithDestination(DestinationKind.DESTINATION_KIND_POSTBACK,
        "/pb?v={value}&c={currency}&rv={reporting_value}&rc={reporting_currency}");
    convert(account, "100.00", "USD");
    // 100 USD at 1.0843 USD per EUR: 92.2253…, rounded half-even to cents.
    assertThat(next()[0]).isEqualTo("/pb?v=100.00&c=USD&rv=92.23&rc=EUR");
    convert(account, "5", "JPY"); // no JPY rate loaded: a missing rate, not a guess
    assertThat(next()[0]).isEqualTo("/pb?v=5&c=JPY&rv=&rc=");
  }

  @Test
  void aWebhookBodyCarriesTheReportingValueWithTheRateUsed() throws Exception {
    received.clear();
    var account = accountWithDestination(DestinationKind.DESTINATION_KIND_WEBHOOK, "/hook");
    convert(account, "100.00", "USD");
    String[] got = next();
    assertThat(got[0]).isEqualTo("/hook");
    JsonObject reporting = JsonParser.parseString(got[1]).getAsJsonObject().getAsJsonObject("data")
        .getAsJsonObject("reporting_value");
    assertThat(reporting.get("amount").getAsString()).isEqualTo("92.23");
    assertThat(reporting.get("currency").getAsString()).isEqualTo("EUR");
    assertThat(reporting.get("fx_rate").getAsString()).startsWith("0.92225");
    assertThat(reporting.get("fx_rate_date").getAsString()).isEqualTo(TODAY.toString());
  }
}
