package io.kcid.core.kcid;

import java.util.Locale;
import java.util.Set;

/**
 * Recognises a postback template placeholder that was sent as is instead of being filled in:
 * {@code {kcid}}, {@code %7Bkcid%7D}, {@code [clickid]}, {@code ${kcid}}, {@code %%kcid%%},
 * {@code ##kcid##}, {@code <kcid>}, or a bare macro name such as {@code clickid}. None of these
 * characters or names can occur in a kcid, so a match is never a false alarm.
 */
final class MacroDetector {
  private static final String DELIMITERS = "{}[]<>$";
  private static final String[] MARKERS = {"%%", "##", "%7b", "%7d", "%5b", "%5d"};
  private static final Set<String> NAMES =
      Set.of("kcid", "clickid", "click_id", "cid", "subid", "sub_id", "transaction_id");
  private static final int LONGEST_NAME = "transaction_id".length();

  private MacroDetector() {}

  static boolean isMacro(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      if (DELIMITERS.indexOf(raw.charAt(i)) >= 0) {
        return true;
      }
    }
    // Every marker starts with '%' or '#': without either (every real kcid) the case-insensitive
    // scans below cannot match. They were the top CPU frame of a postback under load (JFR).
    if (raw.indexOf('%') >= 0 || raw.indexOf('#') >= 0) {
      for (String marker : MARKERS) {
        if (containsIgnoreCase(raw, marker)) {
          return true;
        }
      }
    }
    return raw.length() <= LONGEST_NAME && NAMES.contains(raw.toLowerCase(Locale.ROOT));
  }

  private static boolean containsIgnoreCase(String text, String needle) {
    for (int i = 0; i + needle.length() <= text.length(); i++) {
      if (text.regionMatches(true, i, needle, 0, needle.length())) {
        return true;
      }
    }
    return false;
  }
}
