package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.AbuseLimits;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.server.TrackingServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 12, items 7 and 10, through the real edge, tracking-server and Redis over loopback: hostile
 * input that crashed the edge (500 and a logged bug) is a 4xx that records nothing; the web view's
 * unauthenticated paths are 401 pages with its security headers; failed sign-ins and click floods
 * from one address are limited (429, Retry-After, no redirect) while the edge never logs the key and
 * an exempt ad-server range is never limited.
 *
 * <p>The edge trusts 127.0.0.1 as a proxy, so each test picks its client addresses with
 * {@code X-Forwarded-For}, as a load balancer in front of the edge would set it. Rates are tiny (a
 * click per 5 s, 3 failed sign-ins per minute) so nothing depends on the machine's speed.
 */
class HostileInputIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final String ADMIN_KEY = "kak_hostile-input-it-admin-key-0123456789";
  private static final String SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static HttpEdge edge;
  private static CreateAccountResponse account;
  private static Logger root;
  private static ListAppender<ILoggingEvent> log;

  @BeforeAll
  static void start() {
    root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    log = new ListAppender<>();
    log.setContext(root.getLoggerContext());
    log.start();
    root.addAppender(log);
    redis = RedisProcess.start(dir.resolve("redis"), false);
    int port = Stack.freePort();
    server = Stack.server(redis.url(), KEYS, port, Duration.ZERO);
    channel = Stack.channel(port);
    account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    // One click per 5 s per address, bursts of 5; 192.0.2.0/24 is the ad server's range; 3 failed sign-ins a minute.
    edge = HttpEdge.start(Stack.edgeConfig("127.0.0.1:" + port).trustedProxies(List.of("127.0.0.1")).adminKey(ADMIN_KEY)
        .abuseLimits(new AbuseLimits(0.2, 5, List.of("192.0.2.0/24"), 3)).build());
  }

  @AfterAll
  static void stop() {
    root.detachAppender(log);
    edge.close();
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  @Test
  void deeplyNestedJsonPostbackIs400() {
    String kcid = click("198.51.100.10");
    String body = "{\"kcid\":\"" + kcid + "\",\"goal\":\"sale\",\"token\":\"" + token() + "\",\"x\":"
        + "[".repeat(1000) + "]".repeat(1000) + "}";
    HttpResponse<String> nested = send(post("/postback", "application/json", body, "198.51.100.10"));
    assertRejected(nested, 400, "INVALID_PARAMETER");
    assertThat(nested.body()).doesNotContain("Exception");
    // Nothing was recorded: the same conversion, flat, is accepted as new.
    HttpResponse<String> flat = send(post("/postback", "application/json",
        "{\"kcid\":\"" + kcid + "\",\"goal\":\"sale\",\"token\":\"" + token() + "\"}", "198.51.100.10"));
    assertThat(flat.statusCode()).as(flat.body()).isEqualTo(200);
    assertThat(flat.body()).contains("\"status\":\"accepted\"");
    assertNoBugLogged();
  }

  @Test
  void deeplyNestedJsonBatchIs400() {
    String kcid = click("198.51.100.11");
    HttpResponse<String> arrays = send(post("/postbacks?token=" + token(), "application/json",
        "[".repeat(1001) + "]".repeat(1001), "198.51.100.11"));
    assertRejected(arrays, 400, "INVALID_PARAMETER");
    HttpResponse<String> inItem = send(post("/postbacks?token=" + token(), "application/json",
        "{\"postbacks\":[{\"kcid\":\"" + kcid + "\",\"goal\":\"sale\",\"x\":" + "{\"a\":".repeat(1000) + "1" + "}".repeat(1001) + "]}",
        "198.51.100.11"));
    assertRejected(inItem, 400, "INVALID_PARAMETER");
    HttpResponse<String> flat = send(post("/postbacks?token=" + token(), "application/json",
        "[{\"kcid\":\"" + kcid + "\",\"goal\":\"sale\"}]", "198.51.100.11"));
    assertThat(flat.statusCode()).as(flat.body()).isEqualTo(200);
    assertThat(flat.body()).contains("accepted").doesNotContain("duplicate");
    assertNoBugLogged();
  }

  @Test
  void adminSessionPathWithoutLoginIs401WithSecurityHeaders() {
    for (String path : List.of("/admin/session/anything", "/admin/session/anything?next=/admin/accounts/x", "/admin/session/")) {
      HttpResponse<String> response = send(get(path, "198.51.100.12"));
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertPageHeaders(response);
      assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
      assertThat(response.body()).doesNotContain("Exception");
    }
    assertNoBugLogged();
  }

  @Test
  void loginWithoutKeyFieldIs401() {
    for (String body : List.of("", "user=admin", "key")) {
      HttpResponse<String> response = send(post("/admin/login", "application/x-www-form-urlencoded", body, "198.51.100.13"));
      assertThat(response.statusCode()).as("body '%s'", body).isEqualTo(401);
      assertPageHeaders(response);
      assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
    }
    assertNoBugLogged();
  }

  @Test
  void loginAttemptsAreRateLimitedAndKeyNeverLogged() {
    String attacker = "203.0.113.66";
    List<String> guesses = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      guesses.add("kak_GUESS" + i + "-attacker-tries-this-key");
      assertThat(login(guesses.get(i), attacker).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> limited = login("kak_GUESS3-attacker-tries-this-key", attacker);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    assertPageHeaders(limited);
    // Limited means not compared: the right key from the limited address is refused too.
    assertThat(login(ADMIN_KEY, attacker).statusCode()).isEqualTo(429);
    // The admin elsewhere signs in.
    HttpResponse<String> admin = login(ADMIN_KEY, "198.51.100.14");
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(admin.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("kcid_admin="));
    String logged = logText();
    assertThat(logged).contains("admin sign-in failed from " + attacker).contains("answered 429");
    assertThat(logged).doesNotContain(ADMIN_KEY, "GUESS", "attacker-tries-this-key");
  }

  @Test
  void clickFloodFromOneAddressIsLimited() {
    String flooder = "203.0.113.77";
    int redirected = 0;
    HttpResponse<String> limited = null;
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = send(get(signedClick(), flooder));
      if (response.statusCode() == 302) {
        redirected++;
      } else {
        limited = response;
        assertRejected(response, 429, "RATE_LIMITED");
        assertThat(response.headers().firstValue("Location")).as("a limited click never redirects").isEmpty();
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
      }
    }
    // Bursts of 5 plus one click per 5 s: 20 clicks would take 75 s to all pass.
    assertThat(redirected).isBetween(5, 10);
    assertThat(limited).isNotNull();
    // Another address is not affected.
    assertThat(send(get(signedClick(), "198.51.100.15")).statusCode()).isEqualTo(302);
  }

  @Test
  void trustedAdServerRangeIsNotLimited() {
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = send(get(signedClick(), "192.0.2." + (i % 2 + 10)));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
      assertThat(response.headers().firstValue("Location")).hasValueSatisfying(l -> assertThat(l).startsWith("https://shop.example/"));
    }
    // The limit is on: the neighbouring block, outside the exempt range, is limited.
    List<Integer> outside = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      outside.add(send(get(signedClick(), "192.0.3.10")).statusCode());
    }
    assertThat(outside).contains(429);
  }

  @Test
  void hostileRequestsThroughTheRealServerAreNeverA5xx() {
    String kcid = click("198.51.100.16");
    String t = token();
    String id = account.getAccount().getAccountId();
    String huge = "9".repeat(900);
    List<String> queries = List.of(
        "kcid=" + kcid + "&goal=sale&token=" + t + "&value=" + huge + "&currency=EUR",
        "kcid=" + kcid + "&goal=sale&token=" + t + "&value=-1e309&currency=EUR",
        "kcid=" + kcid + "&goal=sale&token=" + t + "&value=NaN&currency=EUR",
        "kcid=" + kcid + "&goal=sale&token=" + t + "&value=1&currency=%F0%9F%92%A9",
        "kcid=" + kcid + "&goal=%00%0d%0a&token=" + t,
        "kcid=" + kcid + "&goal=sale&token=" + t + "&txid=" + "x".repeat(4000),
        "kcid=" + kcid + "&goal=sale&token=" + t + "&status=%E2%80%AE&event_time=99999999999999999999",
        "kcid=" + kcid + "&goal=sale&token=" + t + "&event_time=-1&s1=" + "%FF".repeat(100),
        "kcid=" + "A".repeat(2000) + "&goal=sale&token=" + t,
        "kcid=" + kcid.substring(0, kcid.length() - 1) + "&goal=sale&token=" + t,
        "kcid=" + kcid + "&a=" + id + "&goal=sale",
        "kcid=" + kcid + "&a=" + "%00".repeat(50) + "&goal=sale&token=x",
        "kcid=&goal=&token=",
        "kcid=" + kcid + "&goal=sale&token=" + t + "&token=" + t + "x");
    List<String> failures = new ArrayList<>();
    for (String query : queries) {
      HttpResponse<String> get = send(get("/postback?" + query, "198.51.100.16"));
      HttpResponse<String> form = send(post("/postback", "application/x-www-form-urlencoded", query, "198.51.100.16"));
      for (HttpResponse<String> response : List.of(get, form)) {
        if (response.statusCode() >= 500 || response.body().contains("Exception")) {
          failures.add(response.statusCode() + " " + response.body() + " for " + query);
        }
      }
    }
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 100; i++) {
      batch.append(i == 0 ? "" : ",").append("{\"kcid\":\"").append(i % 2 == 0 ? kcid : "x" + i)
          .append("\",\"goal\":\"sale\",\"value\":").append(i % 3 == 0 ? huge : "\"" + i + ".999\"").append('}');
    }
    HttpResponse<String> batched = send(post("/postbacks?token=" + t, "application/json", batch.append(']').toString(), "198.51.100.16"));
    if (batched.statusCode() >= 500) {
      failures.add(batched.statusCode() + " " + batched.body() + " for the batch");
    }
    for (String destination : List.of("https://shop.example/" + "%00".repeat(10), "https://" + "a".repeat(300) + ".example/",
        "https://shop.example/?" + "q=1&".repeat(500), "https://[::1]:99999/", "https://shop.example/\u2028")) {
      Map<String, String> params = new LinkedHashMap<>();
      params.put("a", id);
      params.put("c", "spring");
      params.put("s1", "\u0000\r\n");
      params.put("u", destination);
      HttpResponse<String> response = send(get(ClickUrlSigner.signedUrl("", params, account.getSecrets().getClickSecret()), "192.0.2.20"));
      if (response.statusCode() >= 500) {
        failures.add(response.statusCode() + " " + response.body() + " for a click to " + destination);
      }
    }
    assertThat(failures).isEmpty();
    assertNoBugLogged();
  }

  private static String token() {
    return account.getSecrets().getPostbackToken();
  }

  private static String signedClick() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account.getAccount().getAccountId());
    params.put("c", "spring");
    params.put("u", "https://shop.example/landing");
    return ClickUrlSigner.signedUrl("", params, account.getSecrets().getClickSecret());
  }

  /** A real click from {@code clientIp}; its kcid. */
  private static String click(String clientIp) {
    HttpResponse<String> response = send(get(signedClick(), clientIp));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(302);
    String location = response.headers().firstValue("Location").orElseThrow();
    return location.substring(location.indexOf("kcid=") + 5);
  }

  private static HttpResponse<String> login(String key, String clientIp) {
    return send(post("/admin/login", "application/x-www-form-urlencoded",
        "key=" + URLEncoder.encode(key, StandardCharsets.UTF_8), clientIp));
  }

  /** The web view and /metrics are served on the edge's loopback admin listener, everything else on the public port. */
  private static int portFor(String pathAndQuery) {
    return pathAndQuery.startsWith("/admin") || pathAndQuery.startsWith("/metrics") ? edge.adminPort() : edge.port();
  }

  private static HttpRequest.Builder get(String pathAndQuery, String clientIp) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portFor(pathAndQuery) + pathAndQuery)).header("X-Forwarded-For", clientIp).GET();
  }

  private static HttpRequest.Builder post(String pathAndQuery, String contentType, String body, String clientIp) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + portFor(pathAndQuery) + pathAndQuery))
        .header("X-Forwarded-For", clientIp).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void assertRejected(HttpResponse<String> response, int status, String reason) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.body()).contains("\"reason\":\"" + reason + "\"");
  }

  private static void assertPageHeaders(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(response.headers().firstValue("Content-Security-Policy")).hasValue(SECURITY_POLICY);
    assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  /** The edge logged no bug: no ERROR from io.kcid.edge. */
  private static void assertNoBugLogged() {
    for (ILoggingEvent event : List.copyOf(log.list)) {
      if (event.getLoggerName().startsWith("io.kcid.edge")) {
        assertThat(event.getLevel().toString()).as(event.getFormattedMessage()).isNotEqualTo("ERROR");
      }
    }
  }

  private static String logText() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : List.copyOf(log.list)) {
      text.append(event.getFormattedMessage()).append('\n');
      if (event.getThrowableProxy() != null) {
        text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
      }
    }
    return text.toString();
  }
}
