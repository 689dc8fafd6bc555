package io.kcid.server.cap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Money;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CapRulesTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private static ConversionCap.Builder cap() {
    return ConversionCap.newBuilder().setCapId("c").setGoalKey("sale").setPeriod(CapPeriod.CAP_PERIOD_DAILY)
        .setMaxConversions(3);
  }

  private static void refused(ConversionCap.Builder cap, String field) {
    assertThatThrownBy(() -> CapRules.checked(cap.build(), NOW))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_INVALID);
          assertThat(e.metadata()).containsEntry("field", field);
        });
  }

  @Test
  void badCapsNameTheirField() {
    refused(cap().setCapId(""), "cap_id");
    refused(cap().setCapId("UPPER"), "cap_id");
    refused(cap().setGoalKey(""), "goal_key");
    refused(cap().setPeriod(CapPeriod.CAP_PERIOD_UNSPECIFIED), "period");
    refused(cap().setMaxConversions(0), "max_conversions");
    refused(cap().setMaxValue(Money.newBuilder().setAmount("5").setCurrencyCode("EUR")), "max_conversions");
    refused(cap().clearMaxConversions().setMaxValue(Money.newBuilder().setAmount("5").setCurrencyCode("eur")),
        "max_value.currency_code");
    refused(cap().clearMaxConversions().setMaxValue(Money.newBuilder().setAmount("-5").setCurrencyCode("EUR")),
        "max_value.amount");
    refused(cap().clearMaxConversions().setMaxValue(Money.newBuilder().setAmount("abc").setCurrencyCode("EUR")),
        "max_value.amount");
    refused(cap().clearMaxConversions().setMaxValue(Money.newBuilder().setAmount("4000000000.000001")
        .setCurrencyCode("EUR")), "max_value.amount");
    refused(cap().setCampaignId("bad\u0001"), "campaign_id");
  }

  @Test
  void aChangeNeverReachesBackButMayBeScheduled() {
    ConversionCap past = CapRules.checked(cap().setEffectiveFrom(Timestamp.newBuilder().setSeconds(5)).build(), NOW);
    assertThat(past.getEffectiveFrom().getSeconds()).isEqualTo(NOW.getEpochSecond());
    assertThat(past.getAction()).isEqualTo(CapAction.CAP_ACTION_REJECT);
    long later = NOW.getEpochSecond() + 3600;
    ConversionCap scheduled = CapRules.checked(cap().setEffectiveFrom(Timestamp.newBuilder().setSeconds(later)).build(), NOW);
    assertThat(scheduled.getEffectiveFrom().getSeconds()).isEqualTo(later);
    Account account = Account.newBuilder().addConversionCaps(scheduled).build();
    assertThat(CapRules.holding(account, "sale", "", NOW)).isEmpty();
    assertThat(CapRules.holding(account, "sale", "", Instant.ofEpochSecond(later))).containsExactly(scheduled);
  }

  @Test
  void scopeMatchesGoalCampaignOrBoth() {
    ConversionCap goal = cap().setCapId("g").build();
    ConversionCap campaign = cap().setCapId("k").setGoalKey("").setCampaignId("spring").build();
    ConversionCap both = cap().setCapId("b").setCampaignId("spring").build();
    Account account = Account.newBuilder().addConversionCaps(goal).addConversionCaps(campaign).addConversionCaps(both).build();
    assertThat(CapRules.holding(account, "sale", "spring", NOW)).containsExactly(goal, campaign, both);
    assertThat(CapRules.holding(account, "sale", "autumn", NOW)).containsExactly(goal);
    assertThat(CapRules.holding(account, "lead", "spring", NOW)).containsExactly(campaign);
    assertThat(CapRules.needsCampaign(account, "sale", NOW)).isTrue();
    assertThat(CapRules.needsCampaign(Account.newBuilder().addConversionCaps(goal).build(), "sale", NOW)).isFalse();
  }

  @Test
  void periodsFollowTheAccountsTimeZone() {
    ZoneId tokyo = ZoneId.of("Asia/Tokyo");
    Instant t = Instant.parse("2026-11-30T16:30:00Z"); // 01:30 on 1 December in Tokyo
    assertThat(CapRules.periodField(CapPeriod.CAP_PERIOD_DAILY, tokyo, t)).isEqualTo("d20261201");
    assertThat(CapRules.periodField(CapPeriod.CAP_PERIOD_MONTHLY, tokyo, t)).isEqualTo("m202612");
    assertThat(CapRules.periodField(CapPeriod.CAP_PERIOD_DAILY, ZoneId.of("UTC"), t)).isEqualTo("d20261130");
    assertThat(CapRules.periodField(CapPeriod.CAP_PERIOD_LIFETIME, tokyo, t)).isEqualTo("l");
    assertThat(CapRules.periodLabel(CapPeriod.CAP_PERIOD_MONTHLY, tokyo, t)).isEqualTo("2026-12");
    assertThat(CapRules.zone(Account.newBuilder().setTimeZone("Asia/Tokyo").build())).isEqualTo(tokyo);
  }

  @Test
  void valueIncrementsAreExactAndBoundedByTheLimit() {
    ConversionCap value = cap().clearMaxConversions()
        .setMaxValue(Money.newBuilder().setAmount("10").setCurrencyCode("EUR")).build();
    long limit = CapRules.limit(value);
    assertThat(limit).isEqualTo(10_000_000);
    assertThat(CapRules.increment(value, Money.newBuilder().setAmount("0.000001").setCurrencyCode("EUR").build(), limit))
        .isEqualTo(1);
    assertThat(CapRules.increment(value, Money.newBuilder().setAmount("999999999999999999").setCurrencyCode("EUR").build(),
        limit)).isEqualTo(limit + 1);
    assertThat(CapRules.increment(value, Money.newBuilder().setAmount("-3").setCurrencyCode("EUR").build(), limit)).isZero();
    assertThat(CapRules.increment(value, Money.newBuilder().setAmount("3").setCurrencyCode("USD").build(), limit)).isZero();
    assertThat(CapRules.increment(cap().build(), null, 3)).isEqualTo(1);
    assertThat(CapRules.amount(100_500_000)).isEqualTo("100.5");
    assertThat(CapRules.amount(0)).isEqualTo("0");
  }
}
