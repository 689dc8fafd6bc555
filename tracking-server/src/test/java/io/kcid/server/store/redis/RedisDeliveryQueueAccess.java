package io.kcid.server.store.redis;

/** What tests outside the package need of RedisDeliveryQueue's storage: its key names and cap. */
public final class RedisDeliveryQueueAccess {
  public static final int ATTEMPTS_KEPT = RedisDeliveryQueue.ATTEMPTS_KEPT;

  private RedisDeliveryQueueAccess() {}

  public static byte[] job(int partition, String deliveryId) {
    return RedisKeys.bytes(RedisKeys.deliveryJobPrefix(partition) + deliveryId);
  }

  public static byte[] attempts(int partition, String deliveryId) {
    return RedisKeys.bytes(RedisKeys.deliveryAttemptsPrefix(partition) + deliveryId);
  }
}
