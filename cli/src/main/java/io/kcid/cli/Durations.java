package io.kcid.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the CLI's human durations: {@code 90s}, {@code 15m}, {@code 12h}, {@code 30d}. */
final class Durations {
  private static final Pattern FORMAT = Pattern.compile("([0-9]{1,6})([smhd])");

  private Durations() {}

  static Duration parse(String text) {
    Matcher m = FORMAT.matcher(text.trim());
    if (!m.matches()) {
      throw new CliException("'" + text + "' is not a duration like 90s, 15m, 12h or 30d");
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
