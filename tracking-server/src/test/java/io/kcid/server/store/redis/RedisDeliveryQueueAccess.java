package io.kcid.server.store.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;

/** What tests outside the package need of RedisDeliveryQueue's storage: its key names and cap. */
public final class RedisDeliveryQueueAccess {
  public static final int ATTEMPTS_KEPT = RedisDeliveryQueue.ATTEMPTS_KEPT;

  private RedisDeliveryQueueAccess() {}

  /** A queue whose attempts wait {@code finishLinger} for others to be recorded with them. */
  public static RedisDeliveryQueue withFinishLinger(
      RedisClusterAsyncCommands<byte[], byte[]> redis, boolean oneNode, Duration finishLinger) {
    return new RedisDeliveryQueue(redis, oneNode, finishLinger);
  }

  public static byte[] job(int partition, String deliveryId) {
    return RedisKeys.bytes(RedisKeys.deliveryJobPrefix(partition) + deliveryId);
  }

  public static byte[] attempts(int partition, String deliveryId) {
    return RedisKeys.bytes(RedisKeys.deliveryAttemptsPrefix(partition) + deliveryId);
  }
}
