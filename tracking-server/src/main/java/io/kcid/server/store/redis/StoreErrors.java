package io.kcid.server.store.redis;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns Lettuce failures into outcomes callers can act on. Anything that leaves the outcome of a
 * write unknown (timeout, disconnect, CLUSTERDOWN, failover) becomes STORE_UNAVAILABLE or
 * STORE_TIMEOUT, which the API answers as "retry", never as success.
 */
final class StoreErrors {
  private static final String[] TRANSIENT_PREFIXES = {
    "CLUSTERDOWN", "TRYAGAIN", "LOADING", "BUSY", "MASTERDOWN", "READONLY", "MOVED", "ASK",
    "NOREPLICAS", "OOM"
  };

  private StoreErrors() {}

  static RuntimeException translate(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof KcidException k) {
      return k;
    }
    if (t instanceof RedisCommandTimeoutException) {
      return new KcidException(
          ErrorReason.ERROR_REASON_STORE_TIMEOUT,
          "The store did not answer in time; the outcome is unknown. Retry with the same request.");
    }
    if (t instanceof RedisCommandExecutionException e && !isTransient(e.getMessage())) {
      // A command Redis refused for a reason that will not go away: a bug, not an outage.
      return new IllegalStateException("Redis refused a command: " + e.getMessage(), e);
    }
    if (t instanceof RedisException || t instanceof CancellationException
        || t instanceof java.io.IOException) {
      return new KcidException(
          ErrorReason.ERROR_REASON_STORE_UNAVAILABLE,
          "The store is unavailable; the outcome is unknown. Retry with the same request.");
    }
    return t instanceof RuntimeException r ? r : new IllegalStateException(t);
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static boolean isTransient(String message) {
    if (message == null) {
      return false;
    }
    for (String prefix : TRANSIENT_PREFIXES) {
      if (message.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
