package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The walkthrough of docs/walkthrough.md, end to end: {@code kcid up} as a real process (embedded
 * redis-server, tracking-server, http-edge), then the CLI commands and the HTTP calls a newcomer
 * pastes. Every command it runs must be on that page, so the page and the test cannot drift apart.
 */
class WalkthroughIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  private static Path home;
  private static int grpcPort;
  private static int edgePort;
  private static int adminPort;
  private static Process up;
  private static final List<String> upOutput = new CopyOnWriteArrayList<>();
  /** The commands run through {@link #kcid}, as {@code ./kcid account create}: each must be on the page. */
  private static final Set<String> commandsRun = new LinkedHashSet<>(List.of("up"));

  @BeforeAll
  static void startKcid() throws Exception {
    home = Files.createTempDirectory("kcid-home");
    grpcPort = freePort();
    edgePort = freePort();
    adminPort = freePort();
    up = command("up").redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          upOutput.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (upOutput.stream().noneMatch(l -> l.contains("kcid is up"))) {
      assertThat(up.isAlive()).as("kcid up exited: %s", upOutput).isTrue();
      assertThat(System.nanoTime()).as("kcid up did not start in time: %s", upOutput).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stopKcid() throws Exception {
    if (up != null && up.isAlive()) {
      up.destroy(); // SIGTERM, like Ctrl-C
      assertThat(up.waitFor(30, TimeUnit.SECONDS)).as("kcid up stops on SIGTERM").isTrue();
    }
  }

  private static ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("kcid.jar")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("KCID_"));
    env.put("KCID_HOME", home.toString());
    env.put("KCID_GRPC_PORT", Integer.toString(grpcPort));
    env.put("KCID_EDGE_PORT", Integer.toString(edgePort));
    env.put("KCID_EDGE_ADMIN_PORT", Integer.toString(adminPort));
    env.put("KCID_GRPC_ADDR", "localhost:" + grpcPort);
    env.put("KCID_EDGE_URL", "http://localhost:" + edgePort);
    env.put("KCID_DRAIN_DELAY_MS", "200");
    env.put("KCID_METRICS_PORT", "0"); // a free port: tests run side by side
    return pb;
  }

  record Result(int exit, String out, String err) {}

  private static Result kcid(String... args) throws Exception {
    return kcidAs(null, args);
  }

  /** A command run with {@code KCID_API_KEY=apiKey} (null: the CLI's local admin key). */
  private static Result kcidAs(String apiKey, String... args) throws Exception {
    commandsRun.add(args.length > 1 && Set.of("account", "goal", "api-key", "partner").contains(args[0])
        ? args[0] + " " + args[1] : args[0]);
    ProcessBuilder builder = command(args);
    if (apiKey != null) {
      builder.environment().put("KCID_API_KEY", apiKey);
    }
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out.trim(), err.trim());
  }

  private static JsonNode kcidJson(String... args) throws Exception {
    Result r = kcid(args);
    assertThat(r.exit()).as("kcid %s: %s", String.join(" ", args), r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void theWalkthroughWorks() throws Exception {
    // 1. A partner, an account under it and a goal.
    assertThat(kcidJson("partner", "create", "--name", "Agency One", "--id", "agency-one", "--json").at("/partner_id").asText())
        .isEqualTo("agency-one");
    JsonNode created = kcidJson("account", "create", "--partner", "agency-one", "--name", "Acme Shoes", "--id", "acme", "--json");
    assertThat(created.at("/account/account_id").asText()).isEqualTo("acme");
    assertThat(created.at("/account/partner_id").asText()).isEqualTo("agency-one");
    String token = created.at("/secrets/postback_token").asText();
    assertThat(token).startsWith("pbt_");
    assertThat(Files.exists(home.resolve("accounts/acme.json"))).isTrue();
    JsonNode goal = kcidJson("goal", "create", "--account", "acme", "--key", "purchase", "--window", "7d", "--json");
    assertThat(goal.at("/goal_key").asText()).isEqualTo("purchase");

    // 2. A signed click URL, followed through the edge: 302 to the landing page with the kcid.
    Result url = kcid("click-url", "--account", "acme", "--campaign", "spring-sale", "--sub", "s1=pub42",
        "--url", "https://shop.example/landing?ref=ad#buy");
    assertThat(url.exit()).as(url.err()).isZero();
    assertThat(url.out()).startsWith("http://localhost:" + edgePort + "/c?").contains("&sig=");
    HttpResponse<String> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(url.out())).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(redirect.statusCode()).isEqualTo(302);
    assertThat(redirect.headers().firstValue("Cache-Control")).hasValue("no-store");
    String location = redirect.headers().firstValue("Location").orElseThrow();
    assertThat(location).matches("https://shop\\.example/landing\\?ref=ad&kcid=[0-9a-z]{32}#buy");
    String kcid = location.replaceAll(".*kcid=([0-9a-z]{32}).*", "$1");

    // A tampered click URL is refused, and redirects nowhere.
    HttpResponse<String> tampered = HTTP.send(HttpRequest.newBuilder(URI.create(
        url.out().replace("spring-sale", "autumn-sale"))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(tampered.statusCode()).isEqualTo(400);
    assertThat(tampered.headers().firstValue("Location")).isEmpty();
    assertThat(JSON.readTree(tampered.body()).get("reason").asText()).isEqualTo("CLICK_SIGNATURE_INVALID");

    // 3. The kcid decodes and the click is stored.
    assertThat(kcid("inspect", kcid).out()).contains("valid:", "true");
    assertThat(kcidJson("click", kcid, "--json").at("/campaign_id").asText()).isEqualTo("spring-sale");

    // 4. The advertiser posts the conversion back: accepted, then duplicate.
    HttpResponse<String> accepted = HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://localhost:" + edgePort + "/postback?kcid=" + kcid + "&goal=purchase&value=49.90&currency=EUR&txid=order-1001&token=" + token))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(accepted.body());
    assertThat(body.get("status").asText()).isEqualTo("accepted");
    String conversionId = body.get("conversion_id").asText();
    assertThat(conversionId).isEqualTo(kcid + "-1");

    Result again = kcid("postback", "--kcid", kcid.toUpperCase(), "--goal", "purchase", "--account", "acme", "--json");
    assertThat(again.exit()).as(again.err()).isZero();
    JsonNode dup = JSON.readTree(again.out());
    assertThat(dup.get("status").asText()).isEqualTo("duplicate");
    assertThat(dup.get("conversion_id").asText()).isEqualTo(conversionId);

    // 5. It is recorded exactly once.
    JsonNode listed = kcidJson("conversions", "--kcid", kcid, "--json");
    assertThat(listed.get("conversions")).hasSize(1);
    assertThat(listed.at("/conversions/0/value/amount").asText()).isEqualTo("49.90");
    assertThat(listed.at("/conversions/0/value/currency_code").asText()).isEqualTo("EUR");

    // 6. The report counts the click and the conversion; the stream has the conversion.
    JsonNode stats = kcidJson("stats", "--account", "acme", "--by", "campaign,day", "--tz", "Europe/Berlin", "--json");
    assertThat(stats.at("/total/clicks").asLong()).isEqualTo(1);
    assertThat(stats.at("/total/approved_conversions").asLong()).isEqualTo(1);
    assertThat(stats.at("/total/values/0/approved_amount").asText()).isEqualTo("49.90");
    assertThat(stats.at("/rows/0/campaign_id").asText()).isEqualTo("spring-sale");
    Result table = kcid("stats", "--account", "acme", "--by", "campaign,day", "--tz", "Europe/Berlin");
    assertThat(table.out()).contains("spring-sale", "100.00%", "49.90 EUR");
    Result stream = kcid("stream", "--account", "acme", "--from-start", "--count", "1");
    assertThat(stream.exit()).as(stream.err()).isZero();
    assertThat(stream.out()).contains("recorded", conversionId, "acme", "purchase", "49.90 EUR");

    // A wrong token and a forged kcid are refused with their reasons.
    HttpResponse<String> wrongToken = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://localhost:" + edgePort + "/postback?kcid=" + kcid + "&token=pbt_nope")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrongToken.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrongToken.body()).get("reason").asText()).isEqualTo("POSTBACK_TOKEN_INVALID");
    HttpResponse<String> macro = HTTP.send(HttpRequest.newBuilder(URI.create(
        "http://localhost:" + edgePort + "/postback?clickid=%7Bkcid%7D&token=" + token)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(macro.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(macro.body()).get("reason").asText()).isEqualTo("KCID_MACRO_NOT_REPLACED");

    // 6. The postback log and explain show what happened, the rejection included.
    Result log = kcid("postbacks", "--account", "acme", "--since", "1h");
    assertThat(log.exit()).as(log.err()).isZero();
    assertThat(log.out()).contains(kcid, "accepted", "duplicate", "KCID_MACRO_NOT_REPLACED").doesNotContain(token);
    assertThat(kcid("explain", kcid).out()).contains("stored: account acme", "conversions (1)", conversionId);

    // A postback refused by a paused goal, replayed once the goal is resumed: dry run first.
    String kcid2 = HTTP.send(HttpRequest.newBuilder(URI.create(url.out())).build(), HttpResponse.BodyHandlers.ofString())
        .headers().firstValue("Location").orElseThrow().replaceAll(".*kcid=([0-9a-z]{32}).*", "$1");
    assertThat(kcid("goal", "pause", "--account", "acme", "--key", "purchase").exit()).isZero();
    assertThat(kcid("postback", "--account", "acme", "--kcid", kcid2, "--goal", "purchase", "--txid", "order-1002").out())
        .contains("HTTP 422", "GOAL_PAUSED");
    assertThat(kcid("goal", "resume", "--account", "acme", "--key", "purchase").exit()).isZero();
    assertThat(kcid("replay", "--account", "acme", "--since", "1h", "--reason", "GOAL_PAUSED", "--dry-run").out())
        .contains("1 would be accepted");
    assertThat(kcid("replay", "--account", "acme", "--since", "1h", "--reason", "GOAL_PAUSED").out()).contains("1 accepted");
    assertThat(kcidJson("conversions", "--kcid", kcid2, "--json").get("conversions")).hasSize(1);

    // 8. The partner runs its own advertisers with a key scoped to it; switched off, it stops.
    String partnerKey = kcidJson("api-key", "create", "--name", "agency-one-admin", "--roles", "admin,read",
        "--partner", "agency-one", "--json").at("/secret").asText();
    assertThat(partnerKey).startsWith("kak_");
    assertThat(kcidAs(partnerKey, "api-key", "whoami").out()).contains("partner agency-one");
    Result outlet = kcidAs(partnerKey, "account", "create", "--partner", "agency-one", "--name", "Acme Outlet", "--id", "acme-outlet");
    assertThat(outlet.exit()).as(outlet.err()).isZero();
    assertThat(kcid("account", "create", "--name", "Someone Else", "--id", "someone-else").exit()).isZero();
    JsonNode mine = JSON.readTree(kcidAs(partnerKey, "account", "list", "--json").out());
    assertThat(mine.findValuesAsText("account_id")).containsExactlyInAnyOrder("acme", "acme-outlet");
    Result foreign = kcidAs(partnerKey, "account", "get", "someone-else");
    assertThat(foreign.exit()).isEqualTo(1);
    assertThat(foreign.err()).contains("API_KEY_SCOPE_DENIED", "partner:agency-one");
    JsonNode rollup = JSON.readTree(kcidAs(partnerKey, "stats", "--partner", "agency-one", "--by", "account", "--json").out());
    assertThat(rollup.at("/total/clicks").asLong()).isEqualTo(2);
    assertThat(rollup.get("rows").findValuesAsText("account_id")).containsExactlyInAnyOrder("acme", "acme-outlet");
    assertThat(kcid("partner", "update", "agency-one", "--s2s", "off").exit()).isZero();
    assertThat(kcid("postback", "--account", "acme", "--kcid", kcid, "--goal", "purchase", "--txid", "order-1003").out())
        .contains("HTTP 403", "PARTNER_INACTIVE");
    assertThat(kcid("partner", "update", "agency-one", "--s2s", "on").exit()).isZero();
    assertThat(kcid("postback", "--account", "acme", "--kcid", kcid, "--goal", "purchase", "--txid", "order-1003").out())
        .contains("HTTP 200").doesNotContain("PARTNER_INACTIVE");

    // Health of the edge on its public port; metrics on its admin listener (loopback), never on the public port.
    assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + edgePort + "/readyz")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + edgePort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
    assertThat(String.join("\n", upOutput)).contains("http://127.0.0.1:" + adminPort + "/metrics")
        .contains("http://127.0.0.1:" + adminPort + "/admin/login");
    String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).contains("kcid_edge_requests_total").doesNotContain(token);
    assertThat(String.join("\n", upOutput)).doesNotContain(token);

    String page = Files.readString(Path.of("..", "docs", "walkthrough.md"));
    for (String command : commandsRun) {
      assertThat(Pattern.compile("\\./kcid " + Pattern.quote(command) + "(?![\\w-])").matcher(page).find())
          .as("docs/walkthrough.md shows ./kcid %s, which this test runs", command).isTrue();
    }
  }

  @Test
  void badConfigurationFailsAtStartWithAMessage() throws Exception {
    ProcessBuilder pb = command("server");
    pb.environment().put("KCID_REDIS_URL", "http://not-redis");
    pb.environment().put("KCID_MAC_KEYS", "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    Process p = pb.start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(err).contains("KCID_REDIS_URL=http://not-redis").contains("expected redis://");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
