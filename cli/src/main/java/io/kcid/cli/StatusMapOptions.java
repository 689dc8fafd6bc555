package io.kcid.cli;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * {@code --status-map}, {@code --ignore-status} and {@code --response-format}: how an account reads
 * its senders' status words and what it answers them. A mixin of {@code account create|update} and
 * of {@code partner create|update} (there they are the defaults of new accounts).
 */
final class StatusMapOptions {
  @Option(names = "--status-map", paramLabel = "<word=status,...>",
      description = "Sender's status words and what they record (pending, approved, rejected), e.g."
          + " 'sale=approved,lead=pending,chargeback=rejected'; replaces the map ('' clears it).")
  String statusMap;

  @Option(names = "--ignore-status", arity = "0..1", fallbackValue = "true", paramLabel = "<true|false>",
      description = "Ignore the sender's status: every postback records the default status (approved).")
  Boolean ignoreStatus;

  @Option(names = "--response-format", paramLabel = "<format>",
      description = "Body of a successful postback answer: json (default), text-ok (OK), text-1 (1), empty."
          + " Refusals keep their status and JSON body.")
  String responseFormat;

  /** Whether any of the three is named on the command line. */
  boolean named() {
    return statusMap != null || ignoreStatus != null || responseFormat != null;
  }

  /** {@code --status-map} as a map (empty for {@code ''}); the server normalizes and checks the words. */
  Map<String, ConversionStatus> map() {
    Map<String, ConversionStatus> map = new TreeMap<>();
    if (statusMap == null || statusMap.isBlank()) {
      return map;
    }
    for (String entry : statusMap.split(",", -1)) {
      int eq = entry.indexOf('=');
      if (eq <= 0 || entry.substring(0, eq).isBlank()) {
        throw new CliException("--status-map '" + entry + "': expected word=status, e.g. sale=approved");
      }
      map.put(entry.substring(0, eq).trim(), status(entry.substring(eq + 1)));
    }
    return map;
  }

  /** {@code --response-format}, or UNSPECIFIED when not named. */
  PostbackResponseFormat format() {
    if (responseFormat == null) {
      return PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED;
    }
    return switch (responseFormat.trim().toLowerCase(Locale.ROOT)) {
      case "json" -> PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON;
      case "text-ok" -> PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK;
      case "text-1" -> PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_1;
      case "empty" -> PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_EMPTY;
      default -> throw new CliException("--response-format '" + responseFormat + "': expected json, text-ok, text-1 or empty");
    };
  }

  private static ConversionStatus status(String word) {
    return switch (word.trim().toLowerCase(Locale.ROOT)) {
      case "pending" -> ConversionStatus.CONVERSION_STATUS_PENDING;
      case "approved" -> ConversionStatus.CONVERSION_STATUS_APPROVED;
      case "rejected" -> ConversionStatus.CONVERSION_STATUS_REJECTED;
      default -> throw new CliException("--status-map: '" + word.trim() + "' is not pending, approved or rejected");
    };
  }

  /** A map as {@code account get} shows it: {@code 1=pending,2=approved}, or {@code (none)}. */
  static String text(Map<String, ConversionStatus> map) {
    if (map.isEmpty()) {
      return "(none: approved, pending, rejected)";
    }
    return new TreeMap<>(map).entrySet().stream()
        .map(e -> e.getKey() + "=" + CliWords.enumWord(e.getValue().getValueDescriptor()))
        .collect(Collectors.joining(","));
  }

  /** A format as {@code account get} shows it. */
  static String text(PostbackResponseFormat format) {
    return format == PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED
        ? "json" : CliWords.enumWord(format.getValueDescriptor());
  }
}
