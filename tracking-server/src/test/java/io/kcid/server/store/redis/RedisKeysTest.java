package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.core.kcid.DecodedKcid;
import io.lettuce.core.cluster.SlotHash;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every key one Lua script touches shares one hash slot, for every partition a deployment can
 * have: what makes CROSSSLOT impossible on a Cluster, including keys a script derives from its
 * arguments (conversion and history keys) rather than receiving them as KEYS.
 */
class RedisKeysTest {
  private static int slot(byte[] key) {
    return SlotHash.getSlot(key);
  }

  private static int slot(String key) {
    return SlotHash.getSlot(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void allKeysOfAClickShareThePartitionSlot() {
    String kcid = "22tb3k0q0r0j8w5z9d7m6c4x2a1s0f9e";
    for (int p = 0; p < 4096; p++) {
      int expected = slot(RedisKeys.stream(p));
      List<Integer> slots = List.of(
          slot(RedisKeys.clickGroup(new DecodedKcid(kcid, 1, Instant.now(), p, 0, 42L))),
          slot(new String(RedisKeys.clickGroup(new DecodedKcid(kcid, 1, Instant.now(), p, 0, 42L)),
              StandardCharsets.UTF_8) + ":17"),
          slot(RedisKeys.clickState(p, kcid)),
          slot(RedisKeys.legacyConversion(p, kcid, 17)),
          slot(RedisKeys.legacyConversionPrefix(p, kcid) + 18),
          slot(RedisKeys.legacyClickAttempts(p, kcid)),
          slot(RedisKeys.history(p, kcid, 17)),
          slot(RedisKeys.historyPrefix(p, kcid) + 18),
          slot(RedisKeys.request(p, kcid, "req-{odd}:id")),
          slot(RedisKeys.noRequest(p)));
      assertThat(slots).as("partition %d", p).containsOnly(expected);
    }
  }

  @Test
  void allKeysOfAnAccountShareTheAccountSlot() {
    for (String id : List.of("acme", "a", "acct-0123456789", "x_y-z")) {
      int expected = slot(RedisKeys.account(id));
      assertThat(List.of(
              slot(RedisKeys.accountSecrets(id)),
              slot(RedisKeys.accountGoals(id)),
              slot(RedisKeys.accountRequest(id, "req-1")),
              slot(RedisKeys.accountTransaction(id, "purchase", "order-{7}"))))
          .as(id)
          .containsOnly(expected);
    }
  }

  @Test
  void partitionsSpreadOverDistinctSlots() {
    // With P partitions, a Cluster can usefully use up to P shards: each partition is one slot.
    // (Up to 1024 no two partitions share a slot; at 4096, CRC16 puts some pairs together.)
    for (int partitions : new int[] {16, 256, 1024}) {
      long distinct = java.util.stream.IntStream.range(0, partitions)
          .map(p -> slot(RedisKeys.stream(p))).distinct().count();
      assertThat(distinct).as("%d partitions", partitions).isEqualTo(partitions);
    }
  }
}
