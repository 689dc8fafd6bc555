package io.kcid.edge.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Splits what an edge wrote on one connection (pipelined requests) into its answers. */
public final class RawAnswers {
  private RawAnswers() {}

  /** Status, the answer's own headers that matter, and the body. */
  public record Answered(int status, String location, String retryAfter, String body) {}

  public static List<Answered> parse(String raw) {
    List<Answered> answers = new ArrayList<>();
    int at = 0;
    while (at < raw.length()) {
      int headersEnd = raw.indexOf("\r\n\r\n", at);
      String[] lines = raw.substring(at, headersEnd).split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      int length = 0;
      String location = null;
      String retryAfter = null;
      for (String line : lines) {
        String lower = line.toLowerCase(Locale.ROOT);
        String value = line.substring(line.indexOf(':') + 1).trim();
        if (lower.startsWith("content-length:")) {
          length = Integer.parseInt(value);
        } else if (lower.startsWith("location:")) {
          location = value;
        } else if (lower.startsWith("retry-after:")) {
          retryAfter = value;
        }
      }
      int bodyStart = headersEnd + 4;
      answers.add(new Answered(status, location, retryAfter, raw.substring(bodyStart, bodyStart + length)));
      at = bodyStart + length;
    }
    return answers;
  }

  /** Every request in one write, so the edge reads them in one pass; the last one closes the connection. */
  public static String pipelined(List<String> pathsAndQueries) {
    StringBuilder requests = new StringBuilder();
    for (int i = 0; i < pathsAndQueries.size(); i++) {
      requests.append("GET ").append(pathsAndQueries.get(i)).append(" HTTP/1.1\r\nHost: x\r\n");
      requests.append(i == pathsAndQueries.size() - 1 ? "Connection: close\r\n\r\n" : "\r\n");
    }
    return requests.toString();
  }
}
