package io.kcid.bench;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.bench.env.ChildProcess;
import io.kcid.bench.env.FreePorts;
import io.kcid.bench.env.Nginx;
import io.kcid.bench.env.ProcStat;
import io.kcid.bench.env.RedisInfo;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.server.store.redis.LocalRedis;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Everything a bench run measures, each in its own process on free loopback ports: redis-server
 * (embedded, as {@code ./kcid up} runs it), the tracking-server and the http-edge as they run in
 * production (API keys required), the instant-backend edge and nginx. The bench JVM itself is the
 * gRPC load generator; wrk is the HTTP one.
 */
final class Rig implements AutoCloseable {
  static final String GOAL = "purchase";
  /** CPU of the bench JVM's gRPC event-loop threads only, beside the whole JVM's ("load-generator"). */
  static final String GENERATOR_THREADS = "load-generator (gRPC threads)";

  final Path workDir;
  final List<String> jvmOptions;
  final LocalRedis redis;
  final RedisInfo redisInfo;
  final long redisPid;
  final KcidKeyRing keys;
  final int partitions = 16;
  final String apiKey;
  final ChildProcess server;
  final int serverPort;
  final List<ManagedChannel> channels = new ArrayList<>();
  final CreateAccountResponse account;
  private final List<AutoCloseable> http = new ArrayList<>();
  ChildProcess edge;
  int edgePort;
  ChildProcess instantEdge;
  int instantEdgePort;
  Nginx nginx;

  private Rig(Path workDir, List<String> jvmOptions) throws InterruptedException {
    this.workDir = workDir;
    this.jvmOptions = jvmOptions;
    this.redis = LocalRedis.start(0, workDir.resolve("redis"), false);
    this.redisInfo = new RedisInfo(redis.url());
    this.redisPid = redisInfo.pid();
    this.keys = KcidKeyRing.generate(1);
    this.apiKey = randomSecret();
    this.serverPort = FreePorts.pick();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KCID_REDIS_URL", redis.url());
    env.put("KCID_MAC_KEYS", keys.toSpec());
    env.put("KCID_PARTITIONS", Integer.toString(partitions));
    env.put("KCID_GRPC_BIND", "127.0.0.1");
    env.put("KCID_GRPC_PORT", Integer.toString(serverPort));
    env.put("KCID_AUTH", "required");
    env.put("KCID_API_KEYS", "bench:admin+issue+ingest+read:" + apiKey);
    env.put("KCID_DRAIN_DELAY_MS", "0");
    env.put("KCID_SHUTDOWN_GRACE_MS", "2000");
    env.put("KCID_METRICS_PORT", "0"); // served, as by default, on a free port
    // The deliveries scenario's receiver is nginx on loopback, an internal address refused by default.
    env.put("KCID_DELIVERY_ALLOWED_NETWORKS", "127.0.0.1/32");
    this.server = ChildProcess.startJava("tracking-server", jvmOptions, "io.kcid.server.ServerMain", List.of(), env, workDir);
    server.awaitListening(serverPort, Duration.ofSeconds(60));
    // Two connections: one grpc-java channel is served by one event-loop thread on each side.
    // directExecutor: answers are handled on the channel's event loop, not handed to a thread pool
    // (a thread hop per call, CPU the server would otherwise have); the bench's callbacks never block.
    for (int i = 0; i < 2; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", serverPort).usePlaintext().directExecutor().build());
    }
    HealthGrpc.newBlockingStub(channel(0)).withDeadlineAfter(30, TimeUnit.SECONDS).withWaitForReady()
        .check(HealthCheckRequest.getDefaultInstance());
    var admin = AdminServiceGrpc.newBlockingStub(authorized(0)).withDeadlineAfter(10, TimeUnit.SECONDS);
    this.account = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("bench").setDisplayName("Bench").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("bench").setGoalKey(GOAL).build());
  }

  static Rig start(Path workDir, List<String> jvmOptions) throws InterruptedException {
    return new Rig(workDir, jvmOptions);
  }

  /** The real edge in front of the tracking-server, and the instant-backend edge; both with the same settings. */
  void startEdges() {
    if (edge != null) {
      return;
    }
    edgePort = FreePorts.pick();
    edge = ChildProcess.startJava("http-edge", jvmOptions, "io.kcid.edge.EdgeMain", List.of(), edgeEnv(edgePort), workDir);
    http.add(edge);
    instantEdgePort = FreePorts.pick();
    instantEdge = ChildProcess.startJava("instant-backend-edge", jvmOptions, "io.kcid.bench.stub.InstantBackendEdge",
        List.of(Integer.toString(instantEdgePort)), edgeEnv(instantEdgePort), workDir);
    http.add(instantEdge);
    edge.awaitListening(edgePort, Duration.ofSeconds(60));
    instantEdge.awaitListening(instantEdgePort, Duration.ofSeconds(60));
  }

  private Map<String, String> edgeEnv(int port) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KCID_EDGE_PORT", Integer.toString(port));
    env.put("KCID_EDGE_BIND", "127.0.0.1");
    env.put("KCID_GRPC_ADDR", "127.0.0.1:" + serverPort);
    env.put("KCID_EDGE_API_KEY", apiKey);
    env.put("KCID_EDGE_DRAIN_DELAY_MS", "0");
    env.put("KCID_EDGE_ADMIN_PORT", "0"); // any free port: the default 8081 may be taken on a shared machine
    // One load generator on loopback is one client address: the per-IP and per-account postback
    // limits (200/s, 1000/s by default) would measure the limiter, not the edge.
    env.put("KCID_EDGE_RATE_PER_IP", "0");
    env.put("KCID_EDGE_RATE_PER_ACCOUNT", "0");
    // Likewise the click limit (20/s per address): the bench's clicks all come from loopback.
    env.put("KCID_EDGE_CLICK_LIMIT_RATE", "0");
    // The edge's own click spool (on by default, which needs the server's kcid keys) only serves
    // clicks while the tracking-server is away; the bench measures the edge in front of a live one,
    // as earlier runs did.
    env.put("KCID_EDGE_SPOOL_DIR", "off");
    return env;
  }

  void startNginx() {
    if (nginx == null) {
      nginx = Nginx.start(workDir);
      http.add(nginx);
    }
  }

  String redisUrl() {
    return redis.url();
  }

  ManagedChannel channel(int i) {
    return channels.get(i % channels.size());
  }

  /** The API key as call headers, for the load generator to copy into every call. */
  Metadata apiKeyHeaders() {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + apiKey);
    return headers;
  }

  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The channel for operation {@code seq}, with the API key on every call. */
  Channel authorized(long seq) {
    if (authorizedChannels.isEmpty()) {
      channels.forEach(c -> authorizedChannels.add(ClientInterceptors.intercept(c, bearer)));
    }
    return authorizedChannels.get((int) (seq % authorizedChannels.size()));
  }

  private final List<Channel> authorizedChannels = new CopyOnWriteArrayList<>();

  private final ClientInterceptor bearer = new ClientInterceptor() {
    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          headers.put(AUTHORIZATION, "Bearer " + apiKey);
          super.start(listener, headers);
        }
      };
    }
  };

  String accountId() {
    return account.getAccount().getAccountId();
  }

  String postbackToken() {
    return account.getSecrets().getPostbackToken();
  }

  String clickSecret() {
    return account.getSecrets().getClickSecret();
  }

  /** CPU seconds so far of the JIT compiler threads of the JVMs under test (server, edges). */
  double jitCpuSeconds() {
    double total = 0;
    for (ChildProcess jvm : java.util.Arrays.asList(server, edge, instantEdge)) {
      if (jvm != null) {
        long pid = jvm.handle().pid();
        // /proc cuts thread names to 15 characters: "C2 CompilerThre".
        total += ProcStat.threadsCpuSeconds(pid, "C1 Compiler") + ProcStat.threadsCpuSeconds(pid, "C2 Compiler");
      }
    }
    return total;
  }

  /** CPU seconds so far of the children redis-server forked to rewrite its AOF: part of {@link #cpu()}'s "redis". */
  double redisRewriteCpuSeconds() {
    return ProcStat.childrenCpuSeconds(redisPid);
  }

  /** Bytes redis-server appended to its AOF so far (to a page), or -1 when the kernel does not say. */
  long redisAofBytes() {
    return ProcStat.writeBytes(redisPid);
  }

  /** CPU seconds so far of every process of the run, by name. */
  Map<String, Double> cpu() {
    Map<String, Double> cpu = new LinkedHashMap<>();
    cpu.put("load-generator", ProcStat.cpuSeconds(ProcessHandle.current().pid()));
    // The generator's own work: grpc-java's client event loops ("grpc-default-worker-ELG-…"), where
    // the calls are made and answered; the rest of the JVM's CPU is JIT, GC and the bench's bookkeeping.
    cpu.put(GENERATOR_THREADS, ProcStat.threadsCpuSeconds(ProcessHandle.current().pid(), "grpc-default-wo"));
    cpu.put("tracking-server", server.cpuSeconds());
    // With the children redis-server forks to rewrite its append-only file: their CPU (a core for
    // seconds at a time) is the cost of the writes that grew the file, and no other figure has it.
    cpu.put("redis", ProcStat.cpuSecondsWithChildren(redisPid));
    if (edge != null) {
      cpu.put("http-edge", edge.cpuSeconds());
      cpu.put("instant-backend-edge", instantEdge.cpuSeconds());
    }
    if (nginx != null) {
      cpu.put("nginx", nginx.process().cpuSeconds());
    }
    return cpu;
  }

  private static String randomSecret() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  @Override
  public void close() {
    for (AutoCloseable c : http) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort: the others still stop
      }
    }
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
    redisInfo.close();
    redis.close();
  }
}
