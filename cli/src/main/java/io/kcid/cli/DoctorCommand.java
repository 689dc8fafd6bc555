package io.kcid.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kcid doctor}: checks a deployment from the operator's seat — server reachable, auth, Redis
 * mode and persistence, edge readiness and kcid key agreement, clock skew, spool directory — one
 * line per check saying what to fix. Exit 0 without a fail, 1 with one, 3 when the server is
 * unreachable. It only reads: every probe is a read or a call that writes nothing.
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
  private static final Duration WARN_SKEW = Duration.ofSeconds(1);
  private static final Duration FAIL_SKEW = Duration.ofSeconds(30);
  /** A kcid-shaped string no deployment issued: the anonymous probe of InspectKcid reads nothing. */
  private static final String PROBE_KCID = "doctor";

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

  /** A clock reading of another host, and our own clock at the same moment (mid-round-trip). */
  record RemoteTime(Instant remote, Instant local) {}

  @Override
  public Integer call() {
    List<DoctorFinding> findings = new ArrayList<>();
    boolean reachable;
    try (Channels channels = new Channels()) {
      reachable = checkServer(channels, findings);
      if (reachable) {
        checkAuth(channels, findings);
        checkMacKeys(channels, findings);
      }
    }
    if (redisUrl != null && !redisUrl.isBlank()) {
      findings.addAll(RedisDoctor.check(redisUrl.trim()));
    } else {
      findings.add(DoctorFinding.warn("redis", "not checked (the server does not report its store's settings)",
          "give --redis-url or KCID_REDIS_URL to check Redis' mode, persistence and clock"));
    }
    if (edgeUrl != null && !edgeUrl.isBlank()) {
      checkEdge(edgeUrl.trim(), findings);
    }
    findings.add(checkSpool());
    print(findings);
    if (!reachable) {
      return EXIT_UNREACHABLE;
    }
    return findings.stream().anyMatch(f -> f.status() == DoctorFinding.Status.FAIL) ? 1 : 0;
  }

  private boolean checkServer(Channels channels, List<DoctorFinding> findings) {
    try {
      HealthCheckResponse health = HealthGrpc.newBlockingStub(channels.anonymous())
          .withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS).check(HealthCheckRequest.getDefaultInstance());
      if (health.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
        findings.add(DoctorFinding.ok("server", grpc.grpcAddr + " is SERVING"));
      } else {
        findings.add(DoctorFinding.fail("server", grpc.grpcAddr + " answers " + health.getStatus(),
            "the server cannot reach its Redis or is shutting down: read its log and check KCID_REDIS_URL"));
      }
      return true;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      String cause = e.getStatus().getDescription() == null ? code.name() : code + " (" + e.getStatus().getDescription() + ")";
      findings.add(DoctorFinding.fail("server", "no answer from " + grpc.grpcAddr + ": " + cause,
          "start it (./kcid server or ./kcid up), or point --grpc-addr / KCID_GRPC_ADDR at it"
              + (grpc.tlsCa == null || grpc.tlsCa.isBlank() ? "; a TLS server needs --grpc-tls-ca" : "")));
      return false;
    }
  }

  private void checkAuth(Channels channels, List<DoctorFinding> findings) {
    boolean open = authorized(() -> ClickServiceGrpc.newBlockingStub(channels.anonymous())
        .withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .inspectKcid(InspectKcidRequest.newBuilder().setKcid(PROBE_KCID).build()));
    if (open) {
      findings.add(DoctorFinding.warn("auth", "the server is OPEN: it answers calls without an API key",
          "fine on loopback (./kcid up); anywhere else run it with KCID_AUTH=required and KCID_API_KEYS"));
      return;
    }
    if (channels.key() == null) {
      findings.add(DoctorFinding.warn("auth", "API keys required, and no key given to check",
          "give --api-key or KCID_API_KEY (./kcid api-key create --name ops --roles read)"));
      return;
    }
    List<String> roles = new ArrayList<>();
    ManagedChannel keyed = channels.keyed();
    boolean known = true;
    try {
      AdminServiceGrpc.newBlockingStub(keyed).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
          .listAccounts(ListAccountsRequest.newBuilder().setPageSize(1).build());
      roles.add("admin");
    } catch (StatusRuntimeException e) {
      known = e.getStatus().getCode() != Status.Code.UNAUTHENTICATED;
    }
    if (!known) {
      findings.add(DoctorFinding.fail("auth", "the server does not know the given API key",
          "it was revoked, mistyped or belongs to another deployment: check --api-key / KCID_API_KEY"));
      return;
    }
    if (authorized(() -> ClickServiceGrpc.newBlockingStub(keyed).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .listClickVerifiers(ListClickVerifiersRequest.newBuilder().setPageSize(1).build()))) {
      roles.add("issue");
    }
    if (authorized(() -> ConversionServiceGrpc.newBlockingStub(keyed).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .getConversion(GetConversionRequest.newBuilder().setConversionId(PROBE_KCID).build()))) {
      roles.add("read");
    }
    String finding = "API keys required; the given key " + (roles.isEmpty() ? "holds none of admin, issue, read"
        : "holds " + String.join(", ", roles)) + " (ingest is not probed: only writes need it)";
    findings.add(roles.isEmpty()
        ? DoctorFinding.warn("auth", finding, "an ingest-only key can check little: use a key with read or admin")
        : DoctorFinding.ok("auth", finding));
  }

  /** Whether the call got past authentication and authorization (any other answer counts). */
  private static boolean authorized(Supplier<?> call) {
    try {
      call.get();
      return true;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      return code != Status.Code.UNAUTHENTICATED && code != Status.Code.PERMISSION_DENIED;
    }
  }

  /** The edges mint kcids with KCID_MAC_KEYS while the server is away: the server must verify them. */
  private void checkMacKeys(Channels channels, List<DoctorFinding> findings) {
    if (macKeys == null || macKeys.isBlank()) {
      return;
    }
    String kcid;
    try {
      kcid = new KcidCodec(KcidKeyRing.parse(macKeys.trim(), macActiveKey), 1).mint(Instant.now(), 0);
    } catch (IllegalArgumentException e) {
      findings.add(DoctorFinding.fail("kcid keys", "KCID_MAC_KEYS here cannot be read: " + e.getMessage(),
          "give the keys as 'id:base64url,…', exactly as the tracking-server has them"));
      return;
    }
    ManagedChannel channel = channels.key() == null ? channels.anonymous() : channels.keyed();
    InspectKcidResponse inspected;
    try {
      inspected = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
          .inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build());
    } catch (StatusRuntimeException e) {
      findings.add(DoctorFinding.warn("kcid keys", "not checked: InspectKcid answered " + CliErrors.describe(e),
          "give an API key (any role) with --api-key"));
      return;
    }
    if (inspected.getValid()) {
      findings.add(DoctorFinding.ok("kcid keys", "the server verifies kcids minted with the local KCID_MAC_KEYS"
          + " (active key " + macActiveKey + ")"));
    } else {
      findings.add(DoctorFinding.fail("kcid keys", "the server refuses a kcid minted with the local KCID_MAC_KEYS ("
              + inspected.getReason().name().replace("ERROR_REASON_", "") + ")",
          "an edge with these keys spools clicks the server will refuse: give edges the server's KCID_MAC_KEYS"
              + " and KCID_MAC_ACTIVE_KEY"));
    }
  }

  private void checkEdge(String url, List<DoctorFinding> findings) {
    String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(grpc.timeoutMs)).build();
    HttpResponse<String> ready;
    long sent = System.currentTimeMillis();
    try {
      ready = http.send(HttpRequest.newBuilder(URI.create(base + "/readyz")).timeout(Duration.ofMillis(grpc.timeoutMs)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException | IllegalArgumentException e) {
      findings.add(DoctorFinding.fail("edge", "no answer from " + base + "/readyz: " + e,
          "start it (./kcid edge), or point --edge-url / KCID_EDGE_URL at its public port"));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    long received = System.currentTimeMillis();
    String body = ready.body() == null ? "" : ready.body().strip();
    if (ready.statusCode() == 200) {
      findings.add(DoctorFinding.ok("edge", base + " is ready (/readyz 200: its tracking-server is SERVING, or its spool answers clicks)"));
    } else {
      findings.add(DoctorFinding.fail("edge", base + "/readyz answers " + ready.statusCode()
              + (body.isEmpty() ? "" : " " + abbreviate(body)),
          "the edge cannot use its tracking-server: check its KCID_GRPC_ADDR, KCID_EDGE_API_KEY (roles issue, ingest)"
              + " and the edge's log"));
    }
    ready.headers().firstValue("date").ifPresent(date -> {
      Instant local = Instant.ofEpochMilli(sent + (received - sent) / 2);
      long skewMs = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli()
          - local.toEpochMilli();
      // The Date header drops the milliseconds: the edge's clock may be up to a second later than it says.
      long atLeast = skewMs < 0 ? Math.min(0, skewMs + 999) : skewMs;
      findings.add(clockSkew("clock (edge)", new RemoteTime(local.plusMillis(atLeast), local)));
    });
  }

  /** ok within a second, warn beyond, fail beyond 30 s: click expiry and signature windows use these clocks. */
  static DoctorFinding clockSkew(String check, RemoteTime time) {
    Duration skew = Duration.between(time.local(), time.remote());
    String finding = "differs from this machine's by " + skew.toMillis() + " ms";
    if (skew.abs().compareTo(FAIL_SKEW) > 0) {
      return DoctorFinding.fail(check, finding, "run NTP (chrony, systemd-timesyncd) on every host: windows and expiries drift");
    }
    if (skew.abs().compareTo(WARN_SKEW) > 0) {
      return DoctorFinding.warn(check, finding, "run NTP (chrony, systemd-timesyncd) on every host");
    }
    return DoctorFinding.ok(check, finding);
  }

  private DoctorFinding checkSpool() {
    String configured = spoolDir == null ? "" : spoolDir.trim();
    if (configured.equalsIgnoreCase("off")) {
      return DoctorFinding.ok("spool", "off: clicks are answered 503 while no tracking-server answers");
    }
    Path dir = (configured.isEmpty() ? LocalCredentials.home().resolve("spool") : Path.of(configured)).toAbsolutePath();
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    String fix = "make it a directory the edge's user can write, or set KCID_EDGE_SPOOL_DIR (off: no spool)";
    if (existing == null || !Files.isDirectory(existing)) {
      return DoctorFinding.fail("spool", dir + " cannot be created: " + existing + " is not a directory", fix);
    }
    if (!existing.equals(dir)) {
      return Files.isWritable(existing)
          ? DoctorFinding.ok("spool", dir + " does not exist yet; the edge will create it in " + existing)
          : DoctorFinding.fail("spool", dir + " cannot be created: " + existing + " is not writable", fix);
    }
    try {
      Files.delete(Files.createTempFile(dir, ".doctor", ".tmp"));
      return DoctorFinding.ok("spool", dir + " is writable");
    } catch (IOException | SecurityException e) {
      return DoctorFinding.fail("spool", dir + " is not writable: " + e.getMessage(), fix);
    }
  }

  private void print(List<DoctorFinding> findings) {
    PrintStream out = System.out;
    if (!grpc.json) {
      findings.forEach(f -> out.println(f.line()));
      return;
    }
    try (JsonGenerator json = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
      json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      json.writeStartObject();
      json.writeArrayFieldStart("checks");
      for (DoctorFinding f : findings) {
        json.writeStartObject();
        json.writeStringField("status", f.status().word());
        json.writeStringField("check", f.check());
        json.writeStringField("finding", f.finding());
        json.writeStringField("fix", f.fix());
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println();
  }

  private static String abbreviate(String text) {
    String line = text.replaceAll("\\s+", " ");
    return line.length() <= 120 ? line : line.substring(0, 117) + "...";
  }

  /**
   * The channels of the probes: one without a key (is the server open? health), one with the key
   * the other commands send. Built here rather than through GrpcOptions, which offers stubs only.
   */
  private final class Channels implements AutoCloseable {
    private final String key;
    private ManagedChannel anonymous;
    private ManagedChannel keyed;

    Channels() {
      String given = grpc.apiKey != null && !grpc.apiKey.isBlank() ? grpc.apiKey.trim() : null;
      this.key = given != null ? given : LocalApiKeys.admin(LocalCredentials.home()).orElse(null);
    }

    String key() {
      return key;
    }

    ManagedChannel anonymous() {
      if (anonymous == null) {
        anonymous = builder().build();
      }
      return anonymous;
    }

    ManagedChannel keyed() {
      if (keyed == null) {
        keyed = builder().intercept(BackendAuth.bearer(key)).build();
      }
      return keyed;
    }

    private NettyChannelBuilder builder() {
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(grpc.grpcAddr);
      if (grpc.tlsCa == null || grpc.tlsCa.isBlank()) {
        return builder.usePlaintext();
      }
      try {
        return builder.sslContext(GrpcSslContexts.forClient().trustManager(new File(grpc.tlsCa.trim())).build());
      } catch (SSLException | IllegalArgumentException e) {
        throw new CliException("KCID_GRPC_TLS_CA=" + grpc.tlsCa + ": " + e.getMessage());
      }
    }

    @Override
    public void close() {
      if (anonymous != null) {
        anonymous.shutdownNow();
      }
      if (keyed != null) {
        keyed.shutdownNow();
      }
    }
  }
}
