package io.kcid.server.account;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.server.common.Identifiers;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validation of an account's (or a partner default's) inbound status map: the sender's words,
 * normalized the way postbacks are looked up (trimmed, lower case), each naming pending, approved
 * or rejected. Bounded so a STATUS_NOT_MAPPED refusal, which lists the words, stays well inside
 * gRPC's metadata limits.
 */
public final class StatusMapSettings {
  /** Longest word a map may hold. */
  public static final int MAX_WORD_LENGTH = 32;
  /** Most words a map may hold. */
  public static final int MAX_WORDS = 50;

  private StatusMapSettings() {}

  /**
   * A status word as it is looked up: trimmed and lower case (so {@code " Sale"} is {@code sale}).
   * Empty when nothing is left.
   */
  public static String normalized(String word) {
    return word.strip().toLowerCase(Locale.ROOT);
  }

  /** Whether a normalized word could be a key of a map (its length and characters). */
  public static boolean mappable(String normalized) {
    if (normalized.isEmpty() || normalized.length() > MAX_WORD_LENGTH) {
      return false;
    }
    for (int i = 0; i < normalized.length(); i++) {
      char c = normalized.charAt(i);
      if (Character.isISOControl(c) || c == ',' || c == '=') {
        return false;
      }
    }
    return true;
  }

  /**
   * The map as stored: keys normalized, sorted; INVALID_PARAMETER (naming {@code field}) for an
   * empty or over-long word, a control character, {@code ,} or {@code =} in a word, a status other
   * than pending/approved/rejected, two words that are one once normalized, or too many words.
   */
  public static Map<String, ConversionStatus> checked(String field, Map<String, ConversionStatus> asked) {
    if (asked.size() > MAX_WORDS) {
      throw Identifiers.invalid(field, field + " holds " + asked.size() + " words; at most " + MAX_WORDS);
    }
    Map<String, ConversionStatus> checked = new TreeMap<>();
    for (Map.Entry<String, ConversionStatus> entry : asked.entrySet()) {
      String word = normalized(entry.getKey());
      if (!mappable(word)) {
        throw Identifiers.invalid(field, field + ": the word '" + printable(entry.getKey()) + "' must have 1 to "
            + MAX_WORD_LENGTH + " characters, none of them a control character, ',' or '='");
      }
      ConversionStatus status = entry.getValue();
      if (status != ConversionStatus.CONVERSION_STATUS_PENDING
          && status != ConversionStatus.CONVERSION_STATUS_APPROVED
          && status != ConversionStatus.CONVERSION_STATUS_REJECTED) {
        throw Identifiers.invalid(field, field + ": the word '" + word + "' must map to pending, approved or rejected");
      }
      ConversionStatus earlier = checked.put(word, status);
      if (earlier != null && earlier != status) {
        throw Identifiers.invalid(field, field + ": the word '" + word + "' is given twice (in other cases or"
            + " spacing) with different statuses");
      }
    }
    return checked;
  }

  /** A word for a message: control characters shown as '?', cut at 40 characters. */
  private static String printable(String word) {
    String cut = word.length() > 40 ? word.substring(0, 40) + "…" : word;
    return cut.chars().mapToObj(c -> Character.isISOControl(c) ? "?" : String.valueOf((char) c))
        .reduce("", String::concat);
  }
}
