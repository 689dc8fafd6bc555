package io.kcid.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A text file streamed to the server in parts, each part with the number of its first line. */
final class LineParts {
  /** Takes one part (the list is reused afterwards: copy what is kept). */
  interface Sink {
    void send(List<String> lines, int firstLineNumber);
  }

  private LineParts() {}

  /** Sends the reader's remaining lines in parts of at most {@code size}; the first is line {@code firstLineNumber}. */
  static void send(BufferedReader reader, int firstLineNumber, int size, Sink sink) throws IOException {
    List<String> lines = new ArrayList<>();
    int first = firstLineNumber;
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      lines.add(line);
      if (lines.size() == size) {
        sink.send(lines, first);
        first += lines.size();
        lines.clear();
      }
    }
    if (!lines.isEmpty()) {
      sink.send(lines, first);
    }
  }
}
