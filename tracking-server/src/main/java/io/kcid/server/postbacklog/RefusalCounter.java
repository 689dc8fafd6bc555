package io.kcid.server.postbacklog;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts unauthenticated refusals in memory, per log and reason, until they are drained (about
 * once a second) into Redis: a flood costs a map update per request, not a Redis write. The keys
 * are existing accounts (or the unattributed log) times reasons, so memory stays bounded.
 */
final class RefusalCounter {
  private record Key(String log, ErrorReason reason) {}

  private final ConcurrentHashMap<Key, Long> pending = new ConcurrentHashMap<>();

  void add(String log, ErrorReason reason) {
    pending.merge(new Key(log, reason), 1L, Long::sum);
  }

  /** Adds counts back (a flush that failed). */
  void addAll(String log, Map<ErrorReason, Long> counts) {
    counts.forEach((reason, n) -> pending.merge(new Key(log, reason), n, Long::sum));
  }

  /** Everything counted since the last drain, by log and reason; counting goes on meanwhile. */
  Map<String, Map<ErrorReason, Long>> drain() {
    Map<String, Map<ErrorReason, Long>> drained = new HashMap<>();
    for (Key key : pending.keySet()) {
      Long n = pending.remove(key);
      if (n != null && n > 0) {
        drained.computeIfAbsent(key.log(), k -> new EnumMap<>(ErrorReason.class)).merge(key.reason(), n, Long::sum);
      }
    }
    return drained;
  }
}
