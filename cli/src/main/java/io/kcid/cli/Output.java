package io.kcid.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;

/** Prints API answers: protobuf JSON for {@code --json}, readable lines otherwise. */
final class Output {
  private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private Output() {}

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static void line(String label, Object value) {
    System.out.printf("%-16s %s%n", label + ":", value);
  }
}
