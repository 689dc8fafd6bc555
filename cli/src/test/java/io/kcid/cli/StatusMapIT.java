package io.kcid.cli;

import io.kcid.server.store.redis.LocalRedis;

/** {@link StatusMapContract} on a standalone redis-server. */
class StatusMapIT extends StatusMapContract {
  private LocalRedis redis;

  @Override
  AutoCloseable startRedis() {
    redis = LocalRedis.startTemporary();
    return redis;
  }

  @Override
  String redisUrl() {
    return redis.url();
  }
}
