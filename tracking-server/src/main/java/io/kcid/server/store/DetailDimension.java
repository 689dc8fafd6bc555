package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.StatsDimension;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * The click attributes stats count one at a time per campaign and goal (never crossed with each
 * other, which would multiply the counters): sub id s1 in the stats hash itself, the others in the
 * hour's dimension hash under a one-character code (lib_stats.lua).
 */
public enum DetailDimension {
  SUB_ID_1(StatsDimension.STATS_DIMENSION_SUB_ID_1, '1', c -> c.getSubIdsOrDefault("s1", "")),
  CREATIVE(StatsDimension.STATS_DIMENSION_CREATIVE, 'c', Click::getCreativeId),
  PLACEMENT(StatsDimension.STATS_DIMENSION_PLACEMENT, 'p', Click::getPlacementId),
  SUB_ID_2(StatsDimension.STATS_DIMENSION_SUB_ID_2, '2', c -> c.getSubIdsOrDefault("s2", "")),
  SUB_ID_3(StatsDimension.STATS_DIMENSION_SUB_ID_3, '3', c -> c.getSubIdsOrDefault("s3", "")),
  SUB_ID_4(StatsDimension.STATS_DIMENSION_SUB_ID_4, '4', c -> c.getSubIdsOrDefault("s4", "")),
  SUB_ID_5(StatsDimension.STATS_DIMENSION_SUB_ID_5, '5', c -> c.getSubIdsOrDefault("s5", "")),
  SUB_ID_6(StatsDimension.STATS_DIMENSION_SUB_ID_6, '6', c -> c.getSubIdsOrDefault("s6", "")),
  SUB_ID_7(StatsDimension.STATS_DIMENSION_SUB_ID_7, '7', c -> c.getSubIdsOrDefault("s7", "")),
  SUB_ID_8(StatsDimension.STATS_DIMENSION_SUB_ID_8, '8', c -> c.getSubIdsOrDefault("s8", "")),
  SUB_ID_9(StatsDimension.STATS_DIMENSION_SUB_ID_9, '9', c -> c.getSubIdsOrDefault("s9", "")),
  SUB_ID_10(StatsDimension.STATS_DIMENSION_SUB_ID_10, '0', c -> c.getSubIdsOrDefault("s10", ""));

  /** Distinct values of one detail dimension kept per hour and partition (DIM_VALUES_MAX). */
  public static final int VALUES_PER_HOUR = 100;
  /** What values past {@link #VALUES_PER_HOUR} count as. */
  public static final String OTHER = "(other)";

  private final StatsDimension dimension;
  private final char code;
  private final Function<Click, String> value;

  DetailDimension(StatsDimension dimension, char code, Function<Click, String> value) {
    this.dimension = dimension;
    this.code = code;
    this.value = value;
  }

  public StatsDimension dimension() {
    return dimension;
  }

  /** Its code in the dimension hash's fields. */
  public char code() {
    return code;
  }

  /** The click's value of this dimension ("" when it has none). */
  public String valueOf(Click click) {
    return value.apply(click);
  }

  /** Whether its counters live in the stats hash (s1) rather than the dimension hash. */
  public boolean inStatsHash() {
    return this == SUB_ID_1;
  }

  public static Optional<DetailDimension> of(StatsDimension dimension) {
    return Arrays.stream(values()).filter(d -> d.dimension == dimension).findFirst();
  }
}
