package io.kcid.server.cap;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Timestamps;
import io.kcid.server.store.CapCounters.Charge;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a conversion cap is allowed to be, which caps hold a conversion, and what it counts in
 * them. Values are counted in integer micro-units (1e-6) so the store adds them exactly; a value
 * cap is at most {@link #MAX_VALUE_UNITS} so every sum stays exact in Lua's doubles.
 */
public final class CapRules {
  /** The largest max_value: sums up to twice it stay below 2^53 micro-units. */
  public static final long MAX_VALUE_UNITS = 4_000_000_000L;
  private static final long MICROS = 1_000_000L;
  private static final Pattern ID = Pattern.compile("[a-z0-9_-]{1,64}");

  private CapRules() {}

  /**
   * The cap as stored: validated (CAP_INVALID naming the field) and its effective_from set to
   * {@code now} when missing or past, so a change never reaches back before it was made.
   */
  public static ConversionCap checked(ConversionCap cap, Instant now) {
    if (!ID.matcher(cap.getCapId()).matches()) {
      throw invalid("cap_id", "cap_id must match [a-z0-9_-]{1,64} (lower case)");
    }
    if (cap.getGoalKey().isEmpty() && cap.getCampaignId().isEmpty()) {
      throw invalid("goal_key", "a cap counts a goal, a campaign or both: set goal_key or campaign_id");
    }
    if (!cap.getGoalKey().isEmpty() && !ID.matcher(cap.getGoalKey()).matches()) {
      throw invalid("goal_key", "goal_key must match [a-z0-9_-]{1,64} (lower case)");
    }
    try {
      Identifiers.freeText("campaign_id", cap.getCampaignId());
    } catch (KcidException e) {
      throw invalid("campaign_id", e.getMessage());
    }
    if (cap.getPeriod() == CapPeriod.CAP_PERIOD_UNSPECIFIED || cap.getPeriod() == CapPeriod.UNRECOGNIZED) {
      throw invalid("period", "period must be DAILY, MONTHLY or LIFETIME");
    }
    if (cap.getAction() == CapAction.UNRECOGNIZED) {
      throw invalid("action", "action must be REJECT or PENDING");
    }
    boolean byValue = cap.hasMaxValue();
    if (byValue == (cap.getMaxConversions() > 0)) {
      throw invalid("max_conversions", "set exactly one of max_conversions (> 0) and max_value");
    }
    if (byValue) {
      String currency = cap.getMaxValue().getCurrencyCode();
      if (!io.kcid.server.common.Money.isMoneyCurrency(currency)) {
        throw invalid("max_value.currency_code", "max_value needs an upper-case ISO 4217 currency code, e.g. EUR");
      }
      long micros;
      try {
        micros = micros(cap.getMaxValue().getAmount());
      } catch (ArithmeticException | NumberFormatException e) {
        throw invalid("max_value.amount", "max_value.amount must be a decimal with at most 6 digits after the point");
      }
      if (micros <= 0 || micros > MAX_VALUE_UNITS * MICROS) {
        throw invalid("max_value.amount", "max_value.amount must be above 0 and at most " + MAX_VALUE_UNITS);
      }
    }
    ConversionCap.Builder out = cap.toBuilder();
    if (!cap.hasEffectiveFrom() || seconds(cap.getEffectiveFrom()).isBefore(now)) {
      out.setEffectiveFrom(Timestamps.of(now));
    }
    if (cap.getAction() == CapAction.CAP_ACTION_UNSPECIFIED) {
      out.setAction(CapAction.CAP_ACTION_REJECT);
    }
    return out.build();
  }

  /** Whether a cap in force for this goal is scoped to a campaign: the click must be read first. */
  public static boolean needsCampaign(Account account, String goalKey, Instant now) {
    return account.getConversionCapsList().stream()
        .anyMatch(c -> inForce(c, now) && !c.getCampaignId().isEmpty()
            && (c.getGoalKey().isEmpty() || c.getGoalKey().equals(goalKey)));
  }

  /** The caps in force that hold a conversion of this goal on a click of this campaign. */
  public static List<ConversionCap> holding(Account account, String goalKey, String campaignId, Instant now) {
    List<ConversionCap> out = new ArrayList<>();
    for (ConversionCap c : account.getConversionCapsList()) {
      if (inForce(c, now)
          && (c.getGoalKey().isEmpty() || c.getGoalKey().equals(goalKey))
          && (c.getCampaignId().isEmpty() || c.getCampaignId().equals(campaignId))) {
        out.add(c);
      }
    }
    return out;
  }

  /** What a conversion with {@code value} adds to each cap, in the account's time zone. */
  public static List<Charge> charges(List<ConversionCap> caps, Money value, ZoneId zone, Instant now) {
    List<Charge> out = new ArrayList<>();
    for (ConversionCap c : caps) {
      long limit = limit(c);
      out.add(new Charge(c.getCapId(), periodField(c.getPeriod(), zone, now), limit, increment(c, value, limit)));
    }
    return out;
  }

  /** The cap's limit: conversions, or micro-units of value. */
  public static long limit(ConversionCap cap) {
    return cap.hasMaxValue() ? micros(cap.getMaxValue().getAmount()) : cap.getMaxConversions();
  }

  /**
   * 1 for a count cap. For a value cap the conversion's value in micro-units when it is in the
   * cap's currency (0 otherwise, or when negative); above the limit counts as limit + 1 (over).
   */
  static long increment(ConversionCap cap, Money value, long limit) {
    if (!cap.hasMaxValue()) {
      return 1;
    }
    if (value == null || value.getAmount().isEmpty()
        || !value.getCurrencyCode().equals(cap.getMaxValue().getCurrencyCode())) {
      return 0;
    }
    BigInteger micros = new BigDecimal(value.getAmount()).movePointRight(6).toBigInteger();
    if (micros.signum() <= 0) {
      return 0;
    }
    return micros.compareTo(BigInteger.valueOf(limit)) > 0 ? limit + 1 : micros.longValueExact();
  }

  /** The counter's field of the period {@code now} falls in: d20261204, m202612 or l. */
  public static String periodField(CapPeriod period, ZoneId zone, Instant now) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    return switch (period) {
      case CAP_PERIOD_DAILY -> String.format("d%04d%02d%02d", day.getYear(), day.getMonthValue(), day.getDayOfMonth());
      case CAP_PERIOD_MONTHLY -> String.format("m%04d%02d", day.getYear(), day.getMonthValue());
      default -> "l";
    };
  }

  /** The period as people read it: 2026-12-04, 2026-12 or lifetime. */
  public static String periodLabel(CapPeriod period, ZoneId zone, Instant now) {
    LocalDate day = LocalDate.ofInstant(now, zone);
    return switch (period) {
      case CAP_PERIOD_DAILY -> day.toString();
      case CAP_PERIOD_MONTHLY -> day.toString().substring(0, 7);
      default -> "lifetime";
    };
  }

  /** What a conversion over {@code cap} is recorded as. */
  public static ConversionStatus statusOver(ConversionCap cap) {
    return cap.getAction() == CapAction.CAP_ACTION_PENDING
        ? ConversionStatus.CONVERSION_STATUS_PENDING
        : ConversionStatus.CONVERSION_STATUS_REJECTED;
  }

  /** The account's time zone (UTC when unset or unknown). */
  public static ZoneId zone(Account account) {
    try {
      return account.getTimeZone().isEmpty() ? ZoneOffset.UTC : ZoneId.of(account.getTimeZone());
    } catch (DateTimeException e) {
      return ZoneOffset.UTC;
    }
  }

  /** A decimal amount in micro-units, exactly (more than 6 decimals is an ArithmeticException). */
  static long micros(String amount) {
    return new BigDecimal(amount).movePointRight(6).setScale(0).longValueExact();
  }

  /** "123.5" from micro-units, without trailing zeros. */
  public static String amount(long micros) {
    BigDecimal d = BigDecimal.valueOf(micros).movePointLeft(6).stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
  }

  private static boolean inForce(ConversionCap cap, Instant now) {
    return !cap.hasEffectiveFrom() || !seconds(cap.getEffectiveFrom()).isAfter(now);
  }

  private static Instant seconds(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static KcidException invalid(String field, String message) {
    return new KcidException(ErrorReason.ERROR_REASON_CAP_INVALID, message, Map.of("field", field));
  }
}
