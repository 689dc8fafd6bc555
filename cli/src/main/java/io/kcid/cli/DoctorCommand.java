package io.kcid.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kcid doctor}: checks a deployment from the operator's seat — server reachable, auth, Redis
 * mode and persistence, edge readiness and kcid key agreement, clock skew, spool directory — one
 * line per check saying what to fix. Exit 0 without a fail, 1 with one, 3 when the server is
 * unreachable. It writes nothing to the deployment.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
    footer = {
      "%nEach line: ok|warn|fail  <check>: <finding> — <fix>.",
      "Exit 0: no fail; 1: a fail; 3: the server is unreachable.",
      "%nExamples:",
      "  ./kcid doctor",
      "  ./kcid doctor --grpc-addr tracking.internal:9090 \\",
      "      --redis-url redis://redis.internal:6379/0 \\",
      "      --edge-url http://edge.internal:8080",
      "  ./kcid doctor --mac-keys \"$KCID_MAC_KEYS\" --spool-dir /var/lib/kcid/spool"},
    description = "Check a deployment (server, auth, Redis, edge, kcid keys, clocks, spool) and say what to fix.")
final class DoctorCommand implements Callable<Integer> {
  static final int EXIT_UNREACHABLE = 3;

  @Mixin GrpcOptions grpc;

  @Option(names = "--redis-url", defaultValue = "${env:KCID_REDIS_URL}",
      description = "Also check Redis directly: mode, persistence, clock (KCID_REDIS_URL, as given to the server).")
  String redisUrl;

  @Option(names = "--edge-url", defaultValue = "${env:KCID_EDGE_URL}",
      description = "Also check this edge's /readyz and clock (KCID_EDGE_URL), e.g. http://localhost:8080.")
  String edgeUrl;

  @Option(names = "--mac-keys", defaultValue = "${env:KCID_MAC_KEYS}",
      description = "The kcid MAC keys given to the edges (KCID_MAC_KEYS): checks the server verifies kcids minted with them.")
  String macKeys;

  @Option(names = "--mac-active-key", defaultValue = "${env:KCID_MAC_ACTIVE_KEY:-1}",
      description = "Key id of --mac-keys that signs new kcids (KCID_MAC_ACTIVE_KEY). Default: ${DEFAULT-VALUE}")
  int macActiveKey;

  @Option(names = "--spool-dir", defaultValue = "${env:KCID_EDGE_SPOOL_DIR:-}",
      description = "The edge's click spool directory to check is writable (KCID_EDGE_SPOOL_DIR); 'off': none."
          + " Default: $KCID_HOME/spool, where ./kcid edge keeps one per port.")
  String spoolDir;

  @Override
  public Integer call() {
    // Connecting to an absent Redis takes seconds: it runs while the server is asked.
    CompletableFuture<List<DoctorFinding>> redis = given(redisUrl)
        ? CompletableFuture.supplyAsync(() -> RedisDoctor.check(redisUrl.trim()))
        : CompletableFuture.completedFuture(List.of(DoctorFinding.warn("redis",
            "not checked (the server does not report its store's settings)",
            "give --redis-url or KCID_REDIS_URL to check Redis' mode, persistence and clock")));
    List<DoctorFinding> findings = new ArrayList<>();
    boolean reachable;
    try (ServerDoctor server = new ServerDoctor(grpc)) {
      reachable = server.health(findings);
      if (reachable) {
        server.auth(findings);
        if (given(macKeys)) {
          server.macKeys(macKeys, macActiveKey, findings);
        } else if (given(edgeUrl) && !"off".equalsIgnoreCase(spoolDir == null ? "" : spoolDir.trim())) {
          findings.add(DoctorFinding.warn("kcid keys", "not checked",
              "give --mac-keys or KCID_MAC_KEYS (the edges' keys) to check the server verifies the kcids a spooling edge mints"));
        }
      }
    }
    findings.addAll(redis.join());
    if (given(edgeUrl)) {
      EdgeDoctor.check(edgeUrl.trim(), Duration.ofMillis(grpc.timeoutMs), findings);
    }
    findings.add(SpoolDoctor.check(spoolDir, LocalCredentials.home()));
    print(findings);
    if (!reachable) {
      return EXIT_UNREACHABLE;
    }
    return findings.stream().anyMatch(f -> f.status() == DoctorFinding.Status.FAIL) ? 1 : 0;
  }

  private static boolean given(String value) {
    return value != null && !value.isBlank();
  }

  /** Lines for people; with -o json|csv, --fields or -q the same findings as rows ("check" is the id). */
  private void print(List<DoctorFinding> findings) {
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    ArrayNode checks = answer.putArray("checks");
    for (DoctorFinding f : findings) {
      checks.addObject()
          .put("status", f.status().word())
          .put("check", f.check())
          .put("finding", f.finding())
          .put("fix", f.fix());
    }
    new Output(grpc.output, Output.items("checks"), "check")
        .print(answer, () -> findings.forEach(f -> System.out.println(f.line())));
  }
}
