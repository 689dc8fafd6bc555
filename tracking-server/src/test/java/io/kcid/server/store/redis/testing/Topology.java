package io.kcid.server.store.redis.testing;

/** The deployments every store and server test runs against. */
public enum Topology {
  /** One redis-server. */
  STANDALONE,
  /** Three primaries, no replicas: keys spread over three nodes, scripts routed by slot. */
  CLUSTER,
  /** A primary, a replica and one sentinel, reached through the sentinel. */
  SENTINEL;

  public TestRedis start() {
    return switch (this) {
      case STANDALONE -> LocalStandalone.start();
      case CLUSTER -> LocalCluster.start(3, 0, false);
      case SENTINEL -> LocalSentinel.start();
    };
  }
}
