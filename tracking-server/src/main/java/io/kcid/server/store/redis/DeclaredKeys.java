package io.kcid.server.store.redis;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * The keys a batch script call names, each declared once in its KEYS list: items of the batch
 * refer to a key by its index in KEYS (1-based), so keys many items share (a click group, a stats
 * hash, a state hash) are declared once, and Redis Cluster still sees every key the script touches.
 */
final class DeclaredKeys<P extends Enum<P> & ScriptParam> {
  private final ScriptArgs<P> call;
  private final P keys;
  private final int first;
  private final Map<ByteBuffer, String> index = new HashMap<>();

  /**
   * @param keys the call's list of declared keys
   * @param first the KEYS index of the list's first key (after the single keys declared before it)
   */
  DeclaredKeys(ScriptArgs<P> call, P keys, int first) {
    this.call = call;
    this.keys = keys;
    this.first = first;
  }

  /** The key's index in KEYS, declaring it when new. */
  String indexOf(byte[] key) {
    return index.computeIfAbsent(ByteBuffer.wrap(key), k -> {
      call.add(keys, key);
      return Integer.toString(first + index.size());
    });
  }
}
