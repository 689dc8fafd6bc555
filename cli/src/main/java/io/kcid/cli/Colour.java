package io.kcid.cli;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Colours outcome words in tables for people: only when stdout is a terminal, and never with
 * NO_COLOR set (https://no-color.org), so pipes, files and scripts get plain text.
 */
final class Colour {
  private static final String RESET = "\u001b[0m";
  private static final Map<String, String> WORDS = Map.of(
      "accepted", "\u001b[32m", "approved", "\u001b[32m",
      "duplicate", "\u001b[33m", "pending", "\u001b[33m", "skipped", "\u001b[33m",
      "rejected", "\u001b[31m", "unknown", "\u001b[31m", "not-found", "\u001b[31m");
  private static final boolean ON = decide();

  private Colour() {}

  /** The word padded to {@code width} (padding outside the colour, so columns stay aligned). */
  static String word(String word, int width) {
    String padded = String.format("%-" + width + "s", word);
    String code = WORDS.get(word);
    if (!ON || code == null) {
      return padded;
    }
    return code + word + RESET + padded.substring(word.length());
  }

  /** Colour only on a terminal, and never when NO_COLOR is set to anything but "". */
  static boolean enabled(String noColor, boolean terminal) {
    return terminal && (noColor == null || noColor.isEmpty());
  }

  private static boolean decide() {
    return enabled(System.getenv("NO_COLOR"), stdoutIsTerminal());
  }

  private static boolean stdoutIsTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+ has a console also when redirected; isTerminal says whether it is one.
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
