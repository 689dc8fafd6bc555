package io.kcid.server.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsFilter;
import io.kcid.server.store.DetailDimension;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** What a GetStats request may ask: one detail dimension, valid filters, the hours they keep. */
class StatsPlanTest {
  private static StatsFilter filter(StatsDimension d, String value) {
    return StatsFilter.newBuilder().setDimension(d).setValue(value).build();
  }

  private static ErrorReason reasonOf(GetStatsRequest.Builder request) {
    try {
      StatsPlan.of(request.build());
    } catch (KcidException e) {
      return e.reason();
    }
    throw new AssertionError("accepted: " + request);
  }

  @Test
  void oneDetailDimensionInGroupByAndFiltersTogether() {
    StatsPlan plan = StatsPlan.of(GetStatsRequest.newBuilder()
        .addGroupBy(StatsDimension.STATS_DIMENSION_SUB_ID_7).addGroupBy(StatsDimension.STATS_DIMENSION_CAMPAIGN)
        .addFilters(filter(StatsDimension.STATS_DIMENSION_SUB_ID_7, "x"))
        .addFilters(filter(StatsDimension.STATS_DIMENSION_GOAL, "sale")).build());
    assertThat(plan.detail()).isEqualTo(DetailDimension.SUB_ID_7);
    assertThat(plan.byDetail()).isTrue();
    assertThat(plan.filter(StatsDimension.STATS_DIMENSION_SUB_ID_7)).contains("x");

    StatsPlan filterOnly = StatsPlan.of(GetStatsRequest.newBuilder()
        .addFilters(filter(StatsDimension.STATS_DIMENSION_PLACEMENT, "")).build());
    assertThat(filterOnly.detail()).isEqualTo(DetailDimension.PLACEMENT);
    assertThat(filterOnly.byDetail()).isFalse();
    assertThat(StatsPlan.of(GetStatsRequest.newBuilder().addGroupBy(StatsDimension.STATS_DIMENSION_DAY).build())
        .detail()).isNull();

    assertThat(reasonOf(GetStatsRequest.newBuilder().addGroupBy(StatsDimension.STATS_DIMENSION_SUB_ID_1)
        .addFilters(filter(StatsDimension.STATS_DIMENSION_CREATIVE, "c"))))
        .isEqualTo(ErrorReason.ERROR_REASON_STATS_DIMENSIONS_NOT_COMBINABLE);
    assertThat(reasonOf(GetStatsRequest.newBuilder().addGroupBy(StatsDimension.STATS_DIMENSION_HOUR)
        .addGroupBy(StatsDimension.STATS_DIMENSION_DAY))).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
  }

  @Test
  void filtersAreCheckedAndKeepTheirHours() {
    assertThatThrownBy(() -> StatsPlan.of(GetStatsRequest.newBuilder()
        .addFilters(filter(StatsDimension.STATS_DIMENSION_DAY, "2025-02-30")).build()))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_STATS_FILTER_INVALID);
          assertThat(e.metadata()).containsEntry("dimension", "STATS_DIMENSION_DAY").containsEntry("field", "filters");
        });
    assertThat(reasonOf(GetStatsRequest.newBuilder().addFilters(filter(StatsDimension.STATS_DIMENSION_ACCOUNT, ""))))
        .isEqualTo(ErrorReason.ERROR_REASON_STATS_FILTER_INVALID);

    ZoneId berlin = ZoneId.of("Europe/Berlin");
    StatsPlan plan = StatsPlan.of(GetStatsRequest.newBuilder()
        .addFilters(filter(StatsDimension.STATS_DIMENSION_HOUR, "14"))
        .addFilters(filter(StatsDimension.STATS_DIMENSION_DAY, "2025-11-25")).build());
    assertThat(plan.hours(berlin).test(Instant.parse("2025-11-25T13:00:00Z"))).as("14:00 in Berlin").isTrue();
    assertThat(plan.hours(berlin).test(Instant.parse("2025-11-25T14:00:00Z"))).isFalse();
    assertThat(plan.hours(berlin).test(Instant.parse("2025-11-26T13:00:00Z"))).as("another day").isFalse();
    assertThat(plan.keeps("a1", "p1")).isTrue();
    StatsPlan account = StatsPlan.of(GetStatsRequest.newBuilder()
        .addFilters(filter(StatsDimension.STATS_DIMENSION_ACCOUNT, "a1"))
        .addFilters(filter(StatsDimension.STATS_DIMENSION_PARTNER, "p1")).build());
    assertThat(account.keeps("a1", "p1")).isTrue();
    assertThat(account.keeps("a2", "p1")).isFalse();
    assertThat(account.keeps("a1", "p2")).isFalse();
  }
}
