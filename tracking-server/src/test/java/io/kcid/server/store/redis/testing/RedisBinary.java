package io.kcid.server.store.redis.testing;

import io.kcid.server.store.redis.LocalRedis;
import redis.embedded.core.ExecutableProvider;

/**
 * Which {@code redis-server} the test processes run: the same choice as the local default's
 * ({@link LocalRedis#SERVER_VARIABLE}), so one variable moves every suite to another Redis.
 */
public final class RedisBinary {
  private RedisBinary() {
  }

  /** The binary {@link LocalRedis#SERVER_VARIABLE} names, else the bundled 6.2. */
  public static ExecutableProvider provider() {
    return LocalRedis.binary(System.getenv(LocalRedis.SERVER_VARIABLE));
  }
}
