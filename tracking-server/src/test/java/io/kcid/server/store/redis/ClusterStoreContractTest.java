package io.kcid.server.store.redis;

import io.kcid.server.store.redis.testing.Topology;

/** The store contract on a 3-primary Redis Cluster. */
class ClusterStoreContractTest extends StoreContract {
  @Override
  Topology topology() {
    return Topology.CLUSTER;
  }
}
