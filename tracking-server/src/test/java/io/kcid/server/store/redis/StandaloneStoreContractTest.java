package io.kcid.server.store.redis;

import io.kcid.server.store.redis.testing.Topology;

/** The store contract on one redis-server. */
class StandaloneStoreContractTest extends StoreContract {
  @Override
  Topology topology() {
    return Topology.STANDALONE;
  }
}
