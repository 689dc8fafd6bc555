package io.kcid.edge.limit;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.EdgeMain;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.AbuseLimits;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The click and sign-in limits of {@link AbuseLimits}, through a real edge over real sockets (the
 * rates are tiny so no test depends on how fast the machine is), plus their memory bound and
 * start-up validation.
 */
class AbuseLimitsTest {
  private static final String ADMIN_KEY = "kak_abuse-limits-admin-key-0123456789";
  private static final String CLICK = "/c?a=acme&c=spring&u=https%3A%2F%2Fshop.example%2F&sig=s1";

  private final FakeBackend backend = new FakeBackend();
  private final ManagedChannel channel = NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();
  private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private HttpEdge edge;

  @AfterEach
  void close() throws InterruptedException {
    if (edge != null) {
      edge.close();
    }
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.close();
  }

  /** An edge behind a trusted proxy on loopback, so X-Forwarded-For picks the client address. */
  private void start(AbuseLimits limits) {
    EdgeConfig config = EdgeFixture.preset(backend.target()).callDeadline(Duration.ofSeconds(2))
        .trustedProxies(List.of("127.0.0.1")).adminKey(ADMIN_KEY).abuseLimits(limits).build();
    edge = HttpEdge.start(config, channel);
  }

  private HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder get(String path, String clientIp) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path)).header("X-Forwarded-For", clientIp).GET();
  }

  /** On the admin listener, where the web view is served. */
  private HttpRequest.Builder adminGet(String path, String clientIp) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + path)).header("X-Forwarded-For", clientIp).GET();
  }

  private HttpResponse<String> login(String key, String clientIp) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + "/admin/login"))
        .header("X-Forwarded-For", clientIp).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("key=" + key)));
  }

  @Test
  void clickFloodFromOneAddressIsLimited() {
    // 1 click per 10 s, bursts of 5: 20 clicks would need 150 s to pass unlimited.
    start(new AbuseLimits(0.1, 5, List.of(), 0));
    List<Integer> statuses = new ArrayList<>();
    HttpResponse<String> limited = null;
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = send(get(CLICK, "203.0.113.7"));
      statuses.add(response.statusCode());
      if (response.statusCode() == 429) {
        limited = response;
      } else {
        assertThat(response.statusCode()).isEqualTo(302);
      }
    }
    assertThat(statuses.subList(0, 5)).containsOnly(302);
    assertThat(statuses.stream().filter(s -> s == 429).count()).isGreaterThanOrEqualTo(13);
    assertRejected(limited, 429, "RATE_LIMITED", "clicks");
    assertThat(limited.headers().firstValue("Location")).as("a limited click never redirects").isEmpty();
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 10L);
    assertThat(backend.clicks).as("limited clicks never reach the backend").hasSizeLessThanOrEqualTo(7);
    // Another address has its own bucket; an IPv6 /64 is one address.
    assertThat(send(get(CLICK, "198.51.100.1")).statusCode()).isEqualTo(302);
    for (int i = 0; i < 5; i++) {
      send(get(CLICK, "2001:db8:1:2::" + (i + 1)));
    }
    assertThat(send(get(CLICK, "2001:db8:1:2::99")).statusCode()).isEqualTo(429);
  }

  @Test
  void trustedAdServerRangeIsNotLimited() {
    start(new AbuseLimits(0.1, 5, List.of("192.0.2.0/24", "2001:db8:ad::/48"), 0));
    for (int i = 0; i < 20; i++) {
      assertThat(send(get(CLICK, "192.0.2." + (i % 3 + 1))).statusCode()).isEqualTo(302);
      assertThat(send(get(CLICK, "2001:db8:ad::1")).statusCode()).isEqualTo(302);
    }
    for (int i = 0; i < 5; i++) {
      send(get(CLICK, "192.0.3.1"));
    }
    assertThat(send(get(CLICK, "192.0.3.1")).statusCode()).as("just outside the range").isEqualTo(429);
  }

  @Test
  void loginAttemptsAreRateLimitedAndKeyNeverLogged() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.setContext(root.getLoggerContext());
    log.start();
    root.addAppender(log);
    List<String> guesses = new ArrayList<>();
    try {
      start(new AbuseLimits(0, 100, List.of(), 3));
      for (int i = 0; i < 3; i++) {
        String guess = "kak_guessedSECRET" + i + "xyzzy";
        guesses.add(guess);
        assertThat(login(guess, "203.0.113.9").statusCode()).isEqualTo(401);
      }
      HttpResponse<String> limited = login("kak_guessedSECRET3xyzzy", "203.0.113.9");
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.headers().firstValue("Retry-After")).isPresent();
      assertThat(limited.headers().firstValue("Content-Security-Policy")).isPresent();
      assertThat(limited.headers().firstValue("Set-Cookie")).isEmpty();
      // Past the limit even the right key is not compared: guessing on cannot reveal the right guess.
      assertThat(login(ADMIN_KEY, "203.0.113.9").statusCode()).isEqualTo(429);
      // A Bearer on any page is a sign-in attempt too.
      assertThat(send(adminGet("/admin/accounts/acme", "203.0.113.9").header("Authorization", "Bearer " + ADMIN_KEY)).statusCode())
          .isEqualTo(429);
      // Another address signs in; the right key spends no budget.
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> ok = login(ADMIN_KEY, "198.51.100.20");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("Set-Cookie")).isPresent();
      }
      // Per key prefix: guesses sharing the first 8 characters, from ever new addresses, are limited at 3 x 3.
      int prefixLimited = 0;
      for (int i = 0; i < 15; i++) {
        String guess = "kak_abcd" + "SECRETTAIL" + i;
        guesses.add(guess);
        if (login(guess, "192.0.2." + (i + 1)).statusCode() == 429) {
          prefixLimited++;
        }
      }
      assertThat(prefixLimited).isGreaterThanOrEqualTo(3);
    } finally {
      root.detachAppender(log);
    }
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent event : log.list) {
      lines.add(event.getFormattedMessage());
    }
    assertThat(String.join("\n", lines)).contains("admin sign-in failed from 203.0.113.9").contains("answered 429");
    for (String line : lines) {
      assertThat(line).doesNotContain(ADMIN_KEY, "SECRET", "kak_");
    }
  }

  @Test
  void addressSprayingKeepsMemoryBounded() {
    AtomicLong now = new AtomicLong();
    ClickRateLimit limit = new ClickRateLimit(AbuseLimits.defaults(), new ClientIpResolver(List.of()), now::get);
    for (int i = 0; i < 3 * ClickRateLimit.MAX_KEYS; i++) {
      limit.charge("10." + (i >> 16 & 0xff) + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
      now.addAndGet(20_000); // 50 000 new addresses per second
    }
    assertThat(limit.trackedAddresses()).isLessThanOrEqualTo(ClickRateLimit.MAX_KEYS + 1);
    // A sprayed address is full again 50 ms after its click, so the sweep frees it: new addresses still get a bucket of their own.
    now.addAndGet(2_000_000_000L);
    for (int i = 0; i < 100; i++) {
      limit.charge("198.51.100.1");
    }
    assertThatThrownBy(() -> limit.charge("198.51.100.1")).isInstanceOf(Rejection.class);
    limit.charge("198.51.100.2");
  }

  @Test
  void limitsAreValidatedAtStartUp() {
    assertThatThrownBy(() -> options("--click-limit-exempt", "10.0.0.0/8,not-a-block"))
        .hasMessageContaining("KCID_EDGE_CLICK_LIMIT_EXEMPT").hasMessageContaining("not-a-block");
    assertThatThrownBy(() -> options("--click-limit-rate", "-1")).hasMessageContaining("KCID_EDGE_CLICK_LIMIT_RATE");
    assertThatThrownBy(() -> options("--click-limit-burst", "0")).hasMessageContaining("KCID_EDGE_CLICK_LIMIT_BURST");
    assertThatThrownBy(() -> options("--login-limit", "-3")).hasMessageContaining("KCID_EDGE_LOGIN_LIMIT");
    assertThat(options()).isEqualTo(AbuseLimits.defaults());
    assertThat(options("--click-limit-exempt", " 192.0.2.0/24 , 2001:db8::/32 ").clickExempt()).containsExactly("192.0.2.0/24", "2001:db8::/32");
  }

  private static AbuseLimits options(String... args) {
    EdgeMain main = CommandLine.populateCommand(new EdgeMain(), args);
    return main.abuseLimits();
  }
}
