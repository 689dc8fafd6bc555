package io.kcid.server.common;

import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.Goal;
import java.time.Duration;
import java.util.Collection;

/** How long clicks, dedupe state and request ids are kept. */
public final class Retention {
  public static final Duration DEFAULT_WINDOW = Duration.ofDays(30);
  public static final Duration MAX_WINDOW = Duration.ofDays(400);
  /** Clicks outlive the longest window by a day so late, clock-skewed postbacks still match. */
  public static final Duration MARGIN = Duration.ofDays(1);
  /** Request ids are remembered at least this long, so retries after an outage are safe. */
  public static final Duration MIN_REQUEST_ID_TTL = Duration.ofDays(7);

  private Retention() {}

  public static Duration clickRetention(Account account) {
    return account.hasClickRetention()
        ? Duration.ofSeconds(account.getClickRetention().getSeconds())
        : DEFAULT_WINDOW.plus(MARGIN);
  }

  public static Duration window(Goal goal) {
    return goal.hasAttributionWindow()
        ? Duration.ofSeconds(goal.getAttributionWindow().getSeconds())
        : DEFAULT_WINDOW;
  }

  /** The longest window of the goals plus the margin. */
  public static com.google.protobuf.Duration forGoals(Collection<Goal> goals) {
    Duration longest =
        goals.stream().map(Retention::window).max(Duration::compareTo).orElse(DEFAULT_WINDOW);
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(longest.plus(MARGIN).getSeconds())
        .build();
  }

  /** A duration as people say it: "30 days", "6 hours", "45 minutes". */
  public static String humanize(Duration d) {
    if (d.toDays() >= 2) {
      return d.toDays() + " days";
    }
    if (d.toHours() >= 2) {
      return d.toHours() + " hours";
    }
    return d.toMinutes() + " minutes";
  }
}
