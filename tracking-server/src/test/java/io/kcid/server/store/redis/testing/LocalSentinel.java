package io.kcid.server.store.redis.testing;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.RedisSentinel;

/**
 * A Sentinel deployment of real processes: one primary, one replica and one sentinel watching
 * them (quorum 1), reached through the sentinel with a {@code redis-sentinel://} URL.
 */
public final class LocalSentinel implements TestRedis {
  public static final String MASTER_NAME = "kcid";

  private final RedisNode first;
  private final RedisNode second;
  private final RedisSentinel sentinel;
  private final int sentinelPort;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> data;
  private final StatefulRedisSentinelConnection<String, String> sentinelConnection;

  private LocalSentinel(RedisNode first, RedisNode second, RedisSentinel sentinel, int sentinelPort) {
    this.first = first;
    this.second = second;
    this.sentinel = sentinel;
    this.sentinelPort = sentinelPort;
    this.client = RedisClient.create();
    this.data = client.connect(RedisURI.create(url()));
    this.sentinelConnection =
        client.connectSentinel(RedisURI.create(RedisNode.HOST, sentinelPort));
  }

  public static LocalSentinel start() {
    return start(List.of());
  }

  /** As {@link #start()}, with more redis.conf lines for both data nodes. */
  public static LocalSentinel start(List<String> extraSettings) {
    List<String> settings = RedisNode.baseSettings(false);
    settings.addAll(extraSettings);
    RedisNode primary = RedisNode.start(settings, false);
    RedisNode replica = null;
    try {
      List<String> replicaSettings = new java.util.ArrayList<>(settings);
      replicaSettings.add("replicaof " + RedisNode.HOST + " " + primary.port());
      replica = RedisNode.start(replicaSettings, false);
      RedisNode r = replica;
      LocalCluster.await("replica in sync", () -> "up".equals(r.info("replication", "master_link_status")));
      int port = RedisNode.freePort(false);
      RedisSentinel sentinel =
          RedisSentinel.newRedisSentinel()
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
      LocalSentinel started = new LocalSentinel(primary, replica, sentinel, port);
      LocalCluster.await("sentinel sees the replica", () ->
          !started.sentinelConnection.sync().replicas(MASTER_NAME).isEmpty());
      return started;
    } catch (IOException e) {
      primary.close();
      if (replica != null) {
        replica.close();
      }
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      primary.close();
      if (replica != null) {
        replica.close();
      }
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
    return address.getPort() == first.port() ? first : second;
  }

  public RedisNode replica() {
    return primary() == first ? second : first;
  }

  /**
   * SENTINEL FAILOVER: waits until the replica is promoted and the sentinel names it. (The old
   * primary is demoted by the sentinel some seconds later, when it notices its role is stale.)
   */
  public void failover() {
    RedisNode promoted = replica();
    sentinelConnection.sync().failover(MASTER_NAME);
    LocalCluster.await("sentinel failover", () -> primary() == promoted
        && "master".equals(promoted.info("replication", "role")));
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
    first.sync().scriptFlush();
    second.sync().scriptFlush();
  }

  @Override
  public boolean scriptCached(String key, String sha) {
    return primary().sync().scriptExists(sha).get(0);
  }

  @Override
  public long usedMemory() {
    return Long.parseLong(primary().info("memory", "used_memory"));
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
      first.close();
      second.close();
    }
  }
}
