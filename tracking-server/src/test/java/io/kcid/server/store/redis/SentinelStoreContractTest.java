package io.kcid.server.store.redis;

import io.kcid.server.store.redis.testing.Topology;

/** The store contract on a primary and a replica reached through a sentinel. */
class SentinelStoreContractTest extends StoreContract {
  @Override
  Topology topology() {
    return Topology.SENTINEL;
  }
}
