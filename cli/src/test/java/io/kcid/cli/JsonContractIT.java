package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.sun.net.httpserver.HttpServer;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every command that prints data, against a real redis-server, tracking-server and edge, with
 * {@code -o json}: each output is validated against its committed schema (docs/cli-schemas) by a
 * JSON Schema validator. Also the output choices (-q, --fields, csv) and the exit codes scripts
 * branch on. Commands run in this JVM, except those that keep secrets in KCID_HOME (the kcid jar).
 */
class JsonContractIT {
  private static final String ADMIN_KEY = "admin-key-0123456789abcdefghijk";
  private static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  /** A destination's receiver on loopback (allowed by KCID_DELIVERY_ALLOWED_NETWORKS), answering 204. */
  private static HttpServer receiver;
  private static Path home;
  private static final Set<String> validated = new TreeSet<>();

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    home = Files.createTempDirectory("kcid-json-contract");
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(2000)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5))
        .streamPollInterval(Duration.ofMillis(20))
        .delivery(TestServers.loopbackDelivery(true))
        .security(new ServerSecurity(AuthMode.REQUIRED,
            ConfiguredApiKeys.parse("admin:admin+issue+ingest+read:" + ADMIN_KEY + ",edge:issue+ingest:" + EDGE_KEY),
            Duration.ofSeconds(5), null, null, null, 4096, 1000, io.kcid.server.common.IpPrivacy.truncate()))
        .build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(5)).apiKey(EDGE_KEY).build());
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    edge.close();
    server.close();
    redis.close();
  }

  /**
   * The kcid jar in its own process, with its own KCID_HOME and the admin key: for the commands
   * that keep secrets in KCID_HOME.
   */
  private static Result jar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("kcid.jar")));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KCID_") || k.equals("NO_COLOR"));
    pb.environment().put("KCID_HOME", home.toString());
    pb.environment().put("KCID_API_KEY", ADMIN_KEY);
    pb.environment().put("KCID_EDGE_URL", "http://127.0.0.1:" + edge.port());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out.trim(), err.trim());
  }

  /** A command in this JVM, capturing what it prints (as fast as the other cli tests). */
  private static Result run(String... args) {
    InProcessCli.Run r = InProcessCli.run(args);
    return new Result(r.exit(), r.out().trim(), r.err().trim());
  }

  /** A command that talks to the tracking-server, in this JVM. */
  private static Result api(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=127.0.0.1:" + server.port());
    all.add("--api-key=" + ADMIN_KEY);
    return run(all.toArray(String[]::new));
  }

  private static List<String> withGrpc(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=127.0.0.1:" + server.port());
    return all;
  }

  private static String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }

  /** Checks one command's JSON against docs/cli-schemas/&lt;command&gt;.v1.schema.json; returns it. */
  private static JsonNode valid(String command, Result r) throws Exception {
    assertThat(r.exit()).as("%s: %s", command, r.err()).isZero();
    JsonSchema schema = SCHEMAS.getSchema(Files.readString(
        CliSchemas.DIR.resolve(CliSchemas.fileName(command)), StandardCharsets.UTF_8));
    JsonNode last = null;
    for (String line : r.out().lines().toList()) {
      JsonNode json = JSON.readTree(line);
      Set<ValidationMessage> errors = schema.validate(json);
      assertThat(errors).as("%s printed %s", command, line).isEmpty();
      last = json;
    }
    assertThat(last).as("%s printed no JSON", command).isNotNull();
    validated.add(command);
    return last;
  }

  @Test
  void everyCommandPrintsWhatItsSchemaSays() throws Exception {
    JsonNode created = valid("account-create",
        jar(withGrpc("account", "create", "--name", "Shop", "--id", "shop", "--json").toArray(String[]::new)));
    String clickSecret = created.at("/secrets/click_secret").asText();
    String token = created.at("/secrets/postback_token").asText();
    JsonNode saved = JSON.readTree(home.resolve("accounts/shop.json").toFile());
    // One key style: the saved copy's keys are the output's.
    assertThat(created.at("/secrets/postback_token").asText()).startsWith("pbt_")
        .isEqualTo(saved.get("postback_token").asText());
    assertThat(created.get("saved_to").asText()).endsWith("shop.json");
    assertThat(created.at("/account/postback_token_hint").isMissingNode()).isTrue();
    assertThat(created.at("/account/click_retention").asText()).matches("[0-9]+[dhms]");
    valid("account-get", api("account", "get", "shop", "-o", "json"));
    valid("partner-create", api("partner", "create", "--name", "Agency One", "--window", "7d", "--currency", "EUR",
        "--time-zone", "Europe/Berlin", "--json"));
    valid("partner-list", api("partner", "list", "--json"));
    valid("partner-show", api("partner", "show", "agency-one", "--json"));
    valid("partner-update", api("partner", "update", "agency-one", "--s2s", "off", "--counting", "every-postback",
        "--json"));
    valid("account-list", api("account", "list", "--json"));
    valid("account-update", api("account", "update", "shop", "--name", "Shop 2", "--signature-tolerance", "5m", "--json"));
    JsonNode moved = valid("account-update", api("account", "update", "shop", "--partner", "agency-one",
        "--time-zone", "Asia/Tokyo", "--currency", "jpy", "--json"));
    assertThat(moved.get("partner_id").asText()).isEqualTo("agency-one");
    assertThat(moved.get("currency_code").asText()).isEqualTo("JPY");
    valid("account-list", api("account", "list", "--partner", "agency-one", "--json"));
    // Back where it was (agency-one is switched off above): the rest of the walk clicks and posts back.
    JsonNode back = valid("account-update", api("account", "update", "shop", "--partner", "default",
        "--time-zone", "UTC", "--currency", "", "--json"));
    assertThat(back.get("currency_code").asText()).as(back.toString()).isEmpty();
    valid("partner-create", api("partner", "create", "--name", "Short Lived", "--json"));
    valid("partner-delete", api("partner", "delete", "short-lived", "--cascade", "--json"));
    JsonNode destination = valid("destination-create", api("destination", "create", "--account", "shop", "--kind",
        "postback", "--url", "https://203.0.113.10/pb?cid={s1}&payout={value}&txid={txid}&status={status}", "--id", "tracker",
        "--on", "accepted,approved", "--status-map", "approved=1,rejected=2", "--json"));
    assertThat(destination.at("/destination/triggers/0").asText()).isEqualTo("accepted");
    assertThat(destination.at("/destination/status_map/approved").asText()).isEqualTo("1");
    JsonNode hook = valid("destination-create", api("destination", "create", "--partner", "default", "--kind", "webhook",
        "--url", "https://203.0.113.10/hook", "--id", "hook", "--json"));
    assertThat(hook.get("signing_secret").asText()).startsWith("whsec_");
    valid("destination-list", api("destination", "list", "--account", "shop", "--json"));
    valid("destination-show", api("destination", "show", "tracker", "--account", "shop", "--json"));
    valid("destination-update", api("destination", "update", "tracker", "--account", "shop", "--rate", "10", "--json"));
    valid("destination-pause", api("destination", "pause", "tracker", "--account", "shop", "--json"));
    valid("destination-resume", api("destination", "resume", "tracker", "--account", "shop", "--json"));
    valid("destination-rotate-secret", api("destination", "rotate-secret", "hook", "--partner", "default", "--grace", "1h",
        "--json"));
    valid("destination-delete", api("destination", "delete", "hook", "--partner", "default", "--json"));
    assertThat(api("destination", "create", "--account", "shop", "--kind", "webhook", "--id", "local", "--url",
        "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook").exit()).isZero();
    JsonNode tested = valid("destination-test", api("destination", "test", "local", "--account", "shop", "--json"));
    assertThat(tested.at("/attempt/status_code").asInt()).isEqualTo(204);
    valid("account-rotate-secret", jar(withGrpc("account", "rotate-secret", "shop", "--kind", "signing-secret",
        "--grace", "1h", "--json").toArray(String[]::new)));

    JsonNode goal = valid("goal-create", api("goal", "create", "--account", "shop", "--key", "sale", "--window", "7d",
        "--counting", "unique-transaction", "--value", "5", "--currency", "EUR", "--json"));
    assertThat(goal.get("attribution_window").asText()).isEqualTo("7d");
    assertThat(goal.get("counting_mode").asText()).isEqualTo("unique-transaction");
    assertThat(goal.at("/default_value/amount").asText()).isEqualTo("5");
    valid("goal-list", api("goal", "list", "--account", "shop", "--json"));
    valid("goal-pause", api("goal", "pause", "--account", "shop", "--key", "sale", "--json"));
    valid("goal-resume", api("goal", "resume", "--account", "shop", "--key", "sale", "--json"));

    valid("api-key-create", api("api-key", "create", "--name", "reports", "--roles", "read", "--json"));
    valid("api-key-list", api("api-key", "list", "--json"));
    valid("api-key-whoami", api("api-key", "whoami", "--json"));
    valid("api-key-revoke", api("api-key", "revoke", "reports", "--json"));

    Path ranges = Files.writeString(home.resolve("ranges.txt"), "192.0.2.0/24\n");
    JsonNode loaded = valid("bots-load", api("bots", "load", "--kind", "bot", ranges.toString(), "--json"));
    assertThat(loaded.get("loaded").asInt()).isEqualTo(1);
    assertThat(valid("bots-list", api("bots", "list", "--json")).at("/ranges/0/cidr").asText()).isEqualTo("192.0.2.0/24");
    valid("bots-clear", api("bots", "clear", "--json"));

    JsonNode cap = valid("cap-set", api("cap", "set", "shop", "daily-sales", "--goal", "sale", "--period", "daily", "--max", "100",
        "--json"));
    assertThat(cap.at("/cap/cap_id").asText()).isEqualTo("daily-sales");
    assertThat(valid("cap-list", api("cap", "list", "shop", "--json")).at("/caps/0/cap/cap_id").asText()).isEqualTo("daily-sales");
    valid("cap-delete", api("cap", "delete", "shop", "daily-sales", "--json"));

    Path rates = Files.writeString(home.resolve("eurofxref.csv"), "Date, USD, JPY, \n03 December 2025, 1.1652, N/A, \n");
    JsonNode fx = valid("fx-load", api("fx", "load", rates.toString(), "--json"));
    assertThat(fx.get("rates").asInt()).isEqualTo(1);
    assertThat(valid("fx-list", api("fx", "list", "--json")).at("/days/0/rates_per_eur/USD").asText()).isEqualTo("1.1652");

    JsonNode url = valid("click-url", run("click-url", "--account", "shop", "--campaign", "spring",
        "--url", "https://shop.example/landing", "--secret", clickSecret, "--edge", edgeUrl(), "--json"));
    String kcid = HTTP.send(HttpRequest.newBuilder(URI.create(url.get("url").asText())).build(),
        HttpResponse.BodyHandlers.discarding()).headers().firstValue("Location").orElseThrow()
        .replaceAll(".*kcid=([0-9a-z]{32}).*", "$1");
    valid("click", api("click", kcid, "--json"));
    valid("inspect", api("inspect", kcid, "--json"));

    JsonNode accepted = valid("postback", run("postback", "--token", token, "--edge", edgeUrl(), "--kcid", kcid,
        "--goal", "sale",
        "--value", "12.50", "--currency", "EUR", "--txid", "T-1", "--json"));
    assertThat(accepted.get("status").asText()).isEqualTo("accepted");
    // The "local" webhook receives it: the delivery log and a redeliver preview.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(api("deliveries", "--account", "shop", "--destination", "local", "--json").out())
            .contains("\"state\":\"delivered\""));
    JsonNode delivered = valid("deliveries", api("deliveries", "--account", "shop", "--json"));
    assertThat(delivered.at("/deliveries/0/delivery_id").asText()).startsWith("dlv_");
    JsonNode preview = valid("redeliver", api("redeliver", "--account", "shop", "--from", "1h", "--include-delivered",
        "--json"));
    assertThat(preview.get("dry_run").asBoolean()).isTrue();
    Result duplicate = run("postback", "--token", token, "--edge", edgeUrl(), "--kcid", kcid, "--goal", "sale",
        "--txid", "T-1", "--json");
    assertThat(JSON.readTree(duplicate.out()).get("reason").asText()).isEqualTo("DUPLICATE_TRANSACTION");
    JsonNode conversions = valid("conversions", api("conversions", "--kcid", kcid, "--json"));
    assertThat(conversions.at("/conversions/0/value/amount").asText()).isEqualTo("12.50");
    assertThat(conversions.at("/conversions/0/status").asText()).isEqualTo("approved");
    JsonNode changed = valid("conversion-status", api("conversion-status", "--kcid", kcid, "--txid", "T-1", "--status",
        "rejected", "--reason", "returned", "--json"));
    assertThat(changed.get("status").asText()).isEqualTo("rejected");

    // A postback a paused goal refused, replayed once it is resumed.
    String kcid2 = kcid(url.get("url").asText());
    api("goal", "pause", "--account", "shop", "--key", "sale");
    assertThat(run("postback", "--token", token, "--edge", edgeUrl(), "--kcid", kcid2, "--goal", "sale",
        "--txid", "T-2").exit()).isEqualTo(1);
    api("goal", "resume", "--account", "shop", "--key", "sale");
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(api("postbacks", "--account", "shop", "--json").out()).contains("GOAL_PAUSED"));
    JsonNode log = valid("postbacks", api("postbacks", "--account", "shop", "--json"));
    assertThat(log.findValuesAsText("outcome")).contains("accepted", "duplicate", "rejected");
    valid("explain", api("explain", kcid, "--json"));
    JsonNode replayed = valid("replay", api("replay", "--account", "shop", "--since", "1h", "--json"));
    assertThat(replayed.at("/results/0/outcome").asText()).isEqualTo("accepted");

    JsonNode stats = valid("stats", api("stats", "--account", "shop", "--by", "goal,day", "--json"));
    assertThat(stats.at("/total/clicks").isIntegralNumber()).isTrue();
    assertThat(stats.at("/total/clicks").asLong()).isEqualTo(2);
    JsonNode byAccount = valid("stats", api("stats", "--partner", "default", "--by", "account", "--json"));
    assertThat(byAccount.findValuesAsText("account_id")).contains("shop");
    assertThat(byAccount.at("/total/clicks").asLong()).isEqualTo(2);
    valid("stream", api("stream", "--account", "shop", "--from-start", "--count", "2", "--json"));
    Path orders = Files.writeString(home.resolve("orders.csv"), "kcid,txid,goal\n" + kcid + ",T-1,sale\n");
    JsonNode imported = valid("conversions-import", api("conversions", "import", orders.toString(), "--account", "shop",
        "--results", home.resolve("results.csv").toString(), "--json"));
    assertThat(imported.at("/outcomes/duplicate").asLong()).isEqualTo(1);
    JsonNode exported = valid("conversions-export", api("conversions", "export", "--account", "shop", "--since", "1h",
        "--json"));
    assertThat(exported.get("campaign_id").asText()).isEqualTo("spring");
    Path advertiser = Files.writeString(home.resolve("advertiser.csv"), "txid,kcid\nT-1," + kcid + "\nT-404,\n");
    Result reconciled = api("conversions", "reconcile", advertiser.toString(), "--account", "shop", "--json");
    assertThat(reconciled.exit()).isEqualTo(1);
    JsonNode missing = valid("conversions-reconcile", new Result(0, reconciled.out(), reconciled.err()));
    assertThat(missing.at("/missing/0/txid").asText()).isEqualTo("T-404");
    JsonNode doctor = valid("doctor", api("doctor", "--spool-dir=off", "--json"));
    assertThat(doctor.findValuesAsText("check")).contains("server");

    assertThat(validated).as("every schema checked against real output").isEqualTo(CliSchemas.all().keySet().stream()
        .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));

    outputChoices(kcid);
  }

  private static String kcid(String clickUrl) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(clickUrl)).build(), HttpResponse.BodyHandlers.discarding())
        .headers().firstValue("Location").orElseThrow().replaceAll(".*kcid=([0-9a-z]{32}).*", "$1");
  }

  /** -q, --fields and csv on the data the test made. */
  private static void outputChoices(String kcid) throws Exception {
    assertThat(api("account", "list", "-q").out()).isEqualTo("shop");
    assertThat(api("goal", "list", "--account", "shop", "--quiet").out().lines()).contains("sale");
    assertThat(api("conversions", "--kcid", kcid, "-q").out()).isEqualTo(kcid + "-1");
    Result csv = api("postbacks", "--account", "shop", "-o", "csv", "--fields", "outcome,reason,request.kcid");
    assertThat(csv.exit()).as(csv.err()).isZero();
    assertThat(csv.out().lines().toList()).first().isEqualTo("outcome,reason,request.kcid");
    assertThat(csv.out()).contains("duplicate,DUPLICATE_TRANSACTION," + kcid);
    Result table = api("conversions", "--kcid", kcid, "--fields", "conversion_id,status,value.amount");
    assertThat(table.out().lines().toList()).first().asString().startsWith("conversion_id").contains("value.amount");
    assertThat(table.out()).contains(kcid + "-1", "rejected", "12.50");
    JsonNode only = JSON.readTree(api("conversions", "--kcid", kcid, "--json", "--fields", "conversion_id,status").out());
    assertThat(only.at("/conversions/0").size()).isEqualTo(2);
    assertThat(api("conversions", "--kcid", kcid, "--fields", "no_such_key").exit()).isEqualTo(2);
    assertThat(api("stats", "--account", "shop", "-q").exit()).isEqualTo(2);
  }

  @Test
  void exitCodesSayWhatHappened() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    // 3: nothing answers (retry later).
    Result unreachable = run("account", "list", "--grpc-addr=127.0.0.1:" + closed, "--timeout-ms", "3000");
    assertThat(unreachable.err()).contains("cannot reach the tracking-server");
    // The jar's process exits with the code too.
    assertThat(jar("account", "list", "--grpc-addr=127.0.0.1:" + closed).exit()).isEqualTo(3);
    assertThat(unreachable.exit()).as(unreachable.err()).isEqualTo(3);
    Result edgeDown = run("postback", "--kcid", "x", "--token", "pbt_x", "--edge", "http://127.0.0.1:" + closed);
    assertThat(edgeDown.exit()).as(edgeDown.err()).isEqualTo(3);
    // 1: refused, with a reason.
    Result refused = api("account", "get", "nobody");
    assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
    assertThat(refused.err()).contains("ACCOUNT_NOT_FOUND");
    // 2: usage.
    assertThat(api("account", "list", "--no-such-flag").exit()).isEqualTo(2);
    assertThat(api("account", "list", "-o", "yaml").exit()).isEqualTo(2);
    assertThat(api("account", "list", "--json", "-o", "csv").exit()).isEqualTo(2);
  }
}
