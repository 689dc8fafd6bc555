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
 *
 * <p>Redis errors that come and go with the topology are transient: CLUSTERDOWN (slots not served,
 * cluster failing), TRYAGAIN (a multi-key command on a slot being migrated), MOVED and ASK (when
 * the client ran out of redirects during a failover or resharding), READONLY (a primary that was
 * just demoted), MASTERDOWN, LOADING, BUSY, NOREPLICAS and OOM. Each means Redis did not execute the
 * command (a script is refused before its first write), so a retry is safe. Every other Redis error
 * — CROSSSLOT among them — is a bug and surfaces as INTERNAL, loudly.
 */
final class StoreErrors {
  private static final String[] TRANSIENT_PREFIXES = {
    "CLUSTERDOWN", "TRYAGAIN", "LOADING", "BUSY ", "MASTERDOWN", "READONLY", "MOVED", "ASK",
    "NOREPLICAS", "OOM"
  };
  /** How Redis 6 wraps the error of a command called inside a script (Redis 7 passes it as is). */
  private static final String SCRIPT_ERROR = "ERR Error running script";

  private StoreErrors() {}

  static RuntimeException translate(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof KcidException k) {
      return k;
    }
    if (t instanceof RedisCommandTimeoutException) {
      return withCause(new KcidException(
          ErrorReason.ERROR_REASON_STORE_TIMEOUT,
          "The store did not answer in time; the outcome is unknown. Retry with the same request."), t);
    }
    if (t instanceof RedisCommandExecutionException e && !isTransient(e.getMessage())) {
      // A command Redis refused for a reason that will not go away: a bug, not an outage.
      return new IllegalStateException("Redis refused a command: " + e.getMessage(), e);
    }
    if (t instanceof RedisException || t instanceof CancellationException
        || t instanceof java.io.IOException) {
      return withCause(new KcidException(
          ErrorReason.ERROR_REASON_STORE_UNAVAILABLE,
          "The store is unavailable; the outcome is unknown. Retry with the same request."), t);
    }
    return t instanceof RuntimeException r ? r : new IllegalStateException(t);
  }

  /** Keeps the Lettuce failure for logs and diagnosis; callers only ever see the reason. */
  private static KcidException withCause(KcidException e, Throwable cause) {
    e.initCause(cause);
    return e;
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static boolean isTransient(String message) {
    if (message == null) {
      return false;
    }
    boolean inScript = message.startsWith(SCRIPT_ERROR);
    for (String prefix : TRANSIENT_PREFIXES) {
      if (message.startsWith(prefix) || (inScript && message.contains(": -" + prefix))) {
        return true;
      }
    }
    return false;
  }
}
