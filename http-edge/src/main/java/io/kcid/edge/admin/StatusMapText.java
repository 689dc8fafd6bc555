package io.kcid.edge.admin;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The status map as the settings form edits it: one {@code word = status} a line, the status one of
 * kcid's words (pending, approved, rejected). Words are trimmed and lower-cased as the server looks
 * them up; the server validates them again.
 */
final class StatusMapText {
  /** Far above any sender's vocabulary; bounds what one form can ask the server to store. */
  static final int MAX_WORDS = 200;

  private StatusMapText() {}

  /** Parses the form's text; a malformed line is refused naming its number and content. */
  static Map<String, ConversionStatus> parse(String text) {
    Map<String, ConversionStatus> map = new LinkedHashMap<>();
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty()) {
        continue;
      }
      int separator = line.indexOf('=');
      if (separator <= 0) {
        throw invalid(i + 1, line, "expected word = pending|approved|rejected");
      }
      String word = line.substring(0, separator).trim().toLowerCase(Locale.ROOT);
      ConversionStatus status = status(line.substring(separator + 1).trim().toLowerCase(Locale.ROOT));
      if (word.isEmpty() || status == null) {
        throw invalid(i + 1, line, "expected word = pending|approved|rejected");
      }
      if (map.put(word, status) != null) {
        throw invalid(i + 1, line, "the word '" + word + "' is mapped twice");
      }
      if (map.size() > MAX_WORDS) {
        throw new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "The status map has at most " + MAX_WORDS + " words.");
      }
    }
    return map;
  }

  /** The map as the form's text, in the order given. */
  static String format(Map<String, ConversionStatus> map) {
    StringBuilder text = new StringBuilder();
    map.forEach((word, status) -> text.append(word).append(" = ").append(word(status)).append('\n'));
    return text.toString();
  }

  /** {@code CONVERSION_STATUS_APPROVED} reads {@code approved}. */
  static String word(ConversionStatus status) {
    return AdminPages.shortName(status.name(), "CONVERSION_STATUS_");
  }

  private static ConversionStatus status(String word) {
    return switch (word) {
      case "pending" -> ConversionStatus.CONVERSION_STATUS_PENDING;
      case "approved" -> ConversionStatus.CONVERSION_STATUS_APPROVED;
      case "rejected" -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      default -> null;
    };
  }

  private static Rejection invalid(int number, String line, String why) {
    String shown = line.length() > 80 ? line.substring(0, 80) + "…" : line;
    return new Rejection(ErrorReason.ERROR_REASON_INVALID_PARAMETER, "Status map line " + number + " '" + shown + "': " + why + ".");
  }
}
