package io.kcid.cli;

import io.kcid.server.store.redis.testing.LocalCluster;

/** {@link StatusMapContract} on a three-primary Redis Cluster. */
class StatusMapClusterIT extends StatusMapContract {
  private LocalCluster cluster;

  @Override
  AutoCloseable startRedis() {
    cluster = LocalCluster.start(3, 0, false);
    return cluster;
  }

  @Override
  String redisUrl() {
    return cluster.url();
  }
}
