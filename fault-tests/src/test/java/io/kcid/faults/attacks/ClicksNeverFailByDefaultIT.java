package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.faults.testing.Http;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.server.TrackingServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 12: clicks never fail <em>by default</em>. The edge runs as documented — the
 * {@code edge} command ({@code io.kcid.edge.EdgeMain}, what {@code ./kcid edge} runs) in its own
 * process, given only where the server is and the deployment's kcid keys, with no spool or refresh
 * setting — against a real tracking-server on a real redis-server. The server is stopped; a signed
 * click still gets its 302 with a kcid, and is stored once the server is back. An account created,
 * or a click secret rotated, two seconds before the outage is already known to the edge (the old
 * edge had no spool unless KCID_EDGE_SPOOL_DIR was set, and re-read click secrets every 30 s).
 */
class ClicksNeverFailByDefaultIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  /** How long before the outage a change is made: the promise is "within a second or two". */
  private static final long CHANGE_TO_OUTAGE_MILLIS = 2000;

  @TempDir Path dir;
  private RedisProcess redis;
  private int serverPort;
  private TrackingServer server;
  private ManagedChannel channel;
  private Process edge;
  private int edgePort;
  private String base;
  /** The edge's loopback admin listener, where /metrics is served. */
  private String admin;

  @BeforeEach
  void start() throws Exception {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    serverPort = Stack.freePort();
    server = Stack.server(redis.url(), KEYS, serverPort, java.time.Duration.ZERO);
    channel = Stack.channel(serverPort);
  }

  @AfterEach
  void stop() throws Exception {
    if (edge != null) {
      edge.destroy();
      if (!edge.waitFor(15, TimeUnit.SECONDS)) {
        edge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    channel.shutdownNow();
    if (server != null) {
      server.close();
    }
    redis.close();
  }

  /** {@code ./kcid edge} as the README runs it: the server's address and keys, nothing about spools. */
  private void startEdgeTheDocumentedWay() {
    edgePort = Stack.freePort();
    base = "http://127.0.0.1:" + edgePort;
    int adminPort = Stack.freePort();
    admin = "http://127.0.0.1:" + adminPort;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), "io.kcid.edge.EdgeMain")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("edge.log").toFile()));
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(name -> name.startsWith("KCID_"));
    env.put("KCID_HOME", dir.resolve("home").toString());
    env.put("KCID_EDGE_PORT", Integer.toString(edgePort));
    env.put("KCID_EDGE_BIND", "127.0.0.1");
    env.put("KCID_EDGE_ADMIN_PORT", Integer.toString(adminPort)); // the default 8081 may be taken on a shared machine
    env.put("KCID_GRPC_ADDR", "127.0.0.1:" + serverPort);
    env.put("KCID_MAC_KEYS", KEYS.toSpec());
    try {
      edge = builder.start();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    awaitTrue(() -> edge.isAlive() && Http.get(base + "/healthz").status() == 200, "the edge process listens");
  }

  private static String signedUrl(String base, String accountId, String secret, String campaign) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", accountId);
    params.put("c", campaign);
    params.put("u", "https://shop.example/landing?ref=ad");
    return ClickUrlSigner.signedUrl(base, params, secret);
  }

  private static String kcidOf(Http.Answer answer) {
    URI location = URI.create(answer.location().orElseThrow());
    assertThat(location.getHost()).isEqualTo("shop.example");
    assertThat(location.getQuery()).startsWith("ref=ad&kcid=");
    return location.getQuery().substring("ref=ad&kcid=".length());
  }

  private CreateAccountResponse account() {
    return Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
  }

  /** The edge has read the click secrets of at least {@code n} accounts and watches for changes. */
  private void awaitEdgeKnows(int n) {
    awaitTrue(() -> metric("kcid_edge_click_verifiers_accounts") >= n, "the edge holds " + n + " account(s)' click secrets");
    awaitTrue(() -> metric("kcid_edge_click_verifiers_watching") == 1, "the edge watches click secret changes");
  }

  private void stopServer() {
    server.close();
    server = null;
  }

  /** The server comes back; the edge's spooled clicks reach it. */
  private void restartServerAndAwaitStored(String kcid) {
    server = Stack.server(redis.url(), KEYS, serverPort, java.time.Duration.ZERO);
    ClickServiceGrpc.ClickServiceBlockingStub reader = ClickServiceGrpc.newBlockingStub(channel);
    awaitTrue(() -> {
      try {
        return reader.withDeadlineAfter(2, TimeUnit.SECONDS).getClick(GetClickRequest.newBuilder().setKcid(kcid).build())
            .getClick().getKcid().equals(kcid);
      } catch (RuntimeException e) {
        return false;
      }
    }, "the click redirected during the outage is stored");
  }

  @Test
  void edgeWithDefaultsRedirectsWhileServerIsDown() {
    CreateAccountResponse account = account();
    startEdgeTheDocumentedWay();
    awaitEdgeKnows(1);
    assertThat(dir.resolve("home/spool/edge-" + edgePort)).as("the documented default spool directory").isDirectory();

    stopServer();
    Http.Answer click = Http.get(signedUrl(base, account.getAccount().getAccountId(), account.getSecrets().getClickSecret(), "spring"));
    assertThat(click.status()).as(click.body()).isEqualTo(302);
    String kcid = kcidOf(click);

    restartServerAndAwaitStored(kcid);
  }

  @Test
  void accountCreatedSecondsBeforeOutageStillGetsItsClicks() {
    account();
    startEdgeTheDocumentedWay();
    awaitEdgeKnows(1);

    CreateAccountResponse fresh = account();
    Stack.sleep(CHANGE_TO_OUTAGE_MILLIS);
    stopServer();
    Http.Answer click = Http.get(signedUrl(base, fresh.getAccount().getAccountId(), fresh.getSecrets().getClickSecret(), "launch"));
    assertThat(click.status()).as("a click for an account created 2 s before the outage: " + click.body()).isEqualTo(302);

    restartServerAndAwaitStored(kcidOf(click));
  }

  @Test
  void rotatedSecretLearnedWithinTwoSeconds() throws Exception {
    CreateAccountResponse account = account();
    String id = account.getAccount().getAccountId();
    String oldSecret = account.getSecrets().getClickSecret();
    startEdgeTheDocumentedWay();
    awaitEdgeKnows(1);

    // Rotated without grace: the old secret is revoked at once (a leaked secret, say).
    String newSecret = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .rotateAccountSecret(RotateAccountSecretRequest.newBuilder()
            .setAccountId(id).setKind(SecretKind.SECRET_KIND_CLICK_SECRET).setGracePeriod(Duration.newBuilder().setSeconds(0)).build())
        .getSecrets().getClickSecret();
    Stack.sleep(CHANGE_TO_OUTAGE_MILLIS);
    stopServer();

    Http.Answer rotated = Http.get(signedUrl(base, id, newSecret, "spring"));
    assertThat(rotated.status()).as("a click signed with the secret rotated 2 s ago: " + rotated.body()).isEqualTo(302);
    Http.Answer revoked = Http.get(signedUrl(base, id, oldSecret, "spring"));
    assertThat(revoked.status()).as("the revoked secret no longer redirects: " + revoked.body()).isEqualTo(503);
    assertThat(revoked.location()).isEmpty();

    restartServerAndAwaitStored(kcidOf(rotated));
  }

  private double metric(String name) {
    for (String line : Http.get(admin + "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    return 0;
  }

  private void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        String log;
        try {
          log = Files.exists(dir.resolve("edge.log")) ? Files.readString(dir.resolve("edge.log")) : "";
        } catch (java.io.IOException e) {
          log = e.toString();
        }
        throw new AssertionError("timed out waiting until " + what + "; edge log:\n" + log);
      }
      Stack.sleep(50);
    }
  }
}
