package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import java.awt.image.BufferedImage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web view through the real HTTP edge, a tracking-server that requires API keys and a real
 * redis-server, and once in real headless Chromium.
 */
class WebViewIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final String SETUP_KEY = "setup-key-0123456789abcdefghijk";
  private static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  private static final String VIEW_KEY = "view-key-0123456789abcdefghijkl";
  private static final String XSS = "<script>alert(1)</script>";

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(16).macKeys(KEYS).redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5))
        // The deliveries page's receiver listens on loopback, an internal address refused by default.
        .delivery(new DeliveryConfig(true, DeliveryConfig.DEFAULT_MAX_AGE, List.of("127.0.0.1/32"),
            DeliveryConfig.DEFAULT_CONNECT_TIMEOUT, DeliveryConfig.DEFAULT_REQUEST_TIMEOUT, DeliveryConfig.DEFAULT_CONCURRENCY,
            DeliveryConfig.DEFAULT_LOG_RETENTION, DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER));
    server = TrackingServer.start(base.security(new ServerSecurity(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("setup:admin+issue:" + SETUP_KEY + ",edge:issue+ingest:" + EDGE_KEY + ",view:read:" + VIEW_KEY),
        Duration.ofMinutes(5), null, null, null, 4096, 1000, io.kcid.server.common.IpPrivacy.truncate())).build());
    edge = startEdge(VIEW_KEY);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .intercept(BackendAuth.bearer(SETUP_KEY)).build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
    clicks = ClickServiceGrpc.newBlockingStub(channel);
  }

  /** An edge carrying the edge key, with the web view signed in by {@code adminKey} (null: view off). */
  private static HttpEdge startEdge(String adminKey) {
    return HttpEdge.start(TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(5)).workerThreads(2)
        .apiKey(EDGE_KEY).adminKey(adminKey).build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  /** An account with a goal "sale"; returns its postback token. */
  private static String account(String id) {
    return account(id, "");
  }

  /** An account of {@code partner} (empty: the default) with a goal "sale"; returns its postback token. */
  private static String account(String id, String partner) {
    String token = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).setPartnerId(partner).build())
        .getSecrets().getPostbackToken();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    return token;
  }

  private static String click(String account, String campaign, String subId) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign)
        .putSubIds("s1", subId).build()).getClick().getKcid();
  }

  private static HttpResponse<String> postback(String kcid, String goal, String token) throws Exception {
    String query = "kcid=" + enc(kcid) + "&goal=" + enc(goal) + "&token=" + enc(token);
    return HTTP.send(HttpRequest.newBuilder(uri(edge, "/postback?" + query)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static URI uri(HttpEdge on, String path) {
    // The web view is served on the edge's admin listener (loopback), postbacks on its public port.
    int port = path.startsWith("/admin") || path.startsWith("/metrics") ? on.adminPort() : on.port();
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static HttpResponse<String> get(HttpEdge on, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(on, path));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> asAdmin(String path) throws Exception {
    return get(edge, path, "Authorization", "Bearer " + VIEW_KEY);
  }

  private static HttpResponse<String> login(String key) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(edge, "/admin/login")).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("key=" + enc(key))).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withoutTheAdminKeyEveryPageIs401() throws Exception {
    account("locked");
    for (String path : List.of("/admin/accounts/locked", "/admin/accounts/locked/postbacks", "/admin/kcid/x")) {
      assertThat(get(edge, path).statusCode()).as(path).isEqualTo(401);
      assertThat(get(edge, path, "Authorization", "Bearer " + VIEW_KEY + "x").statusCode()).isEqualTo(401);
      // A real key of the server, but without the read role: it may not sign in to a view it could read nothing in.
      assertThat(get(edge, path, "Authorization", "Bearer " + EDGE_KEY).statusCode()).isEqualTo(403);
      assertThat(get(edge, path, "Cookie", "kcid_admin=99999999999999.forged").statusCode()).isEqualTo(401);
    }
    HttpResponse<String> denied = get(edge, "/admin/accounts/locked");
    assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kcid-admin\"");
    assertThat(denied.body()).contains("<form method=\"post\" action=\"/admin/login\">").doesNotContain("Clicks");
    assertThat(login("not-the-key-0123456789").statusCode()).isEqualTo(401);
  }

  @Test
  void withoutAConfiguredAdminKeyTheViewIsOff() throws Exception {
    try (HttpEdge plain = startEdge(null)) {
      assertThat(get(plain, "/admin/accounts/acme", "Authorization", "Bearer " + VIEW_KEY).statusCode()).isEqualTo(404);
      assertThat(get(plain, "/admin/login").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void anAdminKeyWithoutTheReadRoleGetsTheServersRefusal() throws Exception {
    account("noread");
    // The edge forwards the human's key: a key without the read role reads nothing, whatever the edge's own key may do.
    try (HttpEdge weak = startEdge(EDGE_KEY)) {
      HttpResponse<String> page = get(weak, "/admin/accounts/noread", "Authorization", "Bearer " + EDGE_KEY);
      assertThat(page.statusCode()).as(page.body()).isEqualTo(403);
      assertThat(page.body()).contains("API_KEY_ROLE_MISSING").doesNotContain("<td>");
    }
  }

  @Test
  void statsPageShowsTheRecordedNumbersTableAndCharts() throws Exception {
    String token = account("stats");
    String first = click("stats", "web", "a");
    String second = click("stats", "web", "b");
    click("stats", "mail", "c");
    assertThat(postback(first, "sale", token).statusCode()).isEqualTo(200);
    assertThat(postback(second, "sale", token).statusCode()).isEqualTo(200);

    HttpResponse<String> page = asAdmin("/admin/accounts/stats");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValue("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    String today = LocalDate.now(ZoneOffset.UTC).toString();
    String body = page.body();
    // Day, clicks, conversions, approved, pending, rejected, rate: 2 of 3 clicks converted.
    assertThat(body).contains("<tr><td>" + today + "</td><td>3</td><td>2</td>");
    assertThat(body).contains("<td>66.7%</td>");
    assertThat(body).contains("<tr><td>" + LocalDate.now(ZoneOffset.UTC).minusDays(6) + "</td><td>0</td><td>0</td>");
    assertThat(body).contains("<tr><td>web</td><td>sale</td><td>2</td><td>2</td>").contains("<tr><td>mail</td>");
    assertThat(body).contains("<title>Conversions per day</title>").contains("<title>Time to convert</title>");
    // Both charts have a bar of height > 0: today's conversions and the fastest time-to-convert bucket.
    assertThat(Pattern.compile("<rect class=\"bar\" [^>]*height=\"[1-9]").matcher(body).results().count()).isEqualTo(2);
  }

  @Test
  void statsPageBreaksCampaignsDownByOneDetailDimensionAtATime() throws Exception {
    String token = account("bydim");
    assertThat(postback(click("bydim", "web", "a"), "sale", token).statusCode()).isEqualTo(200);
    click("bydim", "web", "b");
    click("bydim", "mail", "a");

    String bySubId = asAdmin("/admin/accounts/bydim?by=s1").body();
    assertThat(bySubId).contains("<h2>By campaign and s1</h2>").contains("<option value=\"s1\" selected>");
    // Campaign, s1, clicks, conversions: each (campaign, s1) pair is its own row.
    assertThat(bySubId).contains("<tr><td>web</td><td>a</td><td>1</td><td>1</td>")
        .contains("<tr><td>web</td><td>b</td><td>1</td><td>0</td>").contains("<tr><td>mail</td><td>a</td><td>1</td><td>0</td>");
    assertThat(asAdmin("/admin/accounts/bydim").body()).contains("<h2>By campaign and goal</h2>")
        .contains("<tr><td>web</td><td>sale</td><td>2</td><td>1</td>");
    HttpResponse<String> unknown = asAdmin("/admin/accounts/bydim?by=colour");
    assertThat(unknown.statusCode()).isEqualTo(400);
    assertThat(unknown.body()).contains("INVALID_PARAMETER").contains("Unknown breakdown");
  }

  @Test
  void statsPageShowsValuesInTheAccountsReportingCurrency() throws Exception {
    String token = account("fxview");
    admin.updateAccount(io.kcid.proto.tracking.v1.UpdateAccountRequest.newBuilder().setAccountId("fxview")
        .setReportingCurrency("EUR").build());
    admin.loadExchangeRates(io.kcid.proto.tracking.v1.LoadExchangeRatesRequest.newBuilder()
        .addLines("Date, USD").addLines(LocalDate.now(ZoneOffset.UTC) + ", 1.25").build());
    String query = "kcid=" + enc(click("fxview", "web", "a")) + "&goal=sale&token=" + enc(token) + "&value=10&currency=USD";
    HttpResponse<String> recorded =
        HTTP.send(HttpRequest.newBuilder(uri(edge, "/postback?" + query)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);

    String body = asAdmin("/admin/accounts/fxview").body();
    // 10 USD at 1.25 USD per EUR.
    assertThat(body).contains("<tr><td>USD</td><td>10.00</td>")
        .contains("<tr id=\"reporting-value\"><td>All in EUR</td><td>8.00</td><td>0.00</td><td>0.00</td></tr>");
    assertThat(body).doesNotContain("missing-rates");
  }

  @Test
  void deliveriesPageShowsTheDestinationAndItsDeliveredJob() throws Exception {
    String token = account("dlv");
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    receiver.createContext("/pb", exchange -> {
      received.add(exchange.getRequestURI().getRawQuery());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    try {
      DeliveryServiceGrpc.newBlockingStub(channel).createDestination(CreateDestinationRequest.newBuilder()
          .setAccountId("dlv").setDestinationId("partner-pb").setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
          .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?k={kcid}&s={status}").build());
      String kcid = click("dlv", "web", "a");
      assertThat(postback(kcid, "sale", token).statusCode()).isEqualTo(200);
      await().atMost(15, TimeUnit.SECONDS).untilAsserted(() ->
          assertThat(received).containsExactly("k=" + kcid + "&s=approved"));
      await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
        HttpResponse<String> page = asAdmin("/admin/accounts/dlv/deliveries");
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains("<td>partner-pb</td><td>account</td><td>postback</td>", "Latest 1 deliveries",
            "<td>recorded</td><td>delivered</td><td>1</td><td>HTTP 200</td>", "href=\"/admin/kcid/" + kcid);
      });
      // Every account page links to it.
      assertThat(asAdmin("/admin/accounts/dlv").body()).contains("href=\"/admin/accounts/dlv/deliveries\"");
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void postbackLogListsOutcomesAndReasons() throws Exception {
    String token = account("log");
    String kcid = click("log", "web", "a");
    postback(kcid, "sale", token);
    postback(kcid, "sale", token);
    String unknown = new KcidCodec(KEYS, 16).mintRandomPartition(Instant.now());
    postback(unknown, "sale", token);
    // Without credentials: refused, and kept apart from the log (counted and sampled below it).
    assertThat(postback(kcid, "sale", "").statusCode()).isEqualTo(401);

    // The postback log is written once the answer is decided, not waited for (PostbackJournal).
    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(asAdmin("/admin/accounts/log/postbacks").body()).contains("Latest 3 postbacks"));
    HttpResponse<String> page = asAdmin("/admin/accounts/log/postbacks");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    String body = page.body();
    assertThat(body).contains("Latest 3 postbacks");
    assertThat(body).containsPattern("<td>rejected</td><td>CLICK_NOT_FOUND</td><td>[^<]+</td><td><a href=\"/admin/kcid/" + unknown);
    assertThat(body).containsPattern("<td>duplicate</td><td>DUPLICATE_CONVERSION</td>");
    assertThat(body).containsPattern("<td>accepted</td><td></td>");
    assertThat(body).contains("<td>sale</td><td>127.0.0.0/24</td>");
    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(asAdmin("/admin/accounts/log/postbacks").body()).contains("Latest 3 postbacks",
            "Unauthenticated refusals: 1 ", "<tr><td>POSTBACK_CREDENTIALS_MISSING</td><td>1</td></tr>", "Latest 1 sampled refusals"));
  }

  @Test
  void aReplayThatMetARecordedConversionShowsAsDuplicateReplay() throws Exception {
    String token = account("replayed");
    String kcid = click("replayed", "web", "a");
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId("replayed").setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    assertThat(postback(kcid, "sale", token).statusCode()).isEqualTo(422);
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId("replayed").setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_ACTIVE).build());
    // The advertiser resent it once the goal ran again: the replay then meets that conversion.
    assertThat(postback(kcid, "sale", token).statusCode()).isEqualTo(200);
    DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel);
    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(asAdmin("/admin/accounts/replayed/postbacks").body()).contains("Latest 2 postbacks"));
    ReplayPostbacksResponse replay = diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId("replayed")
        .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond()))
        .build());
    assertThat(replay.getResultsList()).singleElement()
        .satisfies(r -> assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE));

    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(asAdmin("/admin/accounts/replayed/postbacks").body()).contains("Latest 3 postbacks"));
    String body = asAdmin("/admin/accounts/replayed/postbacks").body();
    assertThat(body).contains("<td>duplicate (replay)</td><td>DUPLICATE_CONVERSION</td>")
        .contains("<td>accepted</td>").contains("<td>rejected</td><td>GOAL_PAUSED</td>");
    assertThat(asAdmin("/admin/kcid/" + kcid).body()).contains("<td>duplicate (replay)</td>");
  }

  @Test
  void explainPageShowsClickConversionsAndAttempts() throws Exception {
    String token = account("explain");
    String kcid = click("explain", "spring-sale", "partner-7");
    String conversionId = JSON_ID.matcher(postback(kcid, "sale", token).body()).results().findFirst().orElseThrow().group(1);
    postback(kcid, "nope", token);

    // The postback log is written once the answer is decided, not waited for (PostbackJournal).
    await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(asAdmin("/admin/kcid/" + kcid).body()).contains("Postback attempts (2)"));
    HttpResponse<String> page = asAdmin("/admin/kcid/" + kcid);
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    String body = page.body();
    assertThat(body).contains("<td>yes</td>").contains("<td>explain</td><td>spring-sale</td>").contains("partner-7");
    assertThat(body).contains("Conversions (1)").contains("<td>" + conversionId + "</td><td>sale</td>");
    assertThat(body).contains("Postback attempts (2)").contains("<td>accepted</td>").contains("<td>rejected</td><td>GOAL_NOT_FOUND</td>");

    HttpResponse<String> malformed = asAdmin("/admin/kcid/%7Bkcid%7D");
    assertThat(malformed.statusCode()).isEqualTo(200);
    assertThat(malformed.body()).contains("<td>no</td><td>KCID_MACRO_NOT_REPLACED</td>");
  }

  private static final Pattern JSON_ID = Pattern.compile("\"conversion_id\":\"([^\"]+)\"");

  @Test
  void everyValueIsEscaped() throws Exception {
    String token = account("xss");
    String kcid = click("xss", XSS, "<img src=x onerror=alert(2)>");
    postback(kcid, "sale", token);
    postback(kcid, XSS, token);
    for (String path : List.of("/admin/accounts/xss", "/admin/accounts/xss/postbacks", "/admin/kcid/" + kcid,
        "/admin/kcid/" + enc(XSS))) {
      HttpResponse<String> page = asAdmin(path);
      assertThat(page.statusCode()).as(path + page.body()).isIn(200);
      assertThat(page.body()).as(path).doesNotContain("<script").doesNotContain("<img").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    assertThat(asAdmin("/admin/kcid/" + kcid).body()).contains("&lt;img src=x onerror=alert(2)&gt;");
  }

  @Test
  void loginSetsASignedCookieAndOneTimeLinksWorkOnce() throws Exception {
    account("cookie");
    HttpResponse<String> signedIn = login(VIEW_KEY);
    assertThat(signedIn.statusCode()).isEqualTo(200);
    String setCookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).startsWith("kcid_admin=").containsIgnoringCase("HttpOnly").contains("SameSite=Strict").doesNotContain("Secure")
        .doesNotContain(VIEW_KEY);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    assertThat(get(edge, "/admin/accounts/cookie", "Cookie", cookie).statusCode()).isEqualTo(200);
    String tampered = cookie.substring(0, "kcid_admin=".length()) + "9" + cookie.substring("kcid_admin=".length());
    assertThat(get(edge, "/admin/accounts/cookie", "Cookie", tampered).statusCode()).isEqualTo(401);

    String nonce = nonce(signedIn.body());
    HttpResponse<String> redeemed = get(edge, "/admin/session/" + nonce + "?next=/admin/accounts/cookie");
    assertThat(redeemed.statusCode()).isEqualTo(303);
    assertThat(redeemed.headers().firstValue("Location")).hasValue("/admin/accounts/cookie");
    assertThat(redeemed.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("kcid_admin=");
    assertThat(get(edge, "/admin/session/" + nonce + "?next=/admin/accounts/cookie").statusCode()).as("single use").isEqualTo(401);
    // A link never sends the browser off the view.
    HttpResponse<String> offsite = get(edge, "/admin/session/" + nonce(login(VIEW_KEY).body()) + "?next=//evil.example/");
    assertThat(offsite.headers().firstValue("Location")).as("the signed-in key's home instead").hasValue("/admin/partners");
    HttpResponse<String> toPartner = get(edge, "/admin/session/" + nonce(login(VIEW_KEY).body()) + "?next=/admin/partners/agency");
    assertThat(toPartner.headers().firstValue("Location")).hasValue("/admin/partners/agency");
  }

  /** Partner {@code id} with accounts {@code <id>-a} (3 clicks, 2 conversions) and {@code <id>-b} (1 click). */
  private static void partnerWithTraffic(String id) throws Exception {
    partners().createPartner(CreatePartnerRequest.newBuilder().setPartnerId(id).setDisplayName("Partner " + id).build());
    String token = account(id + "-a", id);
    account(id + "-b", id);
    for (int i = 0; i < 3; i++) {
      String kcid = click(id + "-a", "web", "s" + i);
      if (i < 2) {
        assertThat(postback(kcid, "sale", token).statusCode()).isEqualTo(200);
      }
    }
    click(id + "-b", "web", "s");
  }

  private static PartnerServiceGrpc.PartnerServiceBlockingStub partners() {
    return PartnerServiceGrpc.newBlockingStub(channel);
  }

  /** A stored API key with the read role, scoped as asked; returns its secret. */
  private static String readKey(String name, String partner, String account) {
    return admin.createApiKey(CreateApiKeyRequest.newBuilder().setName(name).addRoles(ApiKeyRole.API_KEY_ROLE_READ)
        .setPartnerId(partner).setAccountId(account).build()).getSecret();
  }

  private static String sessionCookie(HttpResponse<String> signedIn) {
    String setCookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError(signedIn.body()));
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void partnerPageShowsExactlyItsAccountsNumbersAndPlatformKeysListPartners() throws Exception {
    partnerWithTraffic("pw-one");
    partnerWithTraffic("pw-two");
    HttpResponse<String> page = asAdmin("/admin/partners/pw-one");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    String body = page.body();
    // Account, clicks, conversions, approved, pending, rejected, rate.
    assertThat(body).contains("<tr><td><a href=\"/admin/accounts/pw-one-a\">pw-one-a</a></td><td>3</td><td>2</td><td>2</td><td>0</td>"
        + "<td>0</td><td>66.7%</td>");
    assertThat(body).contains("<tr><td><a href=\"/admin/accounts/pw-one-b\">pw-one-b</a></td><td>1</td><td>0</td>");
    assertThat(body).contains("<tr><td>Total</td><td>4</td><td>2</td>");
    assertThat(body).doesNotContain("pw-two");

    HttpResponse<String> list = asAdmin("/admin/partners");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    assertThat(list.body()).contains("<a href=\"/admin/partners/pw-one\">pw-one</a>", "<a href=\"/admin/partners/pw-two\">pw-two</a>",
        "<td>Partner pw-one</td>");
    assertThat(asAdmin("/admin/partners/no-such-partner").statusCode()).isEqualTo(404);
    HttpResponse<String> home = asAdmin("/admin/");
    assertThat(home.statusCode()).isEqualTo(303);
    assertThat(home.headers().firstValue("Location")).hasValue("/admin/partners");
  }

  @Test
  void aPartnerKeySignsInAndSeesOnlyItsPartner() throws Exception {
    partnerWithTraffic("pk-own");
    partnerWithTraffic("pk-other");
    String key = readKey("pk-own-reader", "pk-own", "");
    HttpResponse<String> signedIn = login(key);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
    assertThat(signedIn.body()).contains("href=\"/admin/partners/pk-own\"").doesNotContain(key);
    assertThat(signedIn.headers().firstValue("Set-Cookie").orElseThrow()).doesNotContain(key);
    String cookie = sessionCookie(signedIn);

    HttpResponse<String> home = get(edge, "/admin/", "Cookie", cookie);
    assertThat(home.headers().firstValue("Location")).as("its partner page is its home").hasValue("/admin/partners/pk-own");
    HttpResponse<String> own = get(edge, "/admin/partners/pk-own", "Cookie", cookie);
    assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
    assertThat(own.body()).contains(">pk-own-a</a></td><td>3</td><td>2</td>").doesNotContain("pk-other");
    assertThat(get(edge, "/admin/accounts/pk-own-a", "Cookie", cookie).statusCode()).isEqualTo(200);

    // The server's scope check decides, and the page says so with 403, never 500.
    for (String path : List.of("/admin/partners/pk-other", "/admin/accounts/pk-other-a", "/admin/accounts/pk-other-a/postbacks")) {
      HttpResponse<String> refused = get(edge, path, "Cookie", cookie);
      assertThat(refused.statusCode()).as(path + refused.body()).isEqualTo(403);
      assertThat(refused.body()).as(path).doesNotContain("<td>3</td>");
    }
    // The same key as a bearer, without a session: the same answers.
    assertThat(get(edge, "/admin/partners/pk-other", "Authorization", "Bearer " + key).statusCode()).isEqualTo(403);
    assertThat(get(edge, "/admin/partners/pk-own", "Authorization", "Bearer " + key).statusCode()).isEqualTo(200);

    // An account-scoped key: its account page is its home.
    String accountKey = readKey("pk-own-a-reader", "", "pk-own-a");
    HttpResponse<String> accountSignIn = login(accountKey);
    assertThat(accountSignIn.statusCode()).as(accountSignIn.body()).isEqualTo(200);
    String accountCookie = sessionCookie(accountSignIn);
    assertThat(get(edge, "/admin/", "Cookie", accountCookie).headers().firstValue("Location")).hasValue("/admin/accounts/pk-own-a");
    assertThat(get(edge, "/admin/accounts/pk-own-a", "Cookie", accountCookie).statusCode()).isEqualTo(200);
    assertThat(get(edge, "/admin/accounts/pk-own-b", "Cookie", accountCookie).statusCode()).isEqualTo(403);
  }

  @Test
  void signingOutEndsTheSessionOnTheEdge() throws Exception {
    account("signout");
    HttpResponse<String> signedIn = login(VIEW_KEY);
    String cookie = sessionCookie(signedIn);
    assertThat(get(edge, "/admin/accounts/signout", "Cookie", cookie).statusCode()).isEqualTo(200);
    assertThat(get(edge, "/admin/logout", "Cookie", cookie).statusCode()).as("sign out is a POST").isEqualTo(405);
    HttpResponse<String> out = HTTP.send(HttpRequest.newBuilder(uri(edge, "/admin/logout")).header("Cookie", cookie)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(out.statusCode()).isEqualTo(200);
    assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("kcid_admin=;").contains("Max-Age=0");
    assertThat(get(edge, "/admin/accounts/signout", "Cookie", cookie).statusCode()).as("the old cookie is dead").isEqualTo(401);
    // A one-time link into an ended session does not revive it.
    HttpResponse<String> again = login(VIEW_KEY);
    String nonce = nonce(again.body());
    HTTP.send(HttpRequest.newBuilder(uri(edge, "/admin/logout")).header("Cookie", sessionCookie(again))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(get(edge, "/admin/session/" + nonce).statusCode()).isEqualTo(401);
  }

  private static String nonce(String body) {
    Matcher link = Pattern.compile("href=\"/admin/session/([A-Za-z0-9_-]+)\"").matcher(body);
    assertThat(link.find()).as(body).isTrue();
    return link.group(1);
  }

  @Test
  void headlessChromiumRendersTheStatsPageWithCharts() throws Exception {
    String token = account("chart");
    for (int i = 0; i < 5; i++) {
      String kcid = click("chart", "web", "s" + i);
      if (i < 4) {
        postback(kcid, "sale", token);
      }
    }
    String chromium = WebViewFixture.executable("chromium", "chromium", "chromium-browser");
    Path dir = Files.createTempDirectory("kcid-chromium");
    Path png = dir.resolve("stats.png");
    String link = "http://127.0.0.1:" + edge.adminPort() + "/admin/session/" + nonce(login(VIEW_KEY).body())
        + "?next=/admin/accounts/chart";
    Process process = new ProcessBuilder(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--user-data-dir=" + dir.resolve("profile"), "--window-size=1200,900", "--screenshot=" + png, link)
        .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
    assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(png).as(Files.readString(dir.resolve("chromium.log"))).exists();

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isEqualTo(1200);
    assertThat(image.getHeight()).isEqualTo(900);
    Set<Integer> colours = new HashSet<>();
    long conversionBars = 0;
    long histogramBars = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xffffff;
        colours.add(rgb);
        conversionBars += rgb == 0x3b6fd8 ? 1 : 0;
        histogramBars += rgb == 0x2e9e6a ? 1 : 0;
      }
    }
    assertThat(colours.size()).as("distinct colours: text, table, charts").isGreaterThan(50);
    assertThat(conversionBars).as("pixels of the conversions-per-day bars").isGreaterThan(500);
    assertThat(histogramBars).as("pixels of the time-to-convert bars").isGreaterThan(500);
    // Kept for a human to look at: target/ of the cli module.
    Files.copy(png, Path.of("target", "webview-stats.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
