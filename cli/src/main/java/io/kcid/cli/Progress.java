package io.kcid.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Progress of long work (a replay, a long listing) on stderr, and its summary. The bar is drawn
 * only on a terminal and only for work that runs longer than a moment, redrawn in place with
 * {@code \r} a few times a second, and erased before the command prints its results; the summary
 * ("replayed 1200 postbacks: 1100 accepted, 90 duplicate, 10 rejected in 3.2 s") follows the
 * results when a bar was drawn or Ctrl-C stopped the work. Ctrl-C (or SIGTERM) asks the loop to
 * stop between two calls ({@link #stopRequested}); see {@link CtrlC}.
 */
final class Progress implements AutoCloseable {
  /** Work shorter than this never draws a bar: no flicker for the common small case. */
  static final long QUIET_NANOS = 500_000_000L;
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final int BAR_WIDTH = 24;
  /** Stay within one line of a classic terminal: a wrapped line cannot be redrawn with {@code \r}. */
  private static final int MAX_LINE = 79;

  private final PrintStream err;
  private final boolean terminal;
  private final LongSupplier nanos;
  private final String doing;
  private final String done;
  private final String noun;
  private final long total;
  private final long start;
  private final Map<String, Long> counts = new TreeMap<>();
  private final AtomicBoolean summarised = new AtomicBoolean();
  private volatile long count;
  private long lastDraw;
  private int drawnWidth;
  private boolean drawn;
  private CtrlC ctrlC;

  /**
   * @param doing shown on the bar ("replaying")
   * @param done the summary's verb ("replayed")
   * @param noun what is counted ("postbacks")
   * @param total how many items the work has, or 0 when not known in advance
   */
  Progress(PrintStream err, boolean terminal, LongSupplier nanos, String doing, String done, String noun, long total) {
    this.err = err;
    this.terminal = terminal;
    this.nanos = nanos;
    this.doing = doing;
    this.done = done;
    this.noun = noun;
    this.total = total;
    this.start = nanos.getAsLong();
  }

  /**
   * Long work that Ctrl-C stops between calls. The bar is drawn on stderr when it is a terminal
   * and the output is for people ({@code machineOutput} false: not --json).
   */
  static Progress start(String doing, String done, String noun, long total, boolean machineOutput) {
    Progress progress = new Progress(System.err, !machineOutput && stderrIsTerminal(), System::nanoTime,
        doing, done, noun, total);
    progress.ctrlC = CtrlC.watch(progress::summarise);
    return progress;
  }

  /** Whether Ctrl-C (or SIGTERM) asked the work to stop: the loop ends before its next call. */
  boolean stopRequested() {
    return ctrlC != null && ctrlC.requested();
  }

  /** Counts one more item with its outcome ({@code accepted}, {@code duplicate} …; null: none). */
  synchronized void add(String outcome) {
    count++;
    if (outcome != null) {
      counts.merge(outcome, 1L, Long::sum);
    }
  }

  /** Counts {@code n} more items without outcomes (e.g. entries listed). */
  synchronized void add(int n) {
    count += n;
  }

  /** Redraws the bar if it is due (a terminal, past the first moment, not redrawn just now). */
  synchronized void show() {
    long now = nanos.getAsLong();
    if (!terminal || now - start < QUIET_NANOS || (drawn && now - lastDraw < REDRAW_NANOS)) {
      return;
    }
    String line = render(doing, count, total, counts, MAX_LINE);
    err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
    err.flush();
    drawnWidth = line.length();
    drawn = true;
    lastDraw = now;
  }

  /** Erases the bar, so that the results print on a clean line. */
  synchronized void clear() {
    if (drawn && drawnWidth > 0) {
      err.print("\r" + " ".repeat(drawnWidth) + "\r");
      err.flush();
      drawnWidth = 0;
    }
  }

  /** Whether the bar was drawn (then {@link #close} prints the summary). */
  synchronized boolean drawn() {
    return drawn;
  }

  /** The summary line of what was done so far. */
  synchronized String summary() {
    return summary(done, noun, count, total, counts, nanos.getAsLong() - start, stopRequested());
  }

  /** Prints the summary once: after the results, or from Ctrl-C's hook if the loop did not stop in time. */
  private void summarise() {
    if (summarised.compareAndSet(false, true)) {
      clear();
      err.println(summary());
      err.flush();
    }
  }

  /** Erases the bar; prints the summary if a bar was drawn or the work was stopped; lets Ctrl-C's exit go on. */
  @Override
  public void close() {
    try {
      boolean wasDrawn;
      synchronized (this) {
        clear();
        wasDrawn = drawn;
      }
      if (wasDrawn || stopRequested()) {
        summarise();
      }
    } finally {
      if (ctrlC != null) {
        ctrlC.close();
      }
    }
  }

  /**
   * One line: {@code replaying [#######.................]  300/1200  25%  280 accepted, 20 duplicate},
   * or without a known total {@code replaying  300 so far  280 accepted, 20 duplicate}; cut to
   * {@code width} characters.
   */
  static String render(String doing, long count, long total, Map<String, Long> counts, int width) {
    StringBuilder line = new StringBuilder(doing);
    if (total > 0) {
      long shown = Math.min(count, total);
      int filled = (int) (BAR_WIDTH * shown / total);
      line.append(" [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("]  ")
          .append(count).append('/').append(total).append("  ").append(100 * shown / total).append('%');
    } else {
      line.append("  ").append(count).append(" so far");
    }
    if (!counts.isEmpty()) {
      line.append("  ").append(tally(counts));
    }
    return line.length() <= width ? line.toString() : line.substring(0, Math.max(0, width - 1)) + "…";
  }

  /**
   * {@code replayed 1200 postbacks: 1100 accepted, 90 duplicate, 10 rejected in 3.2 s}; when
   * stopped: {@code interrupted: replayed 300 of 1200 postbacks: … in 1.1 s}.
   */
  static String summary(String done, String noun, long count, long total, Map<String, Long> counts, long elapsedNanos,
      boolean interrupted) {
    StringBuilder line = new StringBuilder(interrupted ? "interrupted: " : "").append(done).append(' ').append(count);
    if (interrupted && total > 0) {
      line.append(" of ").append(total);
    }
    line.append(' ').append(noun);
    if (!counts.isEmpty()) {
      line.append(": ").append(tally(counts));
    }
    return line.append(" in ").append(elapsed(elapsedNanos)).toString();
  }

  /** {@code 0.4 s}, {@code 12.0 s}, {@code 2 min 5 s}. */
  static String elapsed(long nanos) {
    long tenths = Math.max(0, nanos) / 100_000_000L;
    if (tenths < 600) {
      return String.format(Locale.ROOT, "%d.%d s", tenths / 10, tenths % 10);
    }
    long seconds = tenths / 10;
    return seconds / 60 + " min " + seconds % 60 + " s";
  }

  private static String tally(Map<String, Long> counts) {
    return counts.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
  }

  /**
   * Whether stderr is a terminal: on Linux, where fd 2 points; elsewhere, whether the JVM has a
   * console (stdin and stdout are terminals). {@code TERM=dumb} gets no bar.
   */
  static boolean stderrIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    Path fd = Path.of("/proc/self/fd/2");
    try {
      if (Files.isSymbolicLink(fd)) {
        String target = Files.readSymbolicLink(fd).toString();
        return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // Fall back to the console check.
    }
    return System.console() != null;
  }
}
