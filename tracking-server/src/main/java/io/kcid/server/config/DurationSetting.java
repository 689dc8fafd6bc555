package io.kcid.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses human durations in settings: {@code 90s}, {@code 30m}, {@code 48h}, {@code 7d}. */
public final class DurationSetting {
  private static final Pattern FORMAT = Pattern.compile("([0-9]{1,9})([smhd])");

  private DurationSetting() {}

  /** The duration; an IllegalArgumentException naming {@code variable} and the value otherwise. */
  public static Duration parse(String variable, String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          variable + "=" + text + ": expected a duration like 90s, 30m, 48h or 7d");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
