package io.kcid.server.fraud;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Well-known crawler user agents (the vendored monperrus/crawler-user-agents list), compiled once
 * and matched case-insensitively anywhere in a User-Agent. Each pattern (each alternative of a
 * top-level {@code a|b}) is indexed by the first three characters of a literal run it cannot match
 * without, so a user agent is only tried against the few patterns whose literal occurs in it, not
 * all ~1500 of them: a few microseconds a click instead of tens.
 */
public final class CrawlerPatterns {
  /** The vendored list: one regular expression a line, {@code #} comments; source and licence in its header. */
  static final String RESOURCE = "/fraud/crawler-user-agents.txt";
  private static final int GRAM = 3;
  /** Buckets of the trigram index (a power of two); a collision only adds a candidate. */
  private static final int BUCKETS = 4096;
  /** Longer user agents are cut: a crawler names itself early, and the cost stays bounded. */
  private static final int MAX_LENGTH = 512;

  private final Indexed[][] byGram;
  private final List<Pattern> unindexed;
  private final int size;

  private record Indexed(String literal, Pattern pattern) {}

  private CrawlerPatterns(List<String> patterns) {
    Map<Integer, List<Indexed>> grams = new HashMap<>();
    List<Pattern> rest = new ArrayList<>();
    for (String p : patterns) {
      // "a|b" finds what "a" or "b" finds: each alternative gets its own literal.
      for (String alternative : alternatives(p)) {
        Pattern compiled = Pattern.compile(alternative, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        String literal = requiredLiteral(alternative).toLowerCase(Locale.ROOT);
        if (literal.length() >= GRAM) {
          grams.computeIfAbsent(bucket(literal, 0), g -> new ArrayList<>()).add(new Indexed(literal, compiled));
        } else {
          rest.add(compiled);
        }
      }
    }
    this.byGram = new Indexed[BUCKETS][];
    grams.forEach((b, list) -> byGram[b] = list.toArray(Indexed[]::new));
    this.unindexed = List.copyOf(rest);
    this.size = patterns.size();
  }

  private static int bucket(String lower, int at) {
    return (lower.charAt(at) * 961 + lower.charAt(at + 1) * 31 + lower.charAt(at + 2)) & (BUCKETS - 1);
  }

  /** The top-level alternatives of a regular expression (itself when it has none). */
  static List<String> alternatives(String regex) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    int from = 0;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '(' || c == '[') {
        depth++;
      } else if (c == ')' || c == ']') {
        depth--;
      } else if (c == '|' && depth == 0) {
        out.add(regex.substring(from, i));
        from = i + 1;
      }
    }
    out.add(regex.substring(from));
    return out;
  }

  /** The embedded list. */
  public static CrawlerPatterns embedded() {
    try (InputStream in = CrawlerPatterns.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      List<String> patterns = new ArrayList<>();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = reader.readLine()) != null; ) {
        if (!line.isBlank() && !line.startsWith("#")) {
          patterns.add(line);
        }
      }
      return new CrawlerPatterns(patterns);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A list of one's own (tests). */
  static CrawlerPatterns of(List<String> patterns) {
    return new CrawlerPatterns(patterns);
  }

  public int size() {
    return size;
  }

  /** Whether {@code userAgent} names a known crawler. */
  public boolean matches(String userAgent) {
    if (userAgent == null || userAgent.isEmpty()) {
      return false;
    }
    String ua = userAgent.length() > MAX_LENGTH ? userAgent.substring(0, MAX_LENGTH) : userAgent;
    String lower = ua.toLowerCase(Locale.ROOT);
    for (int i = 0; i + GRAM <= lower.length(); i++) {
      Indexed[] candidates = byGram[bucket(lower, i)];
      if (candidates != null) {
        for (Indexed c : candidates) {
          if (lower.startsWith(c.literal(), i) && c.pattern().matcher(ua).find()) {
            return true;
          }
        }
      }
    }
    for (Pattern p : unindexed) {
      if (p.matcher(ua).find()) {
        return true;
      }
    }
    return false;
  }

  /**
   * The longest run of characters every match of {@code regex} contains, or "" when none can be
   * told safely: an alternation at the top, or a construct this reader does not follow. Escaped
   * punctuation is literal; a character followed by a quantifier is dropped (it may be absent or
   * repeated); anything inside groups or classes ends the run.
   */
  static String requiredLiteral(String regex) {
    String best = "";
    StringBuilder run = new StringBuilder();
    int depth = 0;
    for (int i = 0; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        if (i + 1 >= regex.length()) {
          return "";
        }
        char next = regex.charAt(++i);
        if (Character.isLetterOrDigit(next)) {
          best = longer(best, run);
          run.setLength(0);
          continue;
        }
        if (depth == 0) {
          run.append(next);
        }
      } else if (c == '(' || c == '[') {
        depth++;
        best = longer(best, run);
        run.setLength(0);
      } else if (c == ')' || c == ']') {
        depth--;
      } else if (c == '|') {
        if (depth == 0) {
          return "";
        }
      } else if (c == '?' || c == '*' || c == '{') {
        if (depth == 0 && run.length() > 0) {
          run.setLength(run.length() - 1);
        }
        best = longer(best, run);
        run.setLength(0);
        if (c == '{') {
          int close = regex.indexOf('}', i);
          if (close < 0) {
            return "";
          }
          i = close;
        }
      } else if (c == '+' || c == '.' || c == '^' || c == '$') {
        best = longer(best, run);
        run.setLength(0);
      } else if (depth == 0) {
        run.append(c);
      }
    }
    return longer(best, run);
  }

  private static String longer(String best, StringBuilder run) {
    return run.length() > best.length() ? run.toString() : best;
  }
}
