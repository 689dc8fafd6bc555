package io.kcid.server.store.redis.testing;

import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisSentinel;

/**
 * A Sentinel deployment of real processes: one primary, its replicas and one sentinel watching
 * them (quorum 1), reached through the sentinel with a {@code redis-sentinel://} URL.
 */
public final class LocalSentinel implements TestRedis {
  public static final String MASTER_NAME = "kcid";

  private final List<RedisNode> nodes;
  private final RedisSentinel sentinel;
  private final int sentinelPort;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> data;
  private final StatefulRedisSentinelConnection<String, String> sentinelConnection;

  private LocalSentinel(List<RedisNode> nodes, RedisSentinel sentinel, int sentinelPort) {
    this.nodes = List.copyOf(nodes);
    this.sentinel = sentinel;
    this.sentinelPort = sentinelPort;
    this.client = RedisClient.create();
    this.data = client.connect(RedisURI.create(url()));
    this.sentinelConnection =
        client.connectSentinel(RedisURI.create(RedisNode.HOST, sentinelPort));
  }

  /** A primary and one replica. */
  public static LocalSentinel start() {
    return start(1, List.of());
  }

  /** A primary and {@code replicas} replicas, with more redis.conf lines for every data node. */
  public static LocalSentinel start(int replicas, List<String> extraSettings) {
    List<String> settings = RedisNode.baseSettings(false);
    settings.addAll(extraSettings);
    List<RedisNode> nodes = new ArrayList<>();
    try {
      RedisNode primary = RedisNode.start(settings, false);
      nodes.add(primary);
      List<String> replicaSettings = new ArrayList<>(settings);
      replicaSettings.add("replicaof " + RedisNode.HOST + " " + primary.port());
      for (int i = 0; i < replicas; i++) {
        RedisNode replica = RedisNode.start(replicaSettings, false);
        nodes.add(replica);
        LocalCluster.await("replica in sync", () -> "up".equals(replica.info("replication", "master_link_status")));
      }
      int port = RedisNode.freePort(false);
      RedisSentinel sentinel =
          RedisSentinel.newRedisSentinel()
              .executableProvider(LocalRedis.configuredBinary())
              .bind(RedisNode.HOST)
              .port(port)
              .masterName(MASTER_NAME)
              .masterPort(primary.port())
              .quorumSize(1)
              .downAfterMilliseconds(1000)
              .failOverTimeout(5000)
              .soutListener(line -> {})
              .serrListener(line -> {})
              .build();
      sentinel.start();
      LocalSentinel started = new LocalSentinel(nodes, sentinel, port);
      LocalCluster.await("sentinel sees the replicas", () ->
          started.sentinelConnection.sync().replicas(MASTER_NAME).size() == replicas);
      return started;
    } catch (IOException e) {
      nodes.forEach(RedisNode::close);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      nodes.forEach(RedisNode::close);
      throw e;
    }
  }

  @Override
  public String url() {
    return "redis-sentinel://" + RedisNode.HOST + ":" + sentinelPort + "#" + MASTER_NAME;
  }

  /** The node the sentinel names as primary now. */
  public RedisNode primary() {
    InetSocketAddress address = (InetSocketAddress) sentinelConnection.sync().getMasterAddrByName(MASTER_NAME);
    return nodes.stream().filter(n -> n.port() == address.getPort()).findFirst().orElseThrow();
  }

  /** A node the sentinel does not name as primary. */
  public RedisNode replica() {
    RedisNode primary = primary();
    return nodes.stream().filter(n -> n != primary).findFirst().orElseThrow();
  }

  /**
   * SENTINEL FAILOVER: waits until the sentinel names another primary and it reports itself
   * primary. (The old primary is demoted by the sentinel some seconds later, when it notices the
   * stale role; see {@link #awaitDemoted}.)
   */
  public void failover() {
    RedisNode before = primary();
    sentinelConnection.sync().failover(MASTER_NAME);
    LocalCluster.await("sentinel failover", () -> {
      RedisNode now = primary();
      return now != before && "master".equals(now.info("replication", "role"));
    });
  }

  /**
   * Waits until a former primary has been demoted by the sentinel and has resynced from the new
   * one (it then holds exactly what the new primary holds).
   */
  public void awaitDemoted(RedisNode former) {
    LocalCluster.await(former.address() + " demoted", () -> "slave".equals(former.info("replication", "role"))
        && "up".equals(former.info("replication", "master_link_status")));
  }

  @Override
  public RedisClusterCommands<String, String> commands() {
    return data.sync();
  }

  @Override
  public void flushScripts() {
    nodes.forEach(n -> n.sync().scriptFlush());
  }

  @Override
  public boolean scriptCached(String key, String sha) {
    return primary().sync().scriptExists(sha).get(0);
  }

  @Override
  public long storedMemory() {
    Info.awaitReplicas(() -> primary().sync().info("replication"));
    return Info.storedMemory(primary().sync().info("memory"));
  }

  @Override
  public double cpuSeconds() {
    return Info.cpuSeconds(primary().sync().info("cpu"));
  }

  @Override
  public void close() {
    sentinelConnection.close();
    data.close();
    client.shutdown(0, 1, TimeUnit.SECONDS);
    try {
      sentinel.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      nodes.forEach(RedisNode::close);
    }
  }
}
