package io.kcid.edge.admin;

import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import java.util.function.Function;

/**
 * What the account page breaks its campaigns down by ({@code ?by=}): the goal, or one detail
 * dimension of the click. One at a time, as the server keeps them (a report names at most one
 * detail dimension); the names are the CLI's ({@code ./kcid stats --by creative}).
 */
enum Breakdown {
  GOAL("goal", "Goal", StatsDimension.STATS_DIMENSION_GOAL, StatsRow::getGoalKey),
  CREATIVE("creative", "Creative", StatsDimension.STATS_DIMENSION_CREATIVE, StatsRow::getCreativeId),
  PLACEMENT("placement", "Placement", StatsDimension.STATS_DIMENSION_PLACEMENT, StatsRow::getPlacementId),
  S1("s1", "s1", StatsDimension.STATS_DIMENSION_SUB_ID_1, StatsRow::getSubId1),
  S2("s2", "s2", StatsDimension.STATS_DIMENSION_SUB_ID_2, StatsRow::getSubId2),
  S3("s3", "s3", StatsDimension.STATS_DIMENSION_SUB_ID_3, StatsRow::getSubId3),
  S4("s4", "s4", StatsDimension.STATS_DIMENSION_SUB_ID_4, StatsRow::getSubId4),
  S5("s5", "s5", StatsDimension.STATS_DIMENSION_SUB_ID_5, StatsRow::getSubId5),
  S6("s6", "s6", StatsDimension.STATS_DIMENSION_SUB_ID_6, StatsRow::getSubId6),
  S7("s7", "s7", StatsDimension.STATS_DIMENSION_SUB_ID_7, StatsRow::getSubId7),
  S8("s8", "s8", StatsDimension.STATS_DIMENSION_SUB_ID_8, StatsRow::getSubId8),
  S9("s9", "s9", StatsDimension.STATS_DIMENSION_SUB_ID_9, StatsRow::getSubId9),
  S10("s10", "s10", StatsDimension.STATS_DIMENSION_SUB_ID_10, StatsRow::getSubId10);

  final String parameter;
  final String header;
  final StatsDimension dimension;
  final Function<StatsRow, String> value;

  Breakdown(String parameter, String header, StatsDimension dimension, Function<StatsRow, String> value) {
    this.parameter = parameter;
    this.header = header;
    this.dimension = dimension;
    this.value = value;
  }

  /** The breakdown a {@code ?by=} names; absent or empty is the goal; null for a name that is none. */
  static Breakdown of(String parameter) {
    if (parameter == null || parameter.isEmpty()) {
      return GOAL;
    }
    for (Breakdown b : values()) {
      if (b.parameter.equals(parameter)) {
        return b;
      }
    }
    return null;
  }
}
