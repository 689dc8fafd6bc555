package io.kcid.server.store;

/**
 * Told how each replication barrier ({@code WAIT}) ended, for the server's metrics. Must not throw
 * and must not block: it runs on the Redis connection's event loop.
 */
@FunctionalInterface
public interface ReplicaWaitListener {
  ReplicaWaitListener NONE = result -> {};

  /** How one WAIT ended; every write of its batch shares the result. */
  enum Result {
    /** Enough replicas confirmed the batch. */
    OK,
    /** WAIT returned before enough replicas confirmed it: the writes' outcome is unknown. */
    TOO_FEW_REPLICAS,
    /** The WAIT itself timed out on the client (the Redis command timeout). */
    TIMEOUT,
    /** The connection failed before WAIT answered. */
    FAILED
  }

  void waited(Result result);
}
