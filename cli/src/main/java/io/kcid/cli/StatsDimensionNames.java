package io.kcid.cli;

import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The dimension names of {@code kcid stats --by} and {@code --filter}: each with its
 * StatsDimension, its column header and the row's value (hour and day are the period column).
 */
enum StatsDimensionNames {
  ACCOUNT(StatsDimension.STATS_DIMENSION_ACCOUNT, "account", StatsRow::getAccountId),
  PARTNER(StatsDimension.STATS_DIMENSION_PARTNER, "partner", StatsRow::getPartnerId),
  CAMPAIGN(StatsDimension.STATS_DIMENSION_CAMPAIGN, "campaign", StatsRow::getCampaignId),
  GOAL(StatsDimension.STATS_DIMENSION_GOAL, "goal", StatsRow::getGoalKey),
  CREATIVE(StatsDimension.STATS_DIMENSION_CREATIVE, "creative", StatsRow::getCreativeId),
  PLACEMENT(StatsDimension.STATS_DIMENSION_PLACEMENT, "placement", StatsRow::getPlacementId),
  SUB1(StatsDimension.STATS_DIMENSION_SUB_ID_1, "sub1", StatsRow::getSubId1),
  SUB2(StatsDimension.STATS_DIMENSION_SUB_ID_2, "sub2", StatsRow::getSubId2),
  SUB3(StatsDimension.STATS_DIMENSION_SUB_ID_3, "sub3", StatsRow::getSubId3),
  SUB4(StatsDimension.STATS_DIMENSION_SUB_ID_4, "sub4", StatsRow::getSubId4),
  SUB5(StatsDimension.STATS_DIMENSION_SUB_ID_5, "sub5", StatsRow::getSubId5),
  SUB6(StatsDimension.STATS_DIMENSION_SUB_ID_6, "sub6", StatsRow::getSubId6),
  SUB7(StatsDimension.STATS_DIMENSION_SUB_ID_7, "sub7", StatsRow::getSubId7),
  SUB8(StatsDimension.STATS_DIMENSION_SUB_ID_8, "sub8", StatsRow::getSubId8),
  SUB9(StatsDimension.STATS_DIMENSION_SUB_ID_9, "sub9", StatsRow::getSubId9),
  SUB10(StatsDimension.STATS_DIMENSION_SUB_ID_10, "sub10", StatsRow::getSubId10),
  HOUR(StatsDimension.STATS_DIMENSION_HOUR, "hour", null),
  DAY(StatsDimension.STATS_DIMENSION_DAY, "day", null);

  /** What --by and --filter accept, for messages and help. */
  static final String NAMES = "account, partner, campaign, goal, creative, placement, sub1 ... sub10 (or s1 ... s10),"
      + " hour, day";

  final StatsDimension dimension;
  final String header;
  /** The row's value of this dimension; null for hour and day (the period column). */
  final Function<StatsRow, String> value;

  StatsDimensionNames(StatsDimension dimension, String header, Function<StatsRow, String> value) {
    this.dimension = dimension;
    this.header = header;
    this.value = value;
  }

  /** A name as typed: sub2, s2, sub_id_2, creative, … */
  static StatsDimensionNames of(String option, String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace("sub_id_", "sub");
    if (n.matches("s[0-9]+")) {
      n = "sub" + n.substring(1);
    }
    for (StatsDimensionNames d : values()) {
      if (d.header.equals(n)) {
        return d;
      }
    }
    throw new CliException(option + " " + name + ": expected one of " + NAMES);
  }

  /** The text columns of a report grouped by {@code by}, in the order of the rows' ordering. */
  static List<StatsDimensionNames> columns(List<StatsDimensionNames> by) {
    return List.of(values()).stream().filter(d -> d.value != null && by.contains(d)).toList();
  }
}
