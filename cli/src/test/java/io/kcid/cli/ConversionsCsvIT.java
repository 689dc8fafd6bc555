package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.cli.InProcessCli.Run;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./kcid conversions import | export | reconcile} against a real tracking-server and
 * redis-server: an order list with good, duplicate and malformed rows (exact per-row results by
 * line), an idempotent re-import, the export of what was imported, the reasons reconcile gives, and
 * a large file imported in a forked JVM with a small heap (streaming).
 */
class ConversionsCsvIT {
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(2000)).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    clicks = ClickServiceGrpc.newBlockingStub(channel);
    conversions = ConversionServiceGrpc.newBlockingStub(channel);
    for (String account : List.of("acme", "other", "bulk")) {
      admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(account).build());
      admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(account).setGoalKey("sale")
          .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
    }
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("paused")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static Run kcid(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=127.0.0.1:" + server.port());
    return InProcessCli.run(all);
  }

  private static String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("spring").build())
        .getClick().getKcid();
  }

  private Path file(String name, String... lines) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return f;
  }

  /** The results file's rows without its header, each as "line,outcome,reason,conversion_id". */
  private static List<String> outcomes(Path results) throws Exception {
    List<String> lines = Files.readAllLines(results);
    assertThat(lines.get(0)).isEqualTo("line,kcid,txid,outcome,reason,message,conversion_id");
    return lines.stream().skip(1).map(l -> {
      String[] c = l.split(",", -1);
      return c[0] + "," + c[3] + "," + c[4] + "," + c[c.length - 1];
    }).toList();
  }

  @Test
  void importsEveryRowOnceReportsEachByLineExportsAndReconciles() throws Exception {
    String k1 = click("acme");
    String k2 = click("acme");
    String k3 = click("acme");
    String foreign = click("other");
    String gone = click("acme");
    clicks.deleteClick(DeleteClickRequest.newBuilder().setKcid(gone).build());
    Path orders = file("orders.csv",
        "kcid,txid,goal,value,currency,status,time,adv1",
        k1 + ",A-1,sale,10.00,EUR,approved,,north",            // 2 accepted
        k1 + ",A-1,sale,10.00,EUR,approved,,north",            // 3 the same row again: duplicate
        k2 + ",A-2,sale,5.50,USD,pending,,",                   // 4 accepted
        "not-a-kcid,A-3,sale,1,EUR,,,",                        // 5 malformed kcid: rejected by the server
        k3 + ",A-4,sale,1,EUR,sold,,",                         // 6 unknown status word
        k3 + ",A-5,sale",                                      // 7 wrong field count
        k3 + ",A-6,sale,1,EUR,,yesterday,",                    // 8 bad time
        k3 + ",A-7,paused,1,EUR,,,",                           // 9 paused goal
        foreign + ",A-8,sale,1,EUR,,,",                        // 10 another account's click
        ",A-9,sale,1,EUR,,,",                                  // 11 no kcid
        k1 + ",A-1,sale,12.00,EUR,approved,,north");           // 12 same transaction, other value
    Path results = dir.resolve("results.csv");
    Run first = kcid("conversions", "import", orders.toString(), "--account", "acme", "--results", results.toString());
    assertThat(first.exit()).as(first.err()).isEqualTo(1);
    List<String> rows = outcomes(results);
    String c1 = k1 + "-1";
    String c2 = k2 + "-1";
    assertThat(rows).as(Files.readString(results)).containsExactly(
        "2,accepted,," + c1,
        "3,duplicate,ALREADY_IMPORTED," + c1,
        "4,accepted,," + c2,
        "5,rejected,KCID_TOO_SHORT,",
        "6,rejected,STATUS_NOT_MAPPED,",
        "7,rejected,INVALID_PARAMETER,",
        "8,rejected,INVALID_PARAMETER,",
        "9,rejected,GOAL_PAUSED,",
        "10,rejected,CLICK_ACCOUNT_MISMATCH,",
        "11,rejected,MISSING_PARAMETER,",
        "12,duplicate,DUPLICATE_TRANSACTION," + c1);
    assertThat(Files.readString(results)).contains("status 'sold' is not mapped for account 'acme'",
        "\"expected 8 fields (kcid,txid,goal,value,currency,status,time,adv1), found 3\"");
    assertThat(first.err()).contains("imported 11 rows: 2 accepted, 2 duplicate, 7 rejected");

    // Re-import: nothing new is written; what was accepted is now a duplicate of the same conversion.
    Path again = dir.resolve("again.csv");
    Run second = kcid("conversions", "import", orders.toString(), "--account", "acme", "--results", again.toString());
    assertThat(second.exit()).isEqualTo(1);
    List<String> repeated = outcomes(again);
    assertThat(repeated.get(0)).isEqualTo("2,duplicate,ALREADY_IMPORTED," + c1);
    assertThat(repeated.get(2)).isEqualTo("4,duplicate,ALREADY_IMPORTED," + c2);
    assertThat(repeated.subList(3, 10)).isEqualTo(rows.subList(3, 10));
    assertThat(repeated.get(10)).isEqualTo("12,duplicate,ALREADY_IMPORTED," + c1);
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(k1).build())
        .getConversionsList()).hasSize(1);

    // A later list says the pending order was paid: its status moves, as a postback's would.
    Path paid = file("paid.csv", "kcid,txid,goal,value,currency,status", k2 + ",A-2,sale,5.50,USD,approved");
    Run status = kcid("conversions", "import", paid.toString(), "--account", "acme");
    assertThat(status.exit()).as(status.err()).isZero();
    assertThat(status.out()).contains("2," + k2 + ",A-2,accepted,,," + c2);
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(k2).build())
        .getConversions(0).getStatus().name()).isEqualTo("CONVERSION_STATUS_APPROVED");

    // A dry run reads the file and sends nothing.
    Run dry = kcid("conversions", "import", orders.toString(), "--account", "acme", "--dry-run");
    assertThat(dry.out()).contains("2," + k1 + ",A-1,valid,,,", "6," + k3 + ",A-4,valid,");

    // Export: exactly the two conversions the import recorded, with their current state.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(kcid("conversions", "export", "--account", "acme", "--since", "1h").out().lines()).hasSize(3));
    Run exported = kcid("conversions", "export", "--account", "acme", "--since", "1h");
    assertThat(exported.exit()).as(exported.err()).isZero();
    List<String> csv = exported.out().lines().toList();
    assertThat(csv.get(0)).isEqualTo(String.join(",", ConversionExportCommand.COLUMNS));
    assertThat(csv.subList(1, 3)).anySatisfy(l -> assertThat(l)
        .startsWith(c1 + "," + k1 + ",acme,sale,approved,10.00,EUR,10.00,A-1,").contains(",spring,north,"));
    assertThat(csv.subList(1, 3)).anySatisfy(l -> assertThat(l)
        .startsWith(c2 + "," + k2 + ",acme,sale,approved,5.50,USD,5.50,A-2,"));
    assertThat(kcid("conversions", "export", "--account", "acme", "--since", "1h", "--until", "30m").out().lines())
        .containsExactly(String.join(",", ConversionExportCommand.COLUMNS));

    // Reconcile: found, refused (with the log's reason), never posted, unknown click.
    Path list = file("advertiser.csv",
        "order_id,kcid,amount",
        "A-1," + k1 + ",10.00",
        "A-7," + k3 + ",1",
        "B-1," + k3 + ",3",
        "B-2," + gone + ",4",
        "B-3,,5");
    Run reconciled = kcid("conversions", "reconcile", list.toString(), "--account", "acme", "-o", "csv");
    assertThat(reconciled.exit()).as(reconciled.err()).isEqualTo(1);
    assertThat(reconciled.out().lines().toList()).as(reconciled.out()).containsExactly(
        "line,txid,kcid,reason,error_reason,message,log_id",
        reconciled.out().lines().filter(l -> l.startsWith("3,A-7," + k3 + ",refused,GOAL_PAUSED,")).findFirst()
            .orElse("3,A-7,<refused GOAL_PAUSED>"),
        "4,B-1," + k3 + ",no-postback,,the click exists; no postback with this txid was received,",
        reconciled.out().lines().filter(l -> l.startsWith("5,B-2," + gone + ",click-unknown,CLICK_NOT_FOUND,"))
            .findFirst().orElse("5,B-2,<click-unknown>"),
        "6,B-3,,no-postback,,no postback with this txid in the account's log since 30d ago,");
    Run table = kcid("conversions", "reconcile", list.toString(), "--account", "acme");
    assertThat(table.out()).contains("5 orders: 1 found, 4 missing", "GOAL_PAUSED");
  }

  @Test
  void aLargeFileStreamsThroughASmallHeap() throws Exception {
    int rows = Integer.getInteger("kcid.csv.rows", 100_000);
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      kcids.add(click("bulk"));
    }
    Path big = dir.resolve("big.csv");
    try (BufferedWriter w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
      w.write("kcid,txid,goal,value,currency,status\n");
      for (int i = 0; i < rows; i++) {
        w.write(kcids.get(i % kcids.size()) + ",T-" + i + ",sale,1.25,EUR,approved\n");
      }
    }
    Path results = dir.resolve("big-results.csv");
    // A heap far smaller than the file's rows as requests would need: only a streaming import fits.
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx40m",
        "-jar", System.getProperty("kcid.jar"), "conversions", "import", big.toString(), "--account", "bulk",
        "--results", results.toString(), "--grpc-addr=127.0.0.1:" + server.port(), "-q");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    pb.environment().put("KCID_HOME", dir.resolve("home").toString());
    Process p = pb.start();
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.txt"))).isZero();
    long accepted;
    long lines;
    try (var stream = Files.lines(results)) {
      lines = 0;
      accepted = 0;
      for (var it = stream.iterator(); it.hasNext();) {
        String l = it.next();
        lines++;
        if (l.contains(",accepted,")) {
          accepted++;
        }
      }
    }
    assertThat(lines).isEqualTo(rows + 1L);
    assertThat(accepted).isEqualTo(rows);
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcids.get(0)).setPageSize(1000)
        .build()).getConversionsCount()).isEqualTo(Math.min(1000, rows / kcids.size()));
  }
}
