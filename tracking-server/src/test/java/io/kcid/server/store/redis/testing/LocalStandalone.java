package io.kcid.server.store.redis.testing;

import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.concurrent.TimeUnit;

/** One redis-server, as {@code ./kcid up} runs it. */
public final class LocalStandalone implements TestRedis {
  private final LocalRedis redis;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  private LocalStandalone(LocalRedis redis) {
    this.redis = redis;
    this.client = RedisClient.create(redis.url());
    this.connection = client.connect();
  }

  public static LocalStandalone start() {
    return new LocalStandalone(LocalRedis.startTemporary());
  }

  /** With {@code appendfsync always}: every reply waits for its write to be on disk. */
  public static LocalStandalone startFsyncAlways() {
    try {
      return new LocalStandalone(LocalRedis.start(0, java.nio.file.Files.createTempDirectory("kcid-redis"), true));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public String url() {
    return redis.url();
  }

  @Override
  public RedisClusterCommands<String, String> commands() {
    return connection.sync();
  }

  @Override
  public void flushScripts() {
    connection.sync().scriptFlush();
  }

  @Override
  public boolean scriptCached(String key, String sha) {
    return connection.sync().scriptExists(sha).get(0);
  }

  @Override
  public long storedMemory() {
    Info.awaitReplicas(() -> connection.sync().info("replication")); // none: the pause for clientsCron
    return Info.storedMemory(connection.sync().info("memory"));
  }

  @Override
  public double cpuSeconds() {
    return Info.cpuSeconds(connection.sync().info("cpu"));
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(0, 1, TimeUnit.SECONDS);
    redis.close();
  }
}
