package io.kcid.server.store.redis;

import io.kcid.server.config.RedisEndpoint;
import io.kcid.server.config.ReplicaWait;
import io.kcid.server.store.ReplicaWaitListener;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.masterreplica.MasterReplica;
import io.lettuce.core.masterreplica.StatefulRedisMasterReplicaConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.tracing.Tracing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one shared, thread-safe Lettuce connection of the process — to a single Redis, to the
 * primary Sentinel names, or to a Redis Cluster — configured for a tracker that must never answer
 * success for an unknown outcome:
 *
 * <ul>
 *   <li>every command times out ({@code commandTimeout}, well under the gRPC deadline);
 *   <li>commands issued while disconnected are rejected at once instead of queueing without bound;
 *   <li>commands in flight when a connection drops are NOT replayed after reconnect: their callers
 *       have already been told "unknown outcome, retry", and a silent replay could count twice;
 *   <li>TCP keepalive and TCP_USER_TIMEOUT detect a dead peer that sends no RST, and a lost
 *       connection is retried with a backoff capped at one second;
 *   <li>on a Cluster, the topology is refreshed every {@value #TOPOLOGY_REFRESH_SECONDS} s and at
 *       once on every adaptive trigger (MOVED, ASK, persistent reconnects, uncovered slot, unknown
 *       node), so a failover or a resharding is followed within about a second.
 * </ul>
 *
 * <p>The stores see {@link RedisClusterAsyncCommands} either way: every multi-key operation they
 * issue is one command or script over keys of one hash slot, which routes as is on a Cluster.
 *
 * <p>With {@link ReplicaWait} on, the acknowledged writes and their WAIT get a connection of their
 * own (opened by {@link #durableWrites}, configured alike): Redis answers a connection's commands in
 * order, so a read sent on the connection of a WAIT would wait for the replicas too.
 */
public final class RedisConnector implements AutoCloseable {
  static final int TOPOLOGY_REFRESH_SECONDS = 30;
  /** Adaptive refreshes are rate-limited to one per this interval (Lettuce's default is 30 s). */
  private static final Duration ADAPTIVE_REFRESH_INTERVAL = Duration.ofSeconds(1);
  private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
  /** How long start-up waits for Redis to accept a connection. */
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);

  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<byte[], byte[]> connection;
  private final RedisClusterAsyncCommands<byte[], byte[]> commands;
  private final Supplier<CompletionStage<String>> health;
  /** Opens the connection the writes that wait for replicas use (once, when first asked for). */
  private final Supplier<WriteConnection> openWriteConnection;
  /**
   * Opens another connection to the primary, configured alike, for a blocking command; null on a
   * Cluster, where one command cannot block on keys of several slots.
   */
  private final Supplier<StatefulConnection<byte[], byte[]>> openPrimaryConnection;
  private final Runnable refreshTopology;
  private final int queueSize;
  private final Duration commandTimeout;
  private WriteConnection writeConnection;
  private final List<StreamAppendWatch> watches = new ArrayList<>();

  /**
   * The connection of the writes followed by WAIT, and how to find on it the connection to the
   * primary that owns a key: where a write and its WAIT go.
   */
  private record WriteConnection(
      StatefulConnection<byte[], byte[]> connection,
      Function<byte[], CompletionStage<StatefulConnection<byte[], byte[]>>> ownerOf) {}

  private RedisConnector(
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<byte[], byte[]> connection,
      RedisClusterAsyncCommands<byte[], byte[]> commands,
      Supplier<CompletionStage<String>> health,
      Supplier<WriteConnection> openWriteConnection,
      Supplier<StatefulConnection<byte[], byte[]>> openPrimaryConnection,
      Runnable refreshTopology,
      int queueSize,
      Duration commandTimeout) {
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.health = health;
    this.openWriteConnection = openWriteConnection;
    this.openPrimaryConnection = openPrimaryConnection;
    this.commandTimeout = commandTimeout;
    this.refreshTopology = refreshTopology;
    this.queueSize = queueSize;
  }

  /** One connection for everything (a single Redis; Sentinel's primary): every key's owner. */
  private static Function<byte[], CompletionStage<StatefulConnection<byte[], byte[]>>> always(
      StatefulConnection<byte[], byte[]> c) {
    CompletableFuture<StatefulConnection<byte[], byte[]>> it = CompletableFuture.completedFuture(c);
    return key -> it;
  }

  /**
   * Connects to a {@code redis://}, {@code rediss://}, {@code redis-sentinel://} or {@code
   * redis-cluster://} URL (see {@link RedisEndpoint}). Fails when unreachable after a short wait.
   */
  public static RedisConnector connect(String url, Duration commandTimeout, int requestQueueSize) {
    return connect(url, commandTimeout, requestQueueSize, Tracing.disabled(), CommandLatencyRecorder.disabled());
  }

  /** As {@link #connect(String, Duration, int)}, with a span per command as {@code tracing} makes them. */
  public static RedisConnector connect(String url, Duration commandTimeout, int requestQueueSize, Tracing tracing) {
    return connect(url, commandTimeout, requestQueueSize, tracing, CommandLatencyRecorder.disabled());
  }

  /** {@link #connect(String, Duration, int)}, recording every command's latency to {@code latency}. */
  public static RedisConnector connect(
      String url, Duration commandTimeout, int requestQueueSize, CommandLatencyRecorder latency) {
    return connect(url, commandTimeout, requestQueueSize, Tracing.disabled(), latency);
  }

  /** Traced by {@code tracing}, every command's latency recorded to {@code latency}. */
  public static RedisConnector connect(
      String url, Duration commandTimeout, int requestQueueSize, Tracing tracing, CommandLatencyRecorder latency) {
    RedisEndpoint endpoint = RedisEndpoint.parse(url);
    ClientResources resources =
        DefaultClientResources.builder()
            .tracing(tracing)
            // Reconnect at most a second after Redis is back (Lettuce's default backs off to 30 s).
            .reconnectDelay(
                Delay.exponential(Duration.ofMillis(1), MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
            .commandLatencyRecorder(latency)
            .build();
    try {
      if (endpoint instanceof RedisEndpoint.Cluster c) {
        return cluster(resources, c.seeds(), commandTimeout, requestQueueSize);
      }
      if (endpoint instanceof RedisEndpoint.Sentinel s) {
        return sentinel(resources, s.uri(), commandTimeout, requestQueueSize);
      }
      return single(
          resources, ((RedisEndpoint.Standalone) endpoint).uri(), commandTimeout, requestQueueSize);
    } catch (RuntimeException e) {
      resources.shutdown(0, 2, TimeUnit.SECONDS);
      throw e;
    }
  }

  private static RedisConnector single(
      ClientResources resources, RedisURI uri, Duration timeout, int queueSize) {
    uri.setTimeout(timeout);
    RedisClient client = RedisClient.create(resources);
    client.setOptions(common(ClientOptions.builder(), timeout, queueSize).build());
    StatefulRedisConnection<byte[], byte[]> c =
        withStartupRetry(client, () -> client.connect(ByteArrayCodec.INSTANCE, uri));
    Supplier<StatefulConnection<byte[], byte[]>> another = () -> client.connect(ByteArrayCodec.INSTANCE, uri);
    Supplier<WriteConnection> writes = () -> {
      StatefulConnection<byte[], byte[]> w = another.get();
      return new WriteConnection(w, always(w));
    };
    return new RedisConnector(resources, client, c, c.async(), () -> c.async().ping(), writes, another, () -> {},
        queueSize, timeout);
  }

  /**
   * The primary Sentinel names, followed as Sentinel announces changes (+switch-master and
   * friends, over its pub/sub) rather than only at the next reconnect: after a SENTINEL FAILOVER
   * the old primary keeps accepting writes until Sentinel demotes it, seconds later, and those
   * writes are dropped when it resyncs as a replica.
   */
  private static RedisConnector sentinel(
      ClientResources resources, RedisURI uri, Duration timeout, int queueSize) {
    uri.setTimeout(timeout);
    uri.getSentinels().forEach(sentinel -> sentinel.setTimeout(timeout));
    RedisClient client = RedisClient.create(resources);
    client.setOptions(common(ClientOptions.builder(), timeout, queueSize).build());
    StatefulRedisMasterReplicaConnection<byte[], byte[]> c =
        withStartupRetry(client, () -> MasterReplica.connect(client, ByteArrayCodec.INSTANCE, uri));
    c.setReadFrom(ReadFrom.UPSTREAM); // every command, reads included, on the primary
    // A write and its WAIT are dispatched together on their connection, which sends a batch of
    // commands to one node: whichever primary it follows at that moment gets both.
    Supplier<StatefulConnection<byte[], byte[]>> another = () -> {
      StatefulRedisMasterReplicaConnection<byte[], byte[]> w =
          MasterReplica.connect(client, ByteArrayCodec.INSTANCE, uri);
      w.setReadFrom(ReadFrom.UPSTREAM);
      return w;
    };
    Supplier<WriteConnection> writes = () -> {
      StatefulConnection<byte[], byte[]> w = another.get();
      return new WriteConnection(w, always(w));
    };
    return new RedisConnector(resources, client, c, c.async(), () -> c.async().ping(), writes, another, () -> {},
        queueSize, timeout);
  }

  private static RedisConnector cluster(
      ClientResources resources, List<RedisURI> seeds, Duration timeout, int queueSize) {
    seeds.forEach(seed -> seed.setTimeout(timeout));
    RedisClusterClient client = RedisClusterClient.create(resources, seeds);
    ClusterClientOptions.Builder options =
        ClusterClientOptions.builder()
            .topologyRefreshOptions(
                ClusterTopologyRefreshOptions.builder()
                    .enablePeriodicRefresh(Duration.ofSeconds(TOPOLOGY_REFRESH_SECONDS))
                    .enableAllAdaptiveRefreshTriggers()
                    .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_INTERVAL)
                    .build());
    client.setOptions(common(options, timeout, queueSize).build());
    StatefulRedisClusterConnection<byte[], byte[]> c =
        withStartupRetry(client, () -> client.connect(ByteArrayCodec.INSTANCE));
    // Node connections open lazily, and with REJECT_COMMANDS a command that waits for one is
    // rejected: open them up front, and again whenever the topology changes (a promoted replica).
    openPrimaryConnections(c).join();
    resources.eventBus().get()
        .filter(event -> event instanceof ClusterTopologyChangedEvent)
        .subscribe(event -> openPrimaryConnections(c));
    // The writes' own cluster connection: its node connections, to the same primaries, carry only
    // the writes and their WAITs.
    Supplier<WriteConnection> writes = () -> {
      StatefulRedisClusterConnection<byte[], byte[]> w = client.connect(ByteArrayCodec.INSTANCE);
      openPrimaryConnections(w).join();
      resources.eventBus().get()
          .filter(event -> event instanceof ClusterTopologyChangedEvent)
          .filter(event -> w.isOpen())
          .subscribe(event -> openPrimaryConnections(w));
      return new WriteConnection(w, key -> slotOwner(w, key));
    };
    return new RedisConnector(resources, client, c, c.async(), () -> clusterHealth(c),
        writes, null, client::refreshPartitionsAsync, queueSize, timeout);
  }

  /**
   * The node connection of {@code c} to the primary serving the key's slot (Lettuce keys node
   * connections by host and port), as the topology stands now.
   */
  private static CompletionStage<StatefulConnection<byte[], byte[]>> slotOwner(
      StatefulRedisClusterConnection<byte[], byte[]> c, byte[] key) {
    int slot = SlotHash.getSlot(key);
    RedisClusterNode owner = c.getPartitions().getMasterBySlot(slot);
    if (owner == null) {
      return CompletableFuture.failedFuture(new RedisException("No primary serves slot " + slot));
    }
    return c.getConnectionAsync(owner.getUri().getHost(), owner.getUri().getPort())
        .thenApply(node -> (StatefulConnection<byte[], byte[]>) node);
  }

  private static CompletableFuture<Void> openPrimaryConnections(
      StatefulRedisClusterConnection<byte[], byte[]> c) {
    List<CompletableFuture<?>> opening = new ArrayList<>();
    for (RedisClusterNode node : c.getPartitions()) {
      if (node.is(NodeFlag.UPSTREAM) && !node.is(NodeFlag.FAIL) && !node.getSlots().isEmpty()) {
        opening.add(c.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()));
      }
    }
    // A node that cannot be reached now is retried by the next topology change or command.
    return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
        .exceptionally(failure -> null);
  }

  /** The options every connection shares, standalone or cluster. */
  private static <B extends ClientOptions.Builder> B common(B builder, Duration timeout, int queueSize) {
    builder
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .requestQueueSize(queueSize)
        .timeoutOptions(TimeoutOptions.enabled(timeout))
        .socketOptions(
            SocketOptions.builder()
                .connectTimeout(Duration.ofSeconds(2))
                .tcpNoDelay(true)
                .keepAlive(
                    SocketOptions.KeepAliveOptions.builder()
                        .enable()
                        .idle(Duration.ofSeconds(15))
                        .interval(Duration.ofSeconds(5))
                        .count(3)
                        .build())
                .tcpUserTimeout(
                    SocketOptions.TcpUserTimeoutOptions.builder()
                        // Needs a native transport; elsewhere keepalive alone applies.
                        .enable(EpollProvider.isAvailable())
                        .tcpUserTimeout(Duration.ofSeconds(30))
                        .build())
                .build())
        // Never replay: a command that was in flight when its connection dropped has an unknown
        // outcome, which its caller already answered as "retry".
        .replayFilter(command -> true);
    return builder;
  }

  /**
   * A Redis that is still starting (a fresh container, a cluster still electing) refuses
   * connections for a moment: retry for a bounded time, then fail with the cause.
   */
  private static <C> C withStartupRetry(AbstractRedisClient client, Supplier<C> connect) {
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (true) {
      try {
        return connect.get();
      } catch (RedisException e) {
        if (System.nanoTime() > deadline) {
          client.shutdown(0, 2, TimeUnit.SECONDS);
          throw e;
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          client.shutdown(0, 2, TimeUnit.SECONDS);
          throw e;
        }
      } catch (RuntimeException e) {
        client.shutdown(0, 2, TimeUnit.SECONDS);
        throw e;
      }
    }
  }

  /**
   * A Cluster is healthy when every primary that serves slots answers and reports {@code
   * cluster_state:ok}. Asking one default node would report a dead seed as an outage of the whole
   * store (and miss a dead primary).
   */
  private static CompletionStage<String> clusterHealth(
      StatefulRedisClusterConnection<byte[], byte[]> c) {
    List<CompletableFuture<String>> infos = new ArrayList<>();
    for (RedisClusterNode node : c.getPartitions()) {
      if (node.is(NodeFlag.UPSTREAM) && !node.is(NodeFlag.FAIL) && !node.getSlots().isEmpty()) {
        RedisURI uri = node.getUri();
        infos.add(
            c.getConnectionAsync(uri.getHost(), uri.getPort())
                .thenCompose(nodeConnection -> nodeConnection.async().clusterInfo()));
      }
    }
    if (infos.isEmpty()) {
      return CompletableFuture.failedFuture(new RedisException("No primary serves any slot"));
    }
    return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
        .thenApply(
            x -> {
              for (CompletableFuture<String> info : infos) {
                if (!info.join().contains("cluster_state:ok")) {
                  throw new RedisException("A primary reports the cluster is not ok");
                }
              }
              return "PONG";
            });
  }

  public RedisClusterAsyncCommands<byte[], byte[]> commands() {
    return commands;
  }

  /**
   * Whether every key is on one node (a single Redis, Sentinel's primary): a script may then touch
   * several partitions' keys in one call. False on a Cluster.
   */
  public boolean oneNode() {
    return openPrimaryConnection != null;
  }

  /**
   * The acknowledged writes, followed by {@code WAIT} as {@code wait} says (nothing when off). With
   * WAIT they run on a connection of their own, opened on the first call and shared by later ones.
   */
  public DurableWrites durableWrites(ReplicaWait wait) {
    return durableWrites(wait, ReplicaWaitListener.NONE);
  }

  /** {@link #durableWrites(ReplicaWait)}, telling {@code listener} how each WAIT ended. */
  public synchronized DurableWrites durableWrites(ReplicaWait wait, ReplicaWaitListener listener) {
    if (!wait.enabled()) {
      return DurableWrites.unreplicated(commands);
    }
    if (writeConnection == null) {
      writeConnection = openWriteConnection.get();
    }
    return new DurableWrites(commands, wait, writeConnection.ownerOf(), refreshTopology, queueSize, listener);
  }

  /**
   * Completes with "PONG" when the store can serve (a single Redis answers PING; every primary of a
   * Cluster reports {@code cluster_state:ok}); exceptionally otherwise.
   */
  public CompletionStage<String> ping() {
    return health.get();
  }

  /**
   * A watch of the partitions' conversion streams on a connection of its own (closed with this
   * connector); empty on a Cluster, whose readers poll.
   */
  synchronized Optional<StreamAppendWatch> streamAppendWatch(int partitions) {
    if (openPrimaryConnection == null) {
      return Optional.empty();
    }
    StatefulConnection<byte[], byte[]> own = openPrimaryConnection.get();
    // A single Redis' connection or Sentinel's master/replica one: both are StatefulRedisConnections.
    RedisClusterAsyncCommands<byte[], byte[]> ownCommands = ((StatefulRedisConnection<byte[], byte[]>) own).async();
    // A blocked read must return before the command timeout would fail it.
    StreamAppendWatch watch = new StreamAppendWatch(own, ownCommands, partitions, commandTimeout.dividedBy(2));
    watches.add(watch);
    return Optional.of(watch);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (writeConnection != null) {
        writeConnection.connection().close();
      }
      watches.forEach(StreamAppendWatch::close);
    }
    connection.close();
    client.shutdown(0, 2, TimeUnit.SECONDS);
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
