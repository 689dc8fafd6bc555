package io.kcid.server.config;

import io.kcid.core.kcid.KcidKeyRing;
import java.util.Objects;

/**
 * What every kcid the server issues carries: its storage partition and its MAC.
 *
 * @param partitions storage partitions; fixed per deployment, recorded in every kcid (KCID_PARTITIONS)
 * @param macKeys the keys that sign and verify kcids (KCID_MAC_KEYS, KCID_MAC_ACTIVE_KEY)
 */
public record KcidConfig(int partitions, KcidKeyRing macKeys) {
  public static final int DEFAULT_PARTITIONS = 16;
  static final int MAX_PARTITIONS = 4096;

  public KcidConfig {
    Objects.requireNonNull(macKeys, "macKeys");
    if (partitions < 1 || partitions > MAX_PARTITIONS) {
      throw new IllegalArgumentException("KCID_PARTITIONS=" + partitions + ": expected 1..4096");
    }
  }
}
