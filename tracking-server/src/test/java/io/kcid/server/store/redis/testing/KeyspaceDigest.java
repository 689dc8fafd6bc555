package io.kcid.server.store.redis.testing;

import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every key of a standalone Redis with its type, value and whether it expires, in one comparable
 * text: equal digests mean nothing was written in between. It stands in for {@code DEBUG DIGEST},
 * which Redis 7 refuses unless {@code enable-debug-command} is set at start. Values are read in an
 * order of their own (a hash's fields sorted), never in Redis' internal order, which a read can
 * change (incremental rehashing). Unlike DEBUG DIGEST it does not see an expiry moved to another
 * time, only one added or removed.
 */
public final class KeyspaceDigest {
  private static final HexFormat HEX = HexFormat.of();

  private KeyspaceDigest() {
  }

  public static String of(RedisCommands<byte[], byte[]> redis) {
    Map<String, String> keys = new TreeMap<>();
    ScanIterator.scan(redis, ScanArgs.Builder.limit(1000)).forEachRemaining(
        key -> keys.put(HEX.formatHex(key), value(redis, key) + (redis.pttl(key) > 0 ? " expires" : "")));
    return keys.toString();
  }

  private static String value(RedisCommands<byte[], byte[]> redis, byte[] key) {
    String type = redis.type(key);
    return type + " " + switch (type) {
      case "string" -> hex(redis.get(key));
      case "hash" -> sorted(redis.hgetall(key));
      case "set" -> redis.smembers(key).stream().map(KeyspaceDigest::hex).sorted().toList().toString();
      case "zset" -> redis.zrangeWithScores(key, 0, -1).stream()
          .map(v -> hex(v.getValue()) + "=" + v.getScore()).toList().toString();
      case "list" -> redis.lrange(key, 0, -1).stream().map(KeyspaceDigest::hex).toList().toString();
      case "stream" -> redis.xrange(key, Range.create("-", "+")).stream()
          .map(m -> m.getId() + sorted(m.getBody())).toList().toString();
      default -> "(gone or unknown)";
    };
  }

  private static String sorted(Map<byte[], byte[]> fields) {
    List<String> entries = new ArrayList<>();
    fields.forEach((f, v) -> entries.add(hex(f) + "=" + hex(v)));
    entries.sort(null);
    return entries.toString();
  }

  private static String hex(byte[] bytes) {
    return bytes == null ? "null" : HEX.formatHex(bytes);
  }
}
