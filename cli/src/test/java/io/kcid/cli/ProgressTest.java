package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress line and the summary, on a fake clock: what is drawn, when, and what it says. */
class ProgressTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private Progress progress(boolean terminal, long total) {
    return new Progress(err, terminal, clock::get, "replaying", "replayed", "postbacks", total);
  }

  private String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static Map<String, Long> counts(Object... pairs) {
    Map<String, Long> counts = new TreeMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      counts.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
    }
    return counts;
  }

  @Test
  void rendersABarWhenTheTotalIsKnownAndACountOtherwise() {
    assertThat(Progress.render("replaying", 300, 1200, counts("accepted", 280, "duplicate", 20), 200))
        .isEqualTo("replaying [######..................]  300/1200  25%  280 accepted, 20 duplicate");
    assertThat(Progress.render("replaying", 0, 10, Map.of(), 200))
        .isEqualTo("replaying [........................]  0/10  0%");
    assertThat(Progress.render("replaying", 10, 10, Map.of(), 200))
        .isEqualTo("replaying [########################]  10/10  100%");
    assertThat(Progress.render("reading the log", 3000, 0, Map.of(), 200)).isEqualTo("reading the log  3000 so far");
  }

  @Test
  void aLongLineIsCutToTheTerminalsWidth() {
    String line = Progress.render("replaying", 1, 0, counts("accepted", 1, "duplicate", 2, "rejected", 3, "skipped", 4), 30);
    assertThat(line).hasSize(30).startsWith("replaying  1 so far  1 accep").endsWith("…");
  }

  @Test
  void summarySaysWhatWasDoneAndHowLongItTook() {
    assertThat(Progress.summary("replayed", "postbacks", 1200, 1200,
        counts("accepted", 1100, "duplicate", 90, "rejected", 10), 3_250_000_000L, false))
        .isEqualTo("replayed 1200 postbacks: 1100 accepted, 90 duplicate, 10 rejected in 3.2 s");
    assertThat(Progress.summary("replayed", "postbacks", 300, 1200, counts("accepted", 300), 1_100_000_000L, true))
        .isEqualTo("interrupted: replayed 300 of 1200 postbacks: 300 accepted in 1.1 s");
    assertThat(Progress.summary("listed", "postbacks", 5000, 0, Map.of(), 400_000_000L, true))
        .isEqualTo("interrupted: listed 5000 postbacks in 0.4 s");
  }

  @Test
  void elapsedTimeReadsInSecondsThenMinutes() {
    assertThat(Progress.elapsed(0)).isEqualTo("0.0 s");
    assertThat(Progress.elapsed(59_990_000_000L)).isEqualTo("59.9 s");
    assertThat(Progress.elapsed(125_000_000_000L)).isEqualTo("2 min 5 s");
  }

  @Test
  void onATerminalTheBarAppearsAfterAMomentRedrawsInPlaceAndIsErasedBeforeTheSummary() {
    Progress progress = progress(true, 4);
    progress.add("accepted");
    progress.show();
    assertThat(printed()).as("short work draws nothing").isEmpty();

    clock.addAndGet(Progress.QUIET_NANOS);
    progress.show();
    assertThat(printed()).isEqualTo("\rreplaying [######..................]  1/4  25%  1 accepted");

    progress.add("duplicate");
    progress.show();
    assertThat(printed()).as("not redrawn within a tenth of a second").doesNotContain("2/4");
    clock.addAndGet(200_000_000L);
    progress.show();
    assertThat(printed()).endsWith("\rreplaying [############............]  2/4  50%  1 accepted, 1 duplicate");

    progress.close();
    String line = "replaying [############............]  2/4  50%  1 accepted, 1 duplicate";
    assertThat(printed()).endsWith("\r" + " ".repeat(line.length()) + "\r"
        + "replayed 2 postbacks: 1 accepted, 1 duplicate in 0.7 s" + System.lineSeparator());
  }

  @Test
  void notOnATerminalNothingIsPrinted() {
    Progress progress = progress(false, 0);
    clock.addAndGet(10 * Progress.QUIET_NANOS);
    progress.add("accepted");
    progress.show();
    progress.clear();
    progress.close();
    assertThat(printed()).isEmpty();
    assertThat(progress.summary()).isEqualTo("replayed 1 postbacks: 1 accepted in 5.0 s");
  }

  @Test
  void shortWorkOnATerminalEndsWithoutASummary() {
    Progress progress = progress(true, 1);
    progress.add("accepted");
    progress.show();
    progress.close();
    assertThat(printed()).isEmpty();
  }
}
